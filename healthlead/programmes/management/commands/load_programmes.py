"""Load the curriculum: the six tiers and the demo programmes (idempotent)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from healthlead.core.actors import System
from healthlead.programmes import actions


class Command(BaseCommand):
    help = (
        "Load the tiers and the demo programmes from healthlead/programmes/data/ (published). "
        "Programmes that already exist are kept as they are. Needs the frameworks loaded first."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = actions.load_curriculum(by=System("load_programmes"))
        except actions.ProgrammeError as error:
            raise CommandError(error.message) from None
        self.stdout.write(
            f"{result.tiers} tiers. Programmes added: {', '.join(result.created) or 'none'}; "
            f"kept as they were: {', '.join(result.kept) or 'none'}."
        )
