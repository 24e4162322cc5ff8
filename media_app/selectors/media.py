"""Reads of media, with the visibility rules applied in one place.

Every listing, search, detail, comment thread, playlist and feed goes through these functions,
so "who may see what" is decided here and nowhere else.
"""

from __future__ import annotations

from django.contrib.postgres.expressions import ArraySubquery
from django.core.cache import cache
from django.db import connection
from django.db.models import Case, Exists, F, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.db.models.functions import JSONObject

from media_app.models import Comment, Media, Subtitle
from media_app.selectors import search

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
    """Media that may appear in public listings, search and feeds (retracted media does not:
    its page stays reachable by its link, with the notice; docs/provenance.md, section 3)."""
    return Q(
        state=Media.State.PUBLIC,
        is_reviewed=True,
        encoding_status=Media.EncodingStatus.SUCCESS,
        retracted=False,
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


def download_allowed(*, user, media) -> bool:
    """Whether ``user`` (``None`` for an anonymous visitor) may download ``media`` (a Media, or a
    row with the columns of :data:`ORIGINAL_RULE_FIELDS`): the download rule, which serves the
    clean public copy (``public_file``, docs/provenance.md "1. Source protection").

    The owner and editors always; anyone else only when the owner allows downloads, the media
    is visible to them (the rule of :func:`media_visible_q`: public or unlisted, reviewed) and
    its encode succeeded (a file the encoder refused, or has not read yet, is not handed out).
    """
    get = media.get if isinstance(media, dict) else lambda field: getattr(media, field)
    if _owner_or_editor(user, get):
        return True
    return bool(
        get("allow_download")
        and get("state") in VISIBLE_STATES
        and get("is_reviewed")
        and get("encoding_status") == Media.EncodingStatus.SUCCESS
    )


def _owner_or_editor(user, get) -> bool:
    return bool(
        user is not None
        and user.is_authenticated
        and (get("user_id") == user.id or user.can_edit_media)
    )


def original_allowed(*, user, media) -> bool:
    """Whether ``user`` (``None`` for an anonymous visitor) may fetch the original of ``media``
    (a Media, or a row with the columns of :data:`ORIGINAL_RULE_FIELDS`): the file as it was
    uploaded, with whatever it carries (GPS, device serials, a PDF's author).

    The original is sealed (issue 15, docs/provenance.md "1. Source protection"): its owner and
    editors only. Anyone else only when the owner, after seeing what the file reveals, confirmed
    publishing it unchanged (``original_unchanged_confirmed_at``), and then by the download rule
    (:func:`download_allowed`). The one rule for the API's URLs and for the file gate.
    """
    get = media.get if isinstance(media, dict) else lambda field: getattr(media, field)
    if _owner_or_editor(user, get):
        return True
    return bool(get("original_unchanged_confirmed_at")) and download_allowed(user=None, media=media)


# The columns original_allowed and download_allowed read, for a query that loads only them.
ORIGINAL_RULE_FIELDS = (
    "user_id",
    "state",
    "is_reviewed",
    "allow_download",
    "encoding_status",
    "original_unchanged_confirmed_at",
)


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
# How long the choice of a media's related media is kept (media_related): what is shown of them
# is read fresh every time.
RELATED_IDS_SECONDS = 600
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
    rank: bool = False,
    snippet: bool = False,
) -> QuerySet[Media]:
    if media_type:
        qs = qs.filter(media_type=media_type)
    if tag:
        qs = qs.filter(tags__title=tag.strip().lower())
    if category:
        qs = qs.filter(categories__title__icontains=category.strip())
    if upload_date in UPLOAD_DATE_DAYS:
        from datetime import timedelta

        from django.utils import timezone

        qs = qs.filter(add_date__gte=timezone.now() - timedelta(days=UPLOAD_DATE_DAYS[upload_date]))
    if duration in DURATION_MINUTES:
        low, high = DURATION_MINUTES[duration]
        qs = qs.filter(duration__gte=low * 60, duration__lt=high * 60)
    if tag or category:
        # Joins through tags or categories can repeat a row; a subquery keeps ordering simple.
        qs = Media.objects.filter(pk__in=qs.values("pk")).select_related("user")
    if q:
        # Full-text search (selectors/search.py): ranked on PostgreSQL, words on SQLite.
        if search.fts_enabled():
            qs = search.fts_apply(qs, q, rank=rank, snippet=snippet)
        else:
            qs = search.words_apply(qs, q)
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
    ranked = bool(q) and search.fts_enabled() and not sort_by and show != "recommended"
    qs = _filtered(
        qs,
        media_type=media_type,
        tag=tag,
        q=q,
        upload_date=upload_date,
        duration=duration,
        rank=ranked,
    )
    if show == "featured":
        qs = qs.filter(featured=True)
    if show == "recommended" and not sort_by:
        return qs.order_by("-views", "-likes", "-add_date", "-id")
    if ranked:
        return qs.order_by(F("search_score").desc(), "-add_date", "-id")
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
    snippets: bool = False,
) -> QuerySet[Media]:
    """``GET /api/v1/search``: listable media only, whoever asks. With words (``q``) and no
    ``sort_by``, the best match first (selectors/search.py, the ranking formula), each row with
    its ``search_snippet``; otherwise in the order asked, newest first by default."""
    qs = media_base_qs().filter(media_listable_q())
    if author:
        qs = qs.filter(user__username=author)
    ranked = bool(q) and search.fts_enabled() and not sort_by
    qs = _filtered(
        qs,
        media_type=media_type,
        tag=tag,
        q=q,
        category=category,
        upload_date=upload_date,
        rank=ranked,
        snippet=snippets and bool(q) and search.fts_enabled(),
    )
    if ranked:
        qs = qs.order_by(F("search_score").desc(), "-add_date", "-id")
    else:
        qs = _ordered(qs, sort_by=sort_by, ordering=ordering)
    return qs  # (a page's categories: one query, api/serializers/media.py _SearchResults)


def media_search_ids(*, q: str = "", ordering: str = "", **others: str) -> QuerySet | None:
    """The ordered ids of what ``media_search`` (or ``media_listing``, whose public list is the
    same) finds with the same arguments, read from the search documents alone
    (selectors.search.ranked_listable_ids), for the plain ranked search: words and nothing else
    (the search box). ``None`` otherwise (a filter, an author, a ``show``, a ``sort_by``), and
    the paginator reads the media query itself. The page's rows always come from the media
    query, visibility rules and all."""
    del ordering  # (without sort_by, the order is the ranking's)
    if not (q and search.fts_enabled()) or any(others.values()):
        return None
    return search.ranked_listable_ids(q)


def _subtitle_rows() -> ArraySubquery:
    """The media's subtitle tracks as JSON rows (language, label, file), by language."""
    tracks = Subtitle.objects.filter(media=OuterRef("pk")).order_by("language")
    return ArraySubquery(
        tracks.values(row=JSONObject(language="language", label="label", file="file"))
    )


def media_detail(*, user, friendly_token: str) -> Media | None:
    """The media with what its detail page shows, one query each: ``tag_list``,
    ``category_list`` and ``encoding_list`` (its renditions, with their profiles)."""
    found = media_visible(user=user).filter(friendly_token=friendly_token)
    if connection.vendor == "postgresql":
        # Its subtitle tracks in the same query (issue 16): few, small rows. (ARRAY subqueries
        # are PostgreSQL's; elsewhere, the embedded SQLite, the serializer asks in a query.)
        found = found.annotate(subtitle_rows=_subtitle_rows())
    media = found.first()
    if media is not None:
        # Plain queries for one media: prefetch_related's machinery is made for many and cost
        # more than these queries themselves (docs/performance.md, "API").
        # Attributes the detail serializer reads (not model fields, hence setattr).
        setattr(media, "tag_list", list(media.tags.all()))  # noqa: B010
        setattr(media, "category_list", list(media.categories.all()))  # noqa: B010
        encodings = media.encodings.filter(chunk=False).select_related("profile")
        setattr(media, "encoding_list", list(encodings))  # noqa: B010
    return media


def media_related(*, media: Media, limit: int = RELATED_MEDIA_LIMIT) -> QuerySet[Media]:
    """Listable media like this one: a shared tag first, then a shared category, then the same
    author, then the rest; the most viewed and newest first within each.

    Which media those are (:func:`media_related_ids`) is kept in the cache for
    ``RELATED_IDS_SECONDS``; whether each may still be shown is read again on every call, in the
    query of their rows: a media hidden, withheld or deleted since drops out at once, a new one
    joins within minutes.
    """
    tag_ids = sorted(t.pk for t in getattr(media, "tag_list", None) or media.tags.all())
    cat_ids = sorted(c.pk for c in getattr(media, "category_list", None) or media.categories.all())
    # The token (never reused, unlike a primary key in a database made again) and what the
    # groups are made of: a media whose tags, categories or author change gets new ids at once.
    key = "openpress:related-ids:{}:{}:{}:{}:{}".format(
        media.friendly_token,
        media.user_id,
        ",".join(map(str, tag_ids)),
        ",".join(map(str, cat_ids)),
        limit,
    )
    ids = cache.get(key)
    if ids is None:
        ids = media_related_ids(media=media, tag_ids=tag_ids, cat_ids=cat_ids, limit=limit)
        cache.set(key, ids, timeout=RELATED_IDS_SECONDS)
    if not ids:
        return Media.objects.none()
    position = Case(
        *(When(pk=pk, then=Value(i)) for i, pk in enumerate(ids)),
        output_field=IntegerField(),
    )
    return media_base_qs().filter(media_listable_q(), pk__in=ids).order_by(position)


def media_related_ids(
    *, media: Media, tag_ids: list[int], cat_ids: list[int], limit: int = RELATED_MEDIA_LIMIT
) -> list[int]:
    """The ids :func:`media_related` shows, best first, as of now.

    Each group is its own bounded query (at most ``limit`` rows, read along the partial index
    of listable media by views) and the four are one UNION ALL: the cost does not grow with the
    archive (a score computed for every listable media did: two seconds a detail at 100,000).
    The media's own tags and categories come as values (the detail has read them already): the
    planner then knows how common each is, and starts from the rarer side.
    """
    through_tags, through_cats = Media.tags.through, Media.categories.through
    base = Media.objects.filter(media_listable_q()).exclude(pk=media.pk)
    order = ("-views", "-add_date", "-id")
    groups = []
    if tag_ids:
        shares_tag = through_tags.objects.filter(media_id=OuterRef("pk"), tag_id__in=tag_ids)
        groups.append((3, base.filter(Exists(shares_tag))))
    if cat_ids:
        shares = through_cats.objects.filter(media_id=OuterRef("pk"), category_id__in=cat_ids)
        groups.append((2, base.filter(Exists(shares))))
    groups += [(1, base.filter(user_id=media.user_id)), (0, base)]
    parts = [
        qs.annotate(closeness=Value(rank, output_field=IntegerField()))
        .order_by(*order)
        .values_list("id", "closeness", "views", "add_date")[:limit]
        for rank, qs in groups
    ]
    if connection.features.supports_slicing_ordering_in_compound:
        rows = list(parts[0].union(*parts[1:], all=True))
    else:  # the embedded SQLite: the four bounded queries one by one
        rows = [row for part in parts for row in part]
    best: dict[int, tuple] = {}
    for pk, closeness, views, added in rows:
        key = (closeness, views, added, pk)
        if pk not in best or key > best[pk]:
            best[pk] = key
    return [pk for pk, _ in sorted(best.items(), key=lambda item: item[1], reverse=True)][:limit]


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


def comment_get(*, media: Media, uid) -> Comment | None:
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
        # listable_count is annotated from a dict above, which the Django plugin cannot follow.
        .filter(listable_count__gt=0)  # type: ignore[misc]
        .order_by("-listable_count", "title")
    )


def category_listing() -> QuerySet:
    from media_app.models import Category

    return (
        Category.objects.select_related("user")
        .annotate(**_listable_media_of("categories"))
        .order_by("title")
    )
