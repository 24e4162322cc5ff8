"""The client's address, resolved once for every throttle and lockout.

Behind N trusted proxies (``TRUSTED_PROXY_COUNT``, fed to DRF as ``NUM_PROXIES`` and to
django-allauth as ``ALLAUTH_TRUSTED_PROXY_COUNT``), the client is the N-th address from the
right of ``X-Forwarded-For``: each trusted proxy appends the address it saw, so everything left
of those N entries was written by the client and proves nothing. With no proxy (0, the embedded
default) the header is ignored and ``REMOTE_ADDR`` is the client.

This is DRF's ``BaseThrottle.get_ident`` rule, read from the same setting, so DRF's throttles,
django-axes (``AXES_CLIENT_IP_CALLABLE``) and the sign-up throttle always agree on who a client
is. OpenPress's nginx sends ``X-Forwarded-For: $remote_addr`` (one address, after its own
``real_ip`` step), so behind it the header holds exactly the address nginx trusted.
"""

from __future__ import annotations

from rest_framework.settings import api_settings


def client_address(request) -> str:
    """The address throttles and lockouts count this request against."""
    meta = request.META
    remote = meta.get("REMOTE_ADDR") or ""
    proxies = api_settings.NUM_PROXIES or 0
    forwarded = meta.get("HTTP_X_FORWARDED_FOR") or ""
    if proxies <= 0 or not forwarded:
        return remote
    addresses = [part.strip() for part in forwarded.split(",")]
    return addresses[-min(proxies, len(addresses))] or remote
