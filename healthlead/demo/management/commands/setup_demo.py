"""Load reference data and demo accounts once; always print how to sign in."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from healthlead.demo import build


class Command(BaseCommand):
    help = "Load regions, NHS trusts, frameworks and demo staff and accounts (once)."

    def handle(self, *args: Any, **options: Any) -> None:
        if build.demo_loaded():
            self.stdout.write("Demo data already loaded.")
        else:
            self.stdout.write("Loading regions, NHS trusts, frameworks and demo staff...")
            summary = build.load_demo()
            self.stdout.write(summary)
        self.stdout.write(build.sign_in_table())
