"""Starting and running a 360 cycle: the subject's (or line manager's) pages.

The cycle page shows, for each rater group, only whether its minimum has been reached:
never how many have answered, never who.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from healthlead.accounts.decorators import permission_required
from healthlead.accounts.permissions import Permission
from healthlead.core import audit
from healthlead.core.formatting import nhs_date
from healthlead.feedback import actions, cards, presenters, queries
from healthlead.feedback.forms import (
    ConfirmForm,
    DeadlineForm,
    InviteRatersForm,
    PrintCardsForm,
    StartCycleForm,
    date_input_params,
)
from healthlead.feedback.models import FeedbackCycle, Invitation, RaterGroup
from healthlead.people.models import Person

COLLECTING = {FeedbackCycle.State.DRAFT, FeedbackCycle.State.OPEN}
DEADLINE_HINT = "For example, 27 3 2027. Raters can answer until the end of this day."


def _load_cycle(pk: int, **_: Any) -> FeedbackCycle | None:
    return queries.cycle_detail(pk)


def _breadcrumbs(cycle: FeedbackCycle | None = None) -> list[dict[str, str]]:
    crumbs = [
        {"href": reverse("accounts:home"), "text": "Home"},
        {"href": reverse("feedback:list_feedback"), "text": "360 feedback"},
    ]
    if cycle is not None:
        crumbs.append(
            {"href": reverse("feedback:show_cycle", args=[cycle.pk]), "text": "Your 360 cycle"}
        )
    return crumbs


def _report_url(cycle: FeedbackCycle) -> str | None:
    """The report page, once the cycle has closed (the report pages may not exist yet)."""
    if cycle.state not in {FeedbackCycle.State.CLOSED, FeedbackCycle.State.RELEASED}:
        return None
    try:
        return reverse("feedback:show_report", args=[cycle.pk])
    except NoReverseMatch:
        return None


def _not_collecting(request: HttpRequest, cycle: FeedbackCycle, what: str) -> HttpResponse:
    messages.info(request, f"This cycle is {cycle.get_state_display().lower()}: {what}.")
    return redirect("feedback:show_cycle", cycle.pk)


@never_cache
@require_http_methods(["GET", "POST"])
@permission_required(Permission.START_FEEDBACK_CYCLE)
def start_cycle_view(request: HttpRequest) -> HttpResponse:
    """Start a 360 cycle for yourself, or for someone you line manage."""
    me: Person = request.scope.person  # type: ignore[attr-defined]
    reports = queries.direct_reports(me)
    versions = queries.published_framework_versions()
    facilitators = [u for u in queries.facilitators() if u.person_id != me.pk]
    initial: dict[str, Any] = {"subject": request.GET.get("person", str(me.pk))}
    form = StartCycleForm(
        request.POST or None,
        initial=initial,
        me=me,
        reports=reports,
        versions=versions,
        facilitators=facilitators,
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            subject = me if form.cleaned_data["subject"] == str(me.pk) else None
            if subject is None:
                subject = next(p for p in reports if str(p.pk) == form.cleaned_data["subject"])
            version = queries.published_framework_version(
                int(form.cleaned_data["framework_version"])
            )
            facilitator = next(
                (u for u in facilitators if str(u.pk) == form.cleaned_data["facilitator"]), None
            )
            if version is None:
                form.add_error("framework_version", "Choose one of the frameworks shown.")
            elif not request.user.has_perm(Permission.START_FEEDBACK_CYCLE, subject):
                form.add_error("subject", "Choose yourself or someone you line manage.")
            else:
                try:
                    questionnaire = actions.questionnaire_for(
                        framework_version=version, by=request.user
                    )
                    cycle = actions.start_cycle(
                        subject=subject,
                        questionnaire=questionnaire,
                        deadline=form.cleaned_data["deadline"],
                        facilitator=facilitator,
                        by=request.user,
                    )
                except actions.FeedbackError as error:
                    field = "deadline" if "deadline" in error.message.lower() else None
                    form.add_error(field, error.message)
                else:
                    messages.success(request, "Your 360 cycle is set up. Now invite your raters.")
                    return redirect("feedback:show_cycle", cycle.pk)
    return render(
        request,
        "feedback/start_cycle.jinja",
        {
            "page_title": "Start a 360 feedback cycle",
            "form": form,
            "has_frameworks": bool(versions),
            "deadline_input": date_input_params(
                form["deadline"], legend="Deadline for raters", hint=DEADLINE_HINT
            ),
            "breadcrumbs": _breadcrumbs(),
        },
        status=status,
    )


@never_cache
@require_safe
@permission_required(Permission.VIEW_FEEDBACK_CYCLE, _load_cycle)
def show_cycle_view(request: HttpRequest, cycle: FeedbackCycle) -> HttpResponse:
    """The cycle page: its details and, per group, whether its minimum has been reached."""
    user: Any = request.user
    is_subject = user.person_id is not None and user.person_id == cycle.subject_id
    if not is_subject:
        audit.record_read("feedback.cycle.viewed", by=user, target=cycle)
    may_manage = user.has_perm(Permission.MANAGE_FEEDBACK_CYCLE, cycle)
    collecting = cycle.state in COLLECTING and not (
        cycle.state == FeedbackCycle.State.OPEN and cycle.deadline < timezone.localdate()
    )
    progress = queries.cycle_progress(cycle)
    invitations = queries.invitations_to_list(cycle) if may_manage and collecting else []
    return render(
        request,
        "feedback/show_cycle.jinja",
        {
            "page_title": f"360 feedback for {cycle.subject.full_name}",
            "cycle": cycle,
            "is_subject": is_subject,
            "is_draft": cycle.state == FeedbackCycle.State.DRAFT,
            "is_open": cycle.state == FeedbackCycle.State.OPEN,
            "collecting": collecting,
            "may_manage": may_manage and collecting,
            "may_close": user.has_perm(Permission.CLOSE_FEEDBACK_CYCLE, cycle)
            and cycle.state == FeedbackCycle.State.OPEN,
            "summary_rows": presenters.cycle_summary_rows(cycle),
            "statuses": presenters.group_statuses(cycle, progress),
            "self_sent": progress.self_submitted,
            "invitations": presenters.invitation_rows(cycle, invitations),
            "cards_printed": queries.cards_printed(cycle) if may_manage else 0,
            "report_url": _report_url(cycle),
            "deadline": nhs_date(cycle.deadline),
            "breadcrumbs": _breadcrumbs(),
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
@permission_required(Permission.MANAGE_FEEDBACK_CYCLE, _load_cycle)
def invite_raters_view(request: HttpRequest, cycle: FeedbackCycle) -> HttpResponse:
    """Invite raters in one group by email."""
    if cycle.state not in COLLECTING:
        return _not_collecting(request, cycle, "no more raters can be invited")
    groups = list(RaterGroup.objects.filter(is_self=False, patient=False).order_by("order"))
    form = InviteRatersForm(request.POST or None, groups=groups)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                result = actions.invite_raters(
                    cycle=cycle,
                    group=form.chosen_group(),
                    raters=form.cleaned_data["raters"],
                    by=request.user,
                )
            except actions.FeedbackError as error:
                form.add_error(None, error.message)
                for problem in error.errors:
                    form.add_error("raters", problem)
            else:
                count = len(result.invitations)
                people = "1 person" if count == 1 else f"{count} people"
                sent = (
                    " We are emailing them now."
                    if cycle.state == FeedbackCycle.State.OPEN
                    else " They will be emailed when you launch the cycle."
                )
                messages.success(request, f"You invited {people}.{sent}")
                for warning in result.warnings:
                    messages.warning(request, warning)
                return redirect("feedback:show_cycle", cycle.pk)
    return render(
        request,
        "feedback/invite_raters.jinja",
        {
            "page_title": "Invite raters",
            "cycle": cycle,
            "form": form,
            "breadcrumbs": _breadcrumbs(cycle),
        },
        status=status,
    )


@never_cache
@require_http_methods(["GET", "POST"])
@permission_required(Permission.MANAGE_FEEDBACK_CYCLE, _load_cycle)
def print_cards_view(request: HttpRequest, cycle: FeedbackCycle) -> HttpResponse:
    """Print feedback cards for patients and carers: a PDF, each card with its own code."""
    if cycle.state not in COLLECTING:
        return _not_collecting(request, cycle, "no more cards can be printed")
    form = PrintCardsForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                printed = actions.create_cards(
                    cycle=cycle, count=form.cleaned_data["count"], by=request.user
                )
            except actions.FeedbackError as error:
                form.add_error("count", error.message)
            else:
                pdf = cards.cards_pdf(cycle, printed.codes)
                response = HttpResponse(pdf, content_type="application/pdf")
                response["Content-Disposition"] = (
                    f'attachment; filename="feedback-cards-{cycle.pk}.pdf"'
                )
                response["Cache-Control"] = "no-store"
                return response
    return render(
        request,
        "feedback/print_cards_form.jinja",
        {
            "page_title": "Print feedback cards for patients and carers",
            "cycle": cycle,
            "form": form,
            "breadcrumbs": _breadcrumbs(cycle),
        },
        status=status,
    )


@never_cache
@require_http_methods(["GET", "POST"])
@permission_required(Permission.MANAGE_FEEDBACK_CYCLE, _load_cycle)
def launch_cycle_view(request: HttpRequest, cycle: FeedbackCycle) -> HttpResponse:
    """Check and launch: minimums are fixed and invitations emailed."""
    if cycle.state != FeedbackCycle.State.DRAFT:
        return _not_collecting(request, cycle, "it has already been launched")
    form = ConfirmForm(request.POST or None)
    error = ""
    status = 200
    if request.method == "POST":
        try:
            actions.launch_cycle(cycle=cycle, by=request.user)
        except actions.FeedbackError as problem:
            error = problem.message
            status = 400
        else:
            messages.success(
                request, "Your 360 cycle is open. We are emailing your raters their links."
            )
            return redirect("feedback:show_cycle", cycle.pk)
    progress = queries.cycle_progress(cycle)
    short = [
        g for g in progress.groups if g.group.anonymous and 0 < g.invited < g.group.default_minimum
    ]
    return render(
        request,
        "feedback/launch_cycle.jinja",
        {
            "page_title": "Launch your 360 cycle",
            "cycle": cycle,
            "form": form,
            "error": error,
            "statuses": presenters.group_statuses(cycle, progress),
            "short_groups": short,
            "has_raters": actions.active_raters(cycle) > 0,
            "deadline": nhs_date(cycle.deadline),
            "breadcrumbs": _breadcrumbs(cycle),
        },
        status=status,
    )


@never_cache
@require_http_methods(["GET", "POST"])
@permission_required(Permission.MANAGE_FEEDBACK_CYCLE, _load_cycle)
def change_deadline_view(request: HttpRequest, cycle: FeedbackCycle) -> HttpResponse:
    """Move the deadline."""
    if cycle.state not in COLLECTING:
        return _not_collecting(request, cycle, "its deadline cannot change")
    form = DeadlineForm(request.POST or None, initial={"deadline": cycle.deadline})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                actions.change_deadline(
                    cycle=cycle, deadline=form.cleaned_data["deadline"], by=request.user
                )
            except actions.FeedbackError as error:
                form.add_error("deadline", error.message)
            else:
                messages.success(request, "The deadline has changed.")
                return redirect("feedback:show_cycle", cycle.pk)
    return render(
        request,
        "feedback/change_deadline.jinja",
        {
            "page_title": "Change the deadline",
            "cycle": cycle,
            "form": form,
            "deadline_input": date_input_params(
                form["deadline"], legend="New deadline", hint=DEADLINE_HINT
            ),
            "breadcrumbs": _breadcrumbs(cycle),
        },
        status=status,
    )


@never_cache
@require_http_methods(["GET", "POST"])
@permission_required(Permission.CLOSE_FEEDBACK_CYCLE, _load_cycle)
def close_cycle_view(request: HttpRequest, cycle: FeedbackCycle) -> HttpResponse:
    """Close the cycle early: no more answers, and the report is frozen."""
    if cycle.state != FeedbackCycle.State.OPEN:
        return _not_collecting(request, cycle, "it cannot be closed")
    form = ConfirmForm(request.POST or None)
    error = ""
    status = 200
    if request.method == "POST":
        try:
            actions.close_cycle(cycle=cycle, by=request.user, note="Closed early")
        except actions.FeedbackError as problem:
            error = problem.message
            status = 400
        else:
            messages.success(request, "The cycle is closed and its report has been made.")
            return redirect("feedback:show_cycle", cycle.pk)
    return render(
        request,
        "feedback/close_cycle.jinja",
        {
            "page_title": "Close this cycle now",
            "cycle": cycle,
            "form": form,
            "error": error,
            "deadline": nhs_date(cycle.deadline),
            "breadcrumbs": _breadcrumbs(cycle),
        },
        status=status,
    )


def _load_invitation_cycle(pk: int, invitation_id: int) -> FeedbackCycle | None:
    return queries.cycle_detail(pk)


@never_cache
@require_http_methods(["GET", "POST"])
@permission_required(Permission.MANAGE_FEEDBACK_CYCLE, _load_invitation_cycle)
def withdraw_invitation_view(request: HttpRequest, cycle: FeedbackCycle) -> HttpResponse:
    """Withdraw one emailed invitation (the page says the same whether or not they answered)."""
    match = request.resolver_match
    invitation_id = int(match.kwargs["invitation_id"]) if match else 0
    invitation = queries.invitation_in_cycle(cycle, invitation_id)
    if invitation is None or invitation.state == Invitation.State.WITHDRAWN:
        messages.info(request, "That invitation has already been withdrawn.")
        return redirect("feedback:show_cycle", cycle.pk)
    if cycle.state not in COLLECTING:
        return _not_collecting(request, cycle, "invitations can no longer be withdrawn")
    form = ConfirmForm(request.POST or None)
    error = ""
    status = 200
    if request.method == "POST":
        try:
            actions.withdraw_invitation(invitation=invitation, by=request.user)
        except actions.FeedbackError as problem:
            error = problem.message
            status = 400
        else:
            messages.success(request, f"The invitation to {invitation.email} is withdrawn.")
            return redirect("feedback:show_cycle", cycle.pk)
    return render(
        request,
        "feedback/withdraw_invitation.jinja",
        {
            "page_title": "Withdraw this invitation",
            "cycle": cycle,
            "invitation": invitation,
            "form": form,
            "error": error,
            "breadcrumbs": _breadcrumbs(cycle),
        },
        status=status,
    )
