"""Reads of media, with the visibility rules applied in one place.

Every listing, search, detail, comment thread, playlist and feed goes through these functions,
so "who may see what" is decided here and nowhere else.
"""

from __future__ import annotations

import functools

from django.db.models import Q, QuerySet

from media_app.models import Media

VISIBLE_STATES = (Media.State.PUBLIC, Media.State.UNLISTED)


def sees_everything(user) -> bool:
    return bool(user and user.is_authenticated and user.can_edit_media)


def media_visible_q(user) -> Q:
    """Media this user may open: public or unlisted once reviewed, their own, or all for editors."""
    if sees_everything(user):
        return Q()
    q = Q(state__in=VISIBLE_STATES, is_reviewed=True)
    if user is not None and user.is_authenticated:
        q |= Q(user=user)
    return q


def media_listable_q() -> Q:
    """Media that may appear in public listings, search and feeds."""
    return Q(
        state=Media.State.PUBLIC, is_reviewed=True, encoding_status=Media.EncodingStatus.SUCCESS
    )


def media_base_qs() -> QuerySet[Media]:
    return Media.objects.select_related("user")


def media_list(*, user, author: str | None = None) -> QuerySet[Media]:
    """Media for a listing. The owner (and editors) see all of an author's media."""
    qs = media_base_qs()
    if author:
        qs = qs.filter(user__username=author)
        if (
            user is not None
            and user.is_authenticated
            and (user.username == author or sees_everything(user))
        ):
            return qs
    return qs.filter(media_listable_q())


def media_visible(*, user) -> QuerySet[Media]:
    return media_base_qs().filter(media_visible_q(user))


def media_get_visible(*, user, friendly_token: str) -> Media | None:
    """The media if this user may see it, else ``None`` (unknown and hidden look the same)."""
    return media_visible(user=user).filter(friendly_token=friendly_token).first()


def user_can_edit_media(*, user, media: Media) -> bool:
    return bool(
        user and user.is_authenticated and (media.user_id == user.id or user.can_edit_media)
    )


def original_allowed(*, user, media) -> bool:
    """Whether ``user`` (``None`` for an anonymous visitor) may fetch the original of ``media``
    (a Media, or a row with ``user_id``, ``state``, ``is_reviewed``, ``allow_download`` and
    ``encoding_status``): the file as it was uploaded, with whatever it carries (GPS, device
    serials, a PDF's author).

    The one rule for the API's ``original_media_url`` and for the file gate: the owner and
    editors always; anyone else only when the owner allows downloads, the media is visible to
    them (the rule of :func:`media_visible_q`: public or unlisted, reviewed) and its encode
    succeeded (a file the encoder refused, or has not read yet, is not handed to the public).
    """
    get = media.get if isinstance(media, dict) else lambda field: getattr(media, field)
    if (
        user is not None
        and user.is_authenticated
        and (get("user_id") == user.id or user.can_edit_media)
    ):
        return True
    return bool(
        get("allow_download")
        and get("state") in VISIBLE_STATES
        and get("is_reviewed")
        and get("encoding_status") == Media.EncodingStatus.SUCCESS
    )


# The columns original_allowed reads, for a query that loads only them.
ORIGINAL_RULE_FIELDS = ("user_id", "state", "is_reviewed", "allow_download", "encoding_status")


# --- listings, search and feeds -----------------------------------------------------------

# Columns a client may sort a listing by (MediaCMS's ``sort_by``); the value is the model field.
SORT_FIELDS = {
    "title": "title",
    "add_date": "add_date",
    "edit_date": "edit_date",
    "views": "views",
    "likes": "likes",
}
UPLOAD_DATE_DAYS = {"today": 1, "this_week": 7, "this_month": 31, "this_year": 365}
# MediaCMS's ``duration`` buckets, in minutes.
DURATION_MINUTES = {"0-20": (0, 20), "20-40": (20, 40), "40-60": (40, 60), "60-120": (60, 120)}
RELATED_MEDIA_LIMIT = 12
SEARCH_TITLES_LIMIT = 40


def _ordered(qs: QuerySet[Media], *, sort_by: str = "", ordering: str = "") -> QuerySet[Media]:
    """Order by one of :data:`SORT_FIELDS`: ``sort_by=views`` with ``ordering=asc|desc``, or the
    combined ``views_desc`` form. Unknown columns fall back to the newest first."""
    field, direction = sort_by or "", ordering if ordering in ("asc", "desc") else "desc"
    for suffix in ("_asc", "_desc"):
        if field.endswith(suffix):
            field, direction = field[: -len(suffix)], suffix[1:]
    column = SORT_FIELDS.get(field, "add_date")
    sign = "" if direction == "asc" else "-"
    return qs.order_by(f"{sign}{column}", f"{sign}id")


def _filtered(
    qs: QuerySet[Media],
    *,
    media_type: str = "",
    tag: str = "",
    q: str = "",
    category: str = "",
    upload_date: str = "",
    duration: str = "",
) -> QuerySet[Media]:
    if media_type:
        qs = qs.filter(media_type=media_type)
    if tag:
        qs = qs.filter(tags__title=tag.strip().lower())
    if category:
        qs = qs.filter(categories__title__icontains=category.strip())
    if q:
        words = q.split()[:10]
        for word in words:
            qs = qs.filter(
                Q(title__icontains=word)
                | Q(description__icontains=word)
                | Q(tags__title__icontains=word)
            )
    if upload_date in UPLOAD_DATE_DAYS:
        from datetime import timedelta

        from django.utils import timezone

        qs = qs.filter(add_date__gte=timezone.now() - timedelta(days=UPLOAD_DATE_DAYS[upload_date]))
    if duration in DURATION_MINUTES:
        low, high = DURATION_MINUTES[duration]
        qs = qs.filter(duration__gte=low * 60, duration__lt=high * 60)
    if tag or category or q:
        # Joins through tags/categories can repeat a row; a subquery keeps ordering simple.
        qs = Media.objects.filter(pk__in=qs.values("pk")).select_related("user")
    return qs


def media_listing(
    *,
    user,
    author: str = "",
    show: str = "",
    media_type: str = "",
    tag: str = "",
    q: str = "",
    sort_by: str = "",
    ordering: str = "",
    upload_date: str = "",
    duration: str = "",
    publish_state: str = "",
) -> QuerySet[Media]:
    """``GET /api/v1/media``: the rows of a listing (the page's tags are read by the paginator)."""
    qs = media_list(user=user, author=author or None)
    if publish_state and author:
        # Only meaningful in an owner's (or editor's) view of an author: others see public only.
        qs = qs.filter(state=publish_state)
    qs = _filtered(
        qs, media_type=media_type, tag=tag, q=q, upload_date=upload_date, duration=duration
    )
    if show == "featured":
        qs = qs.filter(featured=True)
    if show == "recommended" and not sort_by:
        return qs.order_by("-views", "-likes", "-add_date", "-id")
    return _ordered(qs, sort_by=sort_by, ordering=ordering)


def media_search(
    *,
    user,
    q: str = "",
    category: str = "",
    tag: str = "",
    media_type: str = "",
    author: str = "",
    upload_date: str = "",
    sort_by: str = "",
    ordering: str = "",
) -> QuerySet[Media]:
    """``GET /api/v1/search``: listable media only, whoever asks."""
    qs = media_base_qs().filter(media_listable_q())
    if author:
        qs = qs.filter(user__username=author)
    qs = _filtered(
        qs, media_type=media_type, tag=tag, q=q, category=category, upload_date=upload_date
    )
    return _ordered(qs, sort_by=sort_by, ordering=ordering).prefetch_related("categories")


def media_detail(*, user, friendly_token: str) -> Media | None:
    """The media with what its detail page shows, one query each: ``tag_list``,
    ``category_list`` and ``encoding_list`` (its renditions, with their profiles)."""
    media = media_visible(user=user).filter(friendly_token=friendly_token).first()
    if media is not None:
        # Plain queries for one media: prefetch_related's machinery is made for many and cost
        # more than these queries themselves (docs/performance.md, "API").
        media.tag_list = list(media.tags.all())
        media.category_list = list(media.categories.all())
        media.encoding_list = list(media.encodings.filter(chunk=False).select_related("profile"))
    return media


@functools.cache
def _closeness_sql() -> str:
    """How close a media (the outer row) is to media ``%s``: 3 a shared tag, 2 a shared
    category, 1 the same author (``%s``), else 0."""
    media = Media._meta.db_table
    tags, cats = Media.tags.through._meta.db_table, Media.categories.through._meta.db_table
    # The names are the models' tables; every value is a parameter.
    return (
        f"CASE WHEN EXISTS (SELECT 1 FROM {tags} a JOIN {tags} b ON b.tag_id = a.tag_id"  # noqa: S608
        f" WHERE a.media_id = {media}.id AND b.media_id = %s) THEN 3"
        f" WHEN EXISTS (SELECT 1 FROM {cats} a JOIN {cats} b ON b.category_id = a.category_id"
        f" WHERE a.media_id = {media}.id AND b.media_id = %s) THEN 2"
        f" WHEN {media}.user_id = %s THEN 1 ELSE 0 END"
    )


def media_related(*, media: Media, limit: int = RELATED_MEDIA_LIMIT) -> QuerySet[Media]:
    """Listable media like this one: a shared tag first, then a shared category, then the same
    author, the most viewed and newest first within each."""
    from django.db.models import IntegerField
    from django.db.models.expressions import RawSQL

    # The closeness is one SQL CASE: spelled with the ORM's Case, When and Exists it cost more
    # Python to build and compile than the rest of the detail's queries (docs/performance.md).
    closeness = RawSQL(  # noqa: S611 (see _closeness_sql)
        _closeness_sql(), (media.pk, media.pk, media.user_id), output_field=IntegerField()
    )
    return (
        media_base_qs()
        .filter(media_listable_q())
        .exclude(pk=media.pk)
        .annotate(closeness=closeness)
        .order_by("-closeness", "-views", "-add_date", "-id")[:limit]
    )


def media_for_action(*, user, session_key: str | None, action: str) -> QuerySet[Media]:
    """Media this person (or anonymous session) liked, watched…, newest first; only media
    they may still see."""
    from django.db.models import Max

    if user is not None and user.is_authenticated:
        actor = Q(actions__user=user)
    elif session_key:
        actor = Q(actions__session_key=session_key, actions__user__isnull=True)
    else:
        return Media.objects.none()
    return (
        media_visible(user=user)
        .filter(actor, actions__action=action)
        .annotate(acted_at=Max("actions__action_date"))
        .order_by("-acted_at", "-id")
    )


def media_reports(*, media: Media, viewer) -> QuerySet:
    """The reports on a media, for its owner or an editor."""
    from media_app.models import MediaAction
    from media_app.services.errors import NotAllowed

    if not user_can_edit_media(user=viewer, media=media):
        raise NotAllowed("Only the owner or an editor may read the reports.")
    return MediaAction.objects.filter(media=media, action=MediaAction.Action.REPORT).order_by(
        "-action_date", "-id"
    )


def media_for_management(
    *,
    viewer,
    state: str = "",
    encoding_status: str = "",
    media_type: str = "",
    featured: bool | None = None,
    is_reviewed: bool | None = None,
    reported: bool | None = None,
    category: str = "",
    sort_by: str = "",
    ordering: str = "",
) -> QuerySet[Media]:
    """Every media, for editors (``/api/v1/manage_media``); ``is_reviewed=False`` is the queue,
    ``reported=True`` the media people reported (public ones too: below the hiding threshold a
    report leaves the media up, and an editor still has to look at it)."""
    from media_app.services.errors import NotAllowed

    if not sees_everything(viewer):
        raise NotAllowed("Only editors manage media.")
    qs = media_base_qs()
    if state:
        qs = qs.filter(state=state)
    if encoding_status:
        qs = qs.filter(encoding_status=encoding_status)
    if media_type:
        qs = qs.filter(media_type=media_type)
    if featured is not None:
        qs = qs.filter(featured=featured)
    if is_reviewed is not None:
        qs = qs.filter(is_reviewed=is_reviewed)
    if reported is not None:
        qs = qs.filter(reported_times__gt=0) if reported else qs.filter(reported_times=0)
    if category:
        qs = Media.objects.filter(
            pk__in=qs.filter(categories__title=category).values("pk")
        ).select_related("user")
    if reported and not sort_by:
        return qs.order_by("-reported_times", "-add_date", "-id")
    return _ordered(qs, sort_by=sort_by, ordering=ordering)


# --- comments ---------------------------------------------------------------------------


def _comment_qs():
    from media_app.models import Comment

    return Comment.objects.select_related("user", "media", "parent")


def comments_of_media(*, media: Media) -> QuerySet:
    """Comments of one media (the caller has been shown the media already), newest first."""
    return _comment_qs().filter(media=media).order_by("-add_date", "-id")


def comments_listing(*, user, author: str = "") -> QuerySet:
    """``GET /api/v1/comments``: comments on media the caller may find in listings (plus their
    own media); editors see all."""
    qs = _comment_qs()
    if not sees_everything(user):
        q = media_listable_q()
        if user is not None and user.is_authenticated:
            q |= Q(user=user)
        qs = qs.filter(media__in=Media.objects.filter(q))
    if author:
        qs = qs.filter(user__username=author)
    return qs.order_by("-add_date", "-id")


def comment_get(*, media: Media, uid) -> object | None:
    return _comment_qs().filter(media=media, uid=uid).first()


def comments_for_management(*, viewer) -> QuerySet:
    from media_app.services.errors import NotAllowed

    if not sees_everything(viewer):
        raise NotAllowed("Only editors manage comments.")
    return _comment_qs().order_by("-add_date", "-id")


# --- taxonomy ---------------------------------------------------------------------------


def _listable_media_of(relation: str):
    """Per-row count and most-viewed thumbnail of the listable media under a tag/category."""
    from django.db.models import Count, IntegerField, OuterRef, Subquery, Value
    from django.db.models.functions import Coalesce

    listable = Media.objects.filter(media_listable_q(), **{relation: OuterRef("pk")})
    count = listable.order_by().values(relation).annotate(n=Count("id")).values("n")[:1]
    thumb = listable.exclude(thumbnail="").order_by("-views", "-id").values("thumbnail")[:1]
    return {
        "listable_count": Coalesce(Subquery(count, output_field=IntegerField()), Value(0)),
        "listable_thumbnail": Subquery(thumb),
    }


def tag_listing() -> QuerySet:
    """Tags carried by listable media, the most used first. Counts never include media a
    visitor could not find, and a tag only private media carry is not shown at all."""
    from media_app.models import Tag

    return (
        Tag.objects.annotate(**_listable_media_of("tags"))
        .filter(listable_count__gt=0)
        .order_by("-listable_count", "title")
    )


def category_listing() -> QuerySet:
    from media_app.models import Category

    return (
        Category.objects.select_related("user")
        .annotate(**_listable_media_of("categories"))
        .order_by("title")
    )
