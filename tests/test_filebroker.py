"""The embedded broker (openpress/filebroker.py) keeps a message until it is acknowledged.

Real kombu connections on a temporary folder; the consumer that dies is a real process killed
with SIGKILL, which is what happens to a worker's encode when the machine or the user kills it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from kombu import Connection, Queue

from openpress.filebroker import Transport
from tests.workers import wait_for

ROOT = Path(__file__).resolve().parent.parent
JOBS = Queue("jobs", routing_key="jobs")


def options(root: Path) -> dict:
    for sub in ("queue", "processing", "control"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    return {
        "data_folder_in": str(root / "queue"),
        "data_folder_out": str(root / "queue"),
        "processing_folder": str(root / "processing"),
        "control_folder": str(root / "control"),
    }


def connect(root: Path) -> Connection:
    return Connection("filesystem://", transport=Transport, transport_options=options(root))


def publish(root: Path, *bodies: dict) -> None:
    with connect(root) as conn, conn.Producer() as producer:
        for body in bodies:
            producer.publish(body, routing_key="jobs", declare=[JOBS], serializer="json")


def queued(root: Path) -> list[str]:
    return sorted(p.name for p in (root / "queue").iterdir() if p.name.endswith(".msg"))


def claimed(root: Path) -> list[Path]:
    return sorted((root / "processing").glob("*/*.msg"))


def test_a_message_stays_on_disk_until_it_is_acknowledged(tmp_path):
    publish(tmp_path, {"n": 1})
    with connect(tmp_path) as conn:
        message = JOBS(conn.default_channel).get(no_ack=False)
        assert message.payload == {"n": 1}
        assert queued(tmp_path) == []
        assert len(claimed(tmp_path)) == 1  # taken, not deleted
        message.ack()
        assert claimed(tmp_path) == []
    # A clean close leaves neither a folder nor a lock behind.
    assert list((tmp_path / "processing").iterdir()) == []


def test_rejected_or_unacknowledged_at_close_goes_back_in_its_place(tmp_path):
    publish(tmp_path, {"n": 1}, {"n": 2})
    first_name = queued(tmp_path)[0]
    with connect(tmp_path) as conn:
        message = JOBS(conn.default_channel).get(no_ack=False)
        message.reject(requeue=True)
        assert queued(tmp_path)[0] == first_name  # the same file, still first in line
        assert message.payload == {"n": 1}  # first published, first delivered
        again = JOBS(conn.default_channel).get(no_ack=False)
        assert again.payload == {"n": 1}
        assert len(queued(tmp_path)) == 1
    # The channel closed with the message unacknowledged (a worker's warm shutdown): restored.
    assert queued(tmp_path)[0] == first_name
    assert len(queued(tmp_path)) == 2 and claimed(tmp_path) == []


def test_no_ack_messages_are_gone_once_read(tmp_path):
    publish(tmp_path, {"n": 1})
    with connect(tmp_path) as conn:
        assert JOBS(conn.default_channel).get(no_ack=True).payload == {"n": 1}
        assert claimed(tmp_path) == [] and queued(tmp_path) == []


CONSUMER = """
import sys, time
from kombu import Connection, Queue
from openpress.filebroker import Transport
conn = Connection("filesystem://", transport=Transport, transport_options={options!r})
message = Queue("jobs", routing_key="jobs")(conn.default_channel).get(no_ack=False)
print("got", message.payload["n"], flush=True)
time.sleep(120)
"""


@pytest.mark.slow
def test_a_consumer_killed_before_acking_leaves_the_message_to_the_next(tmp_path):
    publish(tmp_path, {"n": 7})
    script = textwrap.dedent(CONSUMER).format(options=options(tmp_path))
    victim = subprocess.Popen(
        [sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        assert victim.stdout.readline().split() == ["got", "7"]
        assert queued(tmp_path) == [] and len(claimed(tmp_path)) == 1

        # While its consumer lives, nobody else takes the message.
        with connect(tmp_path) as conn:
            assert JOBS(conn.default_channel).get(no_ack=False) is None
        assert len(claimed(tmp_path)) == 1

        os.kill(victim.pid, signal.SIGKILL)
        victim.wait(timeout=10)
    finally:
        if victim.poll() is None:
            victim.kill()
            victim.wait()
        victim.stdout.close()

    # The next consumer finds the dead one's message and gets it.
    with connect(tmp_path) as conn:
        message = wait_for(
            lambda: JOBS(conn.default_channel).get(no_ack=False),
            timeout=10,
            message="the killed consumer's message to be redelivered",
        )
        assert message.payload == {"n": 7}
        message.ack()
    assert queued(tmp_path) == [] and claimed(tmp_path) == []
    assert list((tmp_path / "processing").iterdir()) == []
