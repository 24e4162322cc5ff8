"""HTML pages: each renders a template in which a React component mounts with JSON props.

Views only decide which page to render and whether the visitor may see it; who may see what is
answered by the selectors (``media_app.selectors``), the data comes from ``/api/v1``.
"""

from __future__ import annotations

from csp.decorators import csp_replace
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_GET

from media_app.selectors.media import media_get_visible, sees_everything
from media_app.selectors.playlists import playlist_get
from media_app.selectors.users import user_get

PAGE_TEMPLATE = "media_app/page.html"


def _page(
    request: HttpRequest,
    page: str,
    *,
    title: str,
    props: dict | None = None,
    template: str = PAGE_TEMPLATE,
) -> HttpResponse:
    user = request.user
    viewer = {
        "username": user.username if user.is_authenticated else "",
        "is_editor": sees_everything(user),
        "can_publish": bool(user.is_authenticated and user.can_publish),
    }
    context = {"page": page, "title": title, "props": props or {}, "viewer": viewer}
    return render(request, template, context)


def _not_available(request: HttpRequest, what: str = "media") -> HttpResponse:
    """Unknown, deleted and hidden look the same, so a private token leaks nothing."""
    return render(request, "media_app/not_available.html", {"what": what}, status=404)


def _media_props(media) -> dict:
    return {"friendly_token": media.friendly_token, "title": media.title}


@require_GET
def home(request):
    return _page(request, "home", title="Latest and featured")


@require_GET
def view_media(request):
    media = media_get_visible(user=request.user, friendly_token=request.GET.get("m", ""))
    if media is None:
        return _not_available(request)
    return _page(request, "watch", title=media.title, props=_media_props(media))


@require_GET
@xframe_options_exempt
# Any site may frame the player, as X-Frame-Options says above; the rest of the policy stays.
@csp_replace({"frame-ancestors": None})
def embed_media(request):
    media = media_get_visible(user=request.user, friendly_token=request.GET.get("m", ""))
    if media is None:
        return _not_available(request)
    return _page(
        request,
        "embed",
        title=media.title,
        props=_media_props(media),
        template="media_app/embed.html",
    )


@require_GET
def search(request):
    q = request.GET.get("q", "").strip()
    return _page(request, "search", title=f"Search: {q}" if q else "Search", props={"q": q})


@require_GET
def channel(request, username: str):
    person = user_get(viewer=request.user, username=username)
    if person is None:
        return _not_available(request, "channel")
    props = {
        "username": person.username,
        "name": person.name or person.username,
        "description": person.description,
        "is_verified_journalist": person.is_verified_journalist,
        "verified_outlet": person.verified_outlet,
    }
    return _page(request, "channel", title=props["name"], props=props)


@require_GET
def playlist(request, friendly_token: str):
    found = playlist_get(user=request.user, friendly_token=friendly_token)
    if found is None:
        return _not_available(request, "playlist")
    props = {"friendly_token": found.friendly_token, "title": found.title}
    return _page(request, "playlist", title=found.title, props=props)


@require_GET
def history(request):
    return _page(request, "actions", title="History", props={"action": "watch"})


@require_GET
def liked(request):
    return _page(request, "actions", title="Liked media", props={"action": "like"})


@login_required
@require_GET
def upload(request):
    props = {
        "endpoint": "/api/v1/uploads/",
        "max_size": settings.UPLOAD_MAX_SIZE,
        "can_publish": request.user.can_publish,
    }
    # In S3 mode the browser PUTs the file's parts to the bucket (docs/storage.md, "Direct
    # upload"): every page's connect-src names its origin then (delivery.MediaCSPMiddleware).
    return _page(request, "upload", title="Upload", props=props)


@login_required
@require_GET
def my_media(request):
    return _page(request, "my-media", title="My media", props={"username": request.user.username})


@login_required
@require_GET
def verification(request):
    props = {"is_verified_journalist": request.user.is_verified_journalist}
    return _page(request, "verification", title="Journalist verification", props=props)


@login_required
@require_GET
def editor_dashboard(request):
    if not sees_everything(request.user):
        return render(request, "media_app/forbidden.html", status=403)
    return _page(request, "editor", title="Editor dashboard")
