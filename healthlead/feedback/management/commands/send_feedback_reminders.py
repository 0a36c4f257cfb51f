"""Scheduled (e.g. daily): remind raters before the deadline and close cycles past it.

Idempotent: each invitation gets at most one reminder per window (7 and 2 days before the
deadline), so running it twice in a day sends nothing new; a closed cycle is not closed again.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from healthlead.core.actors import System
from healthlead.feedback import actions
from healthlead.feedback.models import FeedbackCycle

SYSTEM = System("send_feedback_reminders")


class Command(BaseCommand):
    help = "Send 360 feedback reminders due today and close cycles whose deadline has passed."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--today",
            type=dt.date.fromisoformat,
            default=None,
            help="Act as if today were this date (YYYY-MM-DD); for catching up after downtime.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        today: dt.date | None = options["today"]
        closed = failed = 0
        for cycle_id in actions.cycles_past_deadline(today):
            cycle = FeedbackCycle.objects.filter(pk=cycle_id).first()
            if cycle is None:
                continue
            try:
                actions.close_cycle(cycle=cycle, by=SYSTEM, note="Closed after the deadline")
            except actions.FeedbackError as error:
                # Closed by someone else since we looked: nothing to do.
                self.stderr.write(f"Cycle {cycle_id} not closed: {error.message}")
            except Exception as error:
                failed += 1
                self.stderr.write(f"Cycle {cycle_id} could not be closed: {error!r}")
            else:
                closed += 1
        reminded = actions.send_reminders(today=today, by=SYSTEM)
        self.stdout.write(f"Sent {reminded} reminders. Closed {closed} cycles past their deadline.")
        if failed:
            raise CommandError(f"{failed} cycles could not be closed; they will be tried again.")
