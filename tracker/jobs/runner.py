"""What a job's run function gets: its parameters, a progress reporter with cancel, a place for the file.

See tracker.jobs.registry for how a domain app uses it.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.utils.functional import Promise

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper

    from tracker.core.types import User
    from tracker.jobs.models import Job

log = logging.getLogger("tracker.jobs")

# Progress reaches the database at most this often (seconds): a bar needs no more.
PROGRESS_INTERVAL = 1.0


class JobCancelled(Exception):
    """Raised inside a run function when its owner cancelled the job; the runner records it."""


class JobError(Exception):
    """A failure the owner can act on: `message` (a lazy translation) is shown in their language."""

    def __init__(self, message: str | Promise):
        super().__init__(str(message))
        self.message = message


def _job_table() -> str:
    from tracker.jobs.models import Job

    return connection.ops.quote_name(Job._meta.db_table)


class JobContext:
    """Handed to a run function: `params`, `owner`, `progress()`, `save_result()`, `outcome`."""

    def __init__(self, job: Job):
        self.job = job
        self.params: dict[str, Any] = job.params
        self.outcome: dict[str, Any] = {}
        self.result_name = ""
        self.result_path = ""
        self._done = 0
        self._total = job.total
        self._message = ""
        self._written_at = 0.0
        self._side: BaseDatabaseWrapper | None = None
        self.cancelled = threading.Event()

    @property
    def owner(self) -> User:
        return self.job.owner

    def progress(self, done: int, total: int | None = None, message: str | Promise | None = None) -> None:
        """Record how far the job got; raises JobCancelled once the owner has cancelled it."""
        self._done = done
        if total is not None:
            self._total = total
        if message is not None:
            self._message = str(message)[:200]
        now = time.monotonic()
        if total is not None or message is not None or now - self._written_at >= PROGRESS_INTERVAL:
            self._written_at = now
            self._write()
        self.check_cancelled()

    def check_cancelled(self) -> None:
        if self.cancelled.is_set():
            raise JobCancelled

    def save_result(self, *, name: str, path: str | os.PathLike[str]) -> None:
        """Keep the file at `path` as the job's download (a copy goes to storage; `path` is the caller's)."""
        with open(path, "rb") as handle:
            stored = default_storage.save(f"jobs/{self.job.pk}/{name}", File(handle))
        if self.result_path:
            default_storage.delete(self.result_path)
        self.result_path, self.result_name = stored, name

    def discard_result(self) -> None:
        if self.result_path:
            default_storage.delete(self.result_path)
            self.result_path = self.result_name = ""

    def _write(self) -> None:
        """Progress must be visible while the run function's own transaction is open: outside a
        transaction it goes through the job's connection, inside one through a second connection
        in autocommit mode. (SQLite allows one writer, so there a bar inside a transaction waits.)"""
        sql = f"UPDATE {_job_table()} SET done = %s, total = %s, message = %s WHERE id = %s RETURNING cancel_requested"
        params: list[int | str] = [self._done, self._total, self._message, self.job.pk]
        target = connection
        if connection.in_atomic_block:
            if connection.vendor != "postgresql":
                return
            if self._side is None:
                self._side = connections.create_connection(DEFAULT_DB_ALIAS)
            target = self._side
        with target.cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        if row and row[0]:
            self.cancelled.set()

    def close(self) -> None:
        if self._side is not None:
            self._side.close()
            self._side = None


class Heartbeat(threading.Thread):
    """Writes the job's sign of life every JOBS_HEARTBEAT_SECONDS and notices a cancel request.

    A thread, so a run function busy in one long statement still shows it is alive; when the
    worker process dies the heartbeats stop and the reaper marks the job interrupted.
    """

    def __init__(self, job_id: int, cancelled: threading.Event):
        super().__init__(name=f"job-{job_id}-heartbeat", daemon=True)
        self.job_id = job_id
        self.cancelled = cancelled
        self._stop_event = threading.Event()

    def run(self) -> None:
        sql = f"UPDATE {_job_table()} SET heartbeat_at = %s WHERE id = %s RETURNING cancel_requested"
        from django.utils import timezone

        try:
            while not self._stop_event.wait(settings.JOBS_HEARTBEAT_SECONDS):
                try:
                    with connection.cursor() as cursor:
                        cursor.execute(sql, [timezone.now(), self.job_id])
                        row = cursor.fetchone()
                    if row and row[0]:
                        self.cancelled.set()
                except Exception:  # a busy SQLite or a blip: the next beat tries again
                    log.warning("heartbeat of job %s not written", self.job_id, exc_info=True)
        finally:
            connection.close()

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=settings.JOBS_HEARTBEAT_SECONDS + 5)
