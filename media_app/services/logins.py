"""Failed logins: which account an attempt counts against, and how long a lockout has left.

The counting and the refusal are django-axes' (every ``authenticate(request=...)`` passes through
its backend, first in ``AUTHENTICATION_BACKENDS``); these are the two rules it asks us for.
"""

from __future__ import annotations

import math
from datetime import timedelta

from django.conf import settings
from django.db.models import Max, Q
from django.utils import timezone

from media_app.models import User

IDENTIFIER_FIELDS = ("username", "email", "login")


def login_identifier(credentials: dict | None) -> str:
    """The name an attempt was made with: a username or an e-mail address, as typed."""
    for field in IDENTIFIER_FIELDS:
        value = (credentials or {}).get(field)
        if value:
            return str(value).strip()[:254]
    return ""


def login_account_key(identifier: str) -> str:
    """What per-account lockouts count under: the account's username when ``identifier`` names
    an account (by username or e-mail, in any case), else the identifier itself, lower-cased.

    So attempts on one account by its username and by its e-mail address add up, and an unknown
    name is counted and locked exactly like a real one: a lockout tells nobody whether an
    account exists.
    """
    identifier = (identifier or "").strip()
    if not identifier:
        return ""
    by_name = (
        User.objects.filter(username__iexact=identifier)
        .order_by("pk")
        .values_list("username", flat=True)
        .first()
    )
    if by_name is not None:
        return by_name
    by_email = (
        User.objects.filter(email__iexact=identifier)
        .order_by("pk")
        .values_list("username", flat=True)
        .first()
    )
    return by_email if by_email is not None else identifier.lower()


def login_failure_limit(request=None, credentials=None) -> int:
    """Failures that lock a client address or an account (django-axes' AXES_FAILURE_LIMIT)."""
    return settings.LOGIN_FAILURE_LIMIT


def login_cool_off(request=None) -> timedelta:
    """How long a lockout lasts (django-axes' AXES_COOLOFF_TIME calls this with the request)."""
    return timedelta(seconds=settings.LOGIN_LOCKOUT_SECONDS)


def login_lockout_seconds_left(*, ip_address: str, account_key: str) -> int:
    """Seconds until the failures that lock this client address or account have expired.

    A lockout lasts ``LOGIN_LOCKOUT_SECONDS`` from the last failure counted (attempts refused
    during a lockout are not counted, so hammering does not extend it): the answer is measured
    from the newest counted failure of either, never less than one second.
    """
    from axes.models import AccessAttempt

    cool_off = login_cool_off()
    now = timezone.now()
    who = Q(ip_address=ip_address) if ip_address else Q(pk__in=[])
    if account_key:
        who |= Q(username=account_key)
    last = AccessAttempt.objects.filter(who, attempt_time__gte=now - cool_off).aggregate(
        last=Max("attempt_time")
    )["last"]
    if last is None:
        return 1
    return max(1, math.ceil((last + cool_off - now).total_seconds()))
