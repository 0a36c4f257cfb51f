from typing import Any

from django.core.management.base import BaseCommand

from healthlead.core.actors import System
from healthlead.people import actions


class Command(BaseCommand):
    help = "Load the region sets (NHS England 2020 and NHS CB 2013) from people/data/regions.yaml."

    def handle(self, *args: Any, **options: Any) -> None:
        counts = actions.load_regions(by=System("load_regions"))
        self.stdout.write(f"Loaded {counts['sets']} region sets, {counts['regions']} regions.")
