"""Leases of running encoding steps (issue 12, point 17): a whole worker killed mid-encode (main
process, pool and ffmpeg, SIGKILL) is replaced within two minutes, never by a second copy
running at the same time, and a zombie's publish is refused by the fence (the run token).

The kill test runs real processes: a celery worker on PostgreSQL + Redis killed with SIGKILL,
then a fresh worker and celery beat (whose 15-s job sweeps lapsed leases), with the shipped
default lease of 60 s.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.utils import timezone

from media_app import storage
from media_app.encoding import lease
from media_app.models import Encoding, EncodingLease, Media
from media_app.services import encoding as svc
from tests.conftest import client_for
from tests.encoding.clips import make_clip
from tests.encoding.conftest import first_stored, upload
from tests.workers import ROOT, _database_url, celery_worker, wait_for

TWO_MINUTES = 120


def _reload(media: Media) -> Media:
    media.refresh_from_db()
    return media


def _hls_info(media: Media) -> dict:
    answer = client_for(media.user).get(f"/api/v1/media/{media.friendly_token}")
    assert answer.status_code == 200, answer.content
    return answer.json()["hls_info"]


def _write_master(media: Media, run: str) -> str:
    name = f"encoded/{media.uid.hex}/hls/{run}/master.m3u8"
    text = "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=500000,RESOLUTION=426x240\n240p/index.m3u8\n"
    assert default_storage.save(name, ContentFile(text.encode())) == name
    return name


@pytest.mark.django_db
def test_the_api_hands_out_no_unfinished_master_of_a_run_whose_worker_was_lost(user):
    media = upload(make_clip_once(), user=user)
    Media.objects.filter(pk=media.pk).update(encoding_status="running", encoding_run="runA")
    master = _write_master(media, "runA")
    Media.objects.filter(pk=media.pk).update(hls_file=master)
    row = EncodingLease.objects.create(
        media=media,
        run="runA",
        task_id="t1",
        task="ladder",
        holder="h:1",
        expires_at=timezone.now() + timedelta(seconds=60),
    )
    # A live encode publishes early: the growing (EVENT) ladder is served while it runs.
    assert _hls_info(media)["master_file"].endswith("/hls/runA/master.m3u8")
    # Its worker is gone (the lease ran out): the truncated ladder is not the video.
    EncodingLease.objects.filter(pk=row.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert _hls_info(media) == {}
    # A failed run's partial ladder neither.
    Media.objects.filter(pk=media.pk).update(encoding_status="fail")
    assert _hls_info(media) == {}
    # The previous complete encode stays served while a new run is encoded.
    previous = _write_master(media, "runP")
    Media.objects.filter(pk=media.pk).update(encoding_status="running", hls_file=previous)
    assert _hls_info(media)["master_file"].endswith("/hls/runP/master.m3u8")


@pytest.mark.django_db
def test_a_new_run_takes_back_the_early_master_of_the_run_it_replaces(user):
    """A run replaced before it finished (its first step delivered again after its worker
    died, or an editor's "encode again") leaves its early master behind: the new run must not
    serve it as if it were a previous complete encode. CI caught it under load: the rescuing
    worker's new run served the killed run's truncated ladder."""
    media = upload(make_clip_once(), user=user)
    early = _write_master(media, "runA")
    Media.objects.filter(pk=media.pk).update(
        encoding_status="running", encoding_run="runA", hls_file=early
    )
    plan = svc.encoding_prepare(media_id=media.pk)
    media.refresh_from_db()
    assert media.encoding_run == plan.run != "runA"
    assert media.hls_file == "" and _hls_info(media) == {}
    # A complete encode, though, stays served while the next run is encoded.
    done = _write_master(media, plan.run)
    Media.objects.filter(pk=media.pk).update(encoding_status="success", hls_file=done)
    again = svc.encoding_prepare(media_id=media.pk)
    media.refresh_from_db()
    assert media.encoding_run == again.run and media.hls_file == done
    assert _hls_info(media)["master_file"].endswith(f"/hls/{plan.run}/master.m3u8")


_CLIP: list[Path] = []


def make_clip_once() -> Path:
    if not _CLIP:
        folder = Path(settings.MEDIA_ROOT).parent / "lease-clips"
        folder.mkdir(parents=True, exist_ok=True)
        _CLIP.append(make_clip(folder / "tiny.mp4", size="320x180", seconds=1))
    return _CLIP[0]


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_zombie_cannot_publish_over_the_newer_run(tmp_path, django_capture_on_commit_callbacks):
    """The fence itself: the run A encodes (no lease keeper: a frozen worker's view), its lease
    runs out and the sweep replaces it mid-encode; A's ffmpeg ends and its publish is refused."""
    media = upload(make_clip(tmp_path / "z.mp4", size="1280x720", seconds=8))
    plan = svc.encoding_prepare(media_id=media.pk)
    run_a = plan.run
    row = EncodingLease.objects.create(
        media=media,
        run=run_a,
        task_id="zombie",
        task="ladder",
        holder="frozen:1",
        expires_at=timezone.now() + timedelta(hours=1),
    )
    hls_a = f"encoded/{media.uid.hex}/hls/{run_a}"
    swept: list = []

    def sweep_mid_encode():
        try:
            wait_for(lambda: first_stored(hls_a, "*/seg_*.m4s"), timeout=120, message="segments")
            EncodingLease.objects.filter(pk=row.pk).update(
                expires_at=timezone.now() - timedelta(seconds=1)
            )
            with django_capture_on_commit_callbacks(execute=False):
                swept.append(svc.encoding_leases_sweep())
        finally:
            connection.close()

    sweeper = threading.Thread(target=sweep_mid_encode)
    sweeper.start()
    with pytest.raises(svc.Superseded):
        svc.encoding_ladder(media_id=media.pk, run=run_a)
    sweeper.join()
    assert swept == [(1, 0)]
    media.refresh_from_db()
    assert media.encoding_run != run_a and media.encoding_status == "pending"
    assert run_a not in media.hls_file  # the early master of A was taken back, never republished
    assert not Encoding.objects.filter(media=media, status="success").exists()
    # A's lease is lost: a keeper renewing it now finds it gone.
    assert lease.Keeper(EncodingLease.objects.get(pk=row.pk)).renew() is False
    # And A's last step cannot end the media either.
    svc.encoding_finish(media_id=media.pk, run=run_a)
    assert _reload(media).encoding_status == "pending"


# --- a real worker killed with SIGKILL --------------------------------------------------------


def ffmpeg_of(worker: subprocess.Popen) -> list[int]:
    """Pids of the live ffmpeg processes of a worker from ``celery_worker``: those in its
    session (it starts each worker in a session of its own, and the encoder's tools stay in
    it). Not by the media's uid on the command line: in S3 mode ffmpeg reads and writes only
    scratch files."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            cmd = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0")
            # After "(comm)": state, ppid, pgrp, session.
            state, _ppid, _pgrp, session = (
                Path(f"/proc/{entry}/stat").read_text().rpartition(")")[2].split()[:4]
            )
        except (OSError, ValueError):
            continue
        tool = os.path.basename(cmd[0]) if cmd else b""
        if tool.startswith(b"ffmpeg") and state != "Z" and int(session) == worker.pid:
            pids.append(int(entry))
    return pids


def celery_beat(name: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "openpress.settings.test",
        "DATABASE_URL": _database_url(),
        "REDIS_URL": settings.CELERY_BROKER_URL,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
    }
    log = open(Path(settings.MEDIA_ROOT).parent / f"beat-{name}.log", "w")  # noqa: SIM115
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "openpress",
            "beat",
            "-S",
            "django_celery_beat.schedulers:DatabaseScheduler",
            "--loglevel",
            "INFO",
            "--schedule",
            str(Path(settings.MEDIA_ROOT).parent / f"beat-{name}.db"),
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop_process(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_with_sigkill_is_replaced_within_two_minutes(tmp_path, user):
    media = upload(make_clip(tmp_path / "k.mp4", size="1280x720", seconds=12), user=user)
    hls_root = f"encoded/{media.uid.hex}/hls"
    slow = {"ENCODE_PRESET": "slower", "ENCODE_LADDER": "240,360,480,720"}
    with celery_worker(queues="long_tasks", name="lease-victim", extra_env=slow) as victim:
        svc.encoding_start(media_id=media.pk)
        wait_for(
            lambda: first_stored(hls_root, "*/240p/seg_*.m4s"),
            timeout=120,
            message="the first segments of the ladder",
        )
        first_run = _reload(media).encoding_run
        assert media.encoding_status == "running"
        wait_for(lambda: _hls_info(media), timeout=30, message="the early master")
        assert ffmpeg_of(victim), "the victim's ffmpeg is not running"
        os.killpg(victim.pid, signal.SIGKILL)  # main process, pool and ffmpeg
        killed = time.monotonic()
        victim.wait(timeout=10)
    wait_for(lambda: not ffmpeg_of(victim), timeout=10, message="ffmpeg to die")
    lost = EncodingLease.objects.get(media=media, run=first_run, task="ladder")
    assert not lost.done

    beat = celery_beat("lease")
    served_old = []
    try:
        with celery_worker(queues="short_tasks,long_tasks", name="lease-rescuer", purge=False):

            def new_run_started():
                # Only an answer to a request made after the lease ran out is wrong (one made
                # just before may end just after: under load that raced this check).
                asked = timezone.now()
                info = _hls_info(media)
                if first_run in info.get("master_file", "") and asked > lost.expires_at:
                    served_old.append(info["master_file"])
                m = _reload(media)
                return m.encoding_run not in ("", first_run) and m.encoding_status == "running"

            wait_for(new_run_started, timeout=TWO_MINUTES, interval=1, message="the new run")
            resumed = time.monotonic() - killed
            wait_for(
                lambda: _reload(media).encoding_status in ("success", "fail"),
                timeout=180,
                message="the new run to finish",
            )
    finally:
        stop_process(beat)
    assert resumed <= TWO_MINUTES, resumed
    assert media.encoding_status == "success", media.encoding_fail_reason
    assert media.encoding_run != first_run and media.encoding_attempts == 2
    assert served_old == [], "the API served the lost run's unfinished master"
    # Never twice at once: every lease of the new run was taken after the old one had run out.
    lost.refresh_from_db()
    new = EncodingLease.objects.filter(media=media, run=media.encoding_run)
    assert new.exists() and all(r.add_date >= lost.expires_at for r in new)
    assert first_run not in media.hls_file and _hls_info(media)["master_file"]
    print(f"killed -> new run running after {resumed:.1f} s")


# --- taking over from a dead holder, stopping when the lease is lost ---------------------------


def _holder_of(proc: subprocess.Popen) -> str:
    started = lease._start_time(proc.pid)
    return f"{lease.socket.gethostname()}:{proc.pid}:{started}"


@pytest.mark.django_db
def test_a_second_delivery_runs_only_in_place_of_a_holder_known_to_be_dead(user):
    media = upload(make_clip_once(), user=user)
    Media.objects.filter(pk=media.pk).update(encoding_status="running", encoding_run="runA")
    alive = subprocess.Popen(["sleep", "60"])
    dead = subprocess.Popen(["sleep", "0"])
    dead_holder = _holder_of(dead)
    dead.wait()
    try:
        soon = timezone.now() + timedelta(seconds=60)
        for task_id, holder in (("t-alive", _holder_of(alive)), ("t-dead", dead_holder)):
            EncodingLease.objects.create(
                media=media,
                run="runA",
                task_id=task_id,
                task="ladder",
                holder=holder,
                expires_at=soon,
            )
        EncodingLease.objects.create(
            media=media,
            run="runA",
            task_id="t-far",
            task="ladder",
            holder="other-host:7:1",
            expires_at=soon,
        )
        for task_id in ("t-alive", "t-far"):
            with pytest.raises(lease.Duplicate):
                lease.take(media_id=media.pk, run="runA", task_id=task_id, task="ladder")
        row = lease.take(media_id=media.pk, run="runA", task_id="t-dead", task="ladder")
        assert row.holder == lease._holder() and not row.done
        # A step that finished is never redone by a second delivery.
        EncodingLease.objects.filter(pk=row.pk).update(done=True, holder=dead_holder)
        with pytest.raises(lease.Duplicate):
            lease.take(media_id=media.pk, run="runA", task_id="t-dead", task="ladder")
    finally:
        alive.kill()
        alive.wait()


@pytest.mark.django_db(transaction=True)
def test_a_holder_whose_lease_is_taken_kills_its_tool_at_once(settings, user):
    from media_app.encoding import runner

    settings.ENCODE_LEASE_SECONDS = 3  # renewed every 0.5 s
    media = upload(make_clip_once(), user=user)
    Media.objects.filter(pk=media.pk).update(encoding_status="running", encoding_run="runA")
    keeper = lease.acquire(media_id=media.pk, run="runA", task_id="t1", task="ladder")
    try:
        taker = threading.Timer(
            1.0, lambda: (EncodingLease.objects.update(done=True), connection.close())
        )
        taker.start()
        started = time.monotonic()
        with pytest.raises(runner.Aborted):
            runner.run(["sleep", "30"], timeout=60)
        assert time.monotonic() - started < 5
        assert keeper.lost and "taken" in keeper.lost
        # No tool starts any more in this step.
        with pytest.raises(runner.Aborted):
            runner.run(["true"])
    finally:
        lease.drop_current()
        runner.reset()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_frozen_worker_that_wakes_up_after_its_replacement_publishes_nothing(tmp_path, user):
    """SIGSTOP of the whole worker (a VM paused, a process stalled): its lease runs out, the
    encode is started again and finished elsewhere; when the frozen worker wakes up (SIGCONT) it
    finds its lease gone, kills its ffmpeg and publishes nothing over the newer run."""
    media = upload(make_clip(tmp_path / "f.mp4", size="1280x720", seconds=12), user=user)
    hls_root = f"encoded/{media.uid.hex}/hls"
    short = {"ENCODE_LEASE_SECONDS": "10"}
    slow = {"ENCODE_PRESET": "slower", "ENCODE_LADDER": "240,360,480,720", **short}
    with celery_worker(queues="long_tasks", name="frozen", extra_env=slow) as frozen:
        svc.encoding_start(media_id=media.pk)
        wait_for(
            lambda: first_stored(hls_root, "*/240p/seg_*.m4s"), timeout=120, message="segments"
        )
        first_run = _reload(media).encoding_run
        os.killpg(frozen.pid, signal.SIGSTOP)
        beat = celery_beat("frozen")
        try:
            with celery_worker(
                queues="short_tasks,long_tasks", name="thawed-rescuer", purge=False, extra_env=short
            ):
                wait_for(
                    lambda: _reload(media).encoding_status in ("success", "fail"),
                    timeout=TWO_MINUTES + 120,
                    message="the new run to finish",
                )
        finally:
            stop_process(beat)
        assert media.encoding_status == "success", media.encoding_fail_reason
        second_run = media.encoding_run
        assert second_run != first_run
        published = media.hls_file
        rows = sorted(Encoding.objects.filter(media=media).values_list("status", "media_file"))
        assert ffmpeg_of(frozen), "the frozen worker's ffmpeg should still exist"
        os.killpg(frozen.pid, signal.SIGCONT)
        wait_for(lambda: not ffmpeg_of(frozen), timeout=15, message="the zombie to kill ffmpeg")
        time.sleep(2)
        media.refresh_from_db()
        assert (media.encoding_status, media.encoding_run, media.hls_file) == (
            "success",
            second_run,
            published,
        )
        assert sorted(Encoding.objects.filter(media=media).values_list("status", "media_file")) == (
            rows
        )
        assert storage.exists(published)
    log = (Path(settings.MEDIA_ROOT).parent / "worker-frozen.log").read_text()
    assert "stopped, nothing published" in log, log[-3000:]


def _children_of(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rpartition(")")[2].split()[1]) == pid:
                found.append(int(entry))
    return found


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_pool_process_killed_under_a_live_worker_is_taken_over_at_once(tmp_path, user):
    """Only the pool process dies (an OOM kill of one encode): Celery gives the message back at
    once, and the next delivery takes over the lease of the dead holder and redoes the step in
    the same run, without waiting for the lease to run out (no beat runs here)."""
    media = upload(make_clip(tmp_path / "p.mp4", size="1280x720", seconds=12), user=user)
    hls_root = f"encoded/{media.uid.hex}/hls"
    slow = {"ENCODE_PRESET": "slower", "ENCODE_LADDER": "240,360,480,720"}
    with celery_worker(queues="long_tasks", name="pool-victim", extra_env=slow) as worker:
        svc.encoding_start(media_id=media.pk)
        wait_for(
            lambda: first_stored(hls_root, "*/240p/seg_*.m4s"), timeout=120, message="segments"
        )
        run = _reload(media).encoding_run
        encoders = set(ffmpeg_of(worker))
        (child,) = [p for p in _children_of(worker.pid) if encoders & set(_children_of(p))]
        os.kill(child, signal.SIGKILL)
        killed = time.monotonic()
        wait_for(
            lambda: _reload(media).encoding_status in ("success", "fail"),
            timeout=lease.lease_seconds() + 120,
            message="the step to be redone",
        )
        took = time.monotonic() - killed
    assert media.encoding_status == "success", media.encoding_fail_reason
    assert media.encoding_run == run and media.encoding_attempts == 1
    log = (Path(settings.MEDIA_ROOT).parent / "worker-pool-victim.log").read_text()
    assert "ladder taken over from" in log, log[-3000:]
    print(f"pool process killed -> step redone and encode finished after {took:.1f} s")


@pytest.mark.django_db
def test_the_six_hour_stuck_check_leaves_an_encode_whose_worker_still_renews_its_lease(user):
    long_ago = timezone.now() - timedelta(seconds=settings.ENCODE_STUCK_AFTER_SECONDS + 60)
    media = upload(make_clip_once(), user=user)
    Media.objects.filter(pk=media.pk).update(
        encoding_status="running", encoding_run="runA", encoding_attempts=1, edit_date=long_ago
    )
    row = EncodingLease.objects.create(
        media=media,
        run="runA",
        task_id="t1",
        task="chunk",
        holder="h:1:1",
        expires_at=timezone.now() + timedelta(seconds=60),
    )
    assert svc.encodings_stuck_handle() == (0, 0)
    assert _reload(media).encoding_run == "runA"
    # Without a live lease the backstop still acts.
    EncodingLease.objects.filter(pk=row.pk).update(done=True)
    Media.objects.filter(pk=media.pk).update(edit_date=long_ago)
    assert svc.encodings_stuck_handle() == (1, 0)
