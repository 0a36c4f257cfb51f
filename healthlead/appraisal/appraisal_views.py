"""Appraisal pages: the list, starting one, the appraisal with its inputs side by side,
recording it, sign-off, reopening, addenda, assigning an appraiser, and completion rates."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from healthlead.accounts.decorators import permission_required
from healthlead.accounts.permissions import Permission
from healthlead.appraisal import actions, presenters, queries
from healthlead.appraisal.forms import (
    AddendumForm,
    AppraisalForm,
    AssignAppraiserForm,
    ReopenAppraisalForm,
    StartAppraisalForm,
    appraisal_initial,
)
from healthlead.appraisal.models import Appraisal, appraisal_year_label
from healthlead.core import audit
from healthlead.core.pagination import paginate
from healthlead.people import queries as people_queries
from healthlead.people.models import Organisation, StaffGroup


def _crumbs(appraisal: Appraisal | None = None) -> list[dict[str, str]]:
    crumbs = [
        {"href": reverse("accounts:home"), "text": "Home"},
        {"href": reverse("appraisal:list_appraisals"), "text": "Appraisals"},
    ]
    if appraisal is not None:
        crumbs.append(
            {
                "href": reverse("appraisal:show_appraisal", args=[appraisal.pk]),
                "text": f"{appraisal.appraisee.full_name}, {appraisal.year_label}",
            }
        )
    return crumbs


def _load_appraisal(pk: int, **_: Any) -> Appraisal | None:
    return queries.appraisal_detail(pk)


def _load_organisation(code: str, **_: Any) -> Organisation | None:
    return people_queries.organisation_detail(code)


@require_safe
@permission_required(Permission.LIST_APPRAISALS)
def list_appraisals_view(request: HttpRequest) -> HttpResponse:
    """Your own appraisals, those you are appraiser for, and reports still to start."""
    person = request.user.person  # type: ignore[union-attr]
    year = queries.current_year()
    return render(
        request,
        "appraisal/list_appraisals.jinja",
        {
            "page_title": "Appraisals",
            "own": queries.appraisals_as_appraisee(person),  # type: ignore[arg-type]
            "as_appraiser": queries.appraisals_as_appraiser(person),  # type: ignore[arg-type]
            "to_start": queries.reports_without_appraisal(person, year),  # type: ignore[arg-type]
            "year": year,
            "state_colours": presenters.STATE_COLOURS,
            "breadcrumbs": [{"href": reverse("accounts:home"), "text": "Home"}],
        },
    )


@require_http_methods(["GET", "POST"])
@permission_required(Permission.START_APPRAISAL)
def start_appraisal_view(request: HttpRequest) -> HttpResponse:
    """Start this year's appraisal for yourself or for someone you line manage."""
    me = request.user.person  # type: ignore[union-attr]
    year = queries.current_year()
    people = [presenters.PersonChoice(me.pk, f"Mine ({me.full_name})")]  # type: ignore[union-attr]
    people += [
        presenters.PersonChoice(p.pk, p.full_name)
        for p in people_queries.direct_reports(me, limit=200)  # type: ignore[arg-type]
    ]
    years = [year, year - 1]
    wanted = request.GET.get("person", "")
    form = StartAppraisalForm(
        request.POST or None,
        initial={"appraisee": wanted if wanted.isdigit() else str(me.pk), "year": str(year)},  # type: ignore[union-attr]
        people=people,
        years=years,
    )
    if request.method == "POST" and form.is_valid():
        appraisee = people_queries.person_detail(int(form.cleaned_data["appraisee"]))
        if appraisee is None or not request.user.has_perm(Permission.START_APPRAISAL, appraisee):
            form.add_error("appraisee", "Choose one of the people listed.")
        else:
            try:
                appraisal = actions.start_appraisal(
                    appraisee=appraisee, year=form.cleaned_data["year"], by=request.user
                )
            except actions.AppraisalError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, "Appraisal started.")
                return redirect("appraisal:show_appraisal", appraisal.pk)
    return render(
        request,
        "appraisal/start_appraisal.jinja",
        {"page_title": "Start an appraisal", "form": form, "breadcrumbs": _crumbs()},
    )


@require_safe
@permission_required(Permission.VIEW_APPRAISAL, _load_appraisal)
def show_appraisal_view(request: HttpRequest, appraisal: Appraisal) -> HttpResponse:
    """The appraisal: its inputs side by side with what it records, and its history."""
    if request.user.person_id != appraisal.appraisee_id:  # type: ignore[union-attr]
        audit.record_read("appraisal.appraisal.viewed", by=request.user, target=appraisal)
    page = presenters.appraisal_page(appraisal)
    user = request.user
    return render(
        request,
        "appraisal/show_appraisal.jinja",
        {
            "page_title": f"Appraisal: {appraisal.appraisee.full_name}",
            "page": page,
            "appraisal": appraisal,
            "previous_plan": presenters.agreed_plan_lines(page.previous),
            "agreed_plan": presenters.agreed_plan_lines(appraisal),
            "score": presenters.score,
            "state_labels": dict(Appraisal.State.choices),
            "may": {
                "edit": user.has_perm(Permission.EDIT_APPRAISAL, appraisal),
                "submit": user.has_perm(Permission.SUBMIT_APPRAISAL, appraisal),
                "sign_off": user.has_perm(Permission.SIGN_OFF_APPRAISAL, appraisal)
                and _my_role(request, appraisal) not in page.signed_by,
                "reopen": user.has_perm(Permission.REOPEN_APPRAISAL, appraisal),
                "addendum": user.has_perm(Permission.ADD_APPRAISAL_ADDENDUM, appraisal),
                "assign": user.has_perm(Permission.ASSIGN_APPRAISER, appraisal),
                "see_plan": user.has_perm(
                    Permission.VIEW_PERSON_DEVELOPMENT_PLAN, appraisal.appraisee
                ),
            },
            "breadcrumbs": _crumbs(),
        },
    )


def _my_role(request: HttpRequest, appraisal: Appraisal) -> str:
    person_id = getattr(request.user, "person_id", None)
    if person_id == appraisal.appraisee_id:
        return "appraisee"
    if person_id == appraisal.appraiser_id:
        return "appraiser"
    return ""


@require_http_methods(["GET", "POST"])
@permission_required(Permission.EDIT_APPRAISAL, _load_appraisal)
def edit_appraisal_view(request: HttpRequest, appraisal: Appraisal) -> HttpResponse:
    """Record the appraisal: the appraisee's preparation, or the appraiser's record."""
    as_appraiser = request.user.has_perm(Permission.RATE_APPRAISAL, appraisal)
    names = {"objectives"} | (
        {"discussion", "performance", "potential", "agreed_plan_notes"}
        if as_appraiser
        else {"reflection"}
    )
    is_doctor = appraisal.appraisee.staff_group == StaffGroup.DOCTORS
    if is_doctor:
        names.add("supports_revalidation")
        if not as_appraiser:
            names |= {"revalidation_checklist", "revalidation_notes"}
    form = AppraisalForm(request.POST or None, initial=appraisal_initial(appraisal), fields=names)
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_appraisal(
                appraisal=appraisal,
                changes=form.changes(),
                by=request.user,
                as_appraiser=as_appraiser,
            )
        except actions.AppraisalError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Appraisal saved.")
            return redirect("appraisal:show_appraisal", appraisal.pk)
    return render(
        request,
        "appraisal/edit_appraisal.jinja",
        {
            "page_title": "Record the appraisal" if as_appraiser else "Prepare for your appraisal",
            "form": form,
            "appraisal": appraisal,
            "as_appraiser": as_appraiser,
            "breadcrumbs": _crumbs(appraisal),
        },
    )


@require_http_methods(["GET", "POST"])
@permission_required(Permission.SUBMIT_APPRAISAL, _load_appraisal)
def submit_appraisal_view(request: HttpRequest, appraisal: Appraisal) -> HttpResponse:
    """The appraiser asks both to sign off."""
    problem = ""
    if request.method == "POST":
        try:
            actions.submit_appraisal(appraisal=appraisal, by=request.user)
        except actions.AppraisalError as error:
            problem = str(error)
        else:
            messages.success(request, "The appraisal is ready for you both to sign off.")
            return redirect("appraisal:show_appraisal", appraisal.pk)
    return render(
        request,
        "appraisal/submit_appraisal.jinja",
        {
            "page_title": "Ask for sign-off",
            "appraisal": appraisal,
            "problem": problem,
            "breadcrumbs": _crumbs(appraisal),
        },
    )


@require_http_methods(["GET", "POST"])
@permission_required(Permission.SIGN_OFF_APPRAISAL, _load_appraisal)
def sign_off_appraisal_view(request: HttpRequest, appraisal: Appraisal) -> HttpResponse:
    """The appraisee or appraiser signs off. When both have, the appraisal is locked."""
    problem = ""
    if request.method == "POST":
        try:
            appraisal = actions.sign_off_appraisal(appraisal=appraisal, by=request.user)
        except actions.AppraisalError as error:
            problem = str(error)
        else:
            messages.success(
                request,
                "You have both signed off. The appraisal is now locked."
                if appraisal.is_locked
                else "You have signed off. The appraisal is locked once you have both signed.",
            )
            return redirect("appraisal:show_appraisal", appraisal.pk)
    return render(
        request,
        "appraisal/sign_off_appraisal.jinja",
        {
            "page_title": "Sign off the appraisal",
            "appraisal": appraisal,
            "problem": problem,
            "breadcrumbs": _crumbs(appraisal),
        },
    )


@require_http_methods(["GET", "POST"])
@permission_required(Permission.REOPEN_APPRAISAL, _load_appraisal)
def reopen_appraisal_view(request: HttpRequest, appraisal: Appraisal) -> HttpResponse:
    """Take the appraisal back from sign-off to change it."""
    form = ReopenAppraisalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.reopen_appraisal(
                appraisal=appraisal, note=form.cleaned_data["note"], by=request.user
            )
        except actions.AppraisalError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "The appraisal is open for changes again.")
            return redirect("appraisal:show_appraisal", appraisal.pk)
    return render(
        request,
        "appraisal/reopen_appraisal.jinja",
        {
            "page_title": "Reopen the appraisal",
            "form": form,
            "appraisal": appraisal,
            "breadcrumbs": _crumbs(appraisal),
        },
    )


@require_http_methods(["GET", "POST"])
@permission_required(Permission.ADD_APPRAISAL_ADDENDUM, _load_appraisal)
def add_appraisal_addendum_view(request: HttpRequest, appraisal: Appraisal) -> HttpResponse:
    """Add to a signed-off appraisal without changing it."""
    form = AddendumForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.add_addendum(
                appraisal=appraisal, text=form.cleaned_data["text"], by=request.user
            )
        except actions.AppraisalError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Addendum added.")
            return redirect("appraisal:show_appraisal", appraisal.pk)
    return render(
        request,
        "appraisal/add_appraisal_addendum.jinja",
        {
            "page_title": "Add an addendum",
            "form": form,
            "appraisal": appraisal,
            "breadcrumbs": _crumbs(appraisal),
        },
    )


@require_http_methods(["GET", "POST"])
@permission_required(Permission.ASSIGN_APPRAISER, _load_appraisal)
def assign_appraiser_view(request: HttpRequest, appraisal: Appraisal) -> HttpResponse:
    """Give the appraisal a different appraiser, found by staff number."""
    form = AssignAppraiserForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        appraiser = queries.person_by_staff_number(form.cleaned_data["staff_number"].strip())
        scope = request.scope  # type: ignore[attr-defined]
        if appraiser is None or not (
            scope.can_see_person(appraiser)
            or appraiser.organisation_id == appraisal.appraisee.organisation_id
        ):
            form.add_error("staff_number", "No one you can choose has that staff number.")
        else:
            try:
                actions.assign_appraiser(
                    appraisal=appraisal,
                    appraiser=appraiser,
                    note=form.cleaned_data["note"],
                    by=request.user,
                )
            except actions.AppraisalError as error:
                form.add_error("staff_number", str(error))
            else:
                messages.success(request, f"{appraiser.full_name} is now the appraiser.")
                return redirect("appraisal:show_appraisal", appraisal.pk)
    return render(
        request,
        "appraisal/assign_appraiser.jinja",
        {
            "page_title": "Assign a different appraiser",
            "form": form,
            "appraisal": appraisal,
            "breadcrumbs": _crumbs(appraisal),
        },
    )


@require_safe
@permission_required(Permission.VIEW_APPRAISAL_COMPLETION, _load_organisation)
def show_appraisal_completion_view(
    request: HttpRequest, organisation: Organisation
) -> HttpResponse:
    """Appraisal completion this year, by staff group and by team (aggregates only)."""
    year = queries.current_year()
    page = paginate(queries.completion_by_team(organisation, year), request.GET, size=50)
    return render(
        request,
        "appraisal/show_appraisal_completion.jinja",
        {
            "page_title": f"Appraisal completion: {organisation.display_name}",
            "organisation": organisation,
            "year_label": appraisal_year_label(year),
            "total": queries.completion_total(organisation, year),
            "by_group": queries.completion_by_staff_group(organisation, year),
            "page": page,
            "teams": [queries.completion_row_for_team(row) for row in page.items],
            "breadcrumbs": [
                {"href": reverse("accounts:home"), "text": "Home"},
                {
                    "href": reverse("people:show_organisation", args=[organisation.code]),
                    "text": organisation.display_name,
                },
            ],
        },
    )
