"""Journalist verification: a request with evidence, decided by an editor."""

from __future__ import annotations

from urllib.parse import urlparse

from django.db import IntegrityError, transaction
from django.utils import timezone

from media_app.models import JournalistVerification, User
from media_app.services.errors import NotAllowed, ServiceError
from media_app.services.media import clean_text
from media_app.services.mfa import mfa_role_changed

Status = JournalistVerification.Status
MAX_LINKS = 10


def _clean_links(links) -> list[str]:
    if not isinstance(links, list) or not links:
        raise ServiceError(
            "Give at least one link to evidence of your work.", field="evidence_links"
        )
    if len(links) > MAX_LINKS:
        raise ServiceError(f"At most {MAX_LINKS} links.", field="evidence_links")
    cleaned = []
    for link in links:
        url = str(link).strip()
        parsed = urlparse(url)
        if parsed.scheme not in ("http", "https") or not parsed.netloc or len(url) > 500:
            raise ServiceError(f"Not an http(s) link: {url[:80]!r}.", field="evidence_links")
        cleaned.append(url)
    return cleaned


def verification_request(
    *, user: User, outlet: str, role: str, evidence_links, statement: str = ""
) -> JournalistVerification:
    if user.is_verified_journalist:
        raise ServiceError("You are already a verified journalist.")
    outlet, role = clean_text(outlet or "", limit=200), clean_text(role or "", limit=200)
    if not outlet:
        raise ServiceError("Name the outlet you work for (or 'independent').", field="outlet")
    if not role:
        raise ServiceError("Say what your role is.", field="role")
    try:
        with transaction.atomic():
            return JournalistVerification.objects.create(
                user=user,
                outlet=outlet,
                role=role,
                evidence_links=_clean_links(evidence_links),
                statement=statement or "",
            )
    except IntegrityError:
        raise ServiceError("You already have a request waiting for an editor.") from None


def verification_check_decider(*, by) -> None:
    """Only editors decide requests. Checked before a request is even looked up, so a stranger
    learns neither whether a request exists nor what its status is (403 for every id)."""
    if not (by is not None and by.is_authenticated and by.can_edit_media):
        raise NotAllowed("Only editors decide verification requests.")


def _decide(
    request: JournalistVerification, *, by: User, status: str, note: str, expect: str
) -> JournalistVerification:
    verification_check_decider(by=by)
    with transaction.atomic():
        locked = JournalistVerification.objects.select_for_update().get(pk=request.pk)
        if locked.status != expect:
            raise ServiceError(f"This request is {locked.status}, not {expect}.")
        locked.status, locked.decided_by, locked.decided_at = status, by, timezone.now()
        locked.decision_note = note or ""
        locked.save()
        if status != Status.REJECTED:
            # A rejected request leaves the person as they were (they were not verified).
            user = locked.user
            held_a_role = user.holds_a_role
            user.is_verified_journalist = status == Status.APPROVED
            user.verified_outlet = locked.outlet if status == Status.APPROVED else ""
            clock = mfa_role_changed(user=user, held_a_role=held_a_role)  # two-factor grace
            user.save(update_fields=["is_verified_journalist", "verified_outlet", *clock])
    return locked


def verification_approve(*, request, by, note: str = ""):
    return _decide(request, by=by, status=Status.APPROVED, note=note, expect=Status.PENDING)


def verification_reject(*, request, by, note: str = ""):
    return _decide(request, by=by, status=Status.REJECTED, note=note, expect=Status.PENDING)


def verification_revoke(*, request, by, note: str = ""):
    return _decide(request, by=by, status=Status.REVOKED, note=note, expect=Status.APPROVED)


@transaction.atomic
def verification_grant(
    *, user: User, outlet: str, by: User | None = None, note: str = ""
) -> JournalistVerification:
    """Verify a journalist directly (the ``verify_journalist`` command; ``by=None`` = the shell).

    A waiting request is approved; otherwise an approved record is written so the decision
    stays on file like any other.
    """
    if by is not None and not by.can_edit_media:
        raise NotAllowed("Only editors verify journalists.")
    outlet = clean_text(outlet or "", limit=200)
    if not outlet:
        raise ServiceError("Name the outlet.", field="outlet")
    record = (
        JournalistVerification.objects.select_for_update()
        .filter(user=user, status=Status.PENDING)
        .first()
    )
    if record is None:
        record = JournalistVerification(user=user, role="journalist", evidence_links=[])
    record.outlet = outlet
    record.status, record.decided_by, record.decided_at = Status.APPROVED, by, timezone.now()
    record.decision_note = note or ""
    record.save()
    held_a_role = user.holds_a_role
    user.is_verified_journalist, user.verified_outlet = True, outlet
    clock = mfa_role_changed(user=user, held_a_role=held_a_role)  # two-factor grace
    user.save(update_fields=["is_verified_journalist", "verified_outlet", *clock])
    return record


@transaction.atomic
def verification_withdraw(*, user: User, by: User | None = None, note: str = "") -> int:
    """Take a journalist's verification away; returns how many approved records were revoked."""
    if by is not None and not by.can_edit_media:
        raise NotAllowed("Only editors revoke verification.")
    revoked = JournalistVerification.objects.filter(user=user, status=Status.APPROVED).update(
        status=Status.REVOKED, decided_by=by, decided_at=timezone.now(), decision_note=note or ""
    )
    user.is_verified_journalist, user.verified_outlet = False, ""
    clock = mfa_role_changed(user=user, held_a_role=True)  # stops the clock if no role is left
    user.save(update_fields=["is_verified_journalist", "verified_outlet", *clock])
    return revoked
