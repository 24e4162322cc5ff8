"""How a media travels beyond its page (issue 16, point 4): the ``/oembed`` answer that CMSs and
chat tools ask for to unfurl a link, and the Open Graph and Twitter card tags of watch pages.

Both only ever speak of media anyone with the link may watch (public or unlisted, reviewed, not
withheld): for anything else ``/oembed`` answers 404, as for an unknown token, and the watch
page (which its owner and editors still open) carries no title, description or image in its
head.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlencode, urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.html import escape
from django.utils.text import Truncator
from django.views.decorators.http import require_GET

from media_app.models import Media
from media_app.selectors.media import VISIBLE_STATES, media_get_visible

OEMBED_WIDTH = 640
OEMBED_MIN = 120
# services.encoding's: the poster is a video frame at most this wide, the thumbnail this wide.
POSTER_WIDTH = 1280
THUMBNAIL_WIDTH = 344
DESCRIPTION_CHARS = 300
EMBEDDABLE_PATHS = ("/view", "/view/", "/embed", "/embed/")


def shareable(media: Media) -> bool:
    """Whether this media may be described to anyone outside (oEmbed, Open Graph)."""
    return (
        media.state in VISIBLE_STATES
        and media.is_reviewed
        and not media.media_withheld
        and media.encoding_status == Media.EncodingStatus.SUCCESS
    )


def _absolute(request: HttpRequest, path: str) -> str:
    return request.build_absolute_uri(path)


def watch_url(request: HttpRequest, media: Media) -> str:
    return _absolute(request, f"/view?m={media.friendly_token}")


def embed_url(request: HttpRequest, media: Media) -> str:
    return _absolute(request, f"/embed?m={media.friendly_token}")


def _image(request: HttpRequest, media: Media) -> tuple[str | None, int, int]:
    """The largest still anyone may fetch (the poster, else the thumbnail) and its size."""
    from media_app.api.serializers.media import file_url

    still = media.poster or media.thumbnail
    url = file_url(still.name or None, media)
    if not url:
        return None, 0, 0
    width, height = _frame_size(media)
    shown = min(POSTER_WIDTH if media.poster else THUMBNAIL_WIDTH, width)
    return _absolute(request, url), shown, round(height * shown / width / 2) * 2


def _frame_size(media: Media) -> tuple[int, int]:
    if media.video_width and media.video_height:
        return media.video_width, media.video_height
    return 16 * 80, 9 * 80


def player_size(media: Media, maxwidth: int | None, maxheight: int | None) -> tuple[int, int]:
    """The iframe's size: OEMBED_WIDTH wide at the media's aspect, within the bounds asked."""
    frame_w, frame_h = _frame_size(media)
    if media.media_type == Media.MediaType.AUDIO:
        frame_w, frame_h = 16, 9
    width = min(OEMBED_WIDTH, maxwidth) if maxwidth else OEMBED_WIDTH
    height = round(width * frame_h / frame_w)
    if maxheight and height > maxheight:
        height = maxheight
        width = round(height * frame_w / frame_h)
    return max(width, 1), max(height, 1)


def iframe_html(src: str, title: str, width: int, height: int) -> str:
    return (
        f'<iframe src="{escape(src)}" width="{width}" height="{height}" title="{escape(title)}" '
        'frameborder="0" allow="autoplay; fullscreen; picture-in-picture" allowfullscreen>'
        "</iframe>"
    )


def head_meta(request: HttpRequest, media: Media) -> dict | None:
    """What the watch page's head says of the media (Open Graph, Twitter card, oEmbed
    discovery), or ``None`` for media not :func:`shareable`."""
    if not shareable(media):
        return None
    image, image_w, image_h = _image(request, media)
    width, height = player_size(media, None, None)
    page = watch_url(request, media)
    playable = media.media_type in (Media.MediaType.VIDEO, Media.MediaType.AUDIO)
    return {
        "title": media.title,
        "description": Truncator(media.description.strip()).chars(DESCRIPTION_CHARS),
        "url": page,
        "type": "video.other" if playable else "website",
        "image": image,
        "image_width": image_w,
        "image_height": image_h,
        "embed": embed_url(request, media) if playable else None,
        "width": width,
        "height": height,
        "site_name": settings.SITE_NAME,
        "oembed_json": _absolute(request, "/oembed?" + urlencode({"url": page, "format": "json"})),
    }


def _media_of_url(request: HttpRequest, url: str) -> Media | None:
    """The media a watch or embed URL of this site names, if anyone may see it."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or parts.path not in EMBEDDABLE_PATHS:
        return None
    hosts = {request.get_host().lower(), *(h.lower() for h in settings.ALLOWED_HOSTS)}
    host = parts.netloc.rpartition("@")[2].lower()
    if host not in hosts and host.partition(":")[0] not in hosts:
        return None
    token = (parse_qs(parts.query).get("m") or [""])[0]
    if not token:
        return None
    media = media_get_visible(user=None, friendly_token=token)
    return media if media is not None and shareable(media) else None


def _positive(value: str | None) -> int | None:
    try:
        number = int(value) if value else None
    except ValueError:
        return None
    return max(number, OEMBED_MIN) if number else None


@require_GET
def oembed(request: HttpRequest) -> HttpResponse:
    """``/oembed?url=<watch or embed URL>&format=json&maxwidth=&maxheight=`` (oembed.com): JSON
    only (``format=xml`` is 501, as the spec allows); 404 for unknown, private or hidden media
    (seen as an anonymous visitor: a link unfurled for everyone must not depend on who asks)."""
    fmt = request.GET.get("format", "json")
    if fmt != "json":
        return JsonResponse(
            {"detail": "Only format=json is served."}, status=501 if fmt == "xml" else 400
        )
    url = request.GET.get("url", "")
    if not url:
        return JsonResponse(
            {"detail": "url is required (a /view?m=… or /embed?m=… URL)."}, status=400
        )
    media = _media_of_url(request, url)
    if media is None:
        return JsonResponse({"detail": "No media anyone may see at this URL."}, status=404)
    width, height = player_size(
        media, _positive(request.GET.get("maxwidth")), _positive(request.GET.get("maxheight"))
    )
    playable = media.media_type in (Media.MediaType.VIDEO, Media.MediaType.AUDIO)
    body = {
        "version": "1.0",
        "type": "video" if playable else "rich",
        "title": media.title,
        "author_name": media.user.name or media.user.username,
        "author_url": _absolute(request, f"/user/{media.user.username}"),
        "provider_name": settings.SITE_NAME,
        "provider_url": _absolute(request, "/"),
        "html": iframe_html(embed_url(request, media), media.title, width, height),
        "width": width,
        "height": height,
        "cache_age": 3600,
    }
    image, image_w, image_h = _image(request, media)
    if image:
        body.update(thumbnail_url=image, thumbnail_width=image_w, thumbnail_height=image_h)
    response = JsonResponse(body)
    response["Access-Control-Allow-Origin"] = "*"
    return response


_TIME = re.compile(r"^(?:(?P<h>\d+)h)?(?:(?P<m>\d+)m)?(?:(?P<s>\d+(?:\.\d+)?)s?)?$")


def parse_time(value: str | None) -> float:
    """A start time from a link: ``90``, ``90.5``, ``1m30s`` or ``1h2m3s``; 0 when absent or
    not a time (a bad ``t`` in a shared link plays from the start, it does not break the page)."""
    found = _TIME.match((value or "").strip().lower())
    if not value or found is None:
        return 0.0
    seconds = int(found["h"] or 0) * 3600 + int(found["m"] or 0) * 60 + float(found["s"] or 0)
    return round(seconds, 3) if seconds < 10**7 else 0.0


def _flag(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def embed_options(query) -> dict:
    """The embed page's options from its query string (the share dialog writes them)."""
    return {
        "start": parse_time(query.get("t") or query.get("start")),
        "autoplay": _flag(query.get("autoplay"), False),
        "loop": _flag(query.get("loop"), False),
        "show_title": _flag(query.get("title"), True),
    }
