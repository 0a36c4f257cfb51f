"""Print the current two-factor code for a demo account (demo databases only)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from healthlead.demo import build


class Command(BaseCommand):
    help = "Show the current 6-digit sign-in code for a demo lead account."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("email")

    def handle(self, *args: Any, email: str, **options: Any) -> None:
        code = build.current_demo_code(email)
        if code is None:
            raise CommandError(f"{email} is not a demo account with two-factor sign-in.")
        self.stdout.write(code)
