"""What the self-assessment, cycle and rater pages show, shaped from the models.

The subject's view of a cycle is one line per rater group saying whether its minimum has
been reached: counts of responses never leave this module, and nothing here says who has
answered. (The report's figures are shaped by the report modules, through anonymity.py.)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from statistics import mean
from typing import Any

from django.urls import reverse

from healthlead.core.formatting import nhs_date
from healthlead.feedback.models import FeedbackCycle, Invitation, QuestionnaireItem, RaterGroup
from healthlead.feedback.queries import CycleProgress, Section
from healthlead.frameworks.models import Stage
from healthlead.people.models import CareerStage, Person

# The behavioural scale every item is rated on (stored as 1-5; "not observed" is null).
RATING_LABELS: dict[int, str] = {
    1: "Rarely",
    2: "Sometimes",
    3: "Often",
    4: "Very often",
    5: "Always",
}
# How "not observed" reads to each kind of rater.
NOT_OBSERVED_LABELS: dict[str, str] = {
    "rater": "Not observed",
    "self": "Not sure",
    "patient": "I have not seen this",
}
# How important a domain is to the person's role (stored as 1-5; "not sure" saves nothing).
IMPORTANCE_LABELS: dict[int, str] = {
    1: "Not important",
    2: "A little important",
    3: "Important",
    4: "Very important",
    5: "Essential",
}


def rating_label(value: int | None, audience: str = "rater") -> str:
    if value is None:
        return NOT_OBSERVED_LABELS.get(audience, NOT_OBSERVED_LABELS["rater"])
    return RATING_LABELS.get(value, str(value))


def score_text(score: float | None) -> str:
    """A mean rating in words and figures: 'Very often (4.2 out of 5)'."""
    if score is None:
        return "No ratings"
    return f"{RATING_LABELS[min(5, max(1, round(score)))]} ({score:.1f} out of 5)"


def audience_for(invitation: Invitation) -> str:
    """Which wording a rater sees: the subject's own, a patient's, or a colleague's."""
    if invitation.channel == Invitation.Channel.SELF or invitation.group.is_self:
        return "self"
    if invitation.group.patient:
        return "patient"
    return "rater"


def rater_role(group: RaterGroup) -> str:
    """How a rater relates to the subject, for 'you were asked as ...'."""
    name = group.name.lower()
    return f"their {name}" if not group.anonymous else f"one of their {name}"


def item_text(item: QuestionnaireItem, audience: str) -> str:
    if audience == "self":
        return item.self_text or item.text
    return item.text


# The subject's cycle page ------------------------------------------------------------------


@dataclass(frozen=True)
class GroupStatus:
    """One rater group on the cycle page: reached or not, never how many or who."""

    name: str
    status: str
    reached: bool
    hint: str = ""


def group_statuses(cycle: FeedbackCycle, progress: CycleProgress) -> list[GroupStatus]:
    """Whether each group (and 'all others') has reached its minimum, in words."""
    rows: list[GroupStatus] = []
    if cycle.state == FeedbackCycle.State.DRAFT:
        # Before launch nobody has answered: the subject may see how many they invited.
        for g in progress.groups:
            minimum = g.group.default_minimum
            if g.invited == 0:
                status = "Nobody invited yet"
            elif g.invited == 1:
                status = "1 invited"
            else:
                status = f"{g.invited} invited"
            hint = (
                "Shown apart and not anonymous."
                if not g.group.anonymous
                else f"Shown apart once at least {minimum} have answered."
            )
            rows.append(GroupStatus(g.group.name, status, False, hint))
        return rows
    for g in progress.groups:
        if g.invited == 0:
            rows.append(GroupStatus(g.group.name, "Nobody invited", False))
            continue
        minimum = g.minimum or g.group.default_minimum
        reached = g.submitted >= minimum
        rows.append(
            GroupStatus(g.group.name, "Minimum reached" if reached else "Not yet reached", reached)
        )
    reached = progress.all_others_submitted >= progress.all_others_minimum
    rows.append(
        GroupStatus("All others", "Minimum reached" if reached else "Not yet reached", reached)
    )
    return rows


def cycle_summary_rows(cycle: FeedbackCycle) -> list[dict[str, Any]]:
    """Summary-list rows describing a cycle."""
    version = cycle.questionnaire.framework_version
    facilitator = cycle.facilitator.display_name if cycle.facilitator else "None"
    rows = [
        ("Subject", cycle.subject.full_name),
        ("Framework", f"{version.framework.name} ({version.version})"),
        ("Status", cycle.get_state_display()),
        ("Deadline", nhs_date(cycle.deadline)),
        ("Facilitator", facilitator),
    ]
    return [{"key": {"text": key}, "value": {"text": value}} for key, value in rows]


@dataclass(frozen=True)
class InvitationRow:
    name: str
    email: str
    group: str
    withdraw_href: str


def invitation_rows(cycle: FeedbackCycle, invitations: list[Invitation]) -> list[InvitationRow]:
    """Who the subject invited, with no word of whether they have answered."""
    return [
        InvitationRow(
            name=i.name or "Name not given",
            email=i.email,
            group=i.group.name,
            withdraw_href=reverse("feedback:withdraw_invitation", args=[cycle.pk, i.pk]),
        )
        for i in invitations
    ]


# Rater pages -------------------------------------------------------------------------------


def anonymity_notice(
    invitation: Invitation, *, minimum: int | None, all_others_minimum: int
) -> list[str]:
    """What a rater is told about who will see their answers, in plain words."""
    group: RaterGroup = invitation.group
    subject = invitation.cycle.subject.full_name
    if group.is_self:
        return ["These are your own ratings. They are shown beside what others say about you."]
    if not group.anonymous:
        return [
            f"You are answering as {subject}'s {group.name.lower()}.",
            "Your answers are shown apart from everyone else's and are not anonymous: "
            f"{subject} will know they are yours.",
        ]
    needed = minimum or group.default_minimum
    if group.patient:
        return [
            "You do not give your name.",
            f"Your answers are added to other patients' and carers' answers. "
            f"We only show them when at least {needed} people have answered.",
        ]
    return [
        "Your answers are anonymous: your name is never shown next to them.",
        f"They are added to the answers of other {group.name.lower()}. "
        f"{group.name} are shown as a group only when at least {needed} have answered. "
        "Below that, your answers are only counted with everyone else's, "
        f"and that is shown only when at least {all_others_minimum} people have answered.",
        "Comments are shown without names and in a random order.",
    ]


@dataclass(frozen=True)
class SectionLink:
    number: int
    name: str
    href: str
    complete: bool


def section_links(sections: list[Section], answered: set[int], href_for: Any) -> list[SectionLink]:
    """Each section with whether all its questions have an answer."""
    return [
        SectionLink(
            number=s.number,
            name=s.domain.name,
            href=href_for(s.domain.pk),
            complete=all(item.pk in answered for item in s.items),
        )
        for s in sections
    ]


# Self-assessment result --------------------------------------------------------------------


@dataclass(frozen=True)
class ItemResult:
    text: str
    rating: str


@dataclass
class ElementResult:
    name: str
    score: str
    expected: str
    expected_now: bool
    items: list[ItemResult] = field(default_factory=list)


@dataclass
class DomainResult:
    name: str
    score: str
    elements: list[ElementResult] = field(default_factory=list)


@dataclass
class SelfAssessmentResult:
    framework: str
    career_stage: str
    stage_note: str
    domains: list[DomainResult]


def current_stage_order(person: Person, stages: list[Stage]) -> int | None:
    """The latest framework stage the person's career stage belongs to, if any."""
    orders = [s.order for s in stages if person.career_stage in (s.career_stages or [])]
    return max(orders) if orders else None


def expectation(stage: Stage | None, current_order: int | None) -> tuple[str, bool]:
    """Whether an element is expected at the person's career stage, in words."""
    if stage is None:
        return "", False
    if current_order is None:
        return f"Expected by: {stage.name}", False
    if stage.order <= current_order:
        return "Expected at your career stage", True
    return f"Expected later: {stage.name}", False


def _mean(values: list[int | None]) -> float | None:
    rated = [v for v in values if v is not None]
    return mean(rated) if rated else None


def self_assessment_result(
    *,
    person: Person,
    framework_name: str,
    sections: list[Section],
    ratings: dict[str, int | None],
    stages: list[Stage],
) -> SelfAssessmentResult:
    """Each domain and element with the person's ratings and the stage expectations."""
    current = current_stage_order(person, stages)
    stage_by_id = {s.pk: s for s in stages}
    domains = []
    for section in sections:
        elements: dict[int, tuple[Any, list[QuestionnaireItem]]] = {}
        for item in section.items:
            elements.setdefault(item.element_id, (item.element, []))[1].append(item)
        element_results = []
        domain_values: list[int | None] = []
        for element, items in elements.values():
            values = [ratings.get(str(item.pk)) for item in items]
            domain_values += values
            expected, now = expectation(stage_by_id.get(element.expected_by_id or 0), current)
            element_results.append(
                ElementResult(
                    name=element.name,
                    score=score_text(_mean(values)),
                    expected=expected,
                    expected_now=now,
                    items=[
                        ItemResult(
                            text=item_text(item, "self"),
                            rating=rating_label(ratings.get(str(item.pk)), "self"),
                        )
                        for item in items
                    ],
                )
            )
        domains.append(
            DomainResult(
                name=section.domain.name,
                score=score_text(_mean(domain_values)),
                elements=element_results,
            )
        )
    stage_label = dict(CareerStage.choices).get(person.career_stage, person.career_stage)
    if not stages:
        note = "This framework does not say which elements are expected at which stage."
    elif current is None:
        note = (
            f"This framework's stages do not include your career stage ({stage_label.lower()}), "
            "so each element shows the stage by which it is expected."
        )
    else:
        names = [s.name for s in stages if s.order <= current]
        note = (
            f"Your career stage is {stage_label.lower()}. Elements expected by "
            f"{names[-1]} (and earlier stages) are marked as expected now."
        )
    return SelfAssessmentResult(
        framework=framework_name, career_stage=stage_label, stage_note=note, domains=domains
    )
