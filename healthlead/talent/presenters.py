"""What talent pages show, shaped from the models.

A pool entry is presented only from its search row, which holds only what the person agreed
to share: nothing here reaches past it to the staff record, the grid or a 360 report.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from healthlead.accounts.scope import Scope
from healthlead.people.models import Grade, StaffGroup
from healthlead.talent import grid
from healthlead.talent.models import (
    ASPIRATION_BITS,
    Aspiration,
    PoolEntry,
    Profession,
    Readiness,
    TalentConversation,
)

ASPIRATION_LABELS = dict(Aspiration.choices)
READINESS_LABELS = dict(Readiness.choices)
PROFESSION_LABELS = dict(Profession.choices)
STAFF_GROUP_LABELS = dict(StaffGroup.choices)
GRADE_LABELS = dict(Grade.choices)
NOT_SHARED = "Not shared"


def aspiration_names(codes: list[str]) -> str:
    return ", ".join(str(ASPIRATION_LABELS.get(c, c)) for c in codes) or "None recorded"


def aspirations_from_mask(mask: int) -> list[str]:
    return [str(ASPIRATION_LABELS[code]) for code, bit in ASPIRATION_BITS.items() if mask & bit]


def viewer_role(scope: Scope) -> str:
    """How a person sees the role of someone who viewed their profile."""
    if scope.national:
        return "National lead"
    if scope.region_ids:
        from healthlead.people.models import Region

        names = sorted(
            Region.objects.filter(pk__in=scope.region_ids).values_list("name", flat=True)
        )
        return "Regional lead, " + ", ".join(names)
    return "Lead"


@dataclass(frozen=True)
class PoolCard:
    person_id: int
    name: str
    region: str
    staff_group: str
    profession: str
    role: str
    organisation: str
    grade: str
    email: str
    readiness: str
    aspirations: str
    box: str
    statement: str
    scores: list[dict[str, Any]]
    scores_from: str
    programmes: list[str]

    def rows(self) -> list[dict[str, Any]]:
        pairs = [
            ("Region", self.region),
            ("Staff group", self.staff_group),
            ("Profession", self.profession),
            ("Current role", self.role),
            ("Organisation", self.organisation),
            ("Grade", self.grade),
            ("Work email", self.email),
            ("Readiness", self.readiness),
            ("Aspires to", self.aspirations),
            ("Talent grid", self.box),
            ("Programmes completed", ", ".join(self.programmes) or NOT_SHARED),
        ]
        return [{"key": {"text": k}, "value": {"text": v}} for k, v in pairs]


def pool_card(entry: PoolEntry, *, programmes_shared: bool | None = None) -> PoolCard:
    """One person in the pool, showing only what they agreed to share."""
    shares_role = bool(entry.role_title or entry.organisation_name or entry.grade)
    scores = [
        {"key": s.domain_key, "name": s.domain_name, "score": f"{s.score:.2f}"}
        for s in entry.scores.all()
    ]
    programmes = [p.programme_name for p in entry.programmes.all()]
    return PoolCard(
        person_id=entry.person_id,
        name=entry.full_name,
        region=entry.region.name if entry.region else "Not known",
        staff_group=str(STAFF_GROUP_LABELS.get(entry.staff_group, entry.staff_group)),
        profession=str(PROFESSION_LABELS.get(entry.profession, entry.profession)),
        role=entry.role_title or (NOT_SHARED if not shares_role else "Not recorded"),
        organisation=entry.organisation_name or NOT_SHARED,
        grade=str(GRADE_LABELS.get(entry.grade, entry.grade)) if entry.grade else NOT_SHARED,
        email=entry.email or NOT_SHARED,
        readiness=str(READINESS_LABELS.get(entry.readiness, "")) or NOT_SHARED,
        aspirations=", ".join(aspirations_from_mask(entry.aspirations_mask)) or NOT_SHARED,
        box=grid.box_description(entry.box) if entry.box else NOT_SHARED,
        statement=entry.statement,
        scores=scores,
        scores_from=str(entry.scores_from or ""),
        programmes=programmes,
    )


def conversation_rows(conversation: TalentConversation) -> list[dict[str, Any]]:
    box = grid.box_for(conversation.performance, conversation.potential)
    pairs = [
        ("Held on", conversation.held_on),
        (
            "Started by",
            f"{conversation.started_by_label} ({conversation.get_started_as_display().lower()})",
        ),
        ("Aspires to", aspiration_names(conversation.aspirations)),
        ("About those aspirations", conversation.aspiration_notes or "Nothing added"),
        ("Readiness", conversation.get_readiness_display()),
        (
            "Performance",
            f"{grid.PERFORMANCE_LABELS[conversation.performance]} "
            f"({conversation.get_performance_source_display().lower()})",
        ),
        ("Potential", grid.POTENTIAL_LABELS[conversation.potential]),
        ("Place on the talent grid", grid.box_description(box)),
        ("Notes", conversation.notes or "None"),
    ]
    from healthlead.core.formatting import nhs_date

    return [
        {"key": {"text": k}, "value": {"text": nhs_date(v) if isinstance(v, dt.date) else v}}
        for k, v in pairs
    ]


def grid_context(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "rows": grid.grid_rows(data["counts"], data["names"]),
        "total": data["total"],
        "performance_labels": [grid.PERFORMANCE_SHORT[p] for p in grid.LEVELS],
        "note": grid.grid_facts()["note"],
    }


FILTER_LABELS = {
    "region": "Region",
    "staff_group": "Staff group",
    "profession": "Profession",
    "readiness": "Readiness",
    "aspiration": "Aspires to",
    "role": "Current role contains",
    "programme": "Programme completed",
    "domain": "360 feedback domain",
    "min_score": "Lowest all-others score",
}


def filter_lines(filters: dict[str, Any]) -> list[dict[str, Any]]:
    """A recorded search's filters in words."""
    labels: dict[str, dict[Any, Any]] = {
        "staff_group": STAFF_GROUP_LABELS,
        "profession": PROFESSION_LABELS,
        "readiness": READINESS_LABELS,
        "aspiration": ASPIRATION_LABELS,
    }
    rows = []
    for key, label in FILTER_LABELS.items():
        if key in filters:
            value = filters[key]
            rows.append(
                {
                    "key": {"text": label},
                    "value": {"text": str(labels.get(key, {}).get(value, value))},
                }
            )
    return rows


def shortlist_line(entry: PoolEntry | None) -> str:
    """A short description of someone on a shortlist, from what they share."""
    if entry is None:
        return "No longer in the talent pool"
    parts = [p for p in (entry.role_title, entry.organisation_name) if p]
    if entry.readiness:
        parts.append(str(READINESS_LABELS.get(entry.readiness, "")))
    return ", ".join(parts) or "Shares only their name, region and profession"
