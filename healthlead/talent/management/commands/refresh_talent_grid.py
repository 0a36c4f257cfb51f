"""Scheduled (e.g. nightly), and after a bulk load: count every organisation's 9-box grid
again from the staff records and talent ratings (GridTally). Idempotent."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from healthlead.core.actors import System
from healthlead.talent import actions


class Command(BaseCommand):
    help = "Count every organisation's 9-box grid again (leavers, moves, imports, bulk loads)."

    def handle(self, *args: Any, **options: Any) -> None:
        count = actions.refresh_grid_tallies(by=System("refresh_talent_grid"))
        self.stdout.write(f"Counted the talent grids of {count:,} organisations.")
