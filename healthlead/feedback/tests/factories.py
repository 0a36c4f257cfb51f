"""Small frameworks, people and 360 cycles for feedback tests.

Frameworks are reference data, so their factories create rows directly. Everything in
the feedback app itself is reached through its actions, so tests exercise the real path.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import factory
from django.core import mail
from django.utils import timezone

from healthlead.accounts.models import Role, User
from healthlead.accounts.tests.factories import UserFactory
from healthlead.core.actors import System
from healthlead.feedback import actions
from healthlead.feedback.models import FeedbackCycle, Invitation, RaterGroup
from healthlead.frameworks.models import (
    Domain,
    Element,
    Framework,
    FrameworkVersion,
    Indicator,
    Stage,
)
from healthlead.people.models import CareerStage, Person
from healthlead.people.tests.factories import PersonFactory

SYSTEM = System("tests")
LINK = re.compile(r"/feedback/respond/([A-Za-z0-9_-]+)/")


class FrameworkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Framework

    code = factory.Sequence(lambda n: f"FW{n}")
    name = factory.Sequence(lambda n: f"Test Leadership Framework {n}")


class FrameworkVersionFactory(factory.django.DjangoModelFactory):
    """A published version unless state="draft" is passed."""

    class Meta:
        model = FrameworkVersion

    framework = factory.SubFactory(FrameworkFactory)
    version = "1.0"
    state = FrameworkVersion.State.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)


class StageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Stage

    version = factory.SubFactory(FrameworkVersionFactory)
    code = factory.Sequence(lambda n: f"stage{n}")
    name = factory.Sequence(lambda n: f"Stage {n}")
    order = factory.Sequence(lambda n: n)


class DomainFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Domain

    version = factory.SubFactory(FrameworkVersionFactory)
    code = factory.Sequence(lambda n: f"D{n}")
    name = factory.Sequence(lambda n: f"Domain {n}")
    order = factory.Sequence(lambda n: n)


class ElementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Element

    domain = factory.SubFactory(DomainFactory)
    code = factory.Sequence(lambda n: f"E{n}")
    name = factory.Sequence(lambda n: f"Acting with purpose {n}")
    order = factory.Sequence(lambda n: n)


class IndicatorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Indicator

    element = factory.SubFactory(ElementFactory)
    code = factory.Sequence(lambda n: f"I{n}")
    text = factory.Sequence(lambda n: f"Seeks feedback from their team on decision {n}")
    order = factory.Sequence(lambda n: n)


def small_framework(
    *,
    domains: int = 2,
    elements: int = 2,
    indicators: int = 2,
    with_stages: bool = True,
    name: str = "Medical Leadership Test Framework",
) -> FrameworkVersion:
    """A published framework version shaped like the MLCF, small enough for tests.

    Stages: undergraduate (students), postgraduate (early career, registrars), continuing
    practice (everyone later). Domain 1 is expected by undergraduate, domain 2 by
    postgraduate, any further domains by continuing practice. The last element of the last
    domain has no indicators when `indicators` > 0, so it becomes one item on its own.
    """
    version = FrameworkVersionFactory(framework=FrameworkFactory(name=name))
    stages: list[Stage] = []
    if with_stages:
        for order, (code, stage_name, careers) in enumerate(
            [
                ("undergraduate", "End of medical school", [CareerStage.STUDENT]),
                (
                    "postgraduate",
                    "End of postgraduate training",
                    [CareerStage.EARLY_CAREER, CareerStage.REGISTRAR],
                ),
                (
                    "continuing",
                    "Continuing practice",
                    [CareerStage.ESTABLISHED, CareerStage.SENIOR, CareerStage.EXECUTIVE],
                ),
            ]
        ):
            stages.append(
                StageFactory(
                    version=version, code=code, name=stage_name, order=order, career_stages=careers
                )
            )
    for d in range(domains):
        domain = DomainFactory(version=version, code=str(d + 1), order=d)
        for e in range(elements):
            element = ElementFactory(
                domain=domain,
                code=f"{d + 1}.{e + 1}",
                order=e,
                expected_by=stages[min(d, len(stages) - 1)] if stages else None,
            )
            last = d == domains - 1 and e == elements - 1
            for i in range(0 if last else indicators):
                IndicatorFactory(element=element, code=f"{d + 1}.{e + 1}.{i + 1}", order=i)
    return version


def staff_user(**person_fields: Any) -> User:
    """A member of staff with an account (and a line manager if given)."""
    person = PersonFactory(**person_fields)
    return UserFactory(person=person, email=f"user.{person.staff_number}@accounts.example")


def facilitator_user() -> User:
    return UserFactory(roles=[(Role.FACILITATOR, None)])


def in_days(days: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


def group(code: str) -> RaterGroup:
    return RaterGroup.objects.get(code=code)


def draft_cycle(
    *,
    subject_user: User | None = None,
    version: FrameworkVersion | None = None,
    deadline_days: int = 21,
    facilitator: User | None = None,
) -> FeedbackCycle:
    """A cycle being set up, started by its subject."""
    subject_user = subject_user or staff_user()
    version = version or small_framework()
    questionnaire = actions.questionnaire_for(framework_version=version, by=subject_user)
    assert subject_user.person is not None
    return actions.start_cycle(
        subject=subject_user.person,
        questionnaire=questionnaire,
        deadline=in_days(deadline_days),
        facilitator=facilitator,
        by=subject_user,
    )


def invite(cycle: FeedbackCycle, code: str, *emails: str) -> list[Invitation]:
    """Invite people by email in one group, as the cycle's subject."""
    return actions.invite_raters(
        cycle=cycle,
        group=group(code),
        raters=[actions.RaterEntry(email=e, name="") for e in emails],
        by=cycle.started_by,
    ).invitations


def tokens_in_outbox() -> dict[str, str]:
    """Email address -> the newest link token sent to it."""
    found: dict[str, str] = {}
    for message in mail.outbox:
        match = LINK.search(message.body)
        if match:
            for address in message.to:
                found[address] = match.group(1)
    return found


def launched_cycle(
    django_capture_on_commit_callbacks: Any,
    *,
    peers: int = 3,
    line_manager: bool = True,
    **kwargs: Any,
) -> tuple[FeedbackCycle, dict[str, str]]:
    """A launched cycle with peers (and a line manager); returns it and each rater's token."""
    cycle = draft_cycle(**kwargs)
    if line_manager:
        invite(cycle, "line_manager", "manager@nhs.example")
    if peers:
        invite(cycle, "peers", *[f"peer{n}@nhs.example" for n in range(1, peers + 1)])
    with django_capture_on_commit_callbacks(execute=True):
        actions.launch_cycle(cycle=cycle, by=cycle.started_by)
    cycle.refresh_from_db()
    return cycle, tokens_in_outbox()


def answer_everything(invitation: Invitation, rating: int | None = 4, *, by: Any = None) -> None:
    """Save every section of the questionnaire for an invitation (not yet submitted)."""
    from healthlead.feedback import queries

    for section in queries.questionnaire_sections(invitation.cycle.questionnaire_id):
        actions.save_answers(
            invitation=invitation,
            domain=section.domain,
            answers=actions.DomainAnswers(
                ratings={item.pk: rating for item in section.items}, importance=3
            ),
            by=by or SYSTEM,
        )


def respond(token: str, rating: int | None = 4) -> None:
    """A rater answers every question and sends their feedback."""
    invitation = actions.invitation_for_token(token)
    assert invitation is not None
    answer_everything(invitation, rating)
    actions.submit_response(invitation=invitation, by=SYSTEM)


def person_of(user: User) -> Person:
    assert user.person is not None
    return user.person
