"""Scheduled (e.g. hourly): lapse offers past their deadline and pass every freed place to the
waiting list.

Idempotent and safe to kill: each intake's step is one transaction (lapse, re-solve, new
offers, mark the freed places passed on), so a step interrupted at any point leaves nothing
behind and the next run does it again; a place is never offered twice.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from healthlead.core.actors import System
from healthlead.programmes import selection_actions
from healthlead.programmes.actions import ProgrammeError
from healthlead.programmes.models import Intake

SYSTEM = System("cascade_offers")


class Command(BaseCommand):
    help = "Lapse offers past their deadline and offer freed places to the waiting list."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--today",
            type=dt.date.fromisoformat,
            default=None,
            help="Act as if today were this date (YYYY-MM-DD); for catching up after downtime.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        today: dt.date | None = options["today"]
        steps = offers = failed = 0
        for intake_id in selection_actions.intakes_needing_cascade(today):
            intake = Intake.objects.filter(pk=intake_id).first()
            if intake is None:
                continue
            try:
                run = selection_actions.cascade_step(intake=intake, by=SYSTEM, today=today)
            except ProgrammeError as error:
                failed += 1
                self.stderr.write(f"Intake {intake_id}: {error.message}")
                continue
            if run is not None:
                steps += 1
                offers += run.offers_made
        self.stdout.write(f"{steps} cascade steps; {offers} places offered from waiting lists.")
        if failed:
            raise CommandError(f"{failed} intakes could not be cascaded; they will be tried again.")
