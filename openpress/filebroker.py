"""The embedded broker: kombu's filesystem transport, with acknowledgements that mean something.

kombu's own filesystem transport deletes a message file the moment a consumer takes it, so a
worker killed while it runs an ``acks_late`` task (an encode) loses the task for good. This
transport keeps the file until the message is settled:

* A consumer claims a message by renaming its file from the queue folder into a folder of its
  own, ``processing/<owner>/`` (a rename is atomic: two consumers never get the same file).
* Acknowledging deletes the file; rejecting with requeue, or closing the channel with the message
  still unacknowledged (a warm shutdown), renames it back into the queue under its old name, so
  it keeps its place in line.
* A consumer that dies without closing (SIGKILL, power loss) leaves its folder behind. Its owner
  held an exclusive ``flock`` on ``processing/<owner>.lock`` for as long as it lived; the kernel
  drops that lock when the process dies, however it dies. Every consumer looks for lock files it
  can lock when it starts (and every ``RECOVER_EVERY`` seconds after) and puts the messages of
  those dead owners back in the queue. No process ids are guessed, and a live owner's messages
  are never taken from it.

Messages consumed without acknowledgement (``no_ack``: worker remote control, replies) are
deleted as soon as they are read, as before.

Two smaller differences from kombu's transport: a message file is written under a hidden name and
renamed into the queue, so a consumer never reads a half-written file; and a worker that starts a
warm or cold shutdown stops polling at once (celery's loop otherwise waits out a two-second poll,
and then a second one) and polls five times a second rather than once, so an idle worker stops
in about a second.

Selected by ``CELERY_BROKER_TRANSPORT`` in ``openpress.settings.dev`` for ``filesystem://`` URLs.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import socket
import time
import uuid
from queue import Empty

from celery.signals import worker_shutting_down
from kombu.transport import filesystem, virtual
from kombu.utils.encoding import bytes_to_str, str_to_bytes
from kombu.utils.json import dumps, loads
from kombu.utils.objects import cached_property

logger = logging.getLogger(__name__)

#: Seconds between two looks at the queue folder of an idle consumer.
POLLING_INTERVAL = 0.2
#: Seconds between two looks for the messages of consumers that died.
RECOVER_EVERY = 30.0

_shutting_down = False


@worker_shutting_down.connect(dispatch_uid="openpress.filebroker.stop_polling")
def _stop_polling(**_kwargs) -> None:
    """Celery sends this from the worker's SIGTERM/SIGINT handler: only a flag is safe there."""
    global _shutting_down
    _shutting_down = True


class QoS(virtual.QoS):
    def ack(self, delivery_tag):
        super().ack(delivery_tag)
        self.channel._settle(delivery_tag)

    def reject(self, delivery_tag, requeue=False):
        # With requeue, the base class calls channel._restore first, which moves the file back.
        super().reject(delivery_tag, requeue=requeue)
        self.channel._settle(delivery_tag)


class Channel(filesystem.Channel):
    QoS = QoS

    def __init__(self, *args, **kwargs):
        # delivery tag -> the claimed file under processing/<owner>/, until acked or restored
        self._in_flight: dict[str, str] = {}
        self._no_ack_queues: set[str] = set()
        self._basic_get_no_ack: bool | None = None
        self._owner: str | None = None
        self._owner_pid: int | None = None
        self._owner_lock = None
        self._next_recovery = 0.0
        super().__init__(*args, **kwargs)

    @cached_property
    def processing_folder(self) -> str:
        folder = self.transport_options.get("processing_folder")
        if not folder:
            folder = os.path.join(
                os.path.dirname(os.path.abspath(self.data_folder_in)), "processing"
            )
        return folder

    # --- publishing --------------------------------------------------------------------------

    def _put(self, queue, payload, **kwargs):
        """Write the message under a hidden name, then rename it into the queue (atomic)."""
        # Wall-clock nanoseconds, zero-padded: file names sort in publishing order.
        name = f"{time.time_ns():020d}_{uuid.uuid4()}.{queue}.msg"
        hidden = os.path.join(self.data_folder_out, f".{name}.part")
        with open(hidden, "wb") as fh:
            fh.write(str_to_bytes(dumps(payload)))
        os.rename(hidden, os.path.join(self.data_folder_out, name))

    # --- consuming ---------------------------------------------------------------------------

    def basic_consume(self, queue, no_ack, *args, **kwargs):
        if no_ack:
            self._no_ack_queues.add(queue)
        else:
            self._no_ack_queues.discard(queue)
        return super().basic_consume(queue, no_ack, *args, **kwargs)

    def basic_get(self, queue, no_ack=False, **kwargs):
        self._basic_get_no_ack = no_ack
        try:
            return super().basic_get(queue, no_ack=no_ack, **kwargs)
        finally:
            self._basic_get_no_ack = None

    def _get(self, queue):
        if time.monotonic() >= self._next_recovery:
            self._next_recovery = time.monotonic() + RECOVER_EVERY
            self.recover_dead_consumers()
        no_ack = self._basic_get_no_ack
        if no_ack is None:
            no_ack = queue in self._no_ack_queues
        wanted = f"{queue}.msg"
        for name in sorted(os.listdir(self.data_folder_in)):
            if name.partition(".")[2] != wanted:
                continue
            claimed = os.path.join(self._own_folder(), name)
            try:
                os.rename(os.path.join(self.data_folder_in, name), claimed)
            except FileNotFoundError:
                continue  # another consumer claimed it first
            with open(claimed, "rb") as fh:
                payload = loads(bytes_to_str(fh.read()))
            tag = payload.get("properties", {}).get("delivery_tag")
            if no_ack or tag is None:
                os.unlink(claimed)
            else:
                self._in_flight[tag] = claimed
            return payload
        raise Empty()

    def _settle(self, delivery_tag) -> None:
        """The message is acknowledged (or rejected): its file goes."""
        claimed = self._in_flight.pop(delivery_tag, None)
        if claimed is not None and os.getpid() == self._owner_pid:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(claimed)

    def _restore(self, message):
        """Put an unacknowledged message back: its own file, at its old place in the queue."""
        claimed = self._in_flight.pop(message.delivery_tag, None)
        if self._owner_pid is not None and os.getpid() != self._owner_pid:
            return  # a forked child: the messages belong to the parent, which restores them
        if claimed is not None:
            try:
                os.rename(claimed, os.path.join(self.data_folder_in, os.path.basename(claimed)))
                return
            except FileNotFoundError:
                pass
        super()._restore(message)

    def close(self):
        super().close()  # restores what is still unacknowledged (see _restore)
        self._release_own_folder()

    # --- the consumer's own folder and the recovery of dead consumers' messages ----------------

    def _own_folder(self) -> str:
        if self._owner is None or self._owner_pid != os.getpid():
            os.makedirs(self.processing_folder, exist_ok=True)
            owner = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:12]}"
            # Locked under a hidden name, then renamed: a lock file that others can see is
            # always already locked, so nobody takes a live consumer for a dead one.
            hidden = os.path.join(self.processing_folder, f".{owner}.lock")
            lock = open(hidden, "w")  # noqa: SIM115 - held open for the channel's life
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            os.mkdir(os.path.join(self.processing_folder, owner))
            os.rename(hidden, os.path.join(self.processing_folder, f"{owner}.lock"))
            self._owner, self._owner_pid, self._owner_lock = owner, os.getpid(), lock
        return os.path.join(self.processing_folder, self._owner)

    def _release_own_folder(self) -> None:
        if self._owner is None or self._owner_pid != os.getpid():
            return
        folder = os.path.join(self.processing_folder, self._owner)
        try:
            os.rmdir(folder)
        except FileNotFoundError:
            pass
        except OSError:
            # Still holds messages (it should not): keep the lock file, so that the next
            # consumer restores them once the lock is released below.
            logger.warning("%s is not empty at close; its messages will be restored", folder)
        else:
            os.unlink(os.path.join(self.processing_folder, f"{self._owner}.lock"))
        self._owner_lock.close()
        self._owner, self._owner_lock = None, None

    def recover_dead_consumers(self) -> int:
        """Put the messages of consumers that died back in the queue; return how many."""
        try:
            names = os.listdir(self.processing_folder)
        except FileNotFoundError:
            return 0
        restored = 0
        for name in names:
            if name.startswith(".") or not name.endswith(".lock") or name[:-5] == self._owner:
                continue
            lock_path = os.path.join(self.processing_folder, name)
            try:
                lock = open(lock_path)  # noqa: SIM115 - closed below
            except FileNotFoundError:
                continue  # another consumer recovered it meanwhile
            with lock:
                try:
                    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue  # its owner is alive
                restored += self._restore_folder(os.path.join(self.processing_folder, name[:-5]))
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(lock_path)
        return restored

    def _restore_folder(self, folder: str) -> int:
        try:
            names = os.listdir(folder)
        except FileNotFoundError:
            return 0
        for name in names:
            os.rename(os.path.join(folder, name), os.path.join(self.data_folder_in, name))
        os.rmdir(folder)
        if names:
            logger.warning(
                "put %d unacknowledged message(s) of a consumer that died back in the queue (%s)",
                len(names),
                os.path.basename(folder),
            )
        return len(names)


class Transport(filesystem.Transport):
    Channel = Channel
    polling_interval = POLLING_INTERVAL

    def drain_events(self, connection, timeout=None):
        """kombu's polling loop, which also returns as soon as the worker is shutting down."""
        started = time.monotonic()
        while not _shutting_down:
            try:
                self.cycle.get(self._deliver, timeout=timeout)
                return
            except Empty:
                pause = self.polling_interval
                if timeout is not None:
                    left = timeout - (time.monotonic() - started)
                    if left <= 0:
                        break
                    pause = min(pause, left)
                time.sleep(pause)
        raise TimeoutError  # socket.timeout: what celery's loop expects from an idle poll
