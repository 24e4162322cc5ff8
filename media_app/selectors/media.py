"""Reads of media, with the visibility rules applied in one place.

Every listing, search, detail, comment thread, playlist and feed goes through these functions,
so "who may see what" is decided here and nowhere else.
"""

from __future__ import annotations

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
