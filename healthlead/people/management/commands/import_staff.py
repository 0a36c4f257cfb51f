"""Check a staff CSV file and, with --commit, import it all or nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from healthlead.core.actors import System
from healthlead.people import actions, staff_import


class Command(BaseCommand):
    help = (
        "Check a staff CSV file (docs/staff-import.md) and print every problem. Nothing is "
        "written unless --commit is given and the file has no problems."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The staff CSV file")
        parser.add_argument(
            "--commit",
            action="store_true",
            help="Import the file (in one transaction) if it has no problems",
        )
        parser.add_argument(
            "--mark-missing-left",
            action="store_true",
            help="Mark active staff of the file's organisations who are not in it as left",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {path}: {error.strerror or error}") from None
        mark_missing_left = options["mark_missing_left"]
        if options["commit"]:
            result = actions.import_staff_file(
                data=data,
                file_name=path.name,
                by=System("import_staff"),
                mark_missing_left=mark_missing_left,
            )
            checked, counts = result.check, result.counts
        else:
            checked = staff_import.check(data, mark_missing_left=mark_missing_left)
            counts = None

        self.stdout.write(f"{path.name}: {checked.row_count:,} rows, sha256 {checked.sha256}")
        if checked.problems:
            for problem in checked.problems:
                self.stdout.write(problem.describe())
            count = len(checked.problems)
            raise CommandError(
                f"{count:,} problem{'s' if count != 1 else ''} found. Nothing was written.",
                returncode=1,
            )
        if counts is None:
            self.stdout.write("No problems found. Nothing was written: use --commit to import.")
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported. Created {counts.created:,}, updated {counts.updated:,}, "
                f"unchanged {counts.unchanged:,}, marked left {counts.marked_left:,}."
            )
        )
