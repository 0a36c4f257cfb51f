"""Building programme data for tests through the real actions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from healthlead.core.actors import System
from healthlead.frameworks import actions as framework_actions
from healthlead.programmes import actions, application_actions, selection_actions
from healthlead.programmes.models import (
    Application,
    Intake,
    PanelMember,
    ProgrammeVersion,
)

SYSTEM = System("tests")


def load_curriculum() -> None:
    """The shipped frameworks and the demo curriculum (published)."""
    framework_actions.load_frameworks(by=SYSTEM)
    actions.load_curriculum(by=SYSTEM)


def version(code: str) -> ProgrammeVersion:
    return ProgrammeVersion.objects.select_related("programme", "tier").get(
        programme__code=code, state=ProgrammeVersion.State.PUBLISHED
    )


def complete(person: Any, programme_name: str, day: dt.date | None = None) -> None:
    """Record that a person completed a programme (as delivery would)."""
    from healthlead.appraisal import actions as appraisal_actions

    appraisal_actions.record_completion_evidence(
        person=person,
        programme_name=programme_name,
        completed_on=day or timezone.localdate() - dt.timedelta(days=100),
        by=SYSTEM,
    )


def open_intake(
    code: str = "mary-seacole",
    *,
    places: int = 2,
    region: Any = None,
    budget: int = 10_000,
    **kw: Any,
) -> Intake:
    today = timezone.localdate()
    intake = actions.create_intake(
        version=version(code),
        name=f"{code} intake",
        region=region,
        opens_on=today - dt.timedelta(days=1),
        closes_on=today + dt.timedelta(days=20),
        places=places,
        budget=budget,
        by=SYSTEM,
        **kw,
    )
    return actions.open_intake(intake=intake, by=SYSTEM)


def evidence(name: str = "degree.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"%PDF-1.4\n%certificate\n", "application/pdf")


def fill_and_send(application: Application, *, by: Any, years: int | None = None) -> Application:
    """Write every statement, answer the bursary question, and send."""
    if application_actions.needs(application)["leadership_years"]:
        application_actions.save_leadership_years(
            application=application, years=years if years is not None else 5, by=by
        )
    for criterion in application.intake.version.criteria.all():
        application_actions.save_statement(
            application=application,
            criterion=criterion,
            text=f"My statement on {criterion.title}.",
            by=by,
        )
    application_actions.save_bursary_choice(application=application, wants=False, by=by)
    return application_actions.submit_application(application=application, by=by)


def apply(
    intake: Intake, person: Any, *, by: Any = SYSTEM, endorse: bool = True, fund: bool = True
) -> Application:
    """Start, fill and send an application; the manager endorses and the employer funds it."""
    application = application_actions.start_application(intake=intake, person=person, by=by)
    application = fill_and_send(application, by=by)
    application.refresh_from_db()
    endorsement = getattr(application, "endorsement", None)
    if endorsement is not None and endorse:
        application_actions.decide_endorsement(
            endorsement=endorsement, endorse=True, confirms_years=True, by=SYSTEM
        )
    funding = getattr(application, "funding", None)
    if funding is not None and fund:
        application_actions.decide_funding(
            funding=funding, confirm=True, reference="PO-1", by=SYSTEM
        )
    return application


def score_all(
    intake: Intake, scores: dict[int, dict[int, int]] | None = None, default: int = 3
) -> None:
    """Every panel member scores every eligible application they may score.

    `scores` maps application id -> member id -> the score for every criterion.
    """
    criteria = list(intake.version.criteria.all())
    members = list(PanelMember.objects.filter(panel__intake=intake))
    for application in Application.objects.filter(intake=intake, state=Application.State.ELIGIBLE):
        done = set(application.score_sheets.values_list("member_id", flat=True))
        for member in selection_actions.scorers(application, members):
            if member.pk in done:
                continue
            value = (scores or {}).get(application.pk, {}).get(member.pk, default)
            selection_actions.submit_score_sheet(
                application=application,
                member=member,
                scores={c.pk: (value, "") for c in criteria},
                by=SYSTEM,
            )
