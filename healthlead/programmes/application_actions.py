"""Every write to an application: starting it, its parts (one page each), sending it, the line
manager's endorsement, the employer's funding, the bursary decision, withdrawal and appeals."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from healthlead.accounts.models import Role, RoleAssignment
from healthlead.appraisal.actions import actor_label
from healthlead.core import audit
from healthlead.core.actors import Actor
from healthlead.people.models import Person
from healthlead.programmes import emails, facts, gates
from healthlead.programmes.actions import ProgrammeError, _text, _user
from healthlead.programmes.models import (
    Appeal,
    Application,
    ApplicationStateChange,
    BursaryRequest,
    Endorsement,
    FundingConfirmation,
    Intake,
    Offer,
    SelectionCriterion,
    Statement,
)

STATEMENT_LIMIT = 4000
BURSARY_LIMIT = 20_000
APPEALABLE = {
    Application.State.NOT_ELIGIBLE,
    Application.State.NOT_APPOINTABLE,
    Application.State.WAITING_LIST,
    Application.State.UNSUCCESSFUL,
}
WITHDRAWABLE = {
    Application.State.DRAFT,
    Application.State.SUBMITTED,
    Application.State.ELIGIBLE,
    Application.State.WAITING_LIST,
    Application.State.OFFERED,
}


def move_application(
    application: Application, to_state: str, *, by: Actor, note: str = "", save: bool = True
) -> ApplicationStateChange:
    """Change an application's state and record who did it (saved unless `save` is False,
    for bulk writes)."""
    change = ApplicationStateChange(
        application=application,
        from_state=application.state,
        to_state=to_state,
        by=_user(by),
        by_label=actor_label(by),
        note=note,
    )
    application.state = to_state
    if save:
        application.save(update_fields=["state"])
        change.save()
    return change


# What an application needs ------------------------------------------------------------------


def needs(application_or_intake: Application | Intake) -> dict[str, bool]:
    """Which parts the intake's programme asks for: years, endorsement, funding."""
    intake = (
        application_or_intake.intake
        if isinstance(application_or_intake, Application)
        else application_or_intake
    )
    gate_defs = facts.gate_list(intake.version)
    used = facts.rules_used(gate_defs)
    return {
        "leadership_years": "leadership_years" in used,
        "endorsement": "line_manager_endorsement" in used,
        "funding": "employer_funding" in used,
    }


def intake_problem(intake: Intake, person: Person, today: dt.date | None = None) -> str | None:
    """Why this person cannot apply to this intake now, or None."""
    today = today or timezone.localdate()
    if intake.state != Intake.State.OPEN:
        return "This intake is not open for applications."
    if today < intake.opens_on:
        return f"Applications open on {intake.opens_on:%d %B %Y}."
    if today > intake.closes_on:
        return "Applications for this intake have closed."
    if intake.region_id is not None and person.organisation.region_id != intake.region_id:
        return f"This intake is for staff in {intake.region}."
    return None


def _editable(application: Application, today: dt.date | None = None) -> Application:
    if application.state != Application.State.DRAFT:
        raise ProgrammeError("This application has been sent, so it cannot change.")
    problem = intake_problem(application.intake, application.person, today)
    if problem:
        raise ProgrammeError(problem)
    return application


@transaction.atomic
def start_application(
    *, intake: Intake, person: Person, by: Actor, today: dt.date | None = None
) -> Application:
    """Start an application, if the person passes (or may yet pass) every gate."""
    today = today or timezone.localdate()
    intake = Intake.objects.select_related("version__programme", "version__tier").get(pk=intake.pk)
    problem = intake_problem(intake, person, today)
    if problem:
        raise ProgrammeError(problem)
    existing = Application.objects.filter(intake=intake, person=person).first()
    if existing is not None:
        raise ProgrammeError("You have already started an application to this intake.")
    results = facts.check_person(person, intake.version, today=today)
    failed = [r for r in results if r.status == gates.FAILED]
    if failed:
        raise ProgrammeError(
            "You cannot apply yet: " + failed[0].reason, [r.reason for r in failed]
        )
    application = Application.objects.create(
        intake=intake,
        person=person,
        gate_results=[r.as_dict() for r in results],
        gates_checked_at=timezone.now(),
    )
    ApplicationStateChange.objects.create(
        application=application, to_state=application.state, by=_user(by), by_label=actor_label(by)
    )
    audit.record(
        "programmes.application.started",
        by=by,
        target=application,
        detail={"intake": intake.pk, "person": person.pk},
    )
    return application


@transaction.atomic
def save_leadership_years(
    *, application: Application, years: int, by: Actor, today: dt.date | None = None
) -> Application:
    """Record how many years the applicant has led people or services."""
    _editable(application, today)
    if not isinstance(years, int) or not 0 <= years <= 60:
        raise ProgrammeError("Enter a whole number of years from 0 to 60.")
    application.leadership_years = years
    application.save(update_fields=["leadership_years"])
    audit.record(
        "programmes.application.years_saved", by=by, target=application, detail={"years": years}
    )
    return application


@transaction.atomic
def save_statement(
    *,
    application: Application,
    criterion: SelectionCriterion,
    text: str,
    by: Actor,
    today: dt.date | None = None,
) -> Statement:
    """Save the applicant's statement against one criterion."""
    _editable(application, today)
    if criterion.version_id != application.intake.version_id:
        raise ProgrammeError("This criterion is not one of this programme's.")
    text = _text(text, limit=STATEMENT_LIMIT, what="your statement", required=True)
    statement, _ = Statement.objects.update_or_create(
        application=application, criterion=criterion, defaults={"text": text}
    )
    audit.record(
        "programmes.application.statement_saved",
        by=by,
        target=application,
        detail={"criterion": criterion.pk, "characters": len(text)},
    )
    return statement


@transaction.atomic
def save_bursary_choice(
    *,
    application: Application,
    wants: bool,
    by: Actor,
    amount: int | None = None,
    reason: str = "",
    today: dt.date | None = None,
) -> Application:
    """Whether the applicant asks for an inclusion bursary, and if so how much and why."""
    _editable(application, today)
    application.wants_bursary = wants
    application.save(update_fields=["wants_bursary"])
    if not wants:
        BursaryRequest.objects.filter(application=application).delete()
    elif amount is not None or reason:
        if amount is None or not 1 <= amount <= BURSARY_LIMIT:
            raise ProgrammeError(f"Enter an amount from £1 to £{BURSARY_LIMIT:,}.")
        reason = _text(reason, limit=2000, what="why you are asking for a bursary", required=True)
        BursaryRequest.objects.update_or_create(
            application=application, defaults={"amount_requested": amount, "reason": reason}
        )
    audit.record(
        "programmes.application.bursary_saved",
        by=by,
        target=application,
        detail={"wants": wants, "amount": amount},
    )
    return application


def missing_parts(application: Application) -> list[tuple[str, str]]:
    """(part, message) for everything still to do before the application can be sent."""
    missing: list[tuple[str, str]] = []
    needed = needs(application)
    if needed["leadership_years"] and application.leadership_years is None:
        missing.append(("leadership_years", "Say how many years you have led people or services."))
    written = {s.criterion_id for s in application.statements.all() if s.text.strip()}
    for criterion in application.intake.version.criteria.all():
        if criterion.pk not in written:
            missing.append(
                (f"statement-{criterion.pk}", f"Write your statement on {criterion.title.lower()}.")
            )
    if needed["endorsement"] and application.person.line_manager_id is None:
        missing.append(
            ("line_manager", "Your staff record has no line manager to endorse your application.")
        )
    if application.wants_bursary is None:
        missing.append(("bursary", "Say whether you want to apply for an inclusion bursary."))
    elif (
        application.wants_bursary
        and not BursaryRequest.objects.filter(application=application).exists()
    ):
        missing.append(("bursary_details", "Say how much bursary you need and why."))
    return missing


def _lead_emails(organisation_id: int) -> list[str]:
    return sorted(
        RoleAssignment.objects.current()
        .filter(role=Role.ORGANISATION_LEAD, organisation_id=organisation_id)
        .values_list("user__email", flat=True)
    )


@transaction.atomic
def submit_application(
    *, application: Application, by: Actor, today: dt.date | None = None
) -> Application:
    """Send the application: checks it is complete and that no gate has failed, then asks the
    line manager to endorse it and the employer to confirm funding (by email and a task)."""
    today = today or timezone.localdate()
    application = (
        Application.objects.select_for_update(of=("self",))
        .select_related(
            "intake__version__programme", "person__organisation", "person__line_manager"
        )
        .get(pk=application.pk)
    )
    _editable(application, today)
    missing = missing_parts(application)
    if missing:
        raise ProgrammeError(
            "Your application is not finished: " + missing[0][1], [m for _, m in missing]
        )
    results = facts.check_person(
        application.person, application.intake.version, today=today, application=application
    )
    failed = [r for r in results if r.status == gates.FAILED]
    if failed:
        raise ProgrammeError(
            "You cannot send this application: " + failed[0].reason, [r.reason for r in failed]
        )
    needed = needs(application)
    messages = []
    person = application.person
    if needed["endorsement"] and person.line_manager is not None:
        endorsement = Endorsement.objects.create(
            application=application, manager=person.line_manager
        )
        messages.append(emails.endorsement_request(endorsement))
    if needed["funding"]:
        funding = FundingConfirmation.objects.create(
            application=application,
            organisation=person.organisation,
            amount=application.intake.version.cost_per_place or 0,
        )
        messages.append(emails.funding_request(funding, _lead_emails(person.organisation_id)))
    application.submitted_at = timezone.now()
    application.gate_results = [
        r.as_dict()
        for r in facts.check_person(
            person, application.intake.version, today=today, application=application
        )
    ]
    application.gates_checked_at = timezone.now()
    application.save(update_fields=["submitted_at", "gate_results", "gates_checked_at"])
    move_application(application, Application.State.SUBMITTED, by=by)
    audit.record(
        "programmes.application.submitted",
        by=by,
        target=application,
        detail={"intake": application.intake_id, "endorsement": needed["endorsement"]},
    )
    emails.send_after_commit(messages)
    return application


@transaction.atomic
def withdraw_application(*, application: Application, by: Actor) -> Application:
    """Withdraw an application; an open offer is declined and its place passed on."""
    from healthlead.programmes import selection_actions

    application = Application.objects.select_for_update(of=("self",)).get(pk=application.pk)
    if application.state not in WITHDRAWABLE:
        raise ProgrammeError(
            f"This application is {application.get_state_display().lower()}: it cannot be "
            "withdrawn now."
        )
    offer = application.offers.filter(state=Offer.State.OPEN).first()
    if offer is not None:
        offer.state = Offer.State.DECLINED
        offer.responded_at = timezone.now()
        offer.save(update_fields=["state", "responded_at"])
    move_application(application, Application.State.WITHDRAWN, by=by)
    audit.record(
        "programmes.application.withdrawn",
        by=by,
        target=application,
        detail={"had_offer": offer is not None},
    )
    if offer is not None:
        selection_actions.try_cascade(application.intake, by=by)
    return application


# Decisions by others ----------------------------------------------------------------------------


def _before_closing(application: Application, today: dt.date | None = None) -> None:
    today = today or timezone.localdate()
    intake = application.intake
    if intake.state != Intake.State.OPEN or today > intake.closes_on:
        raise ProgrammeError(
            "Applications to this intake have closed, so this can no longer change."
        )
    if application.state != Application.State.SUBMITTED:
        raise ProgrammeError("This application is no longer waiting for this decision.")


@transaction.atomic
def decide_endorsement(
    *,
    endorsement: Endorsement,
    endorse: bool,
    by: Actor,
    comment: str = "",
    confirms_years: bool | None = None,
    today: dt.date | None = None,
) -> Endorsement:
    """The line manager endorses an application, or does not, before applications close."""
    endorsement = (
        Endorsement.objects.select_for_update(of=("self",))
        .select_related("application__intake")
        .get(pk=endorsement.pk)
    )
    if endorsement.state != Endorsement.State.REQUESTED:
        raise ProgrammeError("You have already answered this request.")
    _before_closing(endorsement.application, today)
    comment = _text(comment, limit=2000, what="your comment", required=not endorse)
    if needs(endorsement.application)["leadership_years"] and endorse and confirms_years is None:
        raise ProgrammeError("Say whether you confirm the applicant's years of leading people.")
    endorsement.state = Endorsement.State.ENDORSED if endorse else Endorsement.State.DECLINED
    endorsement.comment = comment
    endorsement.confirms_leadership_years = confirms_years if endorse else None
    endorsement.decided_at = timezone.now()
    endorsement.decided_by = _user(by)
    endorsement.save()
    audit.record(
        "programmes.endorsement.decided",
        by=by,
        target=endorsement.application,
        detail={"endorsed": endorse, "confirms_years": confirms_years},
    )
    return endorsement


@transaction.atomic
def decide_funding(
    *,
    funding: FundingConfirmation,
    confirm: bool,
    by: Actor,
    reference: str = "",
    comment: str = "",
    today: dt.date | None = None,
) -> FundingConfirmation:
    """The employer confirms it will fund the place, or does not."""
    funding = (
        FundingConfirmation.objects.select_for_update(of=("self",))
        .select_related("application__intake")
        .get(pk=funding.pk)
    )
    if funding.state != FundingConfirmation.State.REQUESTED:
        raise ProgrammeError("This request has already been answered.")
    _before_closing(funding.application, today)
    funding.state = (
        FundingConfirmation.State.CONFIRMED if confirm else FundingConfirmation.State.REFUSED
    )
    funding.reference = _text(reference, limit=100, what="the reference")
    funding.comment = _text(comment, limit=2000, what="your comment", required=not confirm)
    funding.decided_at = timezone.now()
    funding.decided_by = _user(by)
    funding.save()
    audit.record(
        "programmes.funding.decided",
        by=by,
        target=funding.application,
        detail={"confirmed": confirm, "amount": funding.amount},
    )
    return funding


@transaction.atomic
def decide_bursary(
    *, bursary: BursaryRequest, approve: bool, by: Actor, amount: int = 0, note: str = ""
) -> BursaryRequest:
    """Approve an inclusion bursary (up to the amount asked for), or decline it, with a note."""
    bursary = BursaryRequest.objects.select_for_update(of=("self",)).get(pk=bursary.pk)
    if bursary.application.submitted_at is None:
        raise ProgrammeError("This application has not been sent.")
    if bursary.state != BursaryRequest.State.REQUESTED:
        raise ProgrammeError("This bursary has already been decided.")
    if approve and not 1 <= amount <= bursary.amount_requested:
        raise ProgrammeError(f"Award from £1 to the £{bursary.amount_requested:,} asked for.")
    bursary.state = BursaryRequest.State.APPROVED if approve else BursaryRequest.State.DECLINED
    bursary.amount_awarded = amount if approve else 0
    bursary.decision_note = _text(note, limit=2000, what="a note", required=not approve)
    bursary.decided_at = timezone.now()
    bursary.decided_by = _user(by)
    bursary.save()
    audit.record(
        "programmes.bursary.decided",
        by=by,
        target=bursary.application,
        detail={"approved": approve, "amount": bursary.amount_awarded},
    )
    return bursary


@transaction.atomic
def lodge_appeal(*, application: Application, grounds: str, by: Actor) -> Appeal:
    """The applicant appeals against a decision (not eligible, not appointable, not offered)."""
    if application.state not in APPEALABLE:
        raise ProgrammeError("You can appeal once a decision has gone against your application.")
    if application.appeals.filter(state=Appeal.State.LODGED).exists():
        raise ProgrammeError("Your appeal is waiting for a decision.")
    grounds = _text(grounds, limit=4000, what="the grounds for your appeal", required=True)
    appeal = Appeal.objects.create(application=application, grounds=grounds)
    audit.record(
        "programmes.appeal.lodged",
        by=by,
        target=application,
        detail={"appeal": appeal.pk, "state": application.state},
    )
    return appeal


@transaction.atomic
def decide_appeal(*, appeal: Appeal, upheld: bool, reason: str, by: Actor) -> Appeal:
    """Record an appeal's outcome, with the reason."""
    appeal = Appeal.objects.select_for_update(of=("self",)).get(pk=appeal.pk)
    if appeal.state != Appeal.State.LODGED:
        raise ProgrammeError("This appeal has already been decided.")
    if getattr(by, "person_id", None) == appeal.application.person_id:
        raise ProgrammeError("You cannot decide your own appeal.")
    appeal.state = Appeal.State.UPHELD if upheld else Appeal.State.NOT_UPHELD
    appeal.outcome_reason = _text(reason, limit=4000, what="the reason", required=True)
    appeal.decided_by = _user(by)
    appeal.decided_by_label = actor_label(by)
    appeal.decided_at = timezone.now()
    appeal.save()
    audit.record(
        "programmes.appeal.decided",
        by=by,
        target=appeal.application,
        detail={"appeal": appeal.pk, "upheld": upheld},
    )
    return appeal


def bursary_of(application: Application) -> Any:
    return BursaryRequest.objects.filter(application=application).first()
