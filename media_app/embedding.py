"""Who may frame a media's ``/embed`` page (issue 16, point 4; docs/security.md, "Embedding").

The rule, in one place:

* ``EMBED_ALLOWED_DOMAINS`` (the operator's list, comma-separated) names the sites that may
  embed any media: host names (``news.example.org``), wildcards (``*.example.org``: every
  sub-domain, not the bare domain), an optional port (``localhost:8001``), or ``*`` for any
  site. The default is ``*``: a press site's video is meant to be embedded in other outlets'
  articles. Empty: only this site's own pages may frame the player.
* A media's own ``embed_domains`` (set by its owner or an editor) **adds** sites to that list
  for this media (a partner outlet when the operator restricts embedding), or, as the single
  entry ``none``, **turns embedding on other sites off** for this media whatever the site list
  says.

The answer to ``/embed`` carries ``Content-Security-Policy: frame-ancestors 'self' <sites>``
(no ``frame-ancestors`` at all when any site may embed it), so a browser refuses to show the
player inside any other site; every other page keeps ``frame-ancestors 'self'``
(settings.CONTENT_SECURITY_POLICY) and ``X-Frame-Options: SAMEORIGIN``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError

ANY = "*"
NONE = "none"
MAX_DOMAINS = 50
_LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
_HOST = re.compile(
    rf"^(?P<wild>\*\.)?(?P<name>{_LABEL}(?:\.{_LABEL})*|\d{{1,3}}(?:\.\d{{1,3}}){{3}})"
    r"(?::(?P<port>\d{1,5}))?$"
)
_EXAMPLE = "news.example.org, *.example.org or localhost:8001"


def _one(entry: str) -> str:
    """One entry, normalised (lower case, IDNA, no scheme or path), or ValidationError."""
    raw = entry
    entry = entry.strip().lower().rstrip(".")
    if entry in (ANY, NONE):
        return entry
    if "://" in entry:
        # A pasted origin or URL: keep its host and port (frame-ancestors without a scheme
        # matches the embed page's own scheme, and https when that is http).
        parts = urlsplit(entry)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValidationError(f"'{raw}' is not a host name (e.g. {_EXAMPLE}).")
        entry = parts.netloc.rpartition("@")[2]
    try:
        wild = entry.startswith("*.")
        name = entry[2:] if wild else entry
        host, colon, port = name.partition(":")
        host = host.encode("idna").decode("ascii") if host else host
        entry = ("*." if wild else "") + host + colon + port
    except UnicodeError:
        raise ValidationError(f"'{raw}' is not a host name (e.g. {_EXAMPLE}).") from None
    found = _HOST.match(entry)
    if found is None or len(found["name"]) > 253:
        raise ValidationError(f"'{raw}' is not a host name (e.g. {_EXAMPLE}).")
    if found["port"] and not 0 < int(found["port"]) < 65536:
        raise ValidationError(f"'{raw}': the port must be between 1 and 65535.")
    return entry


def clean_embed_domains(value) -> list[str]:
    """A media's ``embed_domains`` from the API or the edit page: a list of strings, or one
    string separated by commas, spaces or new lines. Returns the normalised list (lower case,
    IDNA, no duplicates, in the given order); raises ValidationError naming the bad entry.

    ``[]`` means "the site's list"; ``["none"]`` means "no other site may embed this media";
    ``*`` means any site (only useful when the operator restricts embedding)."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        entries = [e for e in re.split(r"[\s,]+", value) if e]
    elif isinstance(value, (list, tuple)):
        if not all(isinstance(e, str) for e in value):
            raise ValidationError("Embedding domains must be a list of host names (strings).")
        entries = [e for e in value if e.strip()]
    else:
        raise ValidationError("Embedding domains must be a list of host names (strings).")
    if len(entries) > MAX_DOMAINS:
        raise ValidationError(f"At most {MAX_DOMAINS} embedding domains, not {len(entries)}.")
    cleaned: list[str] = []
    for entry in entries:
        one = _one(entry)
        if one not in cleaned:
            cleaned.append(one)
    if NONE in cleaned and len(cleaned) > 1:
        raise ValidationError("'none' (no embedding on other sites) must be the only entry.")
    return cleaned


def site_domains() -> list[str]:
    """``EMBED_ALLOWED_DOMAINS``, normalised (checked at start-up: media_app.checks, E160)."""
    value = getattr(settings, "EMBED_ALLOWED_DOMAINS", [ANY])
    try:
        cleaned = clean_embed_domains(list(value) if not isinstance(value, str) else value)
    except ValidationError:
        return []  # the system check stops start-up; until fixed, only this site may frame
    return [] if cleaned == [NONE] else cleaned


@dataclass(frozen=True)
class EmbedPolicy:
    """Where one media's player may be framed: ``any`` site, or ``hosts`` (besides this site's
    own pages). ``disabled``: no other site at all."""

    any: bool
    hosts: tuple[str, ...]

    @property
    def disabled(self) -> bool:
        return not self.any and not self.hosts

    def frame_ancestors(self) -> list[str] | None:
        """The CSP directive's sources; ``None`` (no directive) when any site may frame it: a
        ``*`` source would refuse pages of opaque origins (``about:blank``, sandboxed
        frames), which a missing directive allows, as it did before the allow-list."""
        if self.any:
            return None
        return ["'self'", *self.hosts]

    def allows_host(self, host: str, port: int | None = None) -> bool:
        """Whether a page on ``host`` (and ``port``) may frame the player (the server-side mirror
        of the CSP check, used to explain a refusal)."""
        if self.any:
            return True
        host = (host or "").lower().rstrip(".")
        for entry in self.hosts:
            name, _, want_port = entry.partition(":")
            # As CSP: an entry without a port matches the scheme's default port only.
            if (int(want_port) if want_port else None) != (port if port not in (80, 443) else None):
                continue
            if name.startswith("*."):
                if host.endswith(name[1:]) and host != name[2:]:
                    return True
            elif host == name:
                return True
        return False

    def as_props(self) -> dict:
        return {"any": self.any, "hosts": list(self.hosts), "disabled": self.disabled}


def policy_for(media) -> EmbedPolicy:
    """The media's policy: the site's list plus the media's own (or none at all)."""
    own = list(media.embed_domains or [])
    if own == [NONE]:
        return EmbedPolicy(any=False, hosts=())
    hosts = [*site_domains(), *(h for h in own if h != NONE)]
    if ANY in hosts:
        return EmbedPolicy(any=True, hosts=())
    unique: list[str] = []
    for host in hosts:
        if host not in unique:
            unique.append(host)
    return EmbedPolicy(any=False, hosts=tuple(unique))


def refused_framer(request, policy: EmbedPolicy) -> str | None:
    """The origin of another site framing ``/embed`` against the policy, when the browser says
    so (``Sec-Fetch-Dest: iframe`` or ``frame`` from another site, with its ``Referer``), else
    ``None``. The browser refuses the frame anyway (CSP); this only lets the page say why."""
    dest = request.headers.get("Sec-Fetch-Dest", "")
    site = request.headers.get("Sec-Fetch-Site", "")
    if dest not in ("iframe", "frame") or site not in ("cross-site", "same-site"):
        return None
    referer = urlsplit(request.headers.get("Referer", ""))
    if not referer.hostname:
        return None
    try:
        port = referer.port or {"http": 80, "https": 443}.get(referer.scheme)
    except ValueError:
        return None
    if policy.allows_host(referer.hostname, port):
        return None
    return f"{referer.scheme}://{referer.netloc}"
