"""Every write in selection: the eligibility sift when applications close, conflicts, panel
scores, moderation, the allocation of places, offers, the cascade to the waiting list, and the
enrolment hand-off.

A cascade step is one transaction: it lapses overdue offers, re-solves the allocation with
everyone who holds an offer kept in, makes the new offers and marks the freed places as passed
on. Killed at any point, it leaves all of that or none of it, and running it again finishes the
job without offering any place twice (docs/adr/0004-offer-allocation.md).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from healthlead.appraisal.actions import actor_label
from healthlead.core import audit
from healthlead.core.actors import Actor
from healthlead.people.models import StaffGroup
from healthlead.programmes import allocation, bulk, emails, facts, gates, scoring
from healthlead.programmes.actions import (
    ProgrammeError,
    _text,
    _user,
    declare_detected_conflicts,
    move_intake,
)
from healthlead.programmes.application_actions import move_application
from healthlead.programmes.models import (
    MAX_SCORE,
    MIN_SCORE,
    AllocationRun,
    Application,
    ApplicationStateChange,
    ConflictDeclaration,
    EnrolmentHandOff,
    Intake,
    IntakeQuota,
    Moderation,
    Offer,
    PanelMember,
    PanelScore,
    PriorLearningDecision,
    ScoreSheet,
)

logger = logging.getLogger(__name__)
GROUP_LABELS = {str(value): str(label) for value, label in StaffGroup.choices}
# Where an application is once it holds, or held, a place.
HOLDING = {Application.State.OFFERED, Application.State.ACCEPTED}
IN_THE_RUNNING = HOLDING | {Application.State.WAITING_LIST}


def _locked(intake: Intake) -> Intake:
    return (
        Intake.objects.select_for_update(of=("self",))
        .select_related("version__tier")
        .get(pk=intake.pk)
    )


# Closing applications: the eligibility sift ----------------------------------------------------


@transaction.atomic
def close_applications(
    *, intake: Intake, by: Actor, today: dt.date | None = None
) -> dict[str, int]:
    """Close applications and sift every sent application against the gates, finally: what is
    still waiting (an endorsement, funding, an assessor) now counts as not met."""
    today = today or timezone.localdate()
    intake = _locked(intake)
    if intake.state != Intake.State.OPEN:
        raise ProgrammeError("Only an open intake can be closed.")
    gate_defs = facts.gate_list(intake.version)
    applications = list(
        Application.objects.filter(intake=intake, state=Application.State.SUBMITTED)
        .select_related("person", "endorsement", "funding")
        .order_by("pk")
    )
    found = facts.facts_for(
        [a.person for a in applications],
        gate_defs,
        applications={a.person_id: a for a in applications},
    )
    known = facts.catalogue()
    now = timezone.now()
    changes = []
    counts = {"eligible": 0, "not_eligible": 0}
    for application in applications:
        results = gates.evaluate(
            gate_defs, found[application.person_id], known, today=today, final=True
        )
        eligible = gates.overall(results) == gates.PASSED
        application.gate_results = [r.as_dict() for r in results]
        application.gates_checked_at = now
        application.eligible = eligible
        to_state = Application.State.ELIGIBLE if eligible else Application.State.NOT_ELIGIBLE
        changes.append(
            move_application(application, to_state, by=by, note="Eligibility sift", save=False)
        )
        counts["eligible" if eligible else "not_eligible"] += 1
    bulk.update_rows(applications, ["gate_results", "gates_checked_at", "eligible", "state"])
    ApplicationStateChange.objects.bulk_create(changes, batch_size=1000)
    drafts = Application.objects.filter(intake=intake, state=Application.State.DRAFT).count()
    move_intake(intake, Intake.State.SCORING, by=by, note=f"{counts['eligible']} eligible")
    counts["conflicts"] = declare_detected_conflicts(intake, by=by)
    counts["never_sent"] = drafts
    audit.record("programmes.intake.closed", by=by, target=intake, detail=counts)
    return counts


# Conflicts, scores and moderation --------------------------------------------------------------


@transaction.atomic
def declare_conflict(
    *, member: PanelMember, application: Application, reason: str, by: Actor, note: str = ""
) -> ConflictDeclaration:
    """A panel member declares a conflict with an application: they will not score it."""
    if reason not in ConflictDeclaration.Reason.values:
        raise ProgrammeError("Choose the kind of conflict.")
    if member.panel.intake_id != application.intake_id:
        raise ProgrammeError("This application is not for your panel's intake.")
    if ScoreSheet.objects.filter(member=member, application=application).exists():
        raise ProgrammeError(
            "You have already scored this application. Tell the panel chair about the conflict."
        )
    note = _text(
        note, limit=1000, what="a note", required=reason == ConflictDeclaration.Reason.OTHER
    )
    declaration, created = ConflictDeclaration.objects.get_or_create(
        member=member,
        application=application,
        defaults={"reason": reason, "note": note, "declared_by_label": actor_label(by)},
    )
    if created:
        audit.record(
            "programmes.conflict.declared",
            by=by,
            target=application,
            detail={"member": member.pk, "reason": reason},
        )
        _flag_if_complete(application)
    return declaration


def scorers(
    application: Application, members: list[PanelMember] | None = None
) -> list[PanelMember]:
    """The panel members who must score an application: everyone without a conflict."""
    members = (
        members
        if members is not None
        else list(PanelMember.objects.filter(panel__intake_id=application.intake_id))
    )
    conflicted = set(
        ConflictDeclaration.objects.filter(application=application).values_list(
            "member_id", flat=True
        )
    )
    return [m for m in members if m.pk not in conflicted]


def _flag_if_complete(application: Application) -> int:
    """Once every member without a conflict has scored, flag criteria with large
    disagreements for moderation. Returns how many were flagged."""
    needed = {m.pk for m in scorers(application)}
    sheets = list(ScoreSheet.objects.filter(application=application).prefetch_related("scores"))
    if not needed or not needed <= {s.member_id for s in sheets}:
        return 0
    by_criterion: dict[int, list[int]] = defaultdict(list)
    for sheet in sheets:
        if sheet.member_id in needed:
            for score in sheet.scores.all():
                by_criterion[score.criterion_id].append(score.score)
    flags = [
        Moderation(application=application, criterion_id=criterion, lowest=low, highest=high)
        for criterion, low, high in scoring.disagreements(by_criterion)
        if not Moderation.objects.filter(application=application, criterion_id=criterion).exists()
    ]
    Moderation.objects.bulk_create(flags)
    return len(flags)


@transaction.atomic
def submit_score_sheet(
    *,
    application: Application,
    member: PanelMember,
    scores: dict[int, tuple[int, str]],
    by: Actor,
) -> ScoreSheet:
    """A panel member's scores (1 to 5, with an optional note) for every criterion, on their
    own: once sent they are fixed, and disagreements go to moderation."""
    application = (
        Application.objects.select_for_update(of=("self",))
        .select_related("intake__version")
        .get(pk=application.pk)
    )
    if application.intake.state != Intake.State.SCORING:
        raise ProgrammeError("This intake is not being scored.")
    if application.state != Application.State.ELIGIBLE:
        raise ProgrammeError("Only eligible applications are scored.")
    if member.panel.intake_id != application.intake_id:
        raise ProgrammeError("You are not on this intake's panel.")
    if ConflictDeclaration.objects.filter(member=member, application=application).exists():
        raise ProgrammeError(
            "You have a conflict of interest with this applicant, so you do not score them."
        )
    if ScoreSheet.objects.filter(member=member, application=application).exists():
        raise ProgrammeError("You have already scored this application.")
    criteria = list(application.intake.version.criteria.all())
    missing = [c.title for c in criteria if c.pk not in scores]
    if missing:
        raise ProgrammeError(f"Score every criterion: {missing[0]} has no score.")
    extra = set(scores) - {c.pk for c in criteria}
    if extra:
        raise ProgrammeError("Some scores are for criteria this programme does not have.")
    for criterion in criteria:
        value = scores[criterion.pk][0]
        if not isinstance(value, int) or not MIN_SCORE <= value <= MAX_SCORE:
            raise ProgrammeError(f"Scores are from {MIN_SCORE} to {MAX_SCORE}.")
    sheet = ScoreSheet.objects.create(application=application, member=member)
    PanelScore.objects.bulk_create(
        PanelScore(
            sheet=sheet,
            criterion=criterion,
            score=scores[criterion.pk][0],
            note=_text(scores[criterion.pk][1], limit=2000, what="your note"),
        )
        for criterion in criteria
    )
    flagged = _flag_if_complete(application)
    audit.record(
        "programmes.scores.submitted",
        by=by,
        target=application,
        detail={"member": member.pk, "flagged": flagged},
    )
    return sheet


@transaction.atomic
def moderate(*, moderation: Moderation, agreed_score: int, reason: str, by: Actor) -> Moderation:
    """Record the panel's agreed score on a criterion where members disagreed, with the reason."""
    moderation = (
        Moderation.objects.select_for_update(of=("self",))
        .select_related("application__intake")
        .get(pk=moderation.pk)
    )
    if moderation.application.intake.state != Intake.State.SCORING:
        raise ProgrammeError("Scores can only be moderated while the intake is being scored.")
    if not isinstance(agreed_score, int) or not MIN_SCORE <= agreed_score <= MAX_SCORE:
        raise ProgrammeError(f"The agreed score must be from {MIN_SCORE} to {MAX_SCORE}.")
    before = moderation.agreed_score
    moderation.agreed_score = agreed_score
    moderation.reason = _text(
        reason, limit=2000, what="the reason for the agreed score", required=True
    )
    moderation.moderated_by = _user(by)
    moderation.moderated_by_label = actor_label(by)
    moderation.moderated_at = timezone.now()
    moderation.save()
    audit.record(
        "programmes.scores.moderated",
        by=by,
        target=moderation.application,
        detail={
            "criterion": moderation.criterion_id,
            "lowest": moderation.lowest,
            "highest": moderation.highest,
            "before": before,
            "agreed": agreed_score,
        },
    )
    return moderation


# Ranking and allocation ----------------------------------------------------------------------


def readiness(intake: Intake) -> list[str]:
    """What stops an intake moving to ranking, in plain English (empty when ready). A fixed
    number of queries."""
    problems = []
    members = list(PanelMember.objects.filter(panel__intake=intake))
    if not members:
        problems.append("The panel has no members.")
    if intake.version.tier.panel_needs_partner and not any(m.is_partner for m in members):
        problems.append(
            f"Panels for tier {intake.version.tier.number} programmes must include a patient or "
            "public partner. Add one to the panel."
        )
    eligible = list(
        Application.objects.filter(intake=intake, state=Application.State.ELIGIBLE).values_list(
            "pk", flat=True
        )
    )
    conflicts: dict[int, set[int]] = defaultdict(set)
    for member_id, application_id in ConflictDeclaration.objects.filter(
        application__intake=intake
    ).values_list("member_id", "application_id"):
        conflicts[application_id].add(member_id)
    sheets: dict[int, set[int]] = defaultdict(set)
    for member_id, application_id in ScoreSheet.objects.filter(
        application__intake=intake
    ).values_list("member_id", "application_id"):
        sheets[application_id].add(member_id)
    member_ids = {m.pk for m in members}
    unscored = 0
    nobody = 0
    for pk in eligible:
        needed = member_ids - conflicts[pk]
        if not needed:
            nobody += 1
        elif not needed <= sheets[pk]:
            unscored += 1
    if nobody:
        problems.append(
            f"{nobody} eligible applications have no panel member without a conflict. "
            "Add a panel member."
        )
    if unscored:
        problems.append(f"{unscored} eligible applications are still waiting for scores.")
    waiting = Moderation.objects.filter(
        application__intake=intake, agreed_score__isnull=True
    ).count()
    if waiting:
        problems.append(f"{waiting} disagreements are waiting for moderation.")
    return problems


def quotas_of(intake: Intake) -> allocation.Quotas:
    caps: dict[str, int] = {}
    reserves: dict[str, int] = {}
    for quota in IntakeQuota.objects.filter(intake=intake):
        if quota.kind == IntakeQuota.Kind.CAP:
            caps[quota.staff_group] = allocation.cap_places(quota.value, intake.places)
        else:
            reserves[quota.staff_group] = quota.value
    return allocation.Quotas(caps=caps, reserves=reserves)


def _criteria_order(intake: Intake) -> list[int]:
    """Criterion ids, heaviest weight first: the order of the first tie-break."""
    return [
        c.pk
        for c in sorted(intake.version.criteria.all(), key=lambda c: (-c.weight, c.order, c.pk))
    ]


def _candidate(application: Application, order: list[int], *, holds: bool) -> allocation.Candidate:
    values = application.criterion_scores or {}
    return allocation.Candidate(
        key=application.pk,
        score=application.score or Decimal(0),
        criteria=tuple(Decimal(values.get(str(pk), "0")) for pk in order),
        group=application.person.staff_group,
        lottery=allocation.lottery(application.intake_id, application.pk),
        holds_offer=holds,
    )


def _offer_deadline(intake: Intake, today: dt.date) -> dt.date:
    return today + dt.timedelta(days=intake.offer_days)


ALLOCATION_FIELDS = [
    "score",
    "criterion_scores",
    "shortlisted",
    "rank",
    "explanation",
    "offered_at",
    "state",
]


@transaction.atomic
def allocate_places(*, intake: Intake, by: Actor, today: dt.date | None = None) -> AllocationRun:
    """Rank the eligible applications by moderated score and allocate the places within the
    intake's constraints (exactly, with OR-Tools), then make the offers."""
    today = today or timezone.localdate()
    intake = _locked(intake)
    if intake.state != Intake.State.SCORING:
        raise ProgrammeError(
            "Places can be allocated once, after applications close and are scored."
        )
    problems = readiness(intake)
    if problems:
        raise ProgrammeError("This intake cannot move to ranking yet: " + problems[0], problems)
    criteria = list(intake.version.criteria.all())
    weights = {c.pk: c.weight for c in criteria}
    # Only the fields read or written here: an intake can hold thousands of applications.
    applications = list(
        Application.objects.filter(intake=intake, state=Application.State.ELIGIBLE)
        .select_related("person")
        .only(*ALLOCATION_FIELDS, "intake_id", "person__staff_group")
        .order_by("pk")
    )
    conflicts: dict[int, set[int]] = defaultdict(set)
    for member_id, application_id in ConflictDeclaration.objects.filter(
        application__intake=intake
    ).values_list("member_id", "application_id"):
        conflicts[application_id].add(member_id)
    given: dict[int, dict[int, list[int]]] = defaultdict(lambda: defaultdict(list))
    for application_id, member_id, criterion_id, value in PanelScore.objects.filter(
        sheet__application__intake=intake
    ).values_list("sheet__application_id", "sheet__member_id", "criterion_id", "score"):
        if member_id not in conflicts[application_id]:
            given[application_id][criterion_id].append(value)
    agreed: dict[int, dict[int, int]] = defaultdict(dict)
    for application_id, criterion_id, agreed_score in Moderation.objects.filter(
        application__intake=intake
    ).values_list("application_id", "criterion_id", "agreed_score"):
        if agreed_score is not None:
            agreed[application_id][criterion_id] = agreed_score
    minimum = intake.minimum_score
    shortlisted = []
    changes = []
    for application in applications:
        values = scoring.criterion_values(given[application.pk], agreed[application.pk])
        application.score = scoring.weighted_score(values, weights)
        application.criterion_scores = scoring.shown(values)
        application.shortlisted = minimum is None or application.score >= minimum
        if application.shortlisted:
            shortlisted.append(application)
        else:
            application.explanation = (
                f"Not appointable: your score of {application.score:.2f} is below this intake's "
                f"minimum of {minimum:.2f}."
            )
            changes.append(
                move_application(application, Application.State.NOT_APPOINTABLE, by=by, save=False)
            )
    order = _criteria_order(intake)
    candidates = [_candidate(a, order, holds=False) for a in shortlisted]
    quotas = quotas_of(intake)
    try:
        solution = allocation.solve(candidates, intake.places, quotas)
    except allocation.AllocationError as error:
        raise ProgrammeError(str(error)) from None
    ranked = allocation.rank(candidates)
    texts = allocation.explain(ranked, solution.selected, intake.places, quotas, GROUP_LABELS)
    run = AllocationRun.objects.create(
        intake=intake,
        kind=AllocationRun.Kind.INITIAL,
        candidates=len(candidates),
        places=intake.places,
        offers_made=len(solution.selected),
        solver_status=solution.status,
        objective=solution.objective,
        seconds=solution.seconds,
        by_label=actor_label(by),
    )
    now = timezone.now()
    by_key = {a.pk: a for a in shortlisted}
    offers = []
    for position, candidate in enumerate(ranked, start=1):
        application = by_key[candidate.key]
        application.rank = position
        application.explanation = texts[candidate.key]
        if candidate.key in solution.selected:
            application.offered_at = now
            changes.append(
                move_application(application, Application.State.OFFERED, by=by, save=False)
            )
            offers.append(
                Offer(
                    application=application,
                    intake=intake,
                    run=run,
                    deadline=_offer_deadline(intake, today),
                )
            )
        else:
            changes.append(
                move_application(application, Application.State.WAITING_LIST, by=by, save=False)
            )
    bulk.update_rows(applications, ALLOCATION_FIELDS)
    ApplicationStateChange.objects.bulk_create(changes, batch_size=1000)
    Offer.objects.bulk_create(offers, batch_size=1000)
    move_intake(intake, Intake.State.OFFERS, by=by, note=f"{len(offers)} offers made")
    audit.record(
        "programmes.intake.allocated",
        by=by,
        target=intake,
        detail={
            "run": run.pk,
            "eligible": len(applications),
            "shortlisted": len(shortlisted),
            "offers": len(offers),
            "solver": solution.status,
            "seconds": round(solution.seconds, 3),
        },
    )
    _email_offers_after_commit(offers)
    return run


def _email_offers_after_commit(offers: list[Offer]) -> None:
    """Once the transaction commits, a background task emails each new offer."""
    ids = [o.pk for o in offers]
    if ids:
        transaction.on_commit(lambda: _enqueue_offer_emails(ids))


def _enqueue_offer_emails(offer_ids: list[int]) -> None:
    from healthlead.programmes.tasks import send_offer_emails

    send_offer_emails.enqueue(offer_ids)


def send_offer_emails(*, offer_ids: list[int], by: Actor) -> int:
    """Email each offer still open and not yet emailed; returns how many were sent.

    Idempotent: an offer is marked emailed as soon as its message has gone, so a second run
    sends nothing (a run killed between the two may send one message twice)."""
    sent = 0
    offers = (
        Offer.objects.filter(pk__in=offer_ids, state=Offer.State.OPEN, notified_at__isnull=True)
        .select_related("application__person", "application__intake__version__programme")
        .order_by("pk")
    )
    for offer in offers:
        message = emails.offer_made(offer)
        if message.to:
            message.send()
            sent += 1
        Offer.objects.filter(pk=offer.pk).update(notified_at=timezone.now())
    if sent:
        audit.record("programmes.offers.emailed", by=by, detail={"offers": sent})
    return sent


# Offers and the cascade -------------------------------------------------------------------------


def _lapse_overdue(intake: Intake, *, by: Actor, today: dt.date) -> int:
    overdue = list(
        Offer.objects.select_for_update(of=("self",))
        .filter(intake=intake, state=Offer.State.OPEN, deadline__lt=today)
        .select_related("application")
    )
    now = timezone.now()
    for offer in overdue:
        offer.state = Offer.State.LAPSED
        offer.responded_at = now
        offer.save(update_fields=["state", "responded_at"])
        move_application(
            offer.application, Application.State.LAPSED, by=by, note="No answer by the deadline"
        )
    return len(overdue)


def _cascade(intake: Intake, *, by: Actor, today: dt.date) -> AllocationRun | None:
    """Pass every freed place (declined or lapsed, not yet passed on) to the waiting list."""
    freed = list(
        Offer.objects.select_for_update(of=("self",))
        .filter(
            intake=intake,
            state__in=[Offer.State.DECLINED, Offer.State.LAPSED],
            cascaded_at__isnull=True,
        )
        .order_by("pk")
    )
    if not freed:
        return None
    order = _criteria_order(intake)
    running = list(
        Application.objects.filter(intake=intake, state__in=IN_THE_RUNNING, shortlisted=True)
        .select_related("person")
        .order_by("pk")
    )
    candidates = [_candidate(a, order, holds=a.state in HOLDING) for a in running]
    quotas = quotas_of(intake)
    solution = allocation.solve(candidates, intake.places, quotas)
    ranked = allocation.rank(candidates)
    texts = allocation.explain(
        ranked,
        solution.selected,
        intake.places,
        quotas,
        GROUP_LABELS,
        positions={a.pk: a.rank for a in running if a.rank},
        total=Application.objects.filter(intake=intake, shortlisted=True).count(),
    )
    newly = [a for a in running if a.pk in solution.selected and a.state not in HOLDING]
    newly_ids = {a.pk for a in newly}
    run = AllocationRun.objects.create(
        intake=intake,
        kind=AllocationRun.Kind.CASCADE,
        trigger=freed[0],
        candidates=len(candidates),
        places=intake.places,
        offers_made=len(newly),
        solver_status=solution.status,
        objective=solution.objective,
        seconds=solution.seconds,
        by_label=actor_label(by),
    )
    now = timezone.now()
    changes = []
    offers = []
    for application in running:
        application.explanation = texts[application.pk]
        if application.pk in newly_ids:
            application.offered_at = application.offered_at or now
            changes.append(
                move_application(
                    application,
                    Application.State.OFFERED,
                    by=by,
                    note="Offered from the waiting list",
                    save=False,
                )
            )
            offers.append(
                Offer(
                    application=application,
                    intake=intake,
                    run=run,
                    deadline=_offer_deadline(intake, today),
                )
            )
    bulk.update_rows(running, ["explanation", "offered_at", "state"])
    ApplicationStateChange.objects.bulk_create(changes)
    Offer.objects.bulk_create(offers)
    Offer.objects.filter(pk__in=[o.pk for o in freed]).update(cascaded_at=now)
    audit.record(
        "programmes.intake.cascaded",
        by=by,
        target=intake,
        detail={
            "run": run.pk,
            "freed": [o.pk for o in freed],
            "offered": [a.pk for a in newly],
            "seconds": round(solution.seconds, 3),
        },
    )
    _email_offers_after_commit(offers)
    return run


@transaction.atomic
def cascade_step(
    *, intake: Intake, by: Actor, today: dt.date | None = None
) -> AllocationRun | None:
    """One cascade step for an intake, in one transaction: lapse overdue offers, then pass every
    freed place to the best applicants on the waiting list. Idempotent."""
    today = today or timezone.localdate()
    intake = _locked(intake)
    if intake.state != Intake.State.OFFERS:
        return None
    _lapse_overdue(intake, by=by, today=today)
    try:
        return _cascade(intake, by=by, today=today)
    except allocation.AllocationError as error:
        raise ProgrammeError(str(error)) from None


def try_cascade(intake: Intake, *, by: Actor, today: dt.date | None = None) -> AllocationRun | None:
    """A cascade step inside the caller's transaction, in a savepoint: if it fails, the caller's
    change (a decline, a withdrawal) still stands and `manage.py cascade_offers` retries."""
    try:
        with transaction.atomic():
            return cascade_step(intake=intake, by=by, today=today)
    except ProgrammeError:
        logger.exception("Cascade for intake %s failed; cascade_offers will retry", intake.pk)
        return None


def intakes_needing_cascade(today: dt.date | None = None) -> list[int]:
    """Intakes with an overdue open offer or a freed place not yet passed on."""
    today = today or timezone.localdate()
    return sorted(
        set(
            Offer.objects.filter(intake__state=Intake.State.OFFERS)
            .filter(
                Q(state=Offer.State.OPEN, deadline__lt=today)
                | Q(
                    state__in=[Offer.State.DECLINED, Offer.State.LAPSED],
                    cascaded_at__isnull=True,
                )
            )
            .values_list("intake_id", flat=True)
        )
    )


def _exempt_modules(application: Application) -> list[Any]:
    """Modules of the version the person is exempt from, by recognised prior learning."""
    decisions = PriorLearningDecision.objects.filter(
        claim__person_id=application.person_id
    ).order_by("claim_id", "-decided_at", "-pk")
    latest: dict[int, PriorLearningDecision] = {}
    for decision in decisions:
        latest.setdefault(decision.claim_id, decision)
    modules = []
    for decision in latest.values():
        if decision.outcome == PriorLearningDecision.Outcome.PARTIAL:
            modules += [
                m for m in decision.modules.all() if m.version_id == application.intake.version_id
            ]
    return modules


@transaction.atomic
def respond_to_offer(
    *, offer: Offer, accept: bool, by: Actor, today: dt.date | None = None
) -> Offer:
    """Accept an offer (the place is handed to delivery) or decline it (the place cascades to
    the waiting list at once)."""
    today = today or timezone.localdate()
    offer = (
        Offer.objects.select_for_update(of=("self",))
        .select_related("application__intake__version")
        .get(pk=offer.pk)
    )
    if offer.state != Offer.State.OPEN:
        raise ProgrammeError(
            f"This offer is {offer.get_state_display().lower()}: it cannot be answered now."
        )
    application = offer.application
    if offer.deadline < today:
        raise ProgrammeError(
            "The deadline for this offer has passed, so the place has gone to the waiting list."
        )
    offer.state = Offer.State.ACCEPTED if accept else Offer.State.DECLINED
    offer.responded_at = timezone.now()
    offer.save(update_fields=["state", "responded_at"])
    if accept:
        application.accepted_at = offer.responded_at
        application.save(update_fields=["accepted_at"])
        move_application(application, Application.State.ACCEPTED, by=by)
        handoff = EnrolmentHandOff.objects.create(
            application=application,
            person_id=application.person_id,
            intake_id=application.intake_id,
            version_id=application.intake.version_id,
        )
        exempt = _exempt_modules(application)
        if exempt:
            handoff.exempt_modules.set(exempt)
    else:
        move_application(application, Application.State.DECLINED, by=by)
    audit.record(
        "programmes.offer.accepted" if accept else "programmes.offer.declined",
        by=by,
        target=application,
        detail={"offer": offer.pk},
    )
    if not accept:
        try_cascade(application.intake, by=by, today=today)
    return offer


@transaction.atomic
def finish_intake(*, intake: Intake, by: Actor) -> Intake:
    """Finish an intake once no offer is waiting for an answer: the waiting list closes."""
    intake = _locked(intake)
    if intake.state != Intake.State.OFFERS:
        raise ProgrammeError("Only an intake with places offered can be finished.")
    if Offer.objects.filter(intake=intake, state=Offer.State.OPEN).exists():
        raise ProgrammeError("Some offers are still waiting for an answer.")
    if intakes_needing_cascade() and intake.pk in intakes_needing_cascade():
        raise ProgrammeError("Some declined places have not been passed on yet. Try again shortly.")
    waiting = list(Application.objects.filter(intake=intake, state=Application.State.WAITING_LIST))
    changes = [
        move_application(
            a, Application.State.UNSUCCESSFUL, by=by, note="Intake finished", save=False
        )
        for a in waiting
    ]
    bulk.update_rows(waiting, ["state"])
    ApplicationStateChange.objects.bulk_create(changes, batch_size=1000)
    move_intake(intake, Intake.State.FINISHED, by=by)
    audit.record(
        "programmes.intake.finished", by=by, target=intake, detail={"unsuccessful": len(waiting)}
    )
    return intake
