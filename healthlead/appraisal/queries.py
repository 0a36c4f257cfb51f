"""Reads for development plan and appraisal pages and the API (query counts flat).

Appraisals and plans are personal: pages reach them through these functions, which start
from the person (or the organisation for aggregates) and never list anyone else's records.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from healthlead.appraisal.models import (
    Appraisal,
    Completion,
    DevelopmentPlan,
    Evidence,
    Goal,
    GoalAction,
    PlanReview,
    appraisal_year_for,
)
from healthlead.frameworks.models import Element, FrameworkVersion
from healthlead.people.models import Organisation, Person

# Development plans -------------------------------------------------------------------------


def goals_of(person: Person) -> list[Goal]:
    """The person's goals with their elements, actions and evidence (three queries)."""
    return list(
        Goal.objects.filter(plan__person=person)
        .select_related("element__domain")
        .prefetch_related(
            Prefetch(
                "actions",
                queryset=GoalAction.objects.order_by("due_on", "pk").prefetch_related(
                    Prefetch("evidence", queryset=Evidence.objects.order_by("added_at", "pk"))
                ),
            )
        )
        .order_by("status", "due_on", "pk")
    )


def plan_detail(person: Person) -> DevelopmentPlan | None:
    return DevelopmentPlan.objects.filter(person=person).first()


def plan_reviews(plan: DevelopmentPlan | None, limit: int = 20) -> list[PlanReview]:
    if plan is None:
        return []
    return list(plan.reviews.order_by("-at", "-pk")[:limit])


def goal_detail(pk: int) -> Goal | None:
    return Goal.objects.select_related("plan__person", "element").filter(pk=pk).first()


def goal_action_detail(pk: int) -> GoalAction | None:
    return (
        GoalAction.objects.select_related("goal__plan__person__line_manager").filter(pk=pk).first()
    )


def evidence_detail(pk: int) -> Evidence | None:
    return (
        Evidence.objects.select_related("action__goal__plan__person")
        .filter(pk=pk, kind=Evidence.Kind.FILE)
        .first()
    )


def element_choices(element_id: Any = None) -> list[Element]:
    """Elements a goal may link to: those of the given element's framework version, or of
    every published framework version."""
    elements = Element.objects.select_related("domain").order_by(
        "domain__version_id", "domain__order", "order"
    )
    if element_id:
        version_id = (
            Element.objects.filter(pk=element_id)
            .values_list("domain__version_id", flat=True)
            .first()
        )
        if version_id is not None:
            return list(elements.filter(domain__version_id=version_id))
    return list(elements.filter(domain__version__state=FrameworkVersion.State.PUBLISHED))


def element_by_id(element_id: Any) -> Element | None:
    if not element_id or not str(element_id).isdigit():
        return None
    return Element.objects.filter(pk=element_id).first()


def person_by_staff_number(staff_number: str) -> Person | None:
    if not staff_number or len(staff_number) > 20:
        return None
    return (
        Person.objects.select_related("organisation__region")
        .filter(staff_number=staff_number)
        .first()
    )


def completions_of(
    person: Person, *, since: dt.date | None = None, limit: int = 50
) -> list[Completion]:
    completions = person.programme_completions.order_by("-completed_on", "pk")
    if since is not None:
        completions = completions.filter(completed_on__gte=since)
    return list(completions[:limit])


# Appraisals --------------------------------------------------------------------------------


def current_year() -> int:
    return appraisal_year_for(timezone.localdate())


def appraisal_detail(pk: int) -> Appraisal | None:
    """An appraisal with both people and their organisations (one query)."""
    return (
        Appraisal.objects.select_related(
            "appraisee__organisation", "appraisee__line_manager", "appraiser"
        )
        .filter(pk=pk)
        .first()
    )


def appraisals_as_appraisee(person: Person, limit: int = 20) -> list[Appraisal]:
    return list(person.appraisals.select_related("appraiser").order_by("-year")[:limit])


def own_appraisals_with_history(person: Person, limit: int = 20) -> list[Appraisal]:
    """The person's appraisals with sign-offs and addenda (three queries)."""
    from healthlead.appraisal.models import AppraisalAddendum, AppraisalSignOff

    return list(
        person.appraisals.select_related("appraiser")
        .prefetch_related(
            Prefetch("sign_offs", queryset=AppraisalSignOff.objects.select_related("person")),
            Prefetch("addenda", queryset=AppraisalAddendum.objects.order_by("at", "pk")),
        )
        .order_by("-year")[:limit]
    )


def appraisals_as_appraiser(person: Person, limit: int = 100) -> list[Appraisal]:
    return list(
        person.appraisals_as_appraiser.select_related("appraisee")
        .exclude(state=Appraisal.State.SIGNED_OFF)
        .order_by("appraisee__last_name", "-year")[:limit]
    )


def reports_without_appraisal(manager: Person, year: int, limit: int = 100) -> list[Person]:
    """The manager's direct reports with no appraisal this year yet."""
    return list(
        manager.reports.filter(status=Person.Status.ACTIVE)
        .exclude(appraisals__year=year)
        .order_by("last_name", "first_name")[:limit]
    )


def previous_appraisal(appraisal: Appraisal) -> Appraisal | None:
    """The appraisee's last signed-off appraisal before this one."""
    return (
        appraisal.appraisee.appraisals.signed_off()
        .filter(year__lt=appraisal.year)
        .order_by("-year")
        .first()
    )


def latest_signed_off(person: Person) -> Appraisal | None:
    return person.appraisals.signed_off().order_by("-year").first()


def appraisal_history(appraisal: Appraisal) -> dict[str, list[Any]]:
    """State changes, sign-offs and addenda (three queries)."""
    return {
        "changes": list(appraisal.state_changes.order_by("at", "pk")),
        "sign_offs": list(appraisal.sign_offs.select_related("person").order_by("at", "pk")),
        "addenda": list(appraisal.addenda.order_by("at", "pk")),
    }


# The latest 360 report, as its subject sees it ----------------------------------------------


@dataclass(frozen=True)
class FeedbackDomain:
    key: str  # <framework code>/<domain code>
    name: str
    self_score: float | None
    all_others: float | None


@dataclass(frozen=True)
class FeedbackSummary:
    cycle_id: int
    framework: str
    frozen_on: str
    domains: list[FeedbackDomain]


def latest_released_feedback(person: Person) -> FeedbackSummary | None:
    """Domain means from the person's latest frozen 360 report that they can see themselves
    (released, or closed with no facilitator to wait for): only figures the anonymity rule
    already let into the report, and never comments. Two queries."""
    from healthlead.feedback.models import FeedbackCycle

    cycle = (
        person.feedback_cycles.filter(report__isnull=False)
        .filter(
            Q(state=FeedbackCycle.State.RELEASED)
            | Q(state=FeedbackCycle.State.CLOSED, facilitator__isnull=True)
        )
        .select_related("report", "questionnaire__framework_version__framework")
        .order_by("-closed_at", "-pk")
        .first()
    )
    if cycle is None:
        return None
    data = cycle.report.data
    framework = cycle.questionnaire.framework_version.framework
    domains = [
        FeedbackDomain(
            key=f"{framework.code}/{d['code']}",
            name=d["name"],
            self_score=d.get("self"),
            all_others=d.get("all_others"),
        )
        for d in data.get("domains", [])
    ]
    return FeedbackSummary(
        cycle_id=cycle.pk,
        framework=str(data.get("cycle", {}).get("framework", framework.name)),
        frozen_on=str(data.get("cycle", {}).get("frozen_on", "")),
        domains=domains,
    )


# Completion rates (aggregates for organisation leads) ----------------------------------------


@dataclass(frozen=True)
class CompletionRow:
    key: str
    label: str
    staff: int
    signed_off: int
    in_progress: int

    @property
    def rate(self) -> int:
        return round(100 * self.signed_off / self.staff) if self.staff else 0


def _completion_counts(staff: QuerySet[Person], year: int) -> dict[str, Any]:
    return {
        "staff": Count("pk", distinct=True),
        "signed_off": Count(
            "appraisals",
            filter=Q(appraisals__year=year, appraisals__state=Appraisal.State.SIGNED_OFF),
            distinct=True,
        ),
        "started": Count("appraisals", filter=Q(appraisals__year=year), distinct=True),
    }


def completion_by_staff_group(organisation: Organisation, year: int) -> list[CompletionRow]:
    """Active staff, and appraisals signed off and in progress this year, by staff group."""
    from healthlead.people.models import StaffGroup

    labels = dict(StaffGroup.choices)
    staff = Person.objects.active().filter(organisation=organisation)
    rows: Any = (
        staff.values("staff_group")
        .annotate(**_completion_counts(staff, year))
        .order_by("staff_group")
    )
    return [
        CompletionRow(
            key=r["staff_group"],
            label=str(labels.get(r["staff_group"], r["staff_group"])),
            staff=r["staff"],
            signed_off=r["signed_off"],
            in_progress=r["started"] - r["signed_off"],
        )
        for r in rows
    ]


def completion_by_team(organisation: Organisation, year: int) -> QuerySet[Any]:
    """The same counts by team (the people reporting to one line manager), ready to page."""
    staff = Person.objects.active().filter(organisation=organisation, line_manager__isnull=False)
    return (
        staff.values("line_manager_id", "line_manager__first_name", "line_manager__last_name")
        .annotate(**_completion_counts(staff, year))
        .order_by("line_manager__last_name", "line_manager__first_name", "line_manager_id")
    )


def completion_row_for_team(row: dict[str, Any]) -> CompletionRow:
    return CompletionRow(
        key=str(row["line_manager_id"]),
        label=f"{row['line_manager__first_name']} {row['line_manager__last_name']}'s team",
        staff=row["staff"],
        signed_off=row["signed_off"],
        in_progress=row["started"] - row["signed_off"],
    )


def completion_total(organisation: Organisation, year: int) -> CompletionRow:
    staff = Person.objects.active().filter(organisation=organisation)
    totals = staff.aggregate(**_completion_counts(staff, year))
    return CompletionRow(
        key="all",
        label="Everyone",
        staff=totals["staff"] or 0,
        signed_off=totals["signed_off"] or 0,
        in_progress=(totals["started"] or 0) - (totals["signed_off"] or 0),
    )


def plan_review_summary(person: Person) -> dict[str, Any]:
    """When the plan was last agreed, and whether it changed since (one query)."""
    plan = DevelopmentPlan.objects.filter(person=person).annotate(goal_count=Count("goals")).first()
    if plan is None:
        return {"plan": None, "agreed": None, "changed_since": False, "goal_count": 0}
    agreed = plan.reviews.filter(kind=PlanReview.Kind.AGREED).order_by("-at").first()
    return {
        "plan": plan,
        "agreed": agreed,
        "changed_since": bool(agreed and plan.changed_at and plan.changed_at > agreed.at),
        "goal_count": plan.goal_count,
    }
