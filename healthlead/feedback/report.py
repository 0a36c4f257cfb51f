"""Freezing a cycle's report: load the submitted answers, apply the anonymity rule, store.

`freeze_report(cycle)` runs once, when the cycle closes. The frozen `Report.data`
holds only figures the rule allows (see anonymity.py), never raw answers; every
output reads it through report_presenters.py.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone

from healthlead.core import audit
from healthlead.core.actors import Actor, System
from healthlead.feedback import anonymity, norms
from healthlead.feedback.anonymity import (
    CommentInput,
    CycleData,
    DomainSpec,
    ElementSpec,
    GroupSpec,
    ItemSpec,
    RaterResponse,
)
from healthlead.feedback.models import (
    Answer,
    Comment,
    FeedbackCycle,
    ImportanceRating,
    QuestionnaireItem,
    RaterGroup,
    Report,
    Response,
)
from healthlead.people.models import CareerStage, StaffGroup


class ReportError(Exception):
    """A report action that cannot be done, with a message for the user."""


def group_specs(cycle: FeedbackCycle) -> list[GroupSpec]:
    """Every rater group with the minimum fixed for this cycle at launch."""
    fixed = {m.group_id: m.minimum for m in cycle.minimums.all()}
    return [
        GroupSpec(
            code=g.code,
            name=g.name,
            minimum=fixed.get(g.pk, g.default_minimum),
            anonymous=g.anonymous and not g.is_self,
            is_self=g.is_self,
            order=g.order,
        )
        for g in RaterGroup.objects.order_by("order")
    ]


def cycle_data(cycle: FeedbackCycle) -> CycleData:
    """The submitted answers of a cycle as plain data (a fixed number of queries)."""
    items = list(
        QuestionnaireItem.objects.filter(questionnaire_id=cycle.questionnaire_id)
        .select_related("element__domain")
        .order_by("order")
    )
    elements = {i.element_id: i.element for i in items}
    domains = {e.domain_id: e.domain for e in elements.values()}
    responses = (
        Response.objects.filter(cycle=cycle, state=Response.State.SUBMITTED)
        .select_related("group")
        .prefetch_related(
            Prefetch("answers", queryset=Answer.objects.only("response_id", "item_id", "rating")),
            Prefetch("importance", queryset=ImportanceRating.objects.all()),
            Prefetch("comments", queryset=Comment.objects.order_by("pk")),
        )
        .order_by("pk")
    )
    item_ids = [i.pk for i in items]
    rater_responses = []
    for response in responses:
        given = {a.item_id: a.rating for a in response.answers.all()}
        rater_responses.append(
            RaterResponse(
                group_code=response.group.code,
                ratings={pk: given.get(pk) for pk in item_ids},
                importance={i.domain_id: i.rating for i in response.importance.all()},
                comments=tuple(
                    CommentInput(
                        comment_id=c.pk,
                        domain_id=c.domain_id,
                        kind=c.kind,
                        text=c.text,
                        redacted=c.redacted_at is not None,
                    )
                    for c in response.comments.all()
                ),
            )
        )
    return CycleData(
        groups=group_specs(cycle),
        domains=[DomainSpec(d.pk, d.code, d.name, d.order) for d in domains.values()],
        elements=[
            ElementSpec(e.pk, e.domain_id, e.code, e.name, e.order) for e in elements.values()
        ],
        items=[ItemSpec(i.pk, i.element_id, i.text, i.order) for i in items],
        responses=rater_responses,
        all_others_minimum=cycle.all_others_minimum,
    )


def _norm_inputs(data: dict[str, Any]) -> dict[str, Any]:
    """The subject's all-others means (already suppressed figures) that norms are made of."""
    return {
        "elements": {
            str(e["id"]): e["all_others"]["mean"]
            for e in data["elements"]
            if e["all_others"] is not None
        },
        "domains": {
            str(d["id"]): d["all_others"] for d in data["domains"] if d["all_others"] is not None
        },
    }


def subject_summary(
    *,
    name: str,
    occupation: str,
    organisation: str,
    staff_group: str,
    career_stage: str,
) -> dict[str, Any]:
    """The subject as a frozen report describes them."""
    return {
        "name": name,
        "occupation": occupation,
        "organisation": organisation,
        "staff_group": staff_group,
        "staff_group_label": StaffGroup(staff_group).label
        if staff_group in StaffGroup.values
        else staff_group,
        "career_stage": career_stage,
        "career_stage_label": CareerStage(career_stage).label
        if career_stage in CareerStage.values
        else career_stage,
    }


def assemble_report_data(
    cycle_data: CycleData,
    *,
    subject: dict[str, Any],
    cycle: dict[str, Any],
    rng: random.Random,
    compare_norms: bool = True,
) -> dict[str, Any]:
    """The frozen report from a cycle's responses (the anonymity rule), its subject and cycle
    summaries, the all-others means that norms are made of, and the norm comparison."""
    data = anonymity.compute(cycle_data, rng=rng)
    data["subject"] = subject
    data["cycle"] = cycle
    data["norm_inputs"] = _norm_inputs(data)
    data["norms"] = (
        norms.compare(
            questionnaire_id=cycle["questionnaire_id"],
            staff_group=subject["staff_group"],
            career_stage=subject["career_stage"],
            inputs=data["norm_inputs"],
        )
        if compare_norms
        else None
    )
    return data


def build_report_data(cycle: FeedbackCycle, *, rng: random.Random) -> dict[str, Any]:
    """Everything the frozen report holds for a cycle."""
    subject = cycle.subject
    questionnaire = cycle.questionnaire
    return assemble_report_data(
        cycle_data(cycle),
        subject=subject_summary(
            name=subject.full_name,
            occupation=subject.occupation,
            organisation=subject.organisation.display_name,
            staff_group=subject.staff_group,
            career_stage=subject.career_stage,
        ),
        cycle={
            "id": cycle.pk,
            "framework": str(questionnaire.framework_version),
            "questionnaire": str(questionnaire),
            "questionnaire_id": questionnaire.pk,
            "deadline": cycle.deadline.isoformat(),
            "frozen_on": timezone.localdate().isoformat(),
            "has_facilitator": cycle.facilitator_id is not None,
        },
        rng=rng,
    )


@transaction.atomic
def freeze_report(cycle: FeedbackCycle, *, by: Actor | None = None) -> Report:
    """Freeze the cycle's report from the responses submitted so far (once: later calls
    return the same report, so answers that arrive late never reach it)."""
    cycle = (
        FeedbackCycle.objects.select_for_update()
        .select_related("subject__organisation", "questionnaire__framework_version__framework")
        .get(pk=cycle.pk)
    )
    existing = Report.objects.filter(cycle=cycle).first()
    if existing is not None:
        return existing
    if cycle.state in {FeedbackCycle.State.DRAFT, FeedbackCycle.State.CANCELLED}:
        raise ReportError(
            f"This cycle is {cycle.get_state_display().lower()}, so it has no report."
        )
    data = build_report_data(cycle, rng=random.SystemRandom())
    report = Report.objects.create(
        cycle=cycle, data=data, rule_version=anonymity.RULE_VERSION, **Report.norm_fields(data)
    )
    audit.record(
        "feedback.report.frozen",
        by=by or System("freeze_report"),
        target=report,
        detail={
            "cycle": cycle.pk,
            "rule_version": anonymity.RULE_VERSION,
            "visible_groups": [g["code"] for g in data["groups"] if g["visible"]],
        },
    )
    if settings.HEALTHLEAD_PREDRAW_CHARTS:
        report_id = report.pk
        transaction.on_commit(lambda: _enqueue_chart_drawing(report_id))
    return report


def _enqueue_chart_drawing(report_id: int) -> None:
    from healthlead.feedback.tasks import draw_report_charts

    draw_report_charts.enqueue(report_id)


def load_report_cycle(pk: int, **_: Any) -> FeedbackCycle | None:
    """A cycle with its report, subject and facilitator (one query), or None."""
    return (
        FeedbackCycle.objects.select_related("report", "subject", "facilitator")
        .filter(pk=pk)
        .first()
    )


def reports_for(cycles: Iterable[FeedbackCycle]) -> dict[int, Report]:
    """The frozen reports of several cycles, by cycle id (one query)."""
    return {r.cycle_id: r for r in Report.objects.filter(cycle__in=list(cycles))}
