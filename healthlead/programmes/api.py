"""JSON API for programmes (/api/v1/programmes/, intakes/, applications/).

Published programmes and open intakes are public facts: any caller may read them, with a
signed-in session or an organisation token. Checking gates and reading applications is for a
signed-in person, about themselves only; tokens are refused. The same permission rules as the
pages apply.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.http import Http404, HttpRequest
from django.utils import timezone
from ninja import Field, Path, Query, Router, Schema
from ninja.errors import AuthorizationError

from healthlead.accounts.api_access import ErrorOut, caller_for
from healthlead.accounts.permissions import Permission
from healthlead.programmes import facts, gates, presenters, queries
from healthlead.programmes.models import Application, Intake, ProgrammeVersion

router = Router(tags=["programmes"])

MAX_ID = 2**63 - 1
CODE_PATTERN = r"^[a-z0-9][a-z0-9-]{0,59}$"
_ERRORS: dict[int, type[Schema]] = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}


class ProgrammeSummaryOut(Schema):
    code: str = Field(description="The programme's code, e.g. mary-seacole")
    name: str
    tier: int = Field(description="0 (NHS induction) to 5 (executive and board)")
    tier_name: str
    competitive: bool = Field(description="Whether places are won in competition")
    summary: str
    version: int = Field(description="The published version's number")
    cost_per_place: int | None = Field(description="In whole pounds; null when not published")


class ProgrammeGateOut(Schema):
    rule: str = Field(description="A rule of the gate vocabulary (docs/programmes.md)")
    params: dict[str, Any]
    description: str = Field(description="What the gate asks, in plain English")


class ProgrammeCriterionOut(Schema):
    id: int
    title: str
    guidance: str
    weight: int


class ProgrammeOutcomeOut(Schema):
    text: str
    elements: list[str] = Field(description="Framework elements: framework/domain/element codes")


class ProgrammeDetailOut(ProgrammeSummaryOut):
    audience: str
    duration: str
    delivery_mode: ProgrammeVersion.DeliveryMode
    award: str
    outcomes: list[ProgrammeOutcomeOut]
    modules: list[str]
    criteria: list[ProgrammeCriterionOut]
    gates: list[ProgrammeGateOut]


class GateResultOut(Schema):
    rule: str
    description: str
    status: str = Field(description="passed, failed or pending (decided after applying)")
    reason: str = Field(description="Why, in plain English")


class GateCheckOut(Schema):
    programme: str
    overall: str = Field(description="failed if any gate failed; pending if any is waiting")
    gates: list[GateResultOut]


class ProgrammeIntakeOut(Schema):
    id: int
    name: str
    programme: str = Field(description="The programme's code")
    region: str | None = Field(description="The region whose staff may apply; null: national")
    opens_on: dt.date
    closes_on: dt.date
    places: int
    state: Intake.State


class CriterionScoreOut(Schema):
    criterion: str
    weight: int
    score: Decimal = Field(description="The moderated score, 1 to 5")


class ProgrammeOfferOut(Schema):
    state: str
    deadline: dt.date


class ProgrammeApplicationOut(Schema):
    id: int
    intake: ProgrammeIntakeOut
    state: Application.State
    submitted_at: dt.datetime | None
    gates: list[GateResultOut] = Field(
        description="Each gate's result and reason: as they stand now for one application "
        "waiting for the sift, otherwise (and in lists) at the last check"
    )
    score: Decimal | None = Field(description="Moderated weighted score, once places are allocated")
    rank: int | None
    scores: list[CriterionScoreOut] = Field(description="By criterion, once places are allocated")
    explanation: str = Field(description="Why the allocation did what it did")
    offer: ProgrammeOfferOut | None


def _summary(version: ProgrammeVersion) -> dict[str, Any]:
    return {
        "code": version.programme.code,
        "name": version.programme.name,
        "tier": version.tier.number,
        "tier_name": version.tier.name,
        "competitive": version.tier.competitive,
        "summary": version.summary,
        "version": version.number,
        "cost_per_place": version.cost_per_place,
    }


def _intake_out(intake: Intake) -> dict[str, Any]:
    return {
        "id": intake.pk,
        "name": intake.name,
        "programme": intake.version.programme.code,
        "region": intake.region.name if intake.region else None,
        "opens_on": intake.opens_on,
        "closes_on": intake.closes_on,
        "places": intake.places,
        "state": intake.state,
    }


def _person(request: HttpRequest) -> Any:
    """The signed-in person; tokens and accounts without a staff record are refused."""
    caller = caller_for(request)
    if caller.token is not None:
        raise AuthorizationError(
            403, "Applications and gate checks belong to a person: sign in. API tokens cannot."
        )
    user = caller.principal
    if user.person_id is None:
        raise AuthorizationError(403, "Your account has no staff record, so it cannot apply.")
    return user


@router.get(
    "programmes/",
    response={200: list[ProgrammeSummaryOut], **_ERRORS},
    url_name="list_programmes_api",
    summary="Published programmes",
)
def list_programmes(request: HttpRequest) -> Any:
    """Every published programme, by tier."""
    return [_summary(v) for _, versions in queries.tiers_with_programmes() for v in versions]


@router.get(
    "programmes/{code}/",
    response={200: ProgrammeDetailOut, **_ERRORS},
    url_name="show_programme_api",
    summary="A published programme",
)
def show_programme(request: HttpRequest, code: str = Path(..., pattern=CODE_PATTERN)) -> Any:
    """A programme's published version: outcomes, modules, criteria and entry gates."""
    version = queries.published_version(code)
    if version is None:
        raise Http404(f"No published programme has the code {code}.")
    known = facts.catalogue()
    return {
        **_summary(version),
        "audience": version.audience,
        "duration": version.duration_text,
        "delivery_mode": version.delivery_mode,
        "award": version.award,
        "outcomes": [
            {
                "text": o.text,
                "elements": [
                    f"{e.domain.version.framework.code}/{e.domain.code}/{e.code}"
                    for e in o.elements.all()
                ],
            }
            for o in version.outcomes.all()
        ],
        "modules": [m.title for m in version.modules.all()],
        "criteria": [
            {"id": c.pk, "title": c.title, "guidance": c.guidance, "weight": c.weight}
            for c in version.criteria.all()
        ],
        "gates": [
            {"rule": g["rule"], "params": g["params"], "description": g["text"]}
            for g in presenters.gate_descriptions(version, known)
        ],
    }


@router.get(
    "programmes/{code}/gate-check/",
    response={200: GateCheckOut, **_ERRORS},
    url_name="check_gates_api",
    summary="Check your entry gates for a programme",
)
def check_gates(request: HttpRequest, code: str = Path(..., pattern=CODE_PATTERN)) -> Any:
    """Each entry gate for the signed-in person: passed, failed or pending, and why."""
    user = _person(request)
    version = queries.published_version(code)
    if version is None:
        raise Http404(f"No published programme has the code {code}.")
    results = facts.check_person(user.person, version, today=timezone.localdate())
    return {
        "programme": code,
        "overall": gates.overall(results),
        "gates": [r.as_dict() for r in results],
    }


class IntakeFilters(Schema):
    programme: str | None = Field(None, pattern=CODE_PATTERN, description="A programme's code")


@router.get(
    "intakes/",
    response={200: list[ProgrammeIntakeOut], **_ERRORS},
    url_name="list_intakes_api",
    summary="Intakes open for applications",
)
def list_intakes(request: HttpRequest, filters: Query[IntakeFilters]) -> Any:
    """Intakes taking applications today, optionally for one programme."""
    return [_intake_out(i) for i in queries.open_intakes_everywhere(filters.programme)]


@router.get(
    "intakes/{intake_id}/",
    response={200: ProgrammeIntakeOut, **_ERRORS},
    url_name="show_intake_api",
    summary="An intake",
)
def show_intake(request: HttpRequest, intake_id: int = Path(..., ge=1, le=MAX_ID)) -> Any:
    """An intake that is open, or that the caller runs."""
    intake = queries.intake_detail(intake_id)
    caller = caller_for(request)
    if intake is None or (
        intake.state != Intake.State.OPEN and not caller.may(Permission.MANAGE_INTAKE, intake)
    ):
        raise Http404(f"No open intake has the id {intake_id}.")
    return _intake_out(intake)


def _application_out(application: Application, *, fresh: bool = False) -> dict[str, Any]:
    """`fresh`: work the gates out again while the application waits for the sift (one
    application at a time; lists give the results of the last check)."""
    offer = next(iter(application.offers.all()), None)
    return {
        "id": application.pk,
        "intake": _intake_out(application.intake),
        "state": application.state,
        "submitted_at": application.submitted_at,
        "gates": presenters.current_gate_results(application)
        if fresh
        else application.gate_results,
        "score": application.score if presenters.criterion_scores(application) else None,
        "rank": application.rank if presenters.criterion_scores(application) else None,
        "scores": [
            {"criterion": s["title"], "weight": s["weight"], "score": s["score"]}
            for s in presenters.criterion_scores(application)
        ],
        "explanation": application.explanation,
        "offer": {"state": offer.state, "deadline": offer.deadline} if offer else None,
    }


@router.get(
    "applications/",
    response={200: list[ProgrammeApplicationOut], **_ERRORS},
    url_name="list_applications_api",
    summary="Your applications",
)
def list_applications(request: HttpRequest) -> Any:
    """The signed-in person's applications, newest first."""
    user = _person(request)
    return [_application_out(a) for a in queries.applications_in_detail(user.person)]


@router.get(
    "applications/{application_id}/",
    response={200: ProgrammeApplicationOut, **_ERRORS},
    url_name="show_application_api",
    summary="One of your applications",
)
def show_application(request: HttpRequest, application_id: int = Path(..., ge=1, le=MAX_ID)) -> Any:
    """An application of yours: gate results with reasons, scores by criterion, the offer."""
    caller = caller_for(request)
    application = queries.application_detail(application_id)
    if (
        caller.token is not None
        or application is None
        or not caller.principal.has_perm(Permission.WITHDRAW_APPLICATION, application)
    ):
        # Not yours and not there look the same: ids reveal nothing.
        raise Http404(f"No application of yours has the id {application_id}.")
    return _application_out(application, fresh=True)
