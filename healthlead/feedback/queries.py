"""Read paths for the self-assessment, cycle and rater pages and the API.

Each returns a fixed number of queries whatever the number of items, raters or cycles.
Nothing here returns a rater's answers to anyone but that rater: the subject's view of a
cycle is counts per group turned into "reached" or "not yet" by the presenters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, QuerySet

from healthlead.accounts.models import Role, RoleAssignment, User
from healthlead.feedback.models import (
    Answer,
    Comment,
    CycleGroupMinimum,
    FeedbackCycle,
    ImportanceRating,
    Invitation,
    Questionnaire,
    QuestionnaireItem,
    RaterGroup,
    Response,
    SelfAssessment,
)
from healthlead.frameworks.models import Domain, FrameworkVersion, Stage
from healthlead.people.models import Person


def published_framework_versions() -> list[FrameworkVersion]:
    """Published framework versions, newest first within each framework."""
    return list(
        FrameworkVersion.objects.published()
        .select_related("framework")
        .order_by("framework__name", "-published_at", "-pk")
    )


def published_framework_version(pk: int) -> FrameworkVersion | None:
    return FrameworkVersion.objects.published().select_related("framework").filter(pk=pk).first()


@dataclass
class Section:
    """One domain of a questionnaire with its items, in order: one page of the form."""

    domain: Domain
    items: list[QuestionnaireItem] = field(default_factory=list)
    number: int = 0


def questionnaire_sections(questionnaire: Questionnaire | int) -> list[Section]:
    """The questionnaire's domains, each with its items: one query."""
    questionnaire_id = questionnaire if isinstance(questionnaire, int) else questionnaire.pk
    sections: dict[int, Section] = {}
    items = (
        QuestionnaireItem.objects.filter(questionnaire_id=questionnaire_id)
        .select_related("element", "element__domain", "element__expected_by")
        .order_by("element__domain__order", "element__domain__pk", "order")
    )
    for item in items:
        domain = item.element.domain
        section = sections.get(domain.pk)
        if section is None:
            section = sections[domain.pk] = Section(domain=domain, number=len(sections) + 1)
        section.items.append(item)
    return list(sections.values())


def section_for(sections: list[Section], domain_id: int) -> Section | None:
    return next((s for s in sections if s.domain.pk == domain_id), None)


# Self-assessments --------------------------------------------------------------------------


def self_assessment_detail(pk: int) -> SelfAssessment | None:
    return (
        SelfAssessment.objects.select_related(
            "person",
            "questionnaire",
            "questionnaire__framework_version",
            "questionnaire__framework_version__framework",
            "cycle",
        )
        .filter(pk=pk)
        .first()
    )


def self_assessments_for(person: Person, limit: int = 50) -> list[SelfAssessment]:
    return list(
        SelfAssessment.objects.filter(person=person)
        .select_related("questionnaire", "questionnaire__framework_version__framework")
        .order_by("-updated_at")[:limit]
    )


def framework_stages(framework_version_id: int) -> list[Stage]:
    return list(Stage.objects.filter(version_id=framework_version_id).order_by("order", "pk"))


# Cycles ------------------------------------------------------------------------------------


def cycle_detail(pk: int) -> FeedbackCycle | None:
    """A cycle with its subject, line manager, questionnaire and facilitator: one query."""
    return (
        FeedbackCycle.objects.select_related(
            "subject",
            "subject__organisation",
            "subject__line_manager",
            "questionnaire",
            "questionnaire__framework_version",
            "questionnaire__framework_version__framework",
            "facilitator",
            "facilitator__person",
            "started_by",
        )
        .filter(pk=pk)
        .first()
    )


def _cycle_list(cycles: QuerySet[FeedbackCycle], limit: int) -> list[FeedbackCycle]:
    return list(
        cycles.select_related(
            "subject", "questionnaire__framework_version__framework", "facilitator"
        ).order_by("-created_at")[:limit]
    )


def cycles_about(person: Person, limit: int = 50) -> list[FeedbackCycle]:
    """Cycles in which the person is the subject."""
    return _cycle_list(FeedbackCycle.objects.filter(subject=person), limit)


def cycles_of_team(manager: Person, limit: int = 50) -> list[FeedbackCycle]:
    """Cycles about the people a manager line-manages directly."""
    return _cycle_list(FeedbackCycle.objects.filter(subject__line_manager=manager), limit)


def cycles_facilitated_by(user: Any, limit: int = 50) -> list[FeedbackCycle]:
    return _cycle_list(FeedbackCycle.objects.filter(facilitator=user), limit)


def direct_reports(manager: Person) -> list[Person]:
    return list(manager.reports.active().order_by("last_name", "first_name", "pk"))


def facilitators() -> QuerySet[User]:
    """Users who currently hold the facilitator role."""
    holders = RoleAssignment.objects.current().filter(role=Role.FACILITATOR).values("user_id")
    return (
        User.objects.filter(pk__in=holders, is_active=True)
        .select_related("person")
        .order_by("last_name", "first_name", "email")
    )


@dataclass(frozen=True)
class GroupProgress:
    """What the progress view needs about one rater group. Counts never reach a template."""

    group: RaterGroup
    minimum: int | None  # fixed at launch; None before
    invited: int  # invitations not withdrawn (the subject made these)
    submitted: int


@dataclass(frozen=True)
class CycleProgress:
    groups: list[GroupProgress]
    all_others_minimum: int
    all_others_submitted: int
    self_submitted: bool


def cycle_progress(cycle: FeedbackCycle) -> CycleProgress:
    """Invitations and submitted responses per group, in three aggregate queries."""
    minimums = {row.group_id: row.minimum for row in CycleGroupMinimum.objects.filter(cycle=cycle)}
    invited = dict(
        cycle.invitations.exclude(state=Invitation.State.WITHDRAWN)
        .values("group_id")
        .annotate(n=Count("pk"))
        .values_list("group_id", "n")
    )
    submitted = dict(
        cycle.responses.filter(state=Response.State.SUBMITTED)
        .values("group_id")
        .annotate(n=Count("pk"))
        .values_list("group_id", "n")
    )
    groups = [
        GroupProgress(
            group=group,
            minimum=minimums.get(group.pk),
            invited=invited.get(group.pk, 0),
            submitted=submitted.get(group.pk, 0),
        )
        for group in RaterGroup.objects.order_by("order")
    ]
    return CycleProgress(
        groups=[g for g in groups if not g.group.is_self],
        all_others_minimum=cycle.all_others_minimum,
        all_others_submitted=sum(g.submitted for g in groups if not g.group.is_self),
        self_submitted=any(g.submitted for g in groups if g.group.is_self),
    )


def invitations_to_list(cycle: FeedbackCycle) -> list[Invitation]:
    """The emailed invitations a subject made and can still withdraw (state not shown)."""
    return list(
        cycle.invitations.filter(channel=Invitation.Channel.EMAIL)
        .exclude(state=Invitation.State.WITHDRAWN)
        .select_related("group")
        .order_by("group__order", "name", "email", "pk")
    )


def cards_printed(cycle: FeedbackCycle) -> int:
    return cycle.invitations.filter(channel=Invitation.Channel.CARD).count()


def invitation_in_cycle(cycle: FeedbackCycle, pk: int) -> Invitation | None:
    return (
        cycle.invitations.select_related("group", "cycle")
        .filter(pk=pk, channel=Invitation.Channel.EMAIL)
        .first()
    )


# A rater's own draft -----------------------------------------------------------------------


@dataclass
class DraftAnswers:
    """What a rater has saved so far for one section, to fill the form again."""

    ratings: dict[int, int | None] = field(default_factory=dict)
    importance: int | None = None
    importance_answered: bool = False
    strengths: str = ""
    suggestions: str = ""


def draft_response(invitation: Invitation) -> Response | None:
    return Response.objects.filter(invitation=invitation, state=Response.State.DRAFT).first()


def draft_answers(response: Response | None, section: Section) -> DraftAnswers:
    """The rater's saved answers for one section: three queries."""
    draft = DraftAnswers()
    if response is None:
        return draft
    item_ids = [item.pk for item in section.items]
    draft.ratings = dict(
        Answer.objects.filter(response=response, item_id__in=item_ids).values_list(
            "item_id", "rating"
        )
    )
    importance = ImportanceRating.objects.filter(response=response, domain=section.domain).first()
    draft.importance = importance.rating if importance else None
    draft.importance_answered = importance is not None or len(draft.ratings) == len(item_ids)
    for kind, text in Comment.objects.filter(response=response, domain=section.domain).values_list(
        "kind", "text"
    ):
        if kind == Comment.Kind.STRENGTH:
            draft.strengths = text
        else:
            draft.suggestions = text
    return draft


def answered_item_ids(response: Response | None) -> set[int]:
    if response is None:
        return set()
    return set(Answer.objects.filter(response=response).values_list("item_id", flat=True))
