import logging

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail

from media_app.models import Media
from media_app.services.notifications import editor_emails

logger = logging.getLogger(__name__)


@shared_task(
    name="notifications.reported_media", autoretry_for=(OSError,), retry_backoff=True, max_retries=5
)
def send_reported_media_notice(media_id: int) -> None:
    media = Media.objects.filter(pk=media_id).select_related("user").first()
    if media is None:
        logger.info("reported media %s is gone; no notice sent", media_id)
        return
    recipients = editor_emails()
    if not recipients:
        logger.warning("media %s was reported but no editor has an e-mail", media_id)
        return
    # Read when sending: the media may have been hidden (or cleared) since the notice was queued.
    hidden = media.state == Media.State.PRIVATE and not media.is_reviewed
    if hidden:
        subject = f"Media hidden after reports: {media.title}"
        outcome = "and is now private until an editor reviews it."
    else:
        subject = f"Media reported: {media.title}"
        outcome = (
            "and is still public: reports by anonymous visitors, new accounts or within the "
            "cool-down after an editor's clearing do not hide media. Approve it or reset the "
            "reports if it is fine."
        )
    send_mail(
        subject=f"[{settings.SITE_NAME}] {subject}",
        message=(
            f"'{media.title}' by {media.user.username} was reported {media.reported_times} times "
            f"{outcome}\n\n/view?m={media.friendly_token}\n"
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=recipients,
    )
