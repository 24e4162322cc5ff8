from datetime import timedelta

from django.core import mail
from django.utils import timezone

from media_app.models import Media
from media_app.services.actions import media_action_record
from media_app.tasks.notifications import send_reported_media_notice
from tests import broker
from tests.factories import MediaFactory, UserFactory


def _aged_account(settings, **kwargs):
    """An account old enough for its reports to count toward hiding."""
    joined = timezone.now() - timedelta(hours=settings.REPORT_MIN_ACCOUNT_AGE_HOURS + 1)
    return UserFactory(date_joined=joined, **kwargs)


def test_crossing_the_report_threshold_hides_media_once_and_tells_editors(
    db, settings, django_capture_on_commit_callbacks
):
    settings.REPORTED_TIMES_THRESHOLD = 2
    editor = UserFactory(is_editor=True, email="desk@example.org")
    UserFactory(is_editor=True, email="")  # no address: nothing to send to
    media = MediaFactory()
    reporters = [_aged_account(settings) for _ in range(3)]

    broker.purge("short_tasks")
    with django_capture_on_commit_callbacks(execute=True):
        for reporter in reporters:
            media_action_record(media=media, user=reporter, action="report")
    media.refresh_from_db()
    assert media.reported_times == media.hiding_reports == 3
    assert media.state == Media.State.PRIVATE and not media.is_reviewed
    # The second report crossed the line; the third found it already hidden: one notice.
    assert broker.queued("short_tasks") == [("notifications.reported_media", [media.pk])]

    send_reported_media_notice(media.pk)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [editor.email]
    assert media.title in mail.outbox[0].subject


def test_same_reporter_counts_once(db, settings):
    settings.REPORTED_TIMES_THRESHOLD = 2
    media = MediaFactory()
    reporter = _aged_account(settings)
    assert media_action_record(media=media, user=reporter, action="report") is True
    assert media_action_record(media=media, user=reporter, action="report") is False
    media.refresh_from_db()
    assert media.reported_times == 1 and media.state == Media.State.PUBLIC


def test_reports_that_cannot_hide_still_tell_editors_once(
    db, settings, django_capture_on_commit_callbacks
):
    settings.REPORTED_TIMES_THRESHOLD = 2
    editor = UserFactory(is_editor=True, email="desk@example.org")
    media = MediaFactory()
    broker.purge("short_tasks")
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(3):
            media_action_record(media=media, session_key=f"visitor{n}", action="report")
        media_action_record(media=media, user=UserFactory(), action="report")  # a new account
    media.refresh_from_db()
    assert (media.reported_times, media.hiding_reports) == (4, 0)
    assert media.state == Media.State.PUBLIC
    assert broker.queued("short_tasks") == [("notifications.reported_media", [media.pk])]

    send_reported_media_notice(media.pk)
    assert mail.outbox[0].to == [editor.email]
    assert "Media reported" in mail.outbox[0].subject
    assert "still public" in mail.outbox[0].body


def test_approval_clears_the_counts_and_starts_the_cool_down(db, settings):
    from media_app.services.media import media_review

    settings.REPORTED_TIMES_THRESHOLD = 2
    editor = UserFactory(is_editor=True)
    media = MediaFactory()
    for _ in range(2):
        media_action_record(media=media, user=_aged_account(settings), action="report")
    media.refresh_from_db()
    assert media.state == Media.State.PRIVATE
    media_review(media=media, by=editor, approve=True)
    assert (media.reported_times, media.hiding_reports) == (0, 0)
    media.refresh_from_db()
    assert media.state == Media.State.PUBLIC and media.reports_cleared_at is not None
    for _ in range(3):
        media_action_record(media=media, user=_aged_account(settings), action="report")
    media.refresh_from_db()
    assert (media.reported_times, media.hiding_reports) == (3, 0)
    assert media.state == Media.State.PUBLIC
    # The report history keeps what was said before the approval.
    assert media.actions.filter(action="report").count() == 5


def test_approving_media_nobody_reported_starts_no_cool_down(db, settings):
    from media_app.services.media import media_review

    media = MediaFactory(state=Media.State.PRIVATE, is_reviewed=False)
    media_review(media=media, by=UserFactory(is_editor=True), approve=True)
    media.refresh_from_db()
    assert media.reports_cleared_at is None
