"""JSON API for 360 cycles (/api/v1/feedback/): start a cycle, invite raters, launch, status.

The same permission rules as the pages, for signed-in people only (a cycle belongs to a
person, so organisation API tokens are refused). Status is the page's group-level view:
for each rater group whether its minimum has been reached, never counts or names.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import Http404, HttpRequest
from ninja import Field, Path, Router, Schema
from ninja.errors import AuthorizationError
from ninja.responses import Status

from healthlead.accounts.api_access import caller_for
from healthlead.accounts.models import User
from healthlead.accounts.permissions import Permission
from healthlead.core import audit
from healthlead.feedback import actions, presenters, queries
from healthlead.feedback.models import FeedbackCycle, RaterGroup
from healthlead.people.models import Person

router = Router(tags=["feedback"])

MAX_ID = 2**63 - 1
TEXT_PATTERN = r"^[^\x00-\x1f\x7f]*$"


# Schemas ------------------------------------------------------------------------------------


class ProblemOut(Schema):
    parameter: str = Field(description="The field at fault, or 'request'")
    message: str


class ErrorOut(Schema):
    """Every 4xx answer: a plain-English `detail`, and one entry per problem found."""

    detail: str
    errors: list[ProblemOut] = Field(default_factory=list)


class PersonRef(Schema):
    id: int
    name: str


class GroupStatusOut(Schema):
    group: str = Field(description="Rater group code, e.g. peers; all_others for everyone")
    name: str
    status: Literal["not_launched", "nobody_invited", "minimum_reached", "not_yet_reached"]


class CycleOut(Schema):
    id: int
    subject: PersonRef
    framework: str
    framework_version_id: int
    questionnaire_id: int
    state: Literal["draft", "open", "closed", "released", "cancelled"] = Field(
        description="The cycle's state (FeedbackCycle.State)"
    )
    deadline: dt.date
    facilitator: str | None = Field(description="The facilitator's name, if there is one")
    groups: list[GroupStatusOut] = Field(
        description="Per rater group (and all others), whether its minimum has been reached"
    )
    self_sent: bool = Field(description="Whether the subject has sent their own ratings")


class StartCycleIn(Schema):
    subject_id: int | None = Field(
        None, ge=1, le=MAX_ID, description="The person the cycle is about; leave out for yourself"
    )
    framework_version_id: int = Field(..., ge=1, le=MAX_ID)
    deadline: dt.date = Field(description="The last day raters can answer; after today")
    facilitator_id: int | None = Field(None, ge=1, le=MAX_ID, description="A facilitator's user id")


class RaterIn(Schema):
    email: str = Field(..., min_length=3, max_length=254, pattern=TEXT_PATTERN)
    name: str = Field("", max_length=200, pattern=TEXT_PATTERN)


class InviteIn(Schema):
    group: str = Field(
        ...,
        pattern=r"^[a-z_]{1,30}$",
        description="line_manager, peers, direct_reports or other_colleagues",
    )
    raters: list[RaterIn] = Field(..., min_length=1, max_length=actions.MAX_RATERS_PER_REQUEST)


class InviteOut(Schema):
    invited: int
    warnings: list[str]
    cycle: CycleOut


# Shaping and checks -------------------------------------------------------------------------


def _status_code(status: presenters.GroupStatus) -> str:
    if status.status.startswith("Nobody"):
        return "nobody_invited"
    return "minimum_reached" if status.reached else "not_yet_reached"


def _cycle_out(cycle: FeedbackCycle) -> dict[str, Any]:
    progress = queries.cycle_progress(cycle)
    if cycle.state == FeedbackCycle.State.DRAFT:
        groups = [
            {"group": g.group.code, "name": g.group.name, "status": "not_launched"}
            for g in progress.groups
        ] + [{"group": "all_others", "name": "All others", "status": "not_launched"}]
    else:
        statuses = presenters.group_statuses(cycle, progress)
        codes = [g.group.code for g in progress.groups] + ["all_others"]
        groups = [
            {"group": code, "name": s.name, "status": _status_code(s)}
            for code, s in zip(codes, statuses, strict=True)
        ]
    version = cycle.questionnaire.framework_version
    return {
        "id": cycle.pk,
        "subject": {"id": cycle.subject_id, "name": cycle.subject.full_name},
        "framework": f"{version.framework.name} ({version.version})",
        "framework_version_id": version.pk,
        "questionnaire_id": cycle.questionnaire_id,
        "state": cycle.state,
        "deadline": cycle.deadline,
        "facilitator": cycle.facilitator.display_name if cycle.facilitator else None,
        "groups": groups,
        "self_sent": progress.self_submitted,
    }


def _person_caller(request: HttpRequest) -> User:
    """The signed-in person making the request; tokens cannot act for a person."""
    caller = caller_for(request)
    if caller.token is not None:
        raise AuthorizationError(
            403, "360 feedback belongs to a person: sign in to use it. API tokens cannot."
        )
    user: User = caller.principal
    return user


def _cycle(request: HttpRequest, cycle_id: int, permission: Permission) -> FeedbackCycle:
    user = _person_caller(request)
    cycle = queries.cycle_detail(cycle_id)
    if cycle is None or not user.has_perm(Permission.VIEW_FEEDBACK_CYCLE, cycle):
        # Not yours and not there look the same: ids reveal nothing.
        raise Http404(f"No 360 cycle of yours has the id {cycle_id}.")
    if not user.has_perm(permission, cycle):
        raise AuthorizationError(403, "You cannot change this cycle.")
    return cycle


def _refused(error: actions.FeedbackError) -> Status[dict[str, Any]]:
    return Status(
        400,
        {
            "detail": error.message,
            "errors": [{"parameter": "request", "message": e} for e in error.errors],
        },
    )


_ERRORS: dict[int, type[Schema]] = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}


# Endpoints ----------------------------------------------------------------------------------


@router.post(
    "cycles/",
    response={201: CycleOut, **_ERRORS},
    url_name="start_feedback_cycle",
    summary="Start a 360 cycle",
)
def start_cycle(request: HttpRequest, body: StartCycleIn) -> Any:
    """Start a cycle for yourself, or for someone you line manage. Raters are invited next."""
    user = _person_caller(request)
    if user.person_id is None:
        raise AuthorizationError(403, "Your account has no staff record, so it has no 360 cycles.")
    subject_id = body.subject_id or user.person_id
    subject = Person.objects.filter(pk=subject_id).first()
    if subject is None or not user.has_perm(Permission.START_FEEDBACK_CYCLE, subject):
        raise AuthorizationError(
            403, "You can start a 360 cycle for yourself or for someone you line manage."
        )
    version = queries.published_framework_version(body.framework_version_id)
    if version is None:
        return Status(
            400,
            {
                "detail": f"No published framework version has the id {body.framework_version_id}.",
                "errors": [],
            },
        )
    facilitator = None
    if body.facilitator_id is not None:
        facilitator = queries.facilitators().filter(pk=body.facilitator_id).first()
        if facilitator is None:
            return Status(
                400, {"detail": "That user is not a 360 feedback facilitator.", "errors": []}
            )
    try:
        questionnaire = actions.questionnaire_for(framework_version=version, by=user)
        cycle = actions.start_cycle(
            subject=subject,
            questionnaire=questionnaire,
            deadline=body.deadline,
            facilitator=facilitator,
            by=user,
        )
    except actions.FeedbackError as error:
        return _refused(error)
    detail = queries.cycle_detail(cycle.pk)
    assert detail is not None
    return Status(201, _cycle_out(detail))


@router.get(
    "cycles/{cycle_id}/",
    response={200: CycleOut, **_ERRORS},
    url_name="show_feedback_cycle",
    summary="A 360 cycle's status",
)
def show_cycle(request: HttpRequest, cycle_id: int = Path(..., ge=1, le=MAX_ID)) -> Any:
    """The cycle and, per rater group, whether its minimum has been reached."""
    cycle = _cycle(request, cycle_id, Permission.VIEW_FEEDBACK_CYCLE)
    user = request.user
    if getattr(user, "person_id", None) != cycle.subject_id:
        audit.record_read("feedback.cycle.viewed", by=user, target=cycle, detail={"via": "api"})
    return _cycle_out(cycle)


@router.post(
    "cycles/{cycle_id}/invitations/",
    response={201: InviteOut, **_ERRORS},
    url_name="invite_feedback_raters",
    summary="Invite raters by email",
)
def invite_raters(
    request: HttpRequest, body: InviteIn, cycle_id: int = Path(..., ge=1, le=MAX_ID)
) -> Any:
    """Invite raters in one group: all of them, or none if any is wrong."""
    cycle = _cycle(request, cycle_id, Permission.MANAGE_FEEDBACK_CYCLE)
    group = RaterGroup.objects.filter(code=body.group).first()
    if group is None:
        codes = ", ".join(
            RaterGroup.objects.filter(is_self=False, patient=False).values_list("code", flat=True)
        )
        return Status(
            400,
            {
                "detail": f"{body.group} is not a rater group. Use one of: {codes}.",
                "errors": [{"parameter": "group", "message": f"Use one of: {codes}."}],
            },
        )
    try:
        result = actions.invite_raters(
            cycle=cycle,
            group=group,
            raters=[actions.RaterEntry(email=r.email, name=r.name) for r in body.raters],
            by=request.user,
        )
    except actions.FeedbackError as error:
        return _refused(error)
    detail = queries.cycle_detail(cycle.pk)
    assert detail is not None
    return Status(
        201,
        {
            "invited": len(result.invitations),
            "warnings": result.warnings,
            "cycle": _cycle_out(detail),
        },
    )


@router.post(
    "cycles/{cycle_id}/launch/",
    response={200: CycleOut, **_ERRORS},
    url_name="launch_feedback_cycle",
    summary="Launch a 360 cycle",
)
def launch_cycle(request: HttpRequest, cycle_id: int = Path(..., ge=1, le=MAX_ID)) -> Any:
    """Fix each group's minimum and email every invited rater their link."""
    cycle = _cycle(request, cycle_id, Permission.MANAGE_FEEDBACK_CYCLE)
    try:
        actions.launch_cycle(cycle=cycle, by=request.user)
    except actions.FeedbackError as error:
        return _refused(error)
    detail = queries.cycle_detail(cycle.pk)
    assert detail is not None
    return _cycle_out(detail)


# The frozen report endpoint (GET cycles/{cycle_id}/report/) is added below, from the
# report modules, with the same suppression as the report page.


# Frozen report -------------------------------------------------------------------------------


@router.get(
    "cycles/{cycle_id}/report/",
    response={200: dict[str, Any], **_ERRORS},
    url_name="show_feedback_report",
    summary="A 360 cycle's frozen report",
)
def show_report(request: HttpRequest, cycle_id: int = Path(..., ge=1, le=MAX_ID)) -> Any:
    """The frozen report, with exactly the figures the report page shows (same presenter)."""
    from healthlead.feedback.report import load_report_cycle
    from healthlead.feedback.report_presenters import report_json

    user = _person_caller(request)
    cycle = load_report_cycle(cycle_id)
    if cycle is None or not user.has_perm(Permission.VIEW_FEEDBACK_REPORT, cycle):
        raise Http404(f"No 360 report of yours has the cycle id {cycle_id}.")
    if user.person_id != cycle.subject_id:
        audit.record_read(
            "feedback.report.viewed", by=user, target=cycle.report, detail={"via": "api"}
        )
    return report_json(cycle.report)
