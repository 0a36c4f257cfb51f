"""Background tasks survive a worker that dies mid-task (SIGKILL, out of memory, a lost node).

django_tasks_db marks a task RUNNING when a worker claims it and never looks at it again: if
that worker dies, the task stays RUNNING for ever and is never done. Healthlead's workers
(`manage.py run_worker`) therefore each hold a *lease*: a PostgreSQL session advisory lock
keyed by the worker's id, taken on a connection of its own before the worker claims anything.
PostgreSQL drops the lock the moment that connection goes, which is when the process dies.

`reclaim_stale_tasks()` looks at every RUNNING task whose worker holds no lease any more and
puts it back in the queue (READY), so another worker runs it again; a task that has already
killed `max_attempts` workers is marked FAILED instead, so it cannot take the pool down for
ever. Every worker runs it when it starts and then every few seconds; `manage.py
reclaim_stale_tasks` runs it once. Only tasks claimed by leased workers (ids starting
`LEASED_PREFIX`) are ever reclaimed, so a plain `db_worker` still running is left alone.

A task may therefore run more than once, so tasks are written to be idempotent (STYLE.md):
running one again after a partial run must leave one effect, not two.

On SQLite (development, one worker) there are no leases and nothing is reclaimed.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, close_old_connections, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorWrapper
from django.db.utils import DatabaseError
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from healthlead.core import audit
from healthlead.core.actors import System

logger = logging.getLogger(__name__)

LEASED_PREFIX = "hl-"
# First key of the two-key advisory locks that are worker leases (a key space of its own:
# PostgreSQL keeps one-key and two-key advisory locks apart).
LEASE_LOCK_CLASS = 7246
DEFAULT_MAX_ATTEMPTS = 3
WORKER_LOST = "healthlead.core.task_recovery.WorkerLost"


def leased_worker_id(worker_id: str) -> str:
    """The worker id with the prefix that marks a leased worker (ids are at most 64 characters)."""
    if worker_id.startswith(LEASED_PREFIX):
        return worker_id
    return f"{LEASED_PREFIX}{worker_id}"[:64]


def leases_supported(using: str = DEFAULT_DB_ALIAS) -> bool:
    return connections[using].vendor == "postgresql"


class WorkerLease:
    """A worker's lease: an advisory lock on a dedicated connection, kept while the process lives.

    `renew()` checks the connection and takes the lock again on a new one if it was lost (a
    database restart), so a worker that outlives a restart is leased again.
    """

    def __init__(self, worker_id: str, using: str = DEFAULT_DB_ALIAS) -> None:
        self.worker_id = worker_id
        self.using = using
        self._connection: BaseDatabaseWrapper | None = None

    def acquire(self) -> None:
        wrapper = connections[self.using].copy()
        # Taken in the main thread, checked from the LeaseKeeper thread.
        wrapper.inc_thread_sharing()
        try:
            with wrapper.cursor() as cursor:
                # Wait a little: a reclaim may hold a dead worker's lease for a moment.
                cursor.execute("SET lock_timeout = '10s'")
                cursor.execute(
                    "SELECT pg_advisory_lock(%s, hashtext(%s))", [LEASE_LOCK_CLASS, self.worker_id]
                )
        except DatabaseError as error:
            with contextlib.suppress(DatabaseError):
                wrapper.close()
            raise RuntimeError(
                f"Could not take the lease for worker {self.worker_id!r} ({error}): is another "
                "live worker using that id? Give each worker its own --worker-id."
            ) from error
        self._connection = wrapper

    def renew(self) -> None:
        if self._connection is not None:
            try:
                with self._connection.cursor() as cursor:
                    cursor.execute("SELECT 1")
                return
            except DatabaseError:
                logger.warning(
                    "Worker %s lost its lease connection; taking it again", self.worker_id
                )
                self.release()
        self.acquire()

    def release(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(DatabaseError):
                self._connection.close()
            self._connection = None


@dataclass(frozen=True)
class Reclaimed:
    requeued: int
    failed: int


def _lease_is_free(cursor: CursorWrapper, worker_id: str) -> bool:
    """True if no live process holds this worker's lease (taken here until commit)."""
    cursor.execute(
        "SELECT pg_try_advisory_xact_lock(%s, hashtext(%s))", [LEASE_LOCK_CLASS, worker_id]
    )
    (free,) = cursor.fetchone()
    return bool(free)


def reclaim_stale_tasks(
    *, max_attempts: int = DEFAULT_MAX_ATTEMPTS, using: str = DEFAULT_DB_ALIAS
) -> Reclaimed:
    """Requeue RUNNING tasks whose leased worker has died; fail those out of attempts."""
    if not leases_supported(using):
        return Reclaimed(0, 0)
    requeued = failed = 0
    with transaction.atomic(using=using):
        running = list(
            DBTaskResult.objects.using(using)
            .running()
            .select_for_update(skip_locked=True)
            .only("id", "worker_ids", "task_path")
        )
        dead: dict[str, bool] = {}
        with connections[using].cursor() as cursor:
            for task in running:
                worker = task.worker_ids[-1] if task.worker_ids else ""
                if not worker.startswith(LEASED_PREFIX):
                    continue
                if worker not in dead:
                    dead[worker] = _lease_is_free(cursor, worker)
                if not dead[worker]:
                    continue
                if len(task.worker_ids) >= max_attempts:
                    DBTaskResult.objects.using(using).filter(pk=task.pk).update(
                        status=TaskResultStatus.FAILED,
                        finished_at=timezone.now(),
                        exception_class_path=WORKER_LOST,
                        traceback=(
                            f"The worker running this task stopped {len(task.worker_ids)} "
                            "times; it was not tried again."
                        ),
                    )
                    failed += 1
                else:
                    DBTaskResult.objects.using(using).filter(pk=task.pk).update(
                        status=TaskResultStatus.READY, started_at=None
                    )
                    requeued += 1
                logger.warning(
                    "Task %s (%s) was running on worker %s, which has stopped: %s",
                    task.pk,
                    task.task_path,
                    worker,
                    "failed" if len(task.worker_ids) >= max_attempts else "queued again",
                )
        if requeued or failed:
            audit.record(
                "core.tasks.reclaimed",
                by=System("task_recovery"),
                detail={
                    "requeued": requeued,
                    "failed": failed,
                    "workers": sorted(w for w, gone in dead.items() if gone),
                },
            )
    return Reclaimed(requeued, failed)


class LeaseKeeper(threading.Thread):
    """Keeps a worker's lease alive and reclaims dead workers' tasks every `every` seconds."""

    def __init__(self, lease: WorkerLease, *, every: float, max_attempts: int) -> None:
        super().__init__(name="lease-keeper", daemon=True)
        self.lease = lease
        self.every = every
        self.max_attempts = max_attempts
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.wait(self.every):
            try:
                close_old_connections()
                self.lease.renew()
                reclaim_stale_tasks(max_attempts=self.max_attempts, using=self.lease.using)
            except DatabaseError:
                # The database is away (a restart): try again next time round.
                logger.warning("Could not check task leases; trying again", exc_info=True)
                connections.close_all()
            except Exception:
                # Never let the keeper stop: a worker without it would lose its lease.
                logger.exception("Checking task leases failed; trying again")
