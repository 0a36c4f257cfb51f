"""Development plan pages: the person's plan (goals, actions, evidence), their line manager's
view with comments and agreement, and evidence files served only to those two."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.files.storage import default_storage
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_http_methods, require_safe

from healthlead.accounts.decorators import permission_required
from healthlead.accounts.permissions import Permission
from healthlead.appraisal import actions, presenters, queries
from healthlead.appraisal.forms import (
    EditGoalForm,
    EvidenceForm,
    GoalActionForm,
    GoalActionStatusForm,
    GoalForm,
    PlanReviewForm,
)
from healthlead.appraisal.models import Evidence, Goal, GoalAction
from healthlead.core import audit
from healthlead.feedback.forms import date_input_params
from healthlead.people import queries as people_queries
from healthlead.people.models import Person


def _breadcrumbs() -> list[dict[str, str]]:
    return [{"href": reverse("accounts:home"), "text": "Home"}]


def _plan_crumbs() -> list[dict[str, str]]:
    return [
        *_breadcrumbs(),
        {"href": reverse("appraisal:list_goals"), "text": "Your development plan"},
    ]


def _load_goal(pk: int, **_: Any) -> Goal | None:
    return queries.goal_detail(pk)


def _load_action(pk: int, **_: Any) -> GoalAction | None:
    return queries.goal_action_detail(pk)


def _load_evidence(pk: int, **_: Any) -> Evidence | None:
    return queries.evidence_detail(pk)


def _load_person(pk: int, **_: Any) -> Person | None:
    return people_queries.person_detail(pk)


def _plan_context(person: Person) -> dict[str, Any]:
    goals = queries.goals_of(person)
    review = queries.plan_review_summary(person)
    return {
        "goals": goals,
        "progress": {g.pk: presenters.action_progress(list(g.actions.all())) for g in goals},
        "review": review,
        "reviews": queries.plan_reviews(review["plan"]),
        "completions": queries.completions_of(person, limit=10),
    }


@require_safe
@permission_required(Permission.VIEW_DEVELOPMENT_PLAN)
def list_goals_view(request: HttpRequest) -> HttpResponse:
    """The signed-in person's development plan: goals, actions, evidence and comments."""
    person = request.user.person  # type: ignore[union-attr]
    return render(
        request,
        "appraisal/list_goals.jinja",
        {
            "page_title": "Your development plan",
            "person": person,
            "is_owner": True,
            "breadcrumbs": _breadcrumbs(),
            **_plan_context(person),  # type: ignore[arg-type]
        },
    )


@require_http_methods(["GET", "POST"])
@permission_required(Permission.ADD_GOAL)
def add_goal_view(request: HttpRequest) -> HttpResponse:
    """Add a goal, optionally linked to a framework element (prefilled from a report)."""
    element_id = request.POST.get("element") or request.GET.get("element") or None
    if element_id and not str(element_id).isdigit():
        element_id = None
    elements = queries.element_choices(element_id)
    initial = {"element": element_id or "", "source": request.GET.get("source", "")[:100]}
    form = GoalForm(request.POST or None, initial=initial, elements=elements)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.create_goal(
                person=request.user.person,  # type: ignore[union-attr,arg-type]
                title=data["title"],
                description=data["description"],
                element=queries.element_by_id(data["element"]),
                source=data["source"],
                due_on=data["due_on"],
                by=request.user,
            )
        except actions.GoalError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Goal added to your development plan.")
            return redirect("appraisal:list_goals")
    return render(
        request,
        "appraisal/add_goal.jinja",
        {
            "page_title": "Add a goal",
            "form": form,
            "due_input": date_input_params(
                form["due_on"], legend="Due date (optional)", hint="For example, 31 3 2027"
            ),
            "breadcrumbs": _plan_crumbs(),
        },
    )


@require_http_methods(["GET", "POST"])
@permission_required(Permission.EDIT_DEVELOPMENT_PLAN, _load_goal)
def edit_goal_view(request: HttpRequest, goal: Goal) -> HttpResponse:
    """Change a goal's wording, element, due date or status."""
    element_id = request.POST.get("element") or goal.element_id
    elements = queries.element_choices(element_id if str(element_id or "").isdigit() else None)
    initial = {
        "title": goal.title,
        "element": str(goal.element_id or ""),
        "description": goal.description,
        "due_on": goal.due_on,
        "status": goal.status,
    }
    form = EditGoalForm(request.POST or None, initial=initial, elements=elements)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.update_goal(
                goal=goal,
                title=data["title"],
                description=data["description"],
                element=queries.element_by_id(data["element"]),
                due_on=data["due_on"],
                status=data["status"],
                by=request.user,
            )
        except actions.GoalError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Goal updated.")
            return redirect("appraisal:list_goals")
    return render(
        request,
        "appraisal/edit_goal.jinja",
        {
            "page_title": "Change a goal",
            "form": form,
            "goal": goal,
            "due_input": date_input_params(
                form["due_on"], legend="Due date (optional)", hint="For example, 31 3 2027"
            ),
            "breadcrumbs": _plan_crumbs(),
        },
    )


@require_http_methods(["GET", "POST"])
@permission_required(Permission.EDIT_DEVELOPMENT_PLAN, _load_goal)
def add_goal_action_view(request: HttpRequest, goal: Goal) -> HttpResponse:
    """Add an action towards a goal: a programme, mentoring, a set, a placement or reading."""
    form = GoalActionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.add_goal_action(
                goal=goal,
                kind=data["kind"],
                title=data["title"],
                programme_name=data["programme_name"],
                due_on=data["due_on"],
                by=request.user,
            )
        except actions.GoalError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Action added to your goal.")
            return redirect("appraisal:list_goals")
    return render(
        request,
        "appraisal/add_goal_action.jinja",
        {
            "page_title": "Add an action",
            "form": form,
            "goal": goal,
            "due_input": date_input_params(
                form["due_on"], legend="Due date (optional)", hint="For example, 31 3 2027"
            ),
            "breadcrumbs": _plan_crumbs(),
        },
    )


@require_http_methods(["GET", "POST"])
@permission_required(Permission.EDIT_DEVELOPMENT_PLAN, _load_action)
def edit_goal_action_view(request: HttpRequest, action: GoalAction) -> HttpResponse:
    """Change an action's status or due date."""
    form = GoalActionStatusForm(
        request.POST or None, initial={"status": action.status, "due_on": action.due_on}
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_goal_action(
                action=action,
                status=form.cleaned_data["status"],
                due_on=form.cleaned_data["due_on"],
                by=request.user,
            )
        except actions.GoalError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Action updated.")
            return redirect("appraisal:list_goals")
    return render(
        request,
        "appraisal/edit_goal_action.jinja",
        {
            "page_title": "Update an action",
            "form": form,
            "action": action,
            "due_input": date_input_params(
                form["due_on"], legend="Due date (optional)", hint="For example, 31 3 2027"
            ),
            "breadcrumbs": _plan_crumbs(),
        },
    )


@require_http_methods(["GET", "POST"])
@permission_required(Permission.EDIT_DEVELOPMENT_PLAN, _load_action)
def add_evidence_view(request: HttpRequest, action: GoalAction) -> HttpResponse:
    """Add a note or a file as evidence for an action."""
    form = EvidenceForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data.get("file"):
                actions.add_evidence_file(
                    action=action, upload=data["file"], note=data["note"], by=request.user
                )
            else:
                actions.add_evidence_note(action=action, note=data["note"], by=request.user)
        except actions.GoalError as error:
            form.add_error("file" if data.get("file") else "note", str(error))
        else:
            messages.success(request, "Evidence added.")
            return redirect("appraisal:list_goals")
    return render(
        request,
        "appraisal/add_evidence.jinja",
        {
            "page_title": "Add evidence",
            "form": form,
            "action": action,
            "breadcrumbs": _plan_crumbs(),
        },
    )


@require_safe
@permission_required(Permission.VIEW_PLAN_EVIDENCE, _load_evidence)
def download_evidence_view(request: HttpRequest, evidence: Evidence) -> HttpResponse:
    """An evidence file, to the person and their line manager only, always as a download."""
    person = evidence.action.goal.plan.person
    if request.user.person_id != person.pk:  # type: ignore[union-attr]
        audit.record_read("appraisal.evidence.downloaded", by=request.user, target=evidence)
    # Read whole (evidence is at most 10 MB) so no file handle outlives the request.
    try:
        with default_storage.open(evidence.stored_path, "rb") as handle:
            content = handle.read()
    except FileNotFoundError:
        raise Http404("The file is no longer stored.") from None
    response = HttpResponse(content, content_type=evidence.content_type)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=evidence.file_name
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@require_safe
@permission_required(Permission.VIEW_PERSON_DEVELOPMENT_PLAN, _load_person)
def show_development_plan_view(request: HttpRequest, person: Person) -> HttpResponse:
    """A person's development plan, for their line manager (the person sees their own page)."""
    if request.user.person_id == person.pk:  # type: ignore[union-attr]
        return redirect("appraisal:list_goals")
    audit.record_read("appraisal.plan.viewed", by=request.user, target=person)
    return render(
        request,
        "appraisal/show_development_plan.jinja",
        {
            "page_title": f"{person.full_name}'s development plan",
            "person": person,
            "is_owner": False,
            "may_review": request.user.has_perm(Permission.REVIEW_DEVELOPMENT_PLAN, person),
            "breadcrumbs": [
                *_breadcrumbs(),
                {"href": reverse("people:show_person", args=[person.pk]), "text": person.full_name},
            ],
            **_plan_context(person),
        },
    )


@require_http_methods(["GET", "POST"])
@permission_required(Permission.REVIEW_DEVELOPMENT_PLAN, _load_person)
def review_development_plan_view(request: HttpRequest, person: Person) -> HttpResponse:
    """The line manager comments on, or agrees, the person's plan."""
    form = PlanReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            review = actions.review_plan(
                person=person,
                kind=form.cleaned_data["kind"],
                text=form.cleaned_data["text"],
                by=request.user,
            )
        except actions.GoalError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                "You agreed the plan." if review.kind == "agreed" else "Your comment was added.",
            )
            return redirect("appraisal:show_development_plan", person.pk)
    return render(
        request,
        "appraisal/review_development_plan.jinja",
        {
            "page_title": f"Comment on or agree {person.full_name}'s plan",
            "form": form,
            "person": person,
            "breadcrumbs": [
                *_breadcrumbs(),
                {
                    "href": reverse("appraisal:show_development_plan", args=[person.pk]),
                    "text": f"{person.full_name}'s development plan",
                },
            ],
        },
    )
