"""Applying, one thing per page: the eligibility check first, then years of leadership (where a
gate asks), a statement against each criterion, the line manager, the bursary question, and a
check-your-answers page that sends it. Then the application page (status, gate results, scores
by criterion, the offer, an appeal), and the line manager's and employer's answers."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from healthlead.accounts.decorators import permission_required
from healthlead.accounts.permissions import Permission
from healthlead.core import audit
from healthlead.core.formatting import nhs_date
from healthlead.programmes import (
    application_actions,
    facts,
    gates,
    presenters,
    queries,
    selection_actions,
)
from healthlead.programmes.actions import ProgrammeError
from healthlead.programmes.forms import (
    AppealForm,
    BursaryChoiceForm,
    BursaryDetailsForm,
    ConfirmForm,
    EndorsementForm,
    FundingForm,
    LeadershipYearsForm,
    OfferResponseForm,
    StatementForm,
)
from healthlead.programmes.models import (
    Application,
    Endorsement,
    FundingConfirmation,
    Intake,
    Offer,
)


def _load_intake(pk: int, **_: Any) -> Intake | None:
    return queries.intake_detail(pk)


def _load_application(pk: int, **_: Any) -> Application | None:
    return queries.application_detail(pk)


def _load_statement(pk: int, criterion_id: int, **_: Any) -> Application | None:
    """The application, carrying the criterion id from the URL for the view."""
    application = queries.application_detail(pk)
    if application is not None:
        application._criterion_id = criterion_id  # type: ignore[attr-defined]
    return application


def _load_endorsement(pk: int, **_: Any) -> Endorsement | None:
    return queries.endorsement_detail(pk)


def _load_funding(pk: int, **_: Any) -> FundingConfirmation | None:
    return queries.funding_detail(pk)


def _load_offer(pk: int, **_: Any) -> Offer | None:
    return queries.offer_detail(pk)


def _home() -> dict[str, str]:
    return {"href": reverse("accounts:home"), "text": "Home"}


def _mine() -> list[dict[str, str]]:
    return [_home(), {"href": reverse("programmes:list_applications"), "text": "Your applications"}]


def _page(request: HttpRequest, context: dict[str, Any], status: int = 200) -> HttpResponse:
    return render(request, "programmes/form_page.jinja", context, status=status)


# The steps, in order -----------------------------------------------------------------------------


def steps(application: Application) -> list[str]:
    """The URLs of an application's pages, in order (the check page last)."""
    needed = application_actions.needs(application)
    pk = application.pk
    urls = []
    if needed["leadership_years"]:
        urls.append(reverse("programmes:edit_leadership_years", args=[pk]))
    urls += [
        reverse("programmes:edit_statement", args=[pk, c.pk])
        for c in application.intake.version.criteria.all()
    ]
    if needed["endorsement"]:
        urls.append(reverse("programmes:confirm_line_manager", args=[pk]))
    urls.append(reverse("programmes:edit_bursary", args=[pk]))
    urls.append(reverse("programmes:check_application", args=[pk]))
    return urls


def _next(request: HttpRequest, application: Application) -> HttpResponse:
    """The next page: back to the check page when changing an answer, else the next step."""
    urls = steps(application)
    if request.GET.get("from") == "check":
        return redirect(urls[-1])
    here = request.path
    following = urls[urls.index(here) + 1] if here in urls else urls[-1]
    return redirect(following)


def _back(request: HttpRequest, application: Application) -> str:
    urls = steps(application)
    here = request.path
    if here in urls and urls.index(here) > 0:
        return urls[urls.index(here) - 1]
    return reverse("programmes:start_application", args=[application.intake_id])


def _caption(application: Application) -> str:
    return f"Apply to {application.intake.version.programme.name}"


def _not_editable(request: HttpRequest, application: Application) -> HttpResponse | None:
    problem = application_actions.intake_problem(application.intake, application.person)
    if problem:
        messages.info(request, problem)
        return redirect("programmes:show_application", application.pk)
    return None


# Starting ----------------------------------------------------------------------------------------


@require_safe
@permission_required(Permission.APPLY_TO_INTAKE)
def list_applications_view(request: HttpRequest) -> HttpResponse:
    """The person's applications and where each one is."""
    person = request.scope.person  # type: ignore[attr-defined]
    applications = queries.applications_of(person)
    return render(
        request,
        "programmes/list_applications.jinja",
        {
            "page_title": "Your applications",
            "applications": [(a, presenters.state_tag(a)) for a in applications],
            "breadcrumbs": [_home()],
        },
    )


@require_http_methods(["GET", "POST"])
@permission_required(Permission.APPLY_TO_INTAKE, _load_intake)
def start_application_view(request: HttpRequest, intake: Intake) -> HttpResponse:
    """The eligibility check: each gate met, not met or waiting, and why; then start."""
    person = request.scope.person  # type: ignore[attr-defined]
    existing = queries.application_for(intake, person)
    if existing is not None:
        return redirect("programmes:show_application", existing.pk)
    problem = application_actions.intake_problem(intake, person)
    results = facts.check_person(person, intake.version, today=timezone.localdate())
    outcome = gates.overall(results)
    form = ConfirmForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            application = application_actions.start_application(
                intake=intake, person=person, by=request.user
            )
        except ProgrammeError as error:
            form.add_error(None, error.message)
            status = 400
        else:
            return redirect(steps(application)[0])
    return render(
        request,
        "programmes/start_application.jinja",
        {
            "page_title": f"Can you apply to {intake.version.programme.name}?",
            "intake": intake,
            "problem": problem,
            "rows": presenters.gate_rows([r.as_dict() for r in results]),
            "outcome": outcome,
            "form": form,
            "breadcrumbs": [
                _home(),
                {"href": reverse("programmes:list_programmes"), "text": "Programmes"},
                {
                    "href": reverse(
                        "programmes:show_programme", args=[intake.version.programme.code]
                    ),
                    "text": intake.version.programme.name,
                },
            ],
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@permission_required(Permission.EDIT_APPLICATION, _load_application)
def edit_leadership_years_view(request: HttpRequest, application: Application) -> HttpResponse:
    if (refused := _not_editable(request, application)) is not None:
        return refused
    form = LeadershipYearsForm(
        request.POST or None, initial={"years": application.leadership_years}
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                application_actions.save_leadership_years(
                    application=application, years=form.cleaned_data["years"], by=request.user
                )
            except ProgrammeError as error:
                form.add_error("years", error.message)
            else:
                return _next(request, application)
    return _page(
        request,
        {
            "page_title": "How many years have you led people or services?",
            "caption": _caption(application),
            "form": form,
            "heading_field": "years",
            "back_href": _back(request, application),
        },
        status,
    )


@require_http_methods(["GET", "POST"])
@permission_required(Permission.EDIT_APPLICATION, _load_statement)
def edit_statement_view(request: HttpRequest, application: Application) -> HttpResponse:
    """The applicant's statement against one selection criterion."""
    if (refused := _not_editable(request, application)) is not None:
        return refused
    criterion_id = application._criterion_id  # type: ignore[attr-defined]
    criterion = next(
        (c for c in application.intake.version.criteria.all() if c.pk == criterion_id), None
    )
    if criterion is None:
        raise Http404("This programme has no such criterion.")
    saved = next((s for s in application.statements.all() if s.criterion_id == criterion.pk), None)
    form = StatementForm(
        request.POST or None, initial={"text": saved.text if saved else ""}, criterion=criterion
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                application_actions.save_statement(
                    application=application,
                    criterion=criterion,
                    text=form.cleaned_data["text"],
                    by=request.user,
                )
            except ProgrammeError as error:
                form.add_error("text", error.message)
            else:
                return _next(request, application)
    return _page(
        request,
        {
            "page_title": criterion.title,
            "caption": _caption(application),
            "form": form,
            "heading_field": "text",
            "back_href": _back(request, application),
        },
        status,
    )


@require_http_methods(["GET", "POST"])
@permission_required(Permission.EDIT_APPLICATION, _load_application)
def confirm_line_manager_view(request: HttpRequest, application: Application) -> HttpResponse:
    """Who will be asked to endorse the application (the line manager on the staff record)."""
    if (refused := _not_editable(request, application)) is not None:
        return refused
    manager = application.person.line_manager
    form = ConfirmForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid() and manager is not None:
        return _next(request, application)
    if manager is None:
        intro = [
            "Your staff record has no line manager, so nobody can endorse your application. "
            "Ask your employer to update your staff record, then come back."
        ]
    else:
        intro = [
            f"When you send your application we will email {manager.full_name}, your line "
            "manager on your staff record, and ask them to endorse it. It is also on their "
            "list of things to do in Healthlead.",
            "If this is not your line manager, ask your employer to update your staff record.",
        ]
    return _page(
        request,
        {
            "page_title": "Your line manager's endorsement",
            "caption": _caption(application),
            "intro": intro,
            "form": form if manager is not None else None,
            "back_href": _back(request, application),
        },
    )


@require_http_methods(["GET", "POST"])
@permission_required(Permission.EDIT_APPLICATION, _load_application)
def edit_bursary_view(request: HttpRequest, application: Application) -> HttpResponse:
    """Whether the applicant asks for an inclusion bursary."""
    if (refused := _not_editable(request, application)) is not None:
        return refused
    wants = application.wants_bursary
    form = BursaryChoiceForm(
        request.POST or None,
        initial={"wants": None if wants is None else ("yes" if wants else "no")},
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            wants = form.cleaned_data["wants"] == "yes"
            application_actions.save_bursary_choice(
                application=application, wants=wants, by=request.user
            )
            if wants:
                suffix = "?from=check" if request.GET.get("from") == "check" else ""
                return redirect(
                    reverse("programmes:edit_bursary_details", args=[application.pk]) + suffix
                )
            return _next(request, application)
    return _page(
        request,
        {
            "page_title": "Do you want to apply for an inclusion bursary?",
            "caption": _caption(application),
            "form": form,
            "heading_field": "wants",
            "back_href": _back(request, application),
        },
        status,
    )


@require_http_methods(["GET", "POST"])
@permission_required(Permission.EDIT_APPLICATION, _load_application)
def edit_bursary_details_view(request: HttpRequest, application: Application) -> HttpResponse:
    """How much bursary, and why."""
    if (refused := _not_editable(request, application)) is not None:
        return refused
    bursary = getattr(application, "bursary", None)
    form = BursaryDetailsForm(
        request.POST or None,
        initial={"amount": bursary.amount_requested, "reason": bursary.reason} if bursary else None,
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                application_actions.save_bursary_choice(
                    application=application,
                    wants=True,
                    amount=form.cleaned_data["amount"],
                    reason=form.cleaned_data["reason"],
                    by=request.user,
                )
            except ProgrammeError as error:
                form.add_error(None, error.message)
            else:
                return redirect("programmes:check_application", application.pk)
    return _page(
        request,
        {
            "page_title": "Your inclusion bursary",
            "caption": _caption(application),
            "form": form,
            "back_href": reverse("programmes:edit_bursary", args=[application.pk]),
        },
        status,
    )


@require_http_methods(["GET", "POST"])
@permission_required(Permission.EDIT_APPLICATION, _load_application)
def check_application_view(request: HttpRequest, application: Application) -> HttpResponse:
    """Check your answers, then send the application."""
    if (refused := _not_editable(request, application)) is not None:
        return refused
    form = ConfirmForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            application_actions.submit_application(application=application, by=request.user)
        except ProgrammeError as error:
            for problem in error.problems or [error.message]:
                form.add_error(None, problem)
            status = 400
        else:
            messages.success(request, "Your application has been sent.")
            return redirect("programmes:show_application", application.pk)
    needed = application_actions.needs(application)
    return render(
        request,
        "programmes/check_application.jinja",
        {
            "page_title": "Check your answers before sending your application",
            "caption": _caption(application),
            "application": application,
            "rows": presenters.application_answer_rows(application, needed, editable=True),
            "missing": [message for _, message in application_actions.missing_parts(application)],
            "form": form,
            "back_href": _back(request, application),
        },
        status=status,
    )


# After sending -----------------------------------------------------------------------------------


@require_safe
@permission_required(Permission.VIEW_APPLICATION, _load_application)
def show_application_view(request: HttpRequest, application: Application) -> HttpResponse:
    """Where an application is: its gate results and reasons, scores by criterion once places
    are allocated, an offer to answer, appeals."""
    user: Any = request.user
    is_applicant = user.person_id == application.person_id
    if not is_applicant:
        audit.record_read("programmes.application.viewed", by=user, target=application)
    needed = application_actions.needs(application)
    offer = queries.open_offer(application)
    return render(
        request,
        "programmes/show_application.jinja",
        {
            "page_title": f"{application.intake.version.programme.name}: "
            + (
                "your application"
                if is_applicant
                else f"{application.person.full_name}'s application"
            ),
            "application": application,
            "is_applicant": is_applicant,
            "state_tag": presenters.state_tag(application),
            "gate_rows": presenters.gate_rows(presenters.current_gate_results(application)),
            "answer_rows": presenters.application_answer_rows(application, needed, editable=False),
            "scores": presenters.criterion_scores(application),
            "offer": offer,
            "offer_deadline": nhs_date(offer.deadline) if offer else "",
            "appeals": list(application.appeals.all()),
            "may_appeal": is_applicant
            and application.state in application_actions.APPEALABLE
            and not any(a.state == "lodged" for a in application.appeals.all()),
            "may_withdraw": is_applicant and application.state in application_actions.WITHDRAWABLE,
            "may_manage": user.has_perm(Permission.MANAGE_INTAKE, application.intake),
            "breadcrumbs": _mine()
            if is_applicant
            else [
                _home(),
                {
                    "href": reverse(
                        "programmes:list_intake_applications", args=[application.intake_id]
                    ),
                    "text": application.intake.name,
                },
            ],
        },
    )


@require_http_methods(["GET", "POST"])
@permission_required(Permission.WITHDRAW_APPLICATION, _load_application)
def withdraw_application_view(request: HttpRequest, application: Application) -> HttpResponse:
    form = ConfirmForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            application_actions.withdraw_application(application=application, by=request.user)
        except ProgrammeError as error:
            form.add_error(None, error.message)
            status = 400
        else:
            messages.success(request, "Your application is withdrawn.")
            return redirect("programmes:show_application", application.pk)
    return _page(
        request,
        {
            "page_title": "Withdraw your application?",
            "intro": [
                "You cannot undo this. If you hold an offer, the place goes to the next person "
                "on the waiting list."
            ],
            "form": form,
            "button_text": "Withdraw my application",
            "cancel": {
                "href": reverse("programmes:show_application", args=[application.pk]),
                "text": "Keep my application",
            },
            "breadcrumbs": _mine(),
        },
        status,
    )


@require_http_methods(["GET", "POST"])
@permission_required(Permission.RESPOND_TO_OFFER, _load_offer)
def respond_to_offer_view(request: HttpRequest, offer: Offer) -> HttpResponse:
    """Accept or decline an offered place."""
    application = offer.application
    if offer.state != Offer.State.OPEN:
        messages.info(request, f"This offer is {offer.get_state_display().lower()}.")
        return redirect("programmes:show_application", application.pk)
    form = OfferResponseForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            accept = form.cleaned_data["decision"] == "accept"
            try:
                selection_actions.respond_to_offer(offer=offer, accept=accept, by=request.user)
            except ProgrammeError as error:
                form.add_error(None, error.message)
            else:
                messages.success(
                    request,
                    "You have accepted your place. Your programme provider will be in touch."
                    if accept
                    else "You have declined the place.",
                )
                return redirect("programmes:show_application", application.pk)
    return _page(
        request,
        {
            "page_title": f"Your place on {application.intake.version.programme.name}",
            "caption": application.intake.name,
            "intro": [f"Please answer by {nhs_date(offer.deadline)}."],
            "form": form,
            "heading_field": "decision",
            "back_href": reverse("programmes:show_application", args=[application.pk]),
        },
        status,
    )


@require_http_methods(["GET", "POST"])
@permission_required(Permission.LODGE_APPEAL, _load_application)
def lodge_appeal_view(request: HttpRequest, application: Application) -> HttpResponse:
    form = AppealForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                application_actions.lodge_appeal(
                    application=application, grounds=form.cleaned_data["grounds"], by=request.user
                )
            except ProgrammeError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, "Your appeal is sent.")
                return redirect("programmes:show_application", application.pk)
    return _page(
        request,
        {
            "page_title": "Appeal against the decision",
            "caption": application.intake.version.programme.name,
            "intro": [f"Your application is {application.get_state_display().lower()}."],
            "form": form,
            "button_text": "Send the appeal",
            "back_href": reverse("programmes:show_application", args=[application.pk]),
        },
        status,
    )


# The line manager and the employer ---------------------------------------------------------------


@require_safe
@permission_required(Permission.ENDORSE_APPLICATION)
def list_endorsements_view(request: HttpRequest) -> HttpResponse:
    person = request.scope.person  # type: ignore[attr-defined]
    return render(
        request,
        "programmes/list_endorsements.jinja",
        {
            "page_title": "Applications to endorse",
            "endorsements": queries.endorsements_for(person),
            "breadcrumbs": [_home()],
        },
    )


@require_http_methods(["GET", "POST"])
@permission_required(Permission.ENDORSE_APPLICATION, _load_endorsement)
def endorse_application_view(request: HttpRequest, endorsement: Endorsement) -> HttpResponse:
    """The line manager reads the application and endorses it, or not."""
    application = queries.application_detail(endorsement.application_id)
    assert application is not None
    needed = application_actions.needs(application)
    form: EndorsementForm | None = EndorsementForm(
        request.POST or None, asks_years=needed["leadership_years"]
    )
    status = 200
    if endorsement.state != Endorsement.State.REQUESTED:
        form = None
    elif request.method == "POST" and form is not None:
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            confirms = data.get("confirms_years")
            try:
                application_actions.decide_endorsement(
                    endorsement=endorsement,
                    endorse=data["decision"] == "endorse",
                    comment=data["comment"],
                    confirms_years=None if not confirms else confirms == "yes",
                    by=request.user,
                )
            except ProgrammeError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, "Your answer is recorded. Thank you.")
                return redirect("programmes:list_endorsements")
    return render(
        request,
        "programmes/endorse_application.jinja",
        {
            "page_title": f"Endorse {application.person.full_name}'s application",
            "caption": f"{application.intake.version.programme.name}, {application.intake.name}",
            "application": application,
            "endorsement": endorsement,
            "rows": presenters.application_answer_rows(application, needed, editable=False),
            "form": form,
            "breadcrumbs": [
                _home(),
                {
                    "href": reverse("programmes:list_endorsements"),
                    "text": "Applications to endorse",
                },
            ],
        },
        status=status,
    )


@require_safe
@permission_required(Permission.CONFIRM_FUNDING)
def list_funding_requests_view(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "programmes/list_funding_requests.jinja",
        {
            "page_title": "Funding to confirm",
            "requests": queries.funding_requests_for(request.scope),  # type: ignore[attr-defined]
            "breadcrumbs": [_home()],
        },
    )


@require_http_methods(["GET", "POST"])
@permission_required(Permission.CONFIRM_FUNDING, _load_funding)
def confirm_funding_view(request: HttpRequest, funding: FundingConfirmation) -> HttpResponse:
    """An organisation lead confirms (or refuses) funding for a place."""
    application = queries.application_detail(funding.application_id)
    assert application is not None
    form: FundingForm | None = FundingForm(request.POST or None)
    status = 200
    if funding.state != FundingConfirmation.State.REQUESTED:
        form = None
    elif request.method == "POST" and form is not None:
        status = 400
        if form.is_valid():
            try:
                application_actions.decide_funding(
                    funding=funding,
                    confirm=form.cleaned_data["decision"] == "confirm",
                    reference=form.cleaned_data["reference"],
                    comment=form.cleaned_data["comment"],
                    by=request.user,
                )
            except ProgrammeError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, "Your answer is recorded.")
                return redirect("programmes:list_funding_requests")
    summary = [
        {"key": {"text": "Applicant"}, "value": {"text": application.person.full_name}},
        {
            "key": {"text": "Programme"},
            "value": {"text": application.intake.version.programme.name},
        },
        {"key": {"text": "Intake"}, "value": {"text": application.intake.name}},
        {"key": {"text": "Cost of the place"}, "value": {"text": presenters.money(funding.amount)}},
        {"key": {"text": "Answer"}, "value": {"text": funding.get_state_display()}},
    ]
    return _page(
        request,
        {
            "page_title": f"Fund {application.person.full_name}'s place?",
            "caption": funding.organisation.display_name,
            "summary_rows": summary,
            "form": form,
            "button_text": "Send the answer",
            "breadcrumbs": [
                _home(),
                {"href": reverse("programmes:list_funding_requests"), "text": "Funding to confirm"},
            ],
        },
        status,
    )
