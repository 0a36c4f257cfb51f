"""Run a background task worker that holds a lease, and reclaims the tasks of workers that died.

The same worker as django_tasks_db's `db_worker` (same options), plus a lease and a reclaim
loop (healthlead/core/task_recovery.py). Run M of these, on any nodes, against one PostgreSQL.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django_tasks_db.management.commands import db_worker

from healthlead.core import task_recovery


class Command(db_worker.Command):
    help = (
        "Run a background task worker that holds a lease and requeues the tasks of workers "
        "that stopped mid-task."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--reclaim-every",
            type=float,
            default=15.0,
            help="Seconds between checks for tasks left running by a worker that has stopped.",
        )
        parser.add_argument(
            "--max-attempts",
            type=int,
            default=task_recovery.DEFAULT_MAX_ATTEMPTS,
            help="A task whose worker has stopped this many times is marked failed, not retried.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        reclaim_every: float = options.pop("reclaim_every")
        max_attempts: int = options.pop("max_attempts")
        options["worker_id"] = task_recovery.leased_worker_id(options["worker_id"])
        if task_recovery.leases_supported(options.get("database") or "default"):
            lease = task_recovery.WorkerLease(options["worker_id"])
            lease.acquire()
            found = task_recovery.reclaim_stale_tasks(max_attempts=max_attempts)
            if found.requeued or found.failed:
                self.stdout.write(
                    f"Requeued {found.requeued} tasks of stopped workers; "
                    f"{found.failed} failed after {max_attempts} attempts."
                )
            task_recovery.LeaseKeeper(lease, every=reclaim_every, max_attempts=max_attempts).start()
        super().handle(*args, **options)
