"""Make the load-test accounts and records on top of synthetic data (docs/loadtest.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from healthlead.demo import loadtest


class Command(BaseCommand):
    help = "Make load-test accounts, a 360 report and patient card codes; write them to a file."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--output",
            default=str(Path(settings.VAR_DIR) / "loadtest" / "users.json"),
            help="Where the accounts file goes (default: var/loadtest/users.json).",
        )
        parser.add_argument("--seed", type=int, default=2012)
        parser.add_argument(
            "--refresh-cards",
            action="store_true",
            help="Only replace the file's patient card codes with new, unused ones.",
        )

    def handle(
        self, *args: Any, output: str, seed: int, refresh_cards: bool, **options: Any
    ) -> None:
        if refresh_cards:
            try:
                count = loadtest.refresh_card_codes(path=Path(output))
            except loadtest.LoadTestError as error:
                raise CommandError(str(error)) from error
            self.stdout.write(f"{count:,} new card codes written to {output}.")
            loadtest.refresh_statistics()
            return
        try:
            data = loadtest.prepare(path=Path(output), seed=seed)
        except loadtest.LoadTestError as error:
            raise CommandError(str(error)) from error
        loadtest.refresh_statistics()
        # As the nightly run would have done: count the grids of the bulk-loaded ratings.
        call_command("refresh_talent_grid", stdout=self.stdout)
        self.stdout.write(
            f"Load-test accounts for {data['organisation']} in region {data['region']}: "
            f"{len(data['staff'])} per kind, {len(data['card_codes']):,} card codes. "
            f"Written to {output}."
        )
