"""The encoding pipeline as a Celery canvas (never model signals). Tasks call services, services
call the pure ``media_app.encoding`` package, which imports neither (import-linter contracts in
pyproject.toml).

``pipeline_start`` runs the cheap first step inline (probe, classify, poster and thumbnail), then
enqueues the rest on ``long_tasks``::

    video:   ladder -> extras -> finish
    long:    chord([chunk 0..n-1, audio], join) -> extras -> finish
    audio:   audio_hls -> finish

Every signature carries ``(media_id, run)`` only; a step whose run is no longer current does
nothing (see ``media_app.services.encoding``). Each also carries the media's broker priority:
unreviewed media are encoded behind everyone else's (``encoding_priority``).
"""

from __future__ import annotations

import logging

from celery import chain, chord, group

from media_app.services import encoding as svc
from media_app.services import encoding_chunks

logger = logging.getLogger(__name__)


def build_canvas(plan: svc.Plan, *, priority: int = svc.PRIORITY_REVIEWED):
    """The rest of the pipeline; every step carries ``priority`` (each message is sent on its
    own, by whichever worker finished the step before, so each signature needs it)."""
    from media_app.tasks import encoding as t

    mid, run = plan.media_id, plan.run

    def step(task, *args):
        return task.si(mid, run, *args).set(priority=priority)

    if plan.kind == "audio":
        return chain(step(t.audio_hls), step(t.finish))
    if plan.kind != "video":
        return None
    if plan.chunks > 0:
        header = [step(t.chunk, i) for i in range(plan.chunks)]
        header.append(step(t.audio_track))
        return chain(chord(group(header), step(t.join)), step(t.extras), step(t.finish))
    return chain(step(t.ladder), step(t.extras), step(t.finish))


def pipeline_start(*, media_id: int, task_id: str | None = None) -> None:
    plan = svc.encoding_prepare(media_id=media_id, task_id=task_id)
    if plan is None or plan.kind == "done":
        return
    if plan.chunks < 0:
        plan = encoding_chunks.encoding_split(plan=plan)
        if plan is None:
            return
    canvas = build_canvas(plan, priority=svc.encoding_priority(media_id=plan.media_id))
    if canvas is not None:
        logger.info("media %s: %s pipeline queued (run %s)", media_id, plan.kind, plan.run)
        canvas.apply_async()
