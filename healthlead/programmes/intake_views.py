"""Running an intake (national leads, and regional leads for their region): setting it up, its
panel and fairness constraints, opening and closing it, allocating places, the ranking with
explanations, bursaries, appeals, and the fairness and cost reports."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from healthlead.accounts.decorators import permission_required
from healthlead.accounts.models import User
from healthlead.accounts.permissions import Permission
from healthlead.core.formatting import nhs_date
from healthlead.core.pagination import paginate
from healthlead.feedback.forms import date_input_params
from healthlead.people.models import StaffGroup
from healthlead.programmes import (
    actions,
    application_actions,
    enrolment_actions,
    fairness,
    presenters,
    queries,
    selection_actions,
)
from healthlead.programmes.actions import ProgrammeError
from healthlead.programmes.forms import (
    AppealDecisionForm,
    BursaryDecisionForm,
    CompletionForm,
    ConfirmForm,
    IntakeForm,
    PanelMemberForm,
    QuotaForm,
)
from healthlead.programmes.models import (
    Appeal,
    BursaryRequest,
    EnrolmentHandOff,
    Intake,
    IntakeQuota,
    PanelMember,
)

GROUP_LABELS = {str(v): str(label) for v, label in StaffGroup.choices}


def _load_intake(pk: int, **_: Any) -> Intake | None:
    return queries.intake_detail(pk)


def _load_quota(pk: int, quota_id: int, **_: Any) -> IntakeQuota | None:
    quota = IntakeQuota.objects.select_related("intake").filter(pk=quota_id, intake_id=pk).first()
    return quota


def _load_member(pk: int, member_id: int, **_: Any) -> PanelMember | None:
    return (
        PanelMember.objects.select_related("panel__intake")
        .filter(pk=member_id, panel__intake_id=pk)
        .first()
    )


def _load_bursary(pk: int, **_: Any) -> BursaryRequest | None:
    return queries.bursary_detail(pk)


def _load_appeal(pk: int, **_: Any) -> Appeal | None:
    return queries.appeal_detail(pk)


def _load_enrolment(pk: int, **_: Any) -> EnrolmentHandOff | None:
    return queries.enrolment_detail(pk)


def _crumbs(intake: Intake | None = None) -> list[dict[str, str]]:
    crumbs = [
        {"href": reverse("accounts:home"), "text": "Home"},
        {"href": reverse("programmes:list_intakes"), "text": "Intakes"},
    ]
    if intake is not None:
        crumbs.append(
            {"href": reverse("programmes:show_intake", args=[intake.pk]), "text": intake.name}
        )
    return crumbs


def _page(request: HttpRequest, context: dict[str, Any], status: int = 200) -> HttpResponse:
    return render(request, "programmes/form_page.jinja", context, status=status)


def _intake_action(
    request: HttpRequest,
    intake: Intake,
    *,
    title: str,
    intro: list[str],
    button: str,
    act: Any,
    done: str,
    problems: list[str] | None = None,
) -> HttpResponse:
    """A confirmation page whose button runs one action on the intake."""
    form = ConfirmForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            act()
        except ProgrammeError as error:
            for problem in error.problems or [error.message]:
                form.add_error(None, problem)
            status = 400
        else:
            messages.success(request, done)
            return redirect("programmes:show_intake", intake.pk)
    return _page(
        request,
        {
            "page_title": title,
            "caption": intake.name,
            "intro": intro,
            "problems": problems or [],
            "form": None if problems else form,
            "button_text": button,
            "cancel": {
                "href": reverse("programmes:show_intake", args=[intake.pk]),
                "text": "Cancel",
            },
            "breadcrumbs": _crumbs(intake),
        },
        status,
    )


@require_safe
@permission_required(Permission.MANAGE_INTAKE)
def list_intakes_view(request: HttpRequest) -> HttpResponse:
    """The intakes the user runs."""
    page = paginate(queries.managed_intakes(request.scope), request.GET)  # type: ignore[attr-defined]
    user: Any = request.user
    return render(
        request,
        "programmes/list_intakes.jinja",
        {
            "page_title": "Intakes",
            "page": page,
            "may_report": user.has_perm(Permission.VIEW_NATIONAL_PROGRAMME_REPORT),
            "breadcrumbs": [{"href": reverse("accounts:home"), "text": "Home"}],
        },
    )


@require_http_methods(["GET", "POST"])
@permission_required(Permission.MANAGE_INTAKE)
def new_intake_view(request: HttpRequest) -> HttpResponse:
    """Set up an intake for a published programme in a competitive tier."""
    scope = request.scope  # type: ignore[attr-defined]
    regions = [r for r in queries.regions() if scope.national or r.pk in scope.region_ids]
    form = IntakeForm(
        request.POST or None,
        versions=queries.competitive_versions(),
        regions=regions,
        national=scope.national,
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                intake = actions.create_intake(
                    version=form.chosen_version(),
                    name=data["name"],
                    region=form.chosen_region(),
                    opens_on=data["opens_on"],
                    closes_on=data["closes_on"],
                    places=data["places"],
                    budget=data["budget"],
                    offer_days=data["offer_days"],
                    minimum_score=data["minimum_score"],
                    by=request.user,
                )
            except ProgrammeError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, "The intake is set up. Add its panel, then open it.")
                return redirect("programmes:show_intake", intake.pk)
    return _page(
        request,
        {
            "page_title": "New intake",
            "form": form,
            "date_fields": {
                "opens_on": date_input_params(
                    form["opens_on"], legend="Applications open", hint="For example, 1 3 2027."
                ),
                "closes_on": date_input_params(
                    form["closes_on"],
                    legend="Applications close",
                    hint="For example, 31 3 2027. Applicants can send until the end of this day.",
                ),
            },
            "button_text": "Save the intake",
            "breadcrumbs": _crumbs(),
        },
        status,
    )


@require_safe
@permission_required(Permission.MANAGE_INTAKE, _load_intake)
def show_intake_view(request: HttpRequest, intake: Intake) -> HttpResponse:
    """An intake's details, its funnel, panel, constraints and what to do next."""
    user: Any = request.user
    problems = selection_actions.readiness(intake) if intake.state == Intake.State.SCORING else []
    return render(
        request,
        "programmes/show_intake.jinja",
        {
            "page_title": intake.name,
            "intake": intake,
            "rows": presenters.intake_rows(intake),
            "funnel": queries.funnel(intake),
            "stages": fairness.STAGE_LABELS,
            "members": queries.panel_members(intake),
            "quotas": queries.quotas_of(intake),
            "group_labels": GROUP_LABELS,
            "budget_rows": presenters.budget_rows(queries.budget(intake)),
            "appeals": queries.appeals_of(intake),
            "enrolments": queries.enrolments_of(intake),
            "readiness": problems,
            "needs_partner": intake.version.tier.panel_needs_partner,
            "may_moderate": user.has_perm(Permission.MODERATE_SCORES, intake),
            "breadcrumbs": _crumbs(),
        },
    )


@require_http_methods(["GET", "POST"])
@permission_required(Permission.MANAGE_INTAKE, _load_intake)
def open_intake_view(request: HttpRequest, intake: Intake) -> HttpResponse:
    return _intake_action(
        request,
        intake,
        title="Open this intake for applications?",
        intro=["Staff can apply from the opening date until the end of the closing date."],
        button="Open the intake",
        act=lambda: actions.open_intake(intake=intake, by=request.user),
        done="The intake is open for applications.",
    )


@require_http_methods(["GET", "POST"])
@permission_required(Permission.MANAGE_INTAKE, _load_intake)
def close_applications_view(request: HttpRequest, intake: Intake) -> HttpResponse:
    return _intake_action(
        request,
        intake,
        title="Close applications and check eligibility?",
        intro=[
            "Every sent application is checked against the entry gates for the last time. "
            "Anything still waiting (an endorsement, funding, an assessor's decision) counts as "
            "not met. Eligible applications go to the panel; conflicts of interest Healthlead can "
            "see (same organisation, line management) are recorded for each panel member."
        ],
        button="Close applications",
        act=lambda: selection_actions.close_applications(intake=intake, by=request.user),
        done="Applications are closed and eligibility is checked.",
    )


@require_http_methods(["GET", "POST"])
@permission_required(Permission.MANAGE_INTAKE, _load_intake)
def allocate_places_view(request: HttpRequest, intake: Intake) -> HttpResponse:
    problems = (
        selection_actions.readiness(intake)
        if intake.state == Intake.State.SCORING
        else ["Places can be allocated once, after applications close and are scored."]
    )
    return _intake_action(
        request,
        intake,
        title="Rank the applications and make offers?",
        intro=[
            f"The {intake.places} places go to the highest moderated scores, within this "
            "intake's constraints. Ties are broken by the score on the most heavily weighted "
            "criterion, then by a lottery fixed for each application. Offers are emailed at once."
        ],
        button="Rank and make offers",
        act=lambda: selection_actions.allocate_places(intake=intake, by=request.user),
        done="Places are allocated and offers made.",
        problems=problems,
    )


@require_http_methods(["GET", "POST"])
@permission_required(Permission.MANAGE_INTAKE, _load_intake)
def finish_intake_view(request: HttpRequest, intake: Intake) -> HttpResponse:
    return _intake_action(
        request,
        intake,
        title="Finish this intake?",
        intro=[
            "The waiting list closes: everyone still on it is told they were not offered a place."
        ],
        button="Finish the intake",
        act=lambda: selection_actions.finish_intake(intake=intake, by=request.user),
        done="The intake is finished.",
    )


@require_http_methods(["GET", "POST"])
@permission_required(Permission.MANAGE_INTAKE, _load_intake)
def set_quota_view(request: HttpRequest, intake: Intake) -> HttpResponse:
    """Add a fairness constraint: a cap on a staff group's share, or places reserved for it."""
    form = QuotaForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                actions.set_quota(
                    intake=intake,
                    kind=data["kind"],
                    staff_group=data["staff_group"],
                    value=data["value"],
                    by=request.user,
                )
            except ProgrammeError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, "The constraint is saved.")
                return redirect("programmes:show_intake", intake.pk)
    return _page(
        request,
        {
            "page_title": "Add a fairness constraint",
            "caption": intake.name,
            "intro": [
                "A cap stops one staff group taking more than a share of the places (rounded "
                "down); places left over stay empty rather than break it. A reserve keeps places "
                "for a staff group (or all its appointable applicants, if fewer)."
            ],
            "form": form,
            "button_text": "Save the constraint",
            "cancel": {
                "href": reverse("programmes:show_intake", args=[intake.pk]),
                "text": "Cancel",
            },
            "breadcrumbs": _crumbs(intake),
        },
        status,
    )


@require_http_methods(["GET", "POST"])
@permission_required(Permission.MANAGE_INTAKE, _load_quota)
def remove_quota_view(request: HttpRequest, quota: IntakeQuota) -> HttpResponse:
    intake = quota.intake
    return _intake_action(
        request,
        intake,
        title="Remove this constraint?",
        intro=[
            f"{quota.get_kind_display()}: {GROUP_LABELS.get(quota.staff_group)}, {quota.value}."
        ],
        button="Remove it",
        act=lambda: actions.remove_quota(quota=quota, by=request.user),
        done="The constraint is removed.",
    )


@require_http_methods(["GET", "POST"])
@permission_required(Permission.MANAGE_INTAKE, _load_intake)
def add_panel_member_view(request: HttpRequest, intake: Intake) -> HttpResponse:
    """Add a member of staff or a patient or public partner to the panel."""
    form = PanelMemberForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            user = (
                User.objects.select_related("person", "partner")
                .filter(email__iexact=form.cleaned_data["email"], is_active=True)
                .first()
            )
            if user is None:
                form.add_error("email", "Nobody with a Healthlead account has this email address.")
            else:
                try:
                    actions.add_panel_member(
                        intake=intake, user=user, chair=form.cleaned_data["chair"], by=request.user
                    )
                except ProgrammeError as error:
                    form.add_error("email", error.message)
                else:
                    messages.success(request, f"{user.display_name} is on the panel.")
                    return redirect("programmes:show_intake", intake.pk)
    intro = ["Each member scores every application on their own, blind to the others' scores."]
    if intake.version.tier.panel_needs_partner:
        intro.append(
            f"Tier {intake.version.tier.number} panels must include a patient or public partner."
        )
    return _page(
        request,
        {
            "page_title": "Add a panel member",
            "caption": intake.name,
            "intro": intro,
            "form": form,
            "button_text": "Add to the panel",
            "cancel": {
                "href": reverse("programmes:show_intake", args=[intake.pk]),
                "text": "Cancel",
            },
            "breadcrumbs": _crumbs(intake),
        },
        status,
    )


@require_http_methods(["GET", "POST"])
@permission_required(Permission.MANAGE_INTAKE, _load_member)
def remove_panel_member_view(request: HttpRequest, member: PanelMember) -> HttpResponse:
    intake = member.panel.intake
    return _intake_action(
        request,
        intake,
        title=f"Take {member.name} off the panel?",
        intro=["Members who have already scored applications must stay."],
        button="Take them off",
        act=lambda: actions.remove_panel_member(member=member, by=request.user),
        done=f"{member.name} is off the panel.",
    )


@require_safe
@permission_required(Permission.MANAGE_INTAKE, _load_intake)
def list_intake_applications_view(request: HttpRequest, intake: Intake) -> HttpResponse:
    """Every sent application, with its state, score and rank."""
    page = paginate(queries.manager_applications(intake), request.GET)
    return render(
        request,
        "programmes/list_intake_applications.jinja",
        {
            "page_title": f"Applications: {intake.name}",
            "intake": intake,
            "page": page,
            "rows": [(a, presenters.state_tag(a)) for a in page.items],
            "group_labels": GROUP_LABELS,
            "breadcrumbs": _crumbs(intake),
        },
    )


@require_safe
@permission_required(Permission.MANAGE_INTAKE, _load_intake)
def show_ranking_view(request: HttpRequest, intake: Intake) -> HttpResponse:
    """The ranking, with why each applicant was or was not allocated a place."""
    page = paginate(queries.ranking(intake), request.GET, size=50)
    return render(
        request,
        "programmes/show_ranking.jinja",
        {
            "page_title": f"Ranking: {intake.name}",
            "intake": intake,
            "page": page,
            "rows": [(a, presenters.state_tag(a)) for a in page.items],
            "group_labels": GROUP_LABELS,
            "breadcrumbs": _crumbs(intake),
        },
    )


@require_safe
@permission_required(Permission.MANAGE_INTAKE, _load_intake)
def show_intake_report_view(request: HttpRequest, intake: Intake) -> HttpResponse:
    """Fairness and cost: the funnel by group (small numbers suppressed) and the budget."""
    return render(
        request,
        "programmes/show_intake_report.jinja",
        {
            "page_title": f"Fairness and cost: {intake.name}",
            "intake": intake,
            "funnel": queries.funnel(intake),
            "stages": fairness.STAGE_LABELS,
            "tables": presenters.intake_tables(intake),
            "budget_rows": presenters.budget_rows(queries.budget(intake)),
            "formula": fairness.LIKELIHOOD_FORMULA,
            "breadcrumbs": _crumbs(intake),
        },
    )


@require_safe
@permission_required(Permission.VIEW_NATIONAL_PROGRAMME_REPORT)
def show_national_report_view(request: HttpRequest) -> HttpResponse:
    """Every intake's funnel and budget, and the national funnel by group."""
    report = presenters.national_report()
    return render(
        request,
        "programmes/show_national_report.jinja",
        {
            "page_title": "Programmes: fairness and cost in England",
            "report": report,
            "stages": fairness.STAGE_LABELS,
            "formula": fairness.LIKELIHOOD_FORMULA,
            "money": presenters.money,
            "breadcrumbs": _crumbs(),
        },
    )


@require_http_methods(["GET", "POST"])
@permission_required(Permission.MANAGE_INTAKE, _load_bursary)
def decide_bursary_view(request: HttpRequest, bursary: BursaryRequest) -> HttpResponse:
    """Approve or decline an inclusion bursary."""
    application = bursary.application
    form: BursaryDecisionForm | None = BursaryDecisionForm(
        request.POST or None, initial={"amount": bursary.amount_requested}
    )
    status = 200
    if bursary.state != BursaryRequest.State.REQUESTED or application.submitted_at is None:
        form = None
    elif request.method == "POST" and form is not None:
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                application_actions.decide_bursary(
                    bursary=bursary,
                    approve=data["decision"] == "approve",
                    amount=data["amount"] or 0,
                    note=data["note"],
                    by=request.user,
                )
            except ProgrammeError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, "The bursary decision is recorded.")
                return redirect("programmes:show_intake", application.intake_id)
    summary = [
        {"key": {"text": "Applicant"}, "value": {"text": application.person.full_name}},
        {
            "key": {"text": "Asked for"},
            "value": {"text": presenters.money(bursary.amount_requested)},
        },
        {"key": {"text": "Why"}, "value": {"text": bursary.reason}},
        {"key": {"text": "Decision"}, "value": {"text": bursary.get_state_display()}},
    ]
    return _page(
        request,
        {
            "page_title": "Inclusion bursary",
            "caption": application.intake.name,
            "summary_rows": summary,
            "form": form,
            "button_text": "Record the decision",
            "breadcrumbs": _crumbs(application.intake),
        },
        status,
    )


@require_http_methods(["GET", "POST"])
@permission_required(Permission.MANAGE_INTAKE, _load_appeal)
def decide_appeal_view(request: HttpRequest, appeal: Appeal) -> HttpResponse:
    """Record an appeal's outcome and the reason."""
    application = appeal.application
    form: AppealDecisionForm | None = AppealDecisionForm(request.POST or None)
    status = 200
    if appeal.state != Appeal.State.LODGED:
        form = None
    elif request.method == "POST" and form is not None:
        status = 400
        if form.is_valid():
            try:
                application_actions.decide_appeal(
                    appeal=appeal,
                    upheld=form.cleaned_data["outcome"] == "upheld",
                    reason=form.cleaned_data["reason"],
                    by=request.user,
                )
            except ProgrammeError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, "The appeal's outcome is recorded.")
                return redirect("programmes:show_intake", application.intake_id)
    summary = [
        {"key": {"text": "Applicant"}, "value": {"text": application.person.full_name}},
        {"key": {"text": "Application"}, "value": {"text": application.get_state_display()}},
        {"key": {"text": "Grounds"}, "value": {"text": appeal.grounds}},
        {"key": {"text": "Outcome"}, "value": {"text": appeal.get_state_display()}},
    ]
    if appeal.outcome_reason:
        summary.append({"key": {"text": "Reason"}, "value": {"text": appeal.outcome_reason}})
    return _page(
        request,
        {
            "page_title": "Appeal",
            "caption": application.intake.name,
            "summary_rows": summary,
            "links": [
                {
                    "href": reverse("programmes:show_application", args=[application.pk]),
                    "text": "See the application",
                }
            ],
            "form": form,
            "button_text": "Record the outcome",
            "breadcrumbs": _crumbs(application.intake),
        },
        status,
    )


@require_http_methods(["GET", "POST"])
@permission_required(Permission.MANAGE_INTAKE, _load_enrolment)
def record_completion_view(request: HttpRequest, enrolment: EnrolmentHandOff) -> HttpResponse:
    """Record that a participant completed the programme; it goes into their development plan."""
    form = CompletionForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                enrolment_actions.record_completion(
                    enrolment=enrolment,
                    completed_on=form.cleaned_data["completed_on"],
                    by=request.user,
                )
            except ProgrammeError as error:
                form.add_error(None, error.message)
            else:
                messages.success(
                    request,
                    f"{enrolment.person.full_name}'s completion is recorded and added to their "
                    "development plan.",
                )
                return redirect("programmes:show_intake", enrolment.intake_id)
    summary = [
        {"key": {"text": "Participant"}, "value": {"text": enrolment.person.full_name}},
        {"key": {"text": "Programme"}, "value": {"text": enrolment.version.programme.name}},
        {
            "key": {"text": "Place accepted"},
            "value": {"text": nhs_date(timezone.localtime(enrolment.created_at).date())},
        },
        {
            "key": {"text": "Completed"},
            "value": {"text": nhs_date(enrolment.completed_on, empty="Not yet recorded")},
        },
    ]
    return _page(
        request,
        {
            "page_title": "Record a completion",
            "caption": enrolment.intake.name,
            "intro": [
                "The completion is added as evidence to every action in their development plan "
                "that names this programme, and those actions are marked done."
            ],
            "summary_rows": summary,
            "form": form if enrolment.completed_on is None else None,
            "date_fields": {
                "completed_on": date_input_params(
                    form["completed_on"], legend="Completed on", hint="For example, 27 11 2026."
                )
            },
            "button_text": "Record the completion",
            "breadcrumbs": _crumbs(enrolment.intake),
        },
        status,
    )
