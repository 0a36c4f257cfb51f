"""Load the shipped competency frameworks (idempotent: run it as often as you like)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from healthlead.core.actors import System
from healthlead.frameworks import actions


class Command(BaseCommand):
    help = "Load the competency frameworks in healthlead/frameworks/data/ (changes nothing twice)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--data-dir",
            type=Path,
            default=actions.DATA_DIR,
            help="Folder of framework YAML files (default: the shipped ones)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        data_dir: Path = options["data_dir"]
        if not data_dir.is_dir():
            raise CommandError(f"{data_dir} is not a folder.")
        try:
            outcomes = actions.load_frameworks(by=System("load_frameworks"), data_dir=data_dir)
        except actions.FrameworkError as error:
            raise CommandError("\n".join(error.problems)) from None
        for outcome in outcomes:
            counts = outcome.counts
            what = "loaded" if outcome.created else "unchanged"
            self.stdout.write(
                f"{outcome.code} {outcome.version}: {what} ({counts['domains']} domains, "
                f"{counts['elements']} elements, {counts['indicators']} indicators)"
            )
