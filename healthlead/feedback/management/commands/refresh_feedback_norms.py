"""Recompute national 360 norms and questionnaire reliability (schedule nightly)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from healthlead.feedback.tasks import refresh_feedback_norms


class Command(BaseCommand):
    help = "Recompute national 360 norms and Cronbach's alpha from all closed cycles."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--enqueue",
            action="store_true",
            help="Queue the work for the task worker instead of running it now.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["enqueue"]:
            result = refresh_feedback_norms.enqueue()
            self.stdout.write(f"Queued norms refresh (task {result.id}).")
            return
        counts = refresh_feedback_norms.call()
        self.stdout.write(
            f"Stored {counts['norm_rows']} norm rows and {counts['statistic_rows']} "
            "reliability rows."
        )
