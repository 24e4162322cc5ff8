"""The encoding pipeline as a Celery canvas (never model signals).

``pipeline_start`` runs the cheap first step inline (probe, classify, poster and thumbnail), then
enqueues the rest on ``long_tasks``::

    video:   ladder -> extras -> finish
    long:    chord([chunk 0..n-1, audio], join) -> extras -> finish
    audio:   audio_hls -> finish

Every signature carries ``(media_id, run)`` only; a step whose run is no longer current does
nothing (see ``media_app.services.encoding``).
"""

from __future__ import annotations

import logging

from celery import chain, chord, group

from media_app.services import encoding as svc
from media_app.services import encoding_chunks

logger = logging.getLogger(__name__)


def build_canvas(plan: svc.Plan):
    from media_app.tasks import encoding as t

    mid, run = plan.media_id, plan.run
    if plan.kind == "audio":
        return chain(t.audio_hls.si(mid, run), t.finish.si(mid, run))
    if plan.kind != "video":
        return None
    if plan.chunks > 0:
        header = [t.chunk.si(mid, run, i) for i in range(plan.chunks)]
        header.append(t.audio_track.si(mid, run))
        return chain(
            chord(group(header), t.join.si(mid, run)),
            t.extras.si(mid, run),
            t.finish.si(mid, run),
        )
    return chain(t.ladder.si(mid, run), t.extras.si(mid, run), t.finish.si(mid, run))


def pipeline_start(*, media_id: int) -> None:
    plan = svc.encoding_prepare(media_id=media_id)
    if plan is None or plan.kind == "done":
        return
    if plan.chunks < 0:
        plan = encoding_chunks.encoding_split(plan=plan)
        if plan is None:
            return
    canvas = build_canvas(plan)
    if canvas is not None:
        logger.info("media %s: %s pipeline queued (run %s)", media_id, plan.kind, plan.run)
        canvas.apply_async()
