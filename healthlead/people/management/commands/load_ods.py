from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from healthlead.core.actors import System
from healthlead.people import actions


class Command(BaseCommand):
    help = "Load NHS trusts from an ODS etr file (default: the copy shipped with Healthlead)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--file", type=Path, default=actions.ODS_TRUSTS_FILE)
        parser.add_argument(
            "--include-closed", action="store_true", help="Also load trusts that have closed"
        )
        parser.add_argument("--region-set", default=None, help="Region set to place trusts in")

    def handle(
        self, *args: Any, file: Path, include_closed: bool, region_set: str | None, **options: Any
    ) -> None:
        if not file.exists():
            raise CommandError(f"No such file: {file}")
        try:
            result = actions.load_ods_trusts(
                by=System("load_ods"),
                path=file,
                include_closed=include_closed,
                region_set=region_set,
            )
        except ValueError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"Trusts: {result.created} created, {result.updated} updated, "
            f"{result.skipped_closed} closed skipped, "
            f"{result.skipped_outside_england} outside England skipped."
        )
