"""Scheduled (e.g. nightly): rebuild every talent pool search row from the latest staff
records, talent conversations, released 360 reports and programme completions. Idempotent."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from healthlead.core.actors import System
from healthlead.talent import actions


class Command(BaseCommand):
    help = "Rebuild the talent pool's search rows (only what each person agreed to share)."

    def handle(self, *args: Any, **options: Any) -> None:
        count = actions.refresh_all_pool_entries(by=System("refresh_talent_pool"))
        self.stdout.write(f"Refreshed {count} talent pool entries.")
