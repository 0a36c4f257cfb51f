"""Panel members' pages: their panels, the applications they score (blind to the others' scores
until every member without a conflict has scored), declaring a conflict, and moderation."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from healthlead.accounts.decorators import permission_required
from healthlead.accounts.permissions import Permission
from healthlead.core import audit
from healthlead.core.pagination import paginate
from healthlead.programmes import queries, selection_actions
from healthlead.programmes.actions import ProgrammeError
from healthlead.programmes.forms import ConflictForm, ModerationForm, ScoreSheetForm
from healthlead.programmes.models import Application, Intake, Moderation


def _load_intake(pk: int, **_: Any) -> Intake | None:
    return queries.intake_detail(pk)


def _load_application(pk: int, **_: Any) -> Application | None:
    return queries.application_detail(pk)


def _load_moderation(pk: int, **_: Any) -> Intake | None:
    moderation = queries.moderation_detail(pk)
    if moderation is None:
        return None
    intake = moderation.application.intake
    intake._moderation = moderation  # type: ignore[attr-defined]
    return intake


def _crumbs(intake: Intake | None = None) -> list[dict[str, str]]:
    crumbs = [
        {"href": reverse("accounts:home"), "text": "Home"},
        {"href": reverse("programmes:list_panels"), "text": "Your panels"},
    ]
    if intake is not None:
        crumbs.append(
            {
                "href": reverse("programmes:list_applications_to_score", args=[intake.pk]),
                "text": intake.name,
            }
        )
    return crumbs


@require_safe
@permission_required(Permission.SCORE_APPLICATIONS)
def list_panels_view(request: HttpRequest) -> HttpResponse:
    """The selection panels the user sits on."""
    return render(
        request,
        "programmes/list_panels.jinja",
        {
            "page_title": "Your selection panels",
            "memberships": queries.memberships(request.user),
            "breadcrumbs": [{"href": reverse("accounts:home"), "text": "Home"}],
        },
    )


@require_safe
@permission_required(Permission.SCORE_APPLICATIONS, _load_intake)
def list_applications_to_score_view(request: HttpRequest, intake: Intake) -> HttpResponse:
    """The eligible applications this member scores (not those they have a conflict with)."""
    member = queries.member_of(request.user, intake)
    assert member is not None
    page = paginate(queries.applications_to_score(intake, member), request.GET)
    user: Any = request.user
    return render(
        request,
        "programmes/list_applications_to_score.jinja",
        {
            "page_title": f"Scoring: {intake.name}",
            "intake": intake,
            "member": member,
            "page": page,
            "scoring": intake.state == Intake.State.SCORING,
            "conflicts": queries.conflicts_of(member),
            "may_moderate": user.has_perm(Permission.MODERATE_SCORES, intake),
            "breadcrumbs": _crumbs(),
        },
    )


@require_http_methods(["GET", "POST"])
@permission_required(Permission.SCORE_APPLICATION, _load_application)
def score_application_view(request: HttpRequest, application: Application) -> HttpResponse:
    """Read the statements and score each criterion. Other members' scores stay hidden until
    every member without a conflict has scored."""
    intake = application.intake
    member = queries.member_of(request.user, intake)
    assert member is not None
    audit.record_read("programmes.application.scored_view", by=request.user, target=application)
    criteria = list(intake.version.criteria.all())
    sheets = queries.score_sheets(application)
    mine = next((s for s in sheets if s.member_id == member.pk), None)
    needed = {m.pk for m in selection_actions.scorers(application)}
    complete = bool(needed) and needed <= {s.member_id for s in sheets}
    form: ScoreSheetForm | None = None
    status = 200
    if (
        mine is None
        and intake.state == Intake.State.SCORING
        and application.state == Application.State.ELIGIBLE
    ):
        form = ScoreSheetForm(request.POST or None, criteria=criteria)
        if request.method == "POST":
            status = 400
            if form.is_valid():
                try:
                    selection_actions.submit_score_sheet(
                        application=application,
                        member=member,
                        scores=form.scores(),
                        by=request.user,
                    )
                except ProgrammeError as error:
                    form.add_error(None, error.message)
                else:
                    messages.success(request, "Your scores are sent.")
                    return redirect("programmes:list_applications_to_score", intake.pk)
    if request.method == "POST" and form is None:
        messages.info(request, "This application is not waiting for your scores.")
        return redirect("programmes:list_applications_to_score", intake.pk)
    statements = {s.criterion_id: s.text for s in application.statements.all()}
    return render(
        request,
        "programmes/score_application.jinja",
        {
            "page_title": f"Score {application.person.full_name}'s application",
            "caption": intake.name,
            "application": application,
            "criteria": [(c, statements.get(c.pk, "")) for c in criteria],
            "form": form,
            "mine": mine,
            "complete": complete,
            "sheets": sheets if complete else [],
            "breadcrumbs": _crumbs(intake),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@permission_required(Permission.SCORE_APPLICATION, _load_application)
def declare_conflict_view(request: HttpRequest, application: Application) -> HttpResponse:
    """Declare a conflict of interest with an applicant: you will not score them."""
    intake = application.intake
    member = queries.member_of(request.user, intake)
    assert member is not None
    form = ConflictForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                selection_actions.declare_conflict(
                    member=member,
                    application=application,
                    reason=form.cleaned_data["reason"],
                    note=form.cleaned_data["note"],
                    by=request.user,
                )
            except ProgrammeError as error:
                form.add_error(None, error.message)
            else:
                messages.success(
                    request, "Your conflict is recorded. You will not score this applicant."
                )
                return redirect("programmes:list_applications_to_score", intake.pk)
    return render(
        request,
        "programmes/form_page.jinja",
        {
            "page_title": f"Declare a conflict with {application.person.full_name}",
            "caption": intake.name,
            "intro": [
                "If you work in the same organisation, line manage the applicant or are managed "
                "by them, or know them in a way that could affect your judgement, you must not "
                "score their application."
            ],
            "form": form,
            "button_text": "Declare the conflict",
            "cancel": {
                "href": reverse("programmes:list_applications_to_score", args=[intake.pk]),
                "text": "Cancel",
            },
            "breadcrumbs": _crumbs(intake),
        },
        status=status,
    )


@require_safe
@permission_required(Permission.MODERATE_SCORES, _load_intake)
def list_moderations_view(request: HttpRequest, intake: Intake) -> HttpResponse:
    """Criteria where members' scores differ by two points or more, and their agreed scores."""
    return render(
        request,
        "programmes/list_moderations.jinja",
        {
            "page_title": f"Moderation: {intake.name}",
            "intake": intake,
            "moderations": queries.moderations(intake),
            "scoring": intake.state == Intake.State.SCORING,
            "breadcrumbs": [
                {"href": reverse("accounts:home"), "text": "Home"},
                {"href": reverse("programmes:list_panels"), "text": "Your panels"},
            ],
        },
    )


@require_http_methods(["GET", "POST"])
@permission_required(Permission.MODERATE_SCORES, _load_moderation)
def moderate_view(request: HttpRequest, intake: Intake) -> HttpResponse:
    """Record the panel's agreed score on one criterion, with the reason."""
    moderation: Moderation = intake._moderation  # type: ignore[attr-defined]
    audit.record_read(
        "programmes.application.moderation_viewed", by=request.user, target=moderation.application
    )
    sheets = queries.score_sheets(moderation.application)
    given = [
        (sheet.member.name, score.score, score.note)
        for sheet in sheets
        for score in sheet.scores.all()
        if score.criterion_id == moderation.criterion_id
    ]
    form = ModerationForm(
        request.POST or None,
        initial={"agreed_score": str(moderation.agreed_score) if moderation.agreed_score else None},
    )
    status = 200
    if request.method == "POST" and intake.state != Intake.State.SCORING:
        messages.info(request, "Scores can only be moderated while the intake is being scored.")
        return redirect("programmes:list_moderations", intake.pk)
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                selection_actions.moderate(
                    moderation=moderation,
                    agreed_score=int(form.cleaned_data["agreed_score"]),
                    reason=form.cleaned_data["reason"],
                    by=request.user,
                )
            except ProgrammeError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, "The agreed score is recorded.")
                return redirect("programmes:list_moderations", intake.pk)
    summary = [
        {"key": {"text": "Applicant"}, "value": {"text": moderation.application.person.full_name}},
        {"key": {"text": "Criterion"}, "value": {"text": moderation.criterion.title}},
    ] + [
        {"key": {"text": name}, "value": {"text": f"{score}" + (f": {note}" if note else "")}}
        for name, score, note in given
    ]
    return render(
        request,
        "programmes/form_page.jinja",
        {
            "page_title": "Agree a score",
            "caption": intake.name,
            "summary_rows": summary,
            "form": form if intake.state == Intake.State.SCORING else None,
            "button_text": "Record the agreed score",
            "cancel": {
                "href": reverse("programmes:list_moderations", args=[intake.pk]),
                "text": "Cancel",
            },
            "breadcrumbs": [
                {"href": reverse("accounts:home"), "text": "Home"},
                {
                    "href": reverse("programmes:list_moderations", args=[intake.pk]),
                    "text": "Moderation",
                },
            ],
        },
        status=status,
    )
