"""What the people pages show, shaped from the models."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from healthlead.people.models import CareerStage, Grade, Person, StaffGroup

_GROUP_LABELS = dict(StaffGroup.choices)


@dataclass(frozen=True)
class PersonRow:
    pk: int
    name: str
    staff_number: str
    organisation: str
    staff_group: str
    grade: str
    status: str


def person_row(person: Person) -> PersonRow:
    return PersonRow(
        pk=person.pk,
        name=person.full_name,
        staff_number=person.staff_number,
        organisation=person.organisation.display_name,
        staff_group=_GROUP_LABELS.get(person.staff_group, person.staff_group),
        grade=dict(Grade.choices).get(person.grade, person.grade),
        status=person.get_status_display(),
    )


def person_summary_rows(person: Person, *, show_contact: bool) -> list[dict[str, Any]]:
    """Summary-list rows for a person page."""
    rows = [
        ("Staff number", person.staff_number),
        ("Organisation", person.organisation.display_name),
        ("Region", person.organisation.region.name if person.organisation.region else "None"),
        ("Staff group", _GROUP_LABELS.get(person.staff_group, person.staff_group)),
        ("Occupation", person.occupation or "Not recorded"),
        ("Grade", person.get_grade_display()),
        ("Career stage", dict(CareerStage.choices).get(person.career_stage, "")),
        (
            "Line manager",
            person.line_manager.full_name if person.line_manager else "None recorded",
        ),
        ("Start date", person.start_date),
        ("Status", person.get_status_display()),
    ]
    if show_contact:
        rows.insert(2, ("Work email", person.work_email or "Not recorded"))
    return [{"key": {"text": key}, "value": {"text": value}} for key, value in rows]


@dataclass(frozen=True)
class GroupCount:
    label: str
    count: int


def staff_group_table(counts: list[dict[str, Any]]) -> tuple[list[GroupCount], int]:
    rows = [
        GroupCount(_GROUP_LABELS.get(c["staff_group"], c["staff_group"]), c["count"])
        for c in counts
    ]
    return rows, sum(r.count for r in rows)
