"""Read paths for the privacy pages."""

from __future__ import annotations

from typing import Any

from healthlead.people.models import Person
from healthlead.privacy.collectors import COLLECTORS, Collector
from healthlead.privacy.models import Erasure


def person_for_privacy(pk: int, **_: Any) -> Person | None:
    """A staff record with its organisation (one query), or None."""
    return Person.objects.select_related("organisation").filter(pk=pk).first()


def erasure_of(person: Person) -> Erasure | None:
    """The person's erasure record, if their data has been erased."""
    return Erasure.objects.filter(person=person).first()


def export_areas() -> list[Collector]:
    """The areas an export holds, in the order they are collected."""
    return list(COLLECTORS.values())
