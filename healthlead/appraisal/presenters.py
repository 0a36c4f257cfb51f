"""What development plan and appraisal pages show, shaped from the models."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from healthlead.appraisal import queries
from healthlead.appraisal.models import (
    REVALIDATION_CHECKLIST,
    Appraisal,
    GoalAction,
)
from healthlead.core.formatting import nhs_date
from healthlead.people.models import StaffGroup

STATE_COLOURS = {
    Appraisal.State.IN_PROGRESS: "blue",
    Appraisal.State.AWAITING_SIGN_OFF: "yellow",
    Appraisal.State.SIGNED_OFF: "green",
}


def score(value: float | None) -> str:
    return "Too few ratings" if value is None else f"{value:.2f}"


def _rows(pairs: list[tuple[str, Any]]) -> list[dict[str, Any]]:
    return [{"key": {"text": k}, "value": {"text": v}} for k, v in pairs]


def action_progress(actions: list[GoalAction]) -> str:
    done = sum(1 for a in actions if a.status == GoalAction.Status.DONE)
    return f"{done} of {len(actions)} actions done" if actions else "No actions yet"


@dataclass
class AppraisalPage:
    appraisal: Appraisal
    summary: list[dict[str, Any]]
    state_colour: str
    previous: Appraisal | None
    goals: list[Any]
    feedback: queries.FeedbackSummary | None
    completions: list[Any]
    record: list[dict[str, Any]]
    checklist: list[dict[str, Any]]
    is_doctor: bool
    history: dict[str, list[Any]]
    signed_by: set[str] = field(default_factory=set)


def appraisal_page(appraisal: Appraisal) -> AppraisalPage:
    """The appraisal with its inputs beside it (a fixed number of queries)."""
    previous = queries.previous_appraisal(appraisal)
    since = (
        previous.signed_off_at.date()
        if previous is not None and previous.signed_off_at
        else dt.date(appraisal.year - 1, 4, 1)
    )
    history = queries.appraisal_history(appraisal)
    signed_by = {s.role for s in history["sign_offs"] if s.superseded_at is None}
    summary = _rows(
        [
            ("Appraisee", appraisal.appraisee.full_name),
            ("Appraiser", appraisal.appraiser.full_name),
            ("Appraisal year", appraisal.year_label),
            ("Organisation", appraisal.appraisee.organisation.display_name),
            ("Signed off by the appraisee", "Yes" if "appraisee" in signed_by else "Not yet"),
            ("Signed off by the appraiser", "Yes" if "appraiser" in signed_by else "Not yet"),
        ]
    )
    record = _rows(
        [
            ("Objectives for the coming year", appraisal.objectives or "Not recorded yet"),
            (
                "Performance in the current role",
                appraisal.get_performance_display() if appraisal.performance else "Not rated yet",
            ),
            (
                "Potential",
                appraisal.get_potential_display() if appraisal.potential else "Not rated yet",
            ),
            ("Summary of the discussion", appraisal.discussion or "Not recorded yet"),
            ("The agreed development plan", appraisal.agreed_plan_notes or "Nothing added"),
        ]
    )
    checklist = [
        {"label": label, "done": bool(getattr(appraisal, name))}
        for name, label in REVALIDATION_CHECKLIST
    ]
    return AppraisalPage(
        appraisal=appraisal,
        summary=summary,
        state_colour=STATE_COLOURS.get(appraisal.state, "grey"),  # type: ignore[call-overload]
        previous=previous,
        goals=queries.goals_of(appraisal.appraisee),
        feedback=queries.latest_released_feedback(appraisal.appraisee),
        completions=queries.completions_of(appraisal.appraisee, since=since),
        record=record,
        checklist=checklist,
        is_doctor=appraisal.appraisee.staff_group == StaffGroup.DOCTORS,
        history=history,
        signed_by=signed_by,
    )


def agreed_plan_lines(appraisal: Appraisal | None) -> list[dict[str, Any]]:
    """The plan as agreed at a signed-off appraisal (a snapshot, so it never changes)."""
    if appraisal is None:
        return []
    return [
        {
            "title": goal.get("title", ""),
            "element": goal.get("element", ""),
            "status": goal.get("status", ""),
            "due_on": nhs_date(dt.date.fromisoformat(goal["due_on"]), "No date")
            if goal.get("due_on")
            else "No date",
            "actions": goal.get("actions", []),
        }
        for goal in appraisal.agreed_plan or []
    ]


@dataclass(frozen=True)
class PersonChoice:
    pk: int
    label: str
