"""Building closed 360 cycles for report tests.

Collecting answers has its own tests; here a cycle is set up as collecting with its
group minimums fixed, submitted responses are written as the rater pages leave them
(unlinked from any invitation), and the cycle is closed with the real close action,
which freezes the report.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from healthlead.accounts.models import Role
from healthlead.accounts.tests.factories import UserFactory
from healthlead.core.actors import System
from healthlead.feedback import actions, norms
from healthlead.feedback.models import (
    Answer,
    Comment,
    CycleGroupMinimum,
    FeedbackCycle,
    ImportanceRating,
    Questionnaire,
    QuestionnaireItem,
    RaterGroup,
    Response,
)
from healthlead.frameworks.models import Domain, Element, Framework, FrameworkVersion

_counter = itertools.count(1)


@dataclass
class Instrument:
    questionnaire: Questionnaire
    domains: list[Domain]
    elements: list[Element]
    items: list[QuestionnaireItem]


def make_questionnaire(
    shape: Sequence[Sequence[int]] = ((2, 2), (2,)), *, code: str | None = None
) -> Instrument:
    """A published questionnaire: shape[d][e] is the number of items in element e of domain d."""
    n = next(_counter)
    code = code or f"TF{n}"
    framework = Framework.objects.create(code=code, name=f"Test framework {code}")
    version = FrameworkVersion.objects.create(
        framework=framework,
        version="1",
        state=FrameworkVersion.State.PUBLISHED,
        published_at=timezone.now(),
    )
    questionnaire = Questionnaire.objects.create(
        framework_version=version,
        name=f"Test questionnaire {n}",
        state=Questionnaire.State.PUBLISHED,
        published_at=timezone.now(),
    )
    domains, elements, items = [], [], []
    order = 0
    for d, element_sizes in enumerate(shape):
        domain = Domain.objects.create(
            version=version, code=f"D{d + 1}", name=f"Domain {d + 1}", order=d
        )
        domains.append(domain)
        for e, size in enumerate(element_sizes):
            element = Element.objects.create(
                domain=domain, code=f"E{d + 1}.{e + 1}", name=f"Element {d + 1}.{e + 1}", order=e
            )
            elements.append(element)
            for i in range(size):
                order += 1
                items.append(
                    QuestionnaireItem.objects.create(
                        questionnaire=questionnaire,
                        element=element,
                        text=f"Behaviour {d + 1}.{e + 1}.{i + 1}",
                        order=order,
                    )
                )
    return Instrument(questionnaire, domains, elements, items)


def facilitator_user() -> Any:
    return UserFactory(roles=[(Role.FACILITATOR, None)])


def open_cycle(
    instrument: Instrument,
    *,
    subject_user: Any = None,
    facilitator: Any = None,
    minimums: dict[str, int] | None = None,
    all_others_minimum: int = 3,
) -> FeedbackCycle:
    """A cycle collecting answers, with each group's minimum fixed as at launch."""
    subject_user = subject_user or UserFactory()
    cycle = FeedbackCycle.objects.create(
        subject=subject_user.person,
        questionnaire=instrument.questionnaire,
        started_by=subject_user,
        facilitator=facilitator,
        deadline=timezone.localdate() + dt.timedelta(days=14),
        state=FeedbackCycle.State.OPEN,
        all_others_minimum=all_others_minimum,
        launched_at=timezone.now(),
    )
    minimums = minimums or {}
    for group in RaterGroup.objects.all():
        CycleGroupMinimum.objects.create(
            cycle=cycle, group=group, minimum=minimums.get(group.code, group.default_minimum)
        )
    return cycle


def submit(
    cycle: FeedbackCycle,
    group_code: str,
    ratings: Sequence[int | None],
    *,
    importance: Sequence[int | None] | None = None,
    comments: dict[tuple[int, str], str] | None = None,
    instrument: Instrument,
    state: str = Response.State.SUBMITTED,
) -> Response:
    """One rater's response: ratings in item order (None = not observed)."""
    response = Response.objects.create(
        cycle=cycle,
        group=RaterGroup.objects.get(code=group_code),
        state=state,
        submitted_on=timezone.localdate() if state == Response.State.SUBMITTED else None,
        ratings=norms.pack_ratings(ratings) if state == Response.State.SUBMITTED else b"",
    )
    Answer.objects.bulk_create(
        Answer(response=response, item=item, rating=rating)
        for item, rating in zip(instrument.items, ratings, strict=True)
    )
    for domain, value in zip(instrument.domains, importance or [], strict=False):
        if value is not None:
            ImportanceRating.objects.create(response=response, domain=domain, rating=value)
    for (domain_index, kind), text in (comments or {}).items():
        Comment.objects.create(
            response=response, domain=instrument.domains[domain_index], kind=kind, text=text
        )
    return response


def close(cycle: FeedbackCycle, by: Any = None) -> FeedbackCycle:
    """Close with the real action (which freezes the report)."""
    actions.close_cycle(cycle=cycle, by=by or System("tests"))
    cycle.refresh_from_db()
    return cycle


# The report benchmark's cycle: 31 raters (self, line manager, 10 peers, 8 direct reports,
# 7 other colleagues, 4 patients) of a 60-item questionnaire.
REPORT_BENCHMARK_GROUPS = [
    ("self", 1),
    ("line_manager", 1),
    ("peers", 10),
    ("direct_reports", 8),
    ("other_colleagues", 7),
    ("patients_carers", 4),
]


def closed_cycle_with_raters(
    instrument: Instrument,
    subject_user: Any,
    rng: Any,
    *,
    groups: Sequence[tuple[str, int]] = REPORT_BENCHMARK_GROUPS,
    by: Any = None,
) -> FeedbackCycle:
    """A closed cycle with random answers (10% not observed) from `groups` of raters."""
    cycle = open_cycle(instrument, subject_user=subject_user)
    items = len(instrument.items)
    for code, count in groups:
        for _ in range(count):
            ratings = [None if rng.random() < 0.1 else rng.randint(2, 5) for _ in range(items)]
            submit(
                cycle,
                code,
                ratings,
                importance=[rng.randint(3, 5) for _ in instrument.domains],
                comments={(0, "strength"): "Listens and follows up."},
                instrument=instrument,
            )
    return close(cycle, by=by)
