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
        logger.warning("media %s was hidden after reports but no editor has an e-mail", media_id)
        return
    send_mail(
        subject=f"[{settings.SITE_NAME}] Media hidden after reports: {media.title}",
        message=(
            f"'{media.title}' by {media.user.username} was reported {media.reported_times} times "
            f"and is now private until an editor reviews it.\n\n/view?m={media.friendly_token}\n"
        ),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=recipients,
    )
