"""Django admin for every model. Actions that carry rules call the services, never set flags."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied

from media_app import views_accounts
from media_app.models import (
    Category,
    Comment,
    EncodeProfile,
    Encoding,
    JournalistVerification,
    Media,
    MediaAction,
    Playlist,
    PlaylistMedia,
    Tag,
    User,
)
from media_app.services import media as media_services
from media_app.services import mfa as mfa_services
from media_app.services import users as user_services
from media_app.services import verification as verification_services
from media_app.services.errors import ServiceError

# The admin has no login of its own: /admin/login/ hands over to the site's, which asks for the
# second factor (media_app/views_accounts.py).
admin.site.login = views_accounts.admin_login


def _each(modeladmin, request, queryset, action, done: str) -> None:
    """Run a service per row; a refusal is reported for that row and the others go on."""
    ok = 0
    for obj in queryset:
        try:
            action(obj)
            ok += 1
        except (ServiceError, PermissionDenied) as exc:
            modeladmin.message_user(request, f"{obj}: {exc}", level=messages.WARNING)
    if ok:
        modeladmin.message_user(request, f"{ok} {done}.", level=messages.SUCCESS)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = (
        "username",
        "name",
        "email",
        "is_verified_journalist",
        "verified_outlet",
        "is_editor",
        "is_manager",
        "is_superuser",
        "is_active",
        "date_added",
    )
    list_filter = (
        "is_verified_journalist",
        "is_editor",
        "is_manager",
        "is_superuser",
        "is_active",
        "is_featured",
    )
    search_fields = ("username", "name", "email", "verified_outlet")
    ordering = ("-date_added",)

    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (
            "OpenPress",
            {
                "fields": (
                    "name",
                    "description",
                    "logo",
                    "is_editor",
                    "is_manager",
                    "is_verified_journalist",
                    "verified_outlet",
                    "is_featured",
                    "advanced_user",
                    "email_is_verified",
                    "allow_contact",
                    "role_granted_at",
                )
            },
        ),
    )

    readonly_fields = ("role_granted_at",)
    actions = ("reset_second_factor",)

    def _may_write(self, request, obj) -> bool:
        """The account rule of services/users.py for staff who are not admins: the admin's form
        changes roles and credentials together, so it is checked as a change of roles."""
        if obj is None:
            return True
        try:
            user_services.user_check_write(
                by=request.user, user=obj, change=user_services.AccountChange.ROLES
            )
        except PermissionDenied:
            return False
        return True

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._may_write(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._may_write(request, obj)

    def save_model(self, request, obj, form, change):
        # Granting a role here starts the two-factor grace period like everywhere else.
        before = User.objects.filter(pk=obj.pk).first() if obj.pk else None
        mfa_services.mfa_role_changed(user=obj, held_a_role=bool(before and before.holds_a_role))
        super().save_model(request, obj, form, change)

    @admin.action(description="Reset second factor (a lost phone or key)")
    def reset_second_factor(self, request, queryset):
        _each(
            self,
            request,
            queryset,
            lambda u: mfa_services.mfa_reset(user=u, by=request.user),
            "second factors reset",
        )


@admin.register(JournalistVerification)
class JournalistVerificationAdmin(admin.ModelAdmin):
    list_display = ("user", "outlet", "role", "status", "created_at", "decided_by", "decided_at")
    list_filter = ("status",)
    search_fields = ("user__username", "user__email", "outlet", "role")
    list_select_related = ("user", "decided_by")
    readonly_fields = ("created_at", "decided_by", "decided_at", "status")
    date_hierarchy = "created_at"
    actions = ("approve", "reject", "revoke")

    @admin.action(description="Approve: the user becomes a verified journalist")
    def approve(self, request, queryset):
        _each(
            self,
            request,
            queryset,
            lambda r: verification_services.verification_approve(request=r, by=request.user),
            "requests approved",
        )

    @admin.action(description="Reject the selected waiting requests")
    def reject(self, request, queryset):
        _each(
            self,
            request,
            queryset,
            lambda r: verification_services.verification_reject(request=r, by=request.user),
            "requests rejected",
        )

    @admin.action(description="Revoke: the user is no longer a verified journalist")
    def revoke(self, request, queryset):
        _each(
            self,
            request,
            queryset,
            lambda r: verification_services.verification_revoke(request=r, by=request.user),
            "verifications revoked",
        )


class EncodingInline(admin.TabularInline):
    model = Encoding
    extra = 0
    fields = ("profile", "status", "progress", "chunk_index", "size", "fail_reason")
    readonly_fields = fields
    can_delete = False
    show_change_link = True


@admin.register(Media)
class MediaAdmin(admin.ModelAdmin):
    list_display = (
        "title",
        "friendly_token",
        "user",
        "media_type",
        "state",
        "is_reviewed",
        "encoding_status",
        "featured",
        "reported_times",
        "views",
        "add_date",
    )
    list_filter = ("state", "is_reviewed", "encoding_status", "media_type", "featured")
    search_fields = ("title", "description", "friendly_token", "user__username")
    list_select_related = ("user",)
    raw_id_fields = ("user", "reviewed_by")
    filter_horizontal = ("tags", "categories")
    readonly_fields = (
        "friendly_token",
        "uid",
        "views",
        "likes",
        "dislikes",
        "reported_times",
        "hiding_reports",
        "reports_cleared_at",
        "reports_notified_at",
        "edit_date",
        "media_info",
        # Set by a retraction only (services/corrections.py), which the history records.
        "retracted",
        "media_withheld",
    )
    date_hierarchy = "add_date"
    inlines = (EncodingInline,)
    actions = ("review_approve", "review_reject")

    def save_model(self, request, obj, form, change):
        from media_app.services.history import history_record_changes, history_snapshot

        stored = Media.objects.select_related("user").filter(pk=obj.pk).first() if change else None
        super().save_model(request, obj, form, change)
        if stored is not None:
            # Edits here change public facts too (the author among them): they enter the chain.
            history_record_changes(media=obj, before=history_snapshot(stored), by=request.user)

    @admin.action(description="Review: approve (publish in the state the owner chose)")
    def review_approve(self, request, queryset):
        _each(
            self,
            request,
            queryset,
            lambda m: media_services.media_review(media=m, by=request.user, approve=True),
            "media approved",
        )

    @admin.action(description="Review: reject (keep private)")
    def review_reject(self, request, queryset):
        _each(
            self,
            request,
            queryset,
            lambda m: media_services.media_review(media=m, by=request.user, approve=False),
            "media rejected",
        )


@admin.register(Encoding)
class EncodingAdmin(admin.ModelAdmin):
    list_display = ("media", "profile", "status", "progress", "chunk_index", "size", "update_date")
    list_filter = ("status", "profile", "chunk")
    search_fields = ("media__title", "media__friendly_token", "task_id")
    list_select_related = ("media", "profile")
    raw_id_fields = ("media",)


@admin.register(EncodeProfile)
class EncodeProfileAdmin(admin.ModelAdmin):
    list_display = ("name", "resolution", "codec", "extension", "max_video_kbps", "active")
    list_filter = ("active", "codec")


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("title", "is_global", "media_count", "user", "add_date")
    list_filter = ("is_global",)
    search_fields = ("title", "description")
    raw_id_fields = ("user",)


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ("title", "media_count", "add_date")
    search_fields = ("title",)


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ("user", "media", "short_text", "add_date")
    search_fields = ("text", "user__username", "media__title", "media__friendly_token")
    list_select_related = ("user", "media")
    raw_id_fields = ("user", "media", "parent")
    date_hierarchy = "add_date"

    @admin.display(description="text")
    def short_text(self, obj: Comment) -> str:
        return obj.text[:80]


@admin.register(MediaAction)
class MediaActionAdmin(admin.ModelAdmin):
    list_display = ("action", "media", "user", "session_key", "action_date")
    list_filter = ("action",)
    search_fields = ("media__friendly_token", "user__username", "extra_info")
    list_select_related = ("user", "media")
    raw_id_fields = ("user", "media")


class PlaylistMediaInline(admin.TabularInline):
    model = PlaylistMedia
    extra = 0
    raw_id_fields = ("media",)
    ordering = ("ordering",)


@admin.register(Playlist)
class PlaylistAdmin(admin.ModelAdmin):
    list_display = ("title", "friendly_token", "user", "add_date")
    search_fields = ("title", "friendly_token", "user__username")
    list_select_related = ("user",)
    raw_id_fields = ("user",)
    inlines = (PlaylistMediaInline,)
