"""Uploads whose encode was never started because the broker lost its message.

An upload is saved ``pending`` and its ``encoding.media_encode`` message is sent once, after the
commit. If Redis loses that message (a restart without persistence, the last second before a
crash with ``appendfsync everysec``, a Sentinel failover to a replica that had not received it),
nothing would start the encode until the six-hour stuck-encoding check. Here a beat job, every
minute, looks for media that have waited ``ENCODE_PENDING_REQUEUE_SECONDS`` without their run
starting, reads the broker's queues, and sends the message again for those whose message is in
none of them. Runs that started and then lost their worker are the encoding leases' business
(``media_app/encoding/lease.py``), not this sweep's.

Idempotent: a media whose message waits in a queue (behind a backlog of encodes, say), or is held
by a worker (Redis's ``unacked`` hash), is left alone; the queues are read twice, a moment
apart, so a message on its way from the queue to a worker is not taken for lost; and the new
message is sent only if the media is still pending and unstarted under a row lock, which also
restarts its wait, so a media is sent again at most once per ``ENCODE_PENDING_REQUEUE_SECONDS``.
With a broker other than Redis (the embedded default's file broker keeps a message until it is
acknowledged) the sweep does nothing.
"""

from __future__ import annotations

import base64
import functools
import json
import logging
import time
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from media_app.models import Media

logger = logging.getLogger(__name__)

ENCODE_TASK = "encoding.media_encode"
# Between the two reads of the queues: a message a worker has just popped is in its unacked
# hash by then.
SECOND_LOOK_SECONDS = 0.5


def _media_id(payload: dict) -> int | None:
    if payload.get("headers", {}).get("task") != ENCODE_TASK:
        return None
    body = payload.get("body", "")
    if payload.get("properties", {}).get("body_encoding") == "base64":
        body = base64.b64decode(body)
    args = json.loads(body)[0]
    return int(args[0]) if args else None


def queued_media_ids() -> set[int] | None:
    """Ids of the media with an encode message in the broker: waiting in a queue (any priority)
    or held by a worker. ``None`` when the broker is not Redis."""
    from openpress.celery import app

    with app.connection_for_read() as conn:
        if conn.transport.driver_type != "redis":
            return None
        channel = conn.default_channel
        client = channel.client
        payloads = []
        for queue in settings.CELERY_TASK_QUEUES:
            for step in channel.priority_steps:
                key = channel._q_for_pri(queue.name, step)  # kombu's own key of a priority step
                payloads += [json.loads(raw) for raw in client.lrange(key, 0, -1)]
        # Each value of the unacked hash is [message, exchange, routing key].
        payloads += [json.loads(v)[0] for v in client.hvals(channel.unacked_key)]
    found = set()
    for payload in payloads:
        try:
            media_id = _media_id(payload)
        except (ValueError, TypeError, IndexError, KeyError):
            continue  # not a message of ours
        if media_id is not None:
            found.add(media_id)
    return found


def encodings_pending_requeue(*, now=None) -> int:
    """Send the encode message again for pending, never-started media whose message the broker
    no longer has. Returns how many were sent."""
    now = now or timezone.now()
    waited = now - timedelta(seconds=settings.ENCODE_PENDING_REQUEUE_SECONDS)
    unstarted = Q(encoding_status=Media.EncodingStatus.PENDING, encoding_run="")
    waiting = set(
        Media.objects.filter(unstarted)
        .annotate(queued_at=Coalesce("encoding_started_at", "add_date"))
        .filter(queued_at__lt=waited)
        .values_list("pk", flat=True)
    )
    if not waiting:
        return 0
    queued = queued_media_ids()
    if queued is None:
        return 0
    lost = waiting - queued
    if lost:
        time.sleep(SECOND_LOOK_SECONDS)
        lost -= queued_media_ids() or set()
    sent = 0
    for media_id in sorted(lost):
        with transaction.atomic():
            media = (
                Media.objects.select_for_update(skip_locked=True)
                .filter(unstarted, pk=media_id)
                .annotate(queued_at=Coalesce("encoding_started_at", "add_date"))
                .filter(queued_at__lt=waited)
                .first()
            )
            if media is None:
                continue  # started, changed or requeued meanwhile
            Media.objects.filter(pk=media_id).update(encoding_started_at=timezone.now())
            transaction.on_commit(functools.partial(_send, media_id))
            sent += 1
            logger.warning(
                "media %s waited %s s with no encode message in the broker; sent again",
                media.friendly_token,
                int((now - media.queued_at).total_seconds()),
            )
    return sent


def _send(media_id: int) -> None:
    from media_app.services.encoding import encoding_start

    encoding_start(media_id=media_id)
