"""Remove what is past its retention period: `manage.py apply_retention [--dry-run]`."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from healthlead.privacy import actions

LABELS = {
    "staff_erased": "Staff who left more than {years} years ago, anonymised",
    "rater_invitations_cleared": "Rater invitations cleared of names, addresses and tokens",
    "unused_card_codes_deleted": "Unused printed card codes deleted",
    "staff_import_files_deleted": "Staff import files and problem reports deleted",
    "expired_sessions_deleted": "Expired sessions deleted",
}


class Command(BaseCommand):
    help = "Remove personal data past its retention period (periods in settings)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would be removed; change nothing."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        dry_run = options["dry_run"]
        result = actions.apply_retention(by=actions.RETENTION_ACTOR, dry_run=dry_run)
        heading = "Would remove (dry run):" if dry_run else "Removed:"
        self.stdout.write(heading)
        for key, count in result.as_dict().items():
            label = LABELS[key].format(years=settings.RETENTION_STAFF_LEFT_YEARS)
            self.stdout.write(f"  {label}: {count}")
