"""Requeue background tasks left RUNNING by workers that have stopped (see task_recovery.py).

Workers started with `run_worker` do this themselves every few seconds; this command is for
an operator who wants it done now (after a node was lost, say). Safe to run at any time.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from healthlead.core import task_recovery


class Command(BaseCommand):
    help = "Requeue background tasks whose worker stopped mid-task."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--max-attempts",
            type=int,
            default=task_recovery.DEFAULT_MAX_ATTEMPTS,
            help="A task whose worker has stopped this many times is marked failed, not retried.",
        )

    def handle(self, *args: Any, max_attempts: int, **options: Any) -> None:
        found = task_recovery.reclaim_stale_tasks(max_attempts=max_attempts)
        self.stdout.write(
            f"Requeued {found.requeued} tasks; {found.failed} failed after {max_attempts} attempts."
        )
