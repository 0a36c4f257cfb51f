"""Scheduled (e.g. daily): remind people and their line managers of talent conversation reviews
due within two weeks. Idempotent: each review is reminded once, so a second run sends nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from healthlead.core.actors import System
from healthlead.talent import actions


class Command(BaseCommand):
    help = "Remind people and their line managers of talent conversation reviews coming due."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--today",
            type=dt.date.fromisoformat,
            default=None,
            help="Act as if today were this date (YYYY-MM-DD); for catching up after downtime.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        count = actions.send_review_reminders(
            by=System("send_talent_review_reminders"), today=options["today"]
        )
        self.stdout.write(f"Sent reminders for {count} talent conversation reviews.")
