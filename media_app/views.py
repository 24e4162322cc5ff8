"""HTML pages: each renders a template in which a React component mounts with JSON props.

Views only decide which page to render and whether the visitor may see it; who may see what is
answered by the selectors (``media_app.selectors``), the data comes from ``/api/v1``.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_GET

from media_app import embedding, sharing
from media_app.selectors.media import media_get_visible, sees_everything, user_can_edit_media
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
    head_meta: dict | None = None,
    feeds: list[tuple[str, str]] | None = None,
) -> HttpResponse:
    """``head_meta``: Open Graph and Twitter card tags (media_app/sharing.py); ``feeds``: the
    RSS feeds the page announces, as (URL, title)."""
    user = request.user
    viewer = {
        "username": user.username if user.is_authenticated else "",
        "is_editor": sees_everything(user),
        "can_publish": bool(user.is_authenticated and user.can_publish),
    }
    context = {"page": page, "title": title, "props": props or {}, "viewer": viewer}
    context.update(head_meta=head_meta, feeds=feeds or [])
    return render(request, template, context)


def _not_available(request: HttpRequest, what: str = "media") -> HttpResponse:
    """Unknown, deleted and hidden look the same, so a private token leaks nothing."""
    return render(request, "media_app/not_available.html", {"what": what}, status=404)


def _media_props(media) -> dict:
    return {"friendly_token": media.friendly_token, "title": media.title}


@require_GET
def home(request):
    feeds = [(reverse("feed"), "Latest media")]
    return _page(request, "home", title=_("Latest and featured"), feeds=feeds)


@require_GET
def view_media(request):
    media = media_get_visible(user=request.user, friendly_token=request.GET.get("m", ""))
    if media is None:
        return _not_available(request)
    meta = sharing.head_meta(request, media)
    return _page(request, "watch", title=media.title, props=_media_props(media), head_meta=meta)


@require_GET
@xframe_options_exempt
def embed_media(request):
    """``/embed?m=<token>``: the player alone, for other sites' pages (issue 16, point 4). Options:
    ``t`` (or ``start``) in seconds or ``1m30s``, ``autoplay=1`` (muted, as browsers allow),
    ``loop=1``, ``title=0`` to hide the title. Who may frame it: media_app/embedding.py, sent
    as ``Content-Security-Policy: frame-ancestors``; a page framing it against that list gets
    an explanation instead of the player (the browser refuses the frame anyway), and so does a
    visitor opening the embed of media that may not be embedded at all."""
    media = media_get_visible(user=request.user, friendly_token=request.GET.get("m", ""))
    if media is None:
        response = _not_available(request)
        response._csp_replace = {"frame-ancestors": ["'self'"]}
        return response
    policy = embedding.policy_for(media)
    framed = request.headers.get("Sec-Fetch-Dest", "") in ("iframe", "frame")
    refused_by = embedding.refused_framer(request, policy)
    if refused_by or (policy.disabled and not framed):
        response = render(
            request,
            "media_app/embed_refused.html",
            {"media": media, "framer": refused_by, "policy": policy, "title": media.title},
            status=403 if refused_by else 200,
        )
    else:
        props = {
            **_media_props(media),
            **sharing.embed_options(request.GET),
            "watch_url": f"/view?m={media.friendly_token}",
            # Shown under the player only when opened on its own (not framed): where it may
            # be embedded, so a person whose embed was refused learns why.
            "embedding": policy.as_props() if not framed else None,
        }
        response = _page(
            request, "embed", title=media.title, props=props, template="media_app/embed.html"
        )
    response._csp_replace = {"frame-ancestors": policy.frame_ancestors()}
    patch_vary_headers(response, ("Sec-Fetch-Dest", "Sec-Fetch-Site", "Referer"))
    return response


@require_GET
def corrections(request):
    """Every correction and retraction, and the daily stamps of the history chains."""
    return _page(
        request,
        "corrections",
        title=_("Corrections and retractions"),
        template="media_app/corrections.html",
    )


@require_GET
def verify(request):
    """Check a downloaded file (or a URL of this site's media) against its Content Credentials
    and what OpenPress published (POST /api/v1/verify, docs/provenance.md)."""
    return _page(request, "verify", title=_("Verify a file"))


@require_GET
def search(request):
    q = request.GET.get("q", "").strip()
    props = {"q": q}
    # MediaCMS's /search?c=<category> and ?t=<tag>: where /categories and /tags link to.
    for key in ("c", "t"):
        if request.GET.get(key, "").strip():
            props[key] = request.GET[key].strip()
    shown = q or props.get("c") or props.get("t")
    return _page(
        request,
        "search",
        title=_("Search: %(words)s") % {"words": shown} if shown else _("Search"),
        props=props,
    )


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
        "verification": verification_summary(person),
        "feed_url": reverse("user-feed", args=[person.username]),
    }
    return _page(
        request,
        "channel",
        title=props["name"],
        props=props,
        feeds=[(reverse("user-feed", args=[person.username]), f"{props['name']}: latest media")],
    )


def verification_summary(person) -> dict | None:
    """The public side of a verified journalist's verification (issue 16, point 6): outlet,
    role, since when, and that an editor of this site checked it. Never the evidence links,
    the statement or the editor's name and note: those stay between the journalist and the
    editors (the verification API)."""
    if not person.is_verified_journalist:
        return None
    from media_app.models import JournalistVerification

    approved = (
        JournalistVerification.objects.filter(
            user=person, status=JournalistVerification.Status.APPROVED
        )
        .order_by("-decided_at", "-id")
        .first()
    )
    if approved is None:  # verified from the command line or the admin, without a request
        return {"outlet": person.verified_outlet, "role": "", "since": None, "evidence_count": 0}
    return {
        "outlet": approved.outlet or person.verified_outlet,
        "role": approved.role,
        "since": approved.decided_at.date().isoformat() if approved.decided_at else None,
        "evidence_count": len(approved.evidence_links or []),
    }


@require_GET
def categories(request):
    """MediaCMS's ``/categories``: every category with its count of media anyone may find."""
    return _page(request, "categories", title=_("Categories"))


@require_GET
def tags(request):
    """MediaCMS's ``/tags``: tags of media anyone may find, the most used first."""
    return _page(request, "tags", title=_("Tags"))


@require_GET
def playlist(request, friendly_token: str):
    found = playlist_get(user=request.user, friendly_token=friendly_token)
    if found is None:
        return _not_available(request, "playlist")
    props = {"friendly_token": found.friendly_token, "title": found.title}
    return _page(request, "playlist", title=found.title, props=props)


@require_GET
def history(request):
    return _page(request, "actions", title=_("History"), props={"action": "watch"})


@require_GET
def liked(request):
    return _page(request, "actions", title=_("Liked media"), props={"action": "like"})


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
    return _page(request, "upload", title=_("Upload"), props=props)


@require_GET
def edit_media(request):
    """MediaCMS's ``/edit?m=<token>``: for the owner and editors (anyone else: not available).
    It starts with what the original revealed (source protection, docs/provenance.md)."""
    media = media_get_visible(user=request.user, friendly_token=request.GET.get("m", ""))
    if media is None or not user_can_edit_media(user=request.user, media=media):
        return _not_available(request)
    props = {**_media_props(media), "is_owner": media.user_id == request.user.id}
    return _page(request, "edit", title=_("Edit: %(title)s") % {"title": media.title}, props=props)


@login_required
@require_GET
def my_media(request):
    return _page(
        request, "my-media", title=_("My media"), props={"username": request.user.username}
    )


@login_required
@require_GET
def verification(request):
    props = {"is_verified_journalist": request.user.is_verified_journalist}
    return _page(request, "verification", title=_("Journalist verification"), props=props)


@login_required
@require_GET
def editor_dashboard(request):
    if not sees_everything(request.user):
        return render(request, "media_app/forbidden.html", status=403)
    return _page(request, "editor", title=_("Editor dashboard"))
