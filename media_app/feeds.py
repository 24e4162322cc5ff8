"""Feeds: ``/corrections/feed``, the Atom feed of every correction on public media (issue 15,
docs/provenance.md section 3); ``/rss/`` (and ``/feed``) and ``/user/<name>/feed``, RSS 2.0 of
the site's and an author's latest media anyone may find, with podcast-friendly enclosures
(issue 16, point 6)."""

from __future__ import annotations

import mimetypes

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.core.files.storage import default_storage
from django.http import Http404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Enclosure, Rss201rev2Feed

from media_app import delivery
from media_app.models import Media
from media_app.selectors.history import corrections_visible
from media_app.selectors.media import download_allowed, media_base_qs, media_listable_q
from media_app.selectors.users import user_get
from media_app.storage import s3_mode

FEED_ITEMS = 50


class CorrectionsFeed(Feed):
    feed_type = Atom1Feed
    title = "Corrections and retractions"
    subtitle = "Every correction, clarification, update and retraction of published media."

    def link(self):
        return reverse("corrections")

    def items(self):
        return corrections_visible(user=None)[:FEED_ITEMS]

    def item_title(self, item) -> str:
        return f"{item.get_kind_display()}: {item.media.title}"

    def item_description(self, item) -> str:
        reason = f"\n\nWhy: {item.reason}" if item.reason else ""
        return f"{item.text}{reason}"

    def item_link(self, item) -> str:
        return f"/view?m={item.media.friendly_token}#correction-{item.pk}"

    def item_guid(self, item) -> str:
        return f"correction-{item.pk}"

    item_guid_is_permalink = False

    def item_pubdate(self, item):
        return item.created_at

    def item_updateddate(self, item):
        return item.created_at

    def item_author_name(self, item) -> str | None:
        return item.created_by.username if item.created_by else None


# --- the site's and an author's latest media (issue 16, point 6) ---------------------------


class _Rss(Rss201rev2Feed):
    """RSS 2.0 with the iTunes namespace, so podcast apps take an author's audio as episodes."""

    def rss_attributes(self):
        return {**super().rss_attributes(), "xmlns:itunes": ITUNES_NS}

    def add_root_elements(self, handler):
        super().add_root_elements(handler)
        if self.feed.get("itunes_author"):
            handler.addQuickElement("itunes:author", self.feed["itunes_author"])
        if self.feed.get("itunes_image"):
            handler.addQuickElement("itunes:image", "", {"href": self.feed["itunes_image"]})

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        if item.get("itunes_duration"):
            handler.addQuickElement("itunes:duration", str(item["itunes_duration"]))
        if item.get("itunes_image"):
            handler.addQuickElement("itunes:image", "", {"href": item["itunes_image"]})


ITUNES_NS = "http://www.itunes.com/dtds/podcast-1.0.dtd"
MEDIA_FEED_ITEMS = 30


def _public_url(name: str) -> str:
    """A stored file's URL for anyone (the feed is the same for every reader)."""
    if s3_mode():
        return delivery.file_url(name, public=True)
    return default_storage.url(name)


def _file_size(field) -> int:
    try:
        return int(field.size)
    except Exception:
        # A file the storage cannot measure just now: RSS lets length be 0 when unknown.
        return 0


class LatestMediaFeed(Feed):
    """``/rss/`` (MediaCMS's address) and ``/feed``: the newest media anyone may find, each with
    an enclosure (the clean public copy: ``public_file``) when its owner allows downloads."""

    feed_type = _Rss
    description_template = None

    def title(self, obj=None) -> str:
        return f"{settings.SITE_NAME}: latest media"

    def description(self, obj=None) -> str:
        return f"The newest media published on {settings.SITE_NAME}."

    def link(self, obj=None) -> str:
        return reverse("home")

    def feed_url(self, obj=None) -> str:
        return reverse("feed")

    def get_object(self, request, *args, **kwargs):
        self.request = request

    def _queryset(self, obj):
        qs = media_base_qs().filter(media_listable_q())
        return qs.filter(user=obj) if obj is not None else qs

    def items(self, obj=None):
        return self._queryset(obj).order_by("-add_date", "-id")[:MEDIA_FEED_ITEMS]

    def item_title(self, item: Media) -> str:
        return item.title

    def item_description(self, item: Media) -> str:
        return item.description

    def item_link(self, item: Media) -> str:
        return f"/view?m={item.friendly_token}"

    def item_guid(self, item: Media) -> str:
        return f"media-{item.uid}"

    item_guid_is_permalink = False

    def item_pubdate(self, item: Media):
        return item.add_date

    def item_updateddate(self, item: Media):
        return item.edit_date

    def item_author_name(self, item: Media) -> str:
        return item.user.name or item.user.username

    def item_author_link(self, item: Media) -> str:
        return self.request.build_absolute_uri(reverse("channel", args=[item.user.username]))

    def item_categories(self, item: Media):
        return [tag.title for tag in item.tags.all()]

    def _enclosure(self, item: Media) -> tuple[str, int, str] | None:
        if item.media_type not in (Media.MediaType.AUDIO, Media.MediaType.VIDEO):
            return None
        name = item.public_file.name
        if not name or not download_allowed(user=None, media=item):
            return None
        kind = mimetypes.guess_type(name)[0] or f"{item.media_type}/mp4"
        url = self.request.build_absolute_uri(_public_url(name))
        return url, _file_size(item.public_file), kind

    def item_enclosures(self, item: Media):
        found = self._enclosure(item)
        if not found:
            return []
        url, length, kind = found
        return [Enclosure(url, str(length), kind)]

    def item_extra_kwargs(self, item: Media) -> dict:
        extra = {"itunes_duration": round(item.duration) if item.duration else None}
        still = (item.thumbnail or item.poster).name
        if still:
            extra["itunes_image"] = self.request.build_absolute_uri(_public_url(still))
        return extra


class UserMediaFeed(LatestMediaFeed):
    """``/user/<name>/feed`` (and ``/rss/user/<name>``): one author's newest media anyone may
    find; a podcast when the author publishes audio."""

    def get_object(self, request, username: str):
        self.request = request
        person = user_get(viewer=None, username=username)
        if person is None:
            raise Http404("No such author.")
        return person

    def title(self, obj=None) -> str:
        return f"{obj.name or obj.username} on {settings.SITE_NAME}"

    def description(self, obj=None) -> str:
        return obj.description or f"The newest media of {obj.name or obj.username}."

    def link(self, obj=None) -> str:
        return reverse("channel", args=[obj.username])

    def feed_url(self, obj=None) -> str:
        return reverse("user-feed", args=[obj.username])

    def feed_extra_kwargs(self, obj) -> dict:
        return {"itunes_author": obj.name or obj.username}


def latest_media_feed(request):
    """A feed object per request: the feeds keep the request (absolute enclosure URLs)."""
    return LatestMediaFeed()(request)


def user_media_feed(request, username: str):
    return UserMediaFeed()(request, username=username)
