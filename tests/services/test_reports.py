from django.core import mail

from media_app.models import Media
from media_app.services.actions import media_action_record
from media_app.tasks.notifications import send_reported_media_notice
from tests import broker
from tests.factories import MediaFactory, UserFactory


def test_crossing_the_report_threshold_hides_media_once_and_tells_editors(
    db, settings, django_capture_on_commit_callbacks
):
    settings.REPORTED_TIMES_THRESHOLD = 2
    editor = UserFactory(is_editor=True, email="desk@example.org")
    UserFactory(is_editor=True, email="")  # no address: nothing to send to
    media = MediaFactory()
    reporters = [UserFactory() for _ in range(3)]

    broker.purge("short_tasks")
    with django_capture_on_commit_callbacks(execute=True):
        for reporter in reporters:
            media_action_record(media=media, user=reporter, action="report")
    media.refresh_from_db()
    assert media.reported_times == 3
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
    reporter = UserFactory()
    assert media_action_record(media=media, user=reporter, action="report") is True
    assert media_action_record(media=media, user=reporter, action="report") is False
    media.refresh_from_db()
    assert media.reported_times == 1 and media.state == Media.State.PUBLIC
