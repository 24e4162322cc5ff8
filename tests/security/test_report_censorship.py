"""Finding 2: a shell loop of reports cannot hide published work.

Only reports from signed-in accounts older than ``REPORT_MIN_ACCOUNT_AGE_HOURS`` count toward
``REPORTED_TIMES_THRESHOLD``; the others reach the editors without hiding anything. An editor's
approval (or reset) clears the count and starts a cool-down. Reports are throttled per client
address and per media.
"""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone
from rest_framework.test import APIClient

from media_app.models import Media, MediaAction
from tests import broker
from tests.conftest import client_for
from tests.factories import MediaFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _rules(settings):
    cache.clear()  # throttle history lives in the cache (this run's own Redis db)
    settings.REPORTED_TIMES_THRESHOLD = 10
    settings.REPORT_MIN_ACCOUNT_AGE_HOURS = 72
    settings.REPORT_COOLDOWN_HOURS = 72
    settings.REPORT_RATE_PER_CLIENT = "5/hour"
    settings.REPORT_RATE_PER_MEDIA = "100/hour"


_addresses = iter(range(1, 1_000_000))


def _address() -> str:
    """A client address of its own, so the per-client budget does not mask the rule tested."""
    n = next(_addresses)
    return f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"


def _anonymous() -> APIClient:
    return APIClient(REMOTE_ADDR=_address())


def _signed_in(user) -> APIClient:
    client = client_for(user)
    client.defaults["REMOTE_ADDR"] = _address()
    return client


def _aged_account(settings):
    joined = timezone.now() - timedelta(hours=settings.REPORT_MIN_ACCOUNT_AGE_HOURS + 1)
    return UserFactory(date_joined=joined)


def _report(client, media, reason="fake news"):
    return client.post(
        f"/api/v1/media/{media.friendly_token}/actions",
        {"type": "report", "extra_info": reason},
        format="json",
    )


def _publicly_visible(media) -> bool:
    response = APIClient().get(f"/api/v1/media/{media.friendly_token}")
    assert response.status_code in (200, 404)
    return response.status_code == 200


def test_ten_cookieless_anonymous_reports_leave_media_public_and_reach_editors(
    public_media, editor, django_capture_on_commit_callbacks
):
    broker.purge("short_tasks")
    with django_capture_on_commit_callbacks(execute=True):
        codes = [_report(_anonymous(), public_media).status_code for _ in range(10)]
    assert codes == [201] * 10
    sessions = MediaAction.objects.filter(media=public_media, action="report")
    assert sessions.values("session_key").distinct().count() == 10  # a new session each time

    public_media.refresh_from_db()
    assert public_media.state == Media.State.PUBLIC and public_media.is_reviewed
    assert _publicly_visible(public_media)
    # Recorded for the editors: the count the API shows, the reported filter, one e-mail task.
    assert public_media.reported_times == 10 and public_media.hiding_reports == 0
    listed = client_for(editor).get("/api/v1/manage_media?reported=true").json()["results"]
    assert [m["friendly_token"] for m in listed] == [public_media.friendly_token]
    assert broker.queued("short_tasks") == [("notifications.reported_media", [public_media.pk])]


def test_ten_brand_new_accounts_leave_media_public(settings, public_media):
    almost_old_enough = timezone.now() - timedelta(
        hours=settings.REPORT_MIN_ACCOUNT_AGE_HOURS, minutes=-5
    )
    accounts = [UserFactory() for _ in range(9)] + [UserFactory(date_joined=almost_old_enough)]
    assert [_report(_signed_in(a), public_media).status_code for a in accounts] == [201] * 10
    assert _publicly_visible(public_media)
    public_media.refresh_from_db()
    assert public_media.reported_times == 10 and public_media.hiding_reports == 0


def test_aged_accounts_hide_media_at_the_threshold(settings, public_media):
    accounts = [_aged_account(settings) for _ in range(11)]
    codes = [_report(_signed_in(a), public_media).status_code for a in accounts[:9]]
    assert codes == [201] * 9
    assert _publicly_visible(public_media)
    assert _report(_signed_in(accounts[9]), public_media).status_code == 201
    public_media.refresh_from_db()
    assert public_media.state == Media.State.PRIVATE and not public_media.is_reviewed
    assert not _publicly_visible(public_media)
    # The eleventh cannot even find it any more.
    assert _report(_signed_in(accounts[10]), public_media).status_code == 404


def _hide(settings, media) -> None:
    for _ in range(settings.REPORTED_TIMES_THRESHOLD):
        assert _report(_signed_in(_aged_account(settings)), media).status_code == 201
    assert not _publicly_visible(media)


def test_approval_sticks_through_the_cool_down(settings, public_media, editor):
    _hide(settings, public_media)
    verdict = client_for(editor).post(
        f"/api/v1/review/{public_media.friendly_token}", {"result": "approve"}, format="json"
    )
    assert verdict.status_code == 200, verdict.content
    assert _publicly_visible(public_media)

    # As many aged accounts again: recorded for the editors, but the media stays up.
    again = settings.REPORTED_TIMES_THRESHOLD + 2
    for _ in range(again):
        assert _report(_signed_in(_aged_account(settings)), public_media).status_code == 201
    assert _publicly_visible(public_media)
    public_media.refresh_from_db()
    assert public_media.reported_times == again  # counted from zero again since the approval
    assert public_media.hiding_reports == 0

    # Once the cool-down is over, reports count again (approval is not immunity for ever).
    Media.objects.filter(pk=public_media.pk).update(
        reports_cleared_at=timezone.now() - timedelta(hours=settings.REPORT_COOLDOWN_HOURS + 1)
    )
    _hide(settings, public_media)


def test_an_editors_reset_also_starts_the_cool_down(settings, public_media, editor):
    for _ in range(settings.REPORTED_TIMES_THRESHOLD - 1):
        assert _report(_signed_in(_aged_account(settings)), public_media).status_code == 201
    url = f"/api/v1/media/{public_media.friendly_token}/actions"
    assert client_for(editor).delete(url, {"type": "report"}, format="json").status_code == 204
    for _ in range(settings.REPORTED_TIMES_THRESHOLD):
        assert _report(_signed_in(_aged_account(settings)), public_media).status_code == 201
    assert _publicly_visible(public_media)


def test_reports_are_throttled_per_client_address(settings, public_media):
    address = _address()
    media = [MediaFactory() for _ in range(2)]
    # Fresh sessions and fresh accounts from one address share one budget.
    clients = [APIClient(REMOTE_ADDR=address) for _ in range(3)]
    for account in (_aged_account(settings), _aged_account(settings)):
        client = client_for(account)
        client.defaults["REMOTE_ADDR"] = address
        clients.append(client)
    codes = [_report(c, public_media).status_code for c in clients]
    assert codes == [201] * 5

    refused = _report(APIClient(REMOTE_ADDR=address), media[0])
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "Expected available in" in refused.json()["detail"]
    # Only reports are on this budget; another address still reports.
    like = APIClient(REMOTE_ADDR=address).post(
        f"/api/v1/media/{media[1].friendly_token}/actions", {"type": "like"}, format="json"
    )
    assert like.status_code == 201
    assert _report(_anonymous(), media[0]).status_code == 201


def test_reports_are_throttled_per_media(settings, public_media):
    settings.REPORT_RATE_PER_CLIENT = "2/hour"
    settings.REPORT_RATE_PER_MEDIA = "3/hour"
    noisy = _address()
    # A client over its own budget does not spend the media's.
    codes = [_report(APIClient(REMOTE_ADDR=noisy), public_media).status_code for _ in range(4)]
    assert codes == [201, 201, 429, 429]
    assert _report(_anonymous(), public_media).status_code == 201
    refused = _report(_anonymous(), public_media)
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert _report(_anonymous(), MediaFactory()).status_code == 201
    public_media.refresh_from_db()
    assert public_media.reported_times == 3
