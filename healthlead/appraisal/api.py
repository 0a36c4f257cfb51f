"""JSON API for your own development plan and appraisals (/api/v1/appraisal/).

Both belong to a person, so only a signed-in person may read them (organisation API tokens
are refused), and only their own.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.errors import AuthorizationError

from healthlead.accounts.api_access import ErrorOut, caller_for
from healthlead.accounts.permissions import Permission
from healthlead.appraisal import queries

router = Router(tags=["appraisal"])


class PlanEvidenceOut(Schema):
    kind: str = Field(description="note, file or completion")
    note: str
    file_name: str = Field(description="For a file: its name (download it from the plan page)")
    added_by: str
    added_at: dt.datetime


class PlanActionOut(Schema):
    kind: str = Field(description="programme, mentoring, action_learning_set, placement or reading")
    title: str
    programme_name: str
    due_on: dt.date | None
    status: str = Field(description="planned, in_progress, done or dropped")
    completed_on: dt.date | None
    evidence: list[PlanEvidenceOut]


class PlanGoalOut(Schema):
    id: int
    title: str
    description: str
    element: str | None = Field(description="The framework element it develops, if linked")
    source: str
    due_on: dt.date | None
    status: str = Field(description="not_started, in_progress, achieved or dropped")
    actions: list[PlanActionOut]


class PlanReviewOut(Schema):
    kind: str = Field(description="comment or agreed")
    text: str
    by: str
    at: dt.datetime


class DevelopmentPlanOut(Schema):
    person_id: int
    goals: list[PlanGoalOut]
    agreed_at: dt.datetime | None = Field(description="When the line manager last agreed it")
    changed_since_agreed: bool
    reviews: list[PlanReviewOut]


class AppraisalSignOffOut(Schema):
    role: str = Field(description="appraisee or appraiser")
    name: str
    at: dt.datetime


class AppraisalOut(Schema):
    id: int
    year: int = Field(description="The appraisal year, which starts in April of this year")
    appraiser: str
    state: str = Field(description="in_progress, awaiting_sign_off or signed_off")
    objectives: str
    performance: int | None = Field(description="1 to 3, from the appraiser")
    potential: int | None = Field(description="1 to 3, from the appraiser")
    supports_revalidation: bool
    signed_off_at: dt.datetime | None
    sign_offs: list[AppraisalSignOffOut]
    addenda: list[str]


_ERRORS: dict[int, type[Schema]] = {401: ErrorOut, 403: ErrorOut}


def _person(request: HttpRequest, permission: Permission) -> Any:
    caller = caller_for(request)
    if caller.token is not None:
        raise AuthorizationError(
            403, "A development plan or appraisal belongs to a person: sign in to read yours."
        )
    user = caller.principal
    if not user.has_perm(permission) or user.person_id is None:
        raise AuthorizationError(403, "Your account has no staff record, so it has no plan.")
    return user.person


@router.get(
    "plan/",
    response={200: DevelopmentPlanOut, **_ERRORS},
    url_name="show_own_development_plan",
    summary="Your development plan",
)
def show_own_plan(request: HttpRequest) -> Any:
    """Your goals, their actions and evidence, and your line manager's comments."""
    person = _person(request, Permission.VIEW_DEVELOPMENT_PLAN)
    goals = queries.goals_of(person)
    review = queries.plan_review_summary(person)
    return {
        "person_id": person.pk,
        "goals": [
            {
                "id": g.pk,
                "title": g.title,
                "description": g.description,
                "element": f"{g.element.domain.name}: {g.element.name}" if g.element else None,
                "source": g.source,
                "due_on": g.due_on,
                "status": g.status,
                "actions": [
                    {
                        "kind": a.kind,
                        "title": a.title,
                        "programme_name": a.programme_name,
                        "due_on": a.due_on,
                        "status": a.status,
                        "completed_on": a.completed_on,
                        "evidence": [
                            {
                                "kind": e.kind,
                                "note": e.note,
                                "file_name": e.file_name,
                                "added_by": e.added_by_label,
                                "added_at": e.added_at,
                            }
                            for e in a.evidence.all()
                        ],
                    }
                    for a in g.actions.all()
                ],
            }
            for g in goals
        ],
        "agreed_at": review["agreed"].at if review["agreed"] else None,
        "changed_since_agreed": review["changed_since"],
        "reviews": [
            {"kind": r.kind, "text": r.text, "by": r.by_label, "at": r.at}
            for r in queries.plan_reviews(review["plan"])
        ],
    }


@router.get(
    "appraisals/",
    response={200: list[AppraisalOut], **_ERRORS},
    url_name="list_own_appraisals",
    summary="Your appraisals",
)
def list_own_appraisals(request: HttpRequest) -> Any:
    """Your appraisals, latest year first, with sign-offs and addenda."""
    person = _person(request, Permission.LIST_APPRAISALS)
    appraisals = queries.own_appraisals_with_history(person)
    return [
        {
            "id": a.pk,
            "year": a.year,
            "appraiser": a.appraiser.full_name,
            "state": a.state,
            "objectives": a.objectives,
            "performance": a.performance,
            "potential": a.potential,
            "supports_revalidation": a.supports_revalidation,
            "signed_off_at": a.signed_off_at,
            "sign_offs": [
                {"role": s.role, "name": s.person.full_name, "at": s.at}
                for s in a.sign_offs.all()
                if s.superseded_at is None
            ],
            "addenda": [x.text for x in a.addenda.all()],
        }
        for a in appraisals
    ]
