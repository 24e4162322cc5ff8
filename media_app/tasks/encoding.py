"""Encoding tasks (long_tasks). The pipeline itself is built in media_app.encoding.pipeline."""

from celery import shared_task


@shared_task(name="encoding.media_encode", acks_late=True, reject_on_worker_lost=True)
def media_encode(media_id: int) -> None:
    """Entry point: probe, classify and start the rest of the pipeline for one media."""
    from media_app.encoding.pipeline import pipeline_start

    pipeline_start(media_id=media_id)
