"""Succession plans for key roles in an organisation: the plans (roles with no ready-now
successor first), starting one, its candidates with readiness."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from healthlead.accounts.decorators import permission_required
from healthlead.accounts.permissions import Permission
from healthlead.people.models import Organisation
from healthlead.talent import actions, queries
from healthlead.talent.forms import EditCandidateForm, SuccessionCandidateForm, SuccessionPlanForm
from healthlead.talent.models import SuccessionCandidate, SuccessionPlan


def _load_organisation(code: str, **_: Any) -> Organisation | None:
    return queries.organisation_detail(code)


def _load_plan(pk: int, **_: Any) -> SuccessionPlan | None:
    return queries.succession_plan_detail(pk)


def _load_candidate(pk: int, **_: Any) -> SuccessionCandidate | None:
    return queries.candidate_detail(pk)


def _crumbs(organisation: Organisation, *more: dict[str, str]) -> list[dict[str, str]]:
    return [
        {"href": reverse("accounts:home"), "text": "Home"},
        {"href": reverse("talent:show_talent_home"), "text": "Talent"},
        {
            "href": reverse("talent:list_succession_plans", args=[organisation.code]),
            "text": f"Succession plans: {organisation.display_name}",
        },
        *more,
    ]


@require_safe
@permission_required(Permission.VIEW_SUCCESSION_PLANS, _load_organisation)
def list_succession_plans_view(request: HttpRequest, organisation: Organisation) -> HttpResponse:
    """The organisation's succession plans; roles with no ready-now successor come first."""
    return render(
        request,
        "talent/list_succession_plans.jinja",
        {
            "page_title": f"Succession plans: {organisation.display_name}",
            "organisation": organisation,
            "plans": queries.succession_plans(organisation),
            "may_manage": request.user.has_perm(Permission.MANAGE_SUCCESSION_PLAN, organisation),
            "breadcrumbs": _crumbs(organisation)[:2],
        },
    )


@require_http_methods(["GET", "POST"])
@permission_required(Permission.MANAGE_SUCCESSION_PLAN, _load_organisation)
def new_succession_plan_view(request: HttpRequest, organisation: Organisation) -> HttpResponse:
    """Start a succession plan for a key role."""
    form = SuccessionPlanForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        incumbent = None
        if data["incumbent"].strip():
            incumbent = queries.person_by_staff_number(data["incumbent"].strip())
            if incumbent is None or incumbent.organisation_id != organisation.pk:
                form.add_error("incumbent", "No one at this organisation has that staff number.")
        if not form.errors:
            try:
                plan = actions.create_succession_plan(
                    organisation=organisation,
                    role_title=data["role_title"],
                    role_kind=data["role_kind"],
                    incumbent=incumbent,
                    notes=data["notes"],
                    by=request.user,
                )
            except actions.TalentError as error:
                form.add_error("role_title", str(error))
            else:
                messages.success(request, "Succession plan started. Add the candidates next.")
                return redirect("talent:show_succession_plan", plan.pk)
    return render(
        request,
        "talent/new_succession_plan.jinja",
        {
            "page_title": "Start a succession plan",
            "organisation": organisation,
            "form": form,
            "breadcrumbs": _crumbs(organisation),
        },
    )


@require_safe
@permission_required(Permission.VIEW_SUCCESSION_PLANS, _load_plan)
def show_succession_plan_view(request: HttpRequest, plan: SuccessionPlan) -> HttpResponse:
    """A key role and its candidates, most ready first."""
    return render(
        request,
        "talent/show_succession_plan.jinja",
        {
            "page_title": plan.role_title,
            "plan": plan,
            "candidates": queries.candidates_of(plan),
            "may_manage": request.user.has_perm(Permission.MANAGE_SUCCESSION_PLAN, plan),
            "breadcrumbs": _crumbs(plan.organisation),
        },
    )


@require_http_methods(["GET", "POST"])
@permission_required(Permission.MANAGE_SUCCESSION_PLAN, _load_plan)
def add_succession_candidate_view(request: HttpRequest, plan: SuccessionPlan) -> HttpResponse:
    """Name a possible successor, found by staff number, with their readiness."""
    form = SuccessionCandidateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        person = queries.person_by_staff_number(data["staff_number"].strip())
        if person is None or not request.scope.can_see_person(person):  # type: ignore[attr-defined]
            form.add_error("staff_number", "No one you can see has that staff number.")
        else:
            try:
                actions.add_succession_candidate(
                    plan=plan,
                    person=person,
                    readiness=data["readiness"],
                    notes=data["notes"],
                    by=request.user,
                )
            except actions.TalentError as error:
                form.add_error("staff_number", str(error))
            else:
                messages.success(request, f"{person.full_name} added as a candidate.")
                return redirect("talent:show_succession_plan", plan.pk)
    return render(
        request,
        "talent/add_succession_candidate.jinja",
        {
            "page_title": f"Add a candidate for {plan.role_title}",
            "plan": plan,
            "form": form,
            "breadcrumbs": _crumbs(
                plan.organisation,
                {
                    "href": reverse("talent:show_succession_plan", args=[plan.pk]),
                    "text": plan.role_title,
                },
            ),
        },
    )


@require_http_methods(["GET", "POST"])
@permission_required(Permission.MANAGE_SUCCESSION_PLAN, _load_candidate)
def edit_succession_candidate_view(
    request: HttpRequest, candidate: SuccessionCandidate
) -> HttpResponse:
    """Change a candidate's readiness, or take them off the plan."""
    plan = candidate.plan
    form = EditCandidateForm(
        request.POST or None, initial={"readiness": candidate.readiness, "notes": candidate.notes}
    )
    if request.method == "POST" and form.is_valid():
        try:
            if form.cleaned_data["remove"]:
                actions.remove_succession_candidate(candidate=candidate, by=request.user)
                messages.success(request, f"{candidate.person.full_name} taken off the plan.")
            else:
                actions.update_succession_candidate(
                    candidate=candidate,
                    readiness=form.cleaned_data["readiness"],
                    notes=form.cleaned_data["notes"],
                    by=request.user,
                )
                messages.success(request, "Candidate updated.")
        except actions.TalentError as error:
            form.add_error(None, str(error))
        else:
            return redirect("talent:show_succession_plan", plan.pk)
    return render(
        request,
        "talent/edit_succession_candidate.jinja",
        {
            "page_title": f"Change {candidate.person.full_name}'s readiness",
            "candidate": candidate,
            "form": form,
            "breadcrumbs": _crumbs(
                plan.organisation,
                {
                    "href": reverse("talent:show_succession_plan", args=[plan.pk]),
                    "text": plan.role_title,
                },
            ),
        },
    )
