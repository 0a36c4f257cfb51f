"""Every write to talent conversations, the grid, the talent pool and succession plans."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from healthlead.appraisal import queries as appraisal_queries
from healthlead.appraisal.actions import actor_label
from healthlead.appraisal.models import Appraisal
from healthlead.core import audit
from healthlead.core.actors import Actor
from healthlead.core.emails import absolute_url, templated_message
from healthlead.core.formatting import nhs_date
from healthlead.people.models import Organisation, Person
from healthlead.talent import grid
from healthlead.talent.models import (
    SHARING_CHOICES,
    Aspiration,
    ConsentRecord,
    GridTally,
    PoolEntry,
    PoolEntryProgramme,
    PoolEntryScore,
    PoolSearch,
    PoolViewLog,
    Profession,
    Readiness,
    Shortlist,
    ShortlistEntry,
    SuccessionCandidate,
    SuccessionPlan,
    TalentConversation,
    TalentProfile,
    TalentRating,
    TalentRatingChange,
    TalentReview,
    aspirations_mask,
)


class TalentError(Exception):
    """A talent change that cannot be made, with a message for the user."""


def _user(by: Actor) -> Any:
    return by if getattr(by, "is_authenticated", False) else None


def _text(value: str | None, *, limit: int, what: str, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise TalentError(f"Enter {what}.")
    if len(value) > limit:
        raise TalentError(f"{what[0].upper()}{what[1:]} must be {limit:,} characters or fewer.")
    return value


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day so many months on (the month's last day when it has no such day)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise ValueError("unreachable")


# Talent conversations and the grid ----------------------------------------------------------

APPRAISAL_FRESH_MONTHS = 18  # an appraisal older than this no longer gives the performance


def performance_from_appraisal(person: Person, on: dt.date) -> Appraisal | None:
    """The person's latest signed-off appraisal, if recent enough to place them on the grid."""
    appraisal = appraisal_queries.latest_signed_off(person)
    if appraisal is None or appraisal.signed_off_at is None:
        return None
    if add_months(appraisal.signed_off_at.date(), APPRAISAL_FRESH_MONTHS) < on:
        return None
    return appraisal


def _place(
    *,
    person: Person,
    performance: int,
    potential: int,
    by: Actor,
    kind: str,
    reason: str = "",
    conversation: TalentConversation | None = None,
) -> TalentRating:
    box = grid.box_for(performance, potential)
    rating = TalentRating.objects.select_for_update().filter(person=person).first()
    from_box = rating.box if rating is not None else None
    if rating is None:
        rating = TalentRating(person=person)
    rating.performance, rating.potential, rating.box = performance, potential, box
    if conversation is not None:
        rating.conversation = conversation
    rating.save()
    TalentRatingChange.objects.create(
        rating=rating,
        person=person,
        kind=kind,
        from_box=from_box,
        to_box=box,
        reason=reason,
        by=_user(by),
        by_label=actor_label(by),
    )
    audit.record(
        f"talent.rating.{kind}",
        by=by,
        target=rating,
        detail={"person": person.pk, "from_box": from_box, "to_box": box},
        reason=reason,
    )
    recount_grid(organisation_id=person.organisation_id)
    return rating


@transaction.atomic
def recount_grid(*, organisation_id: int) -> None:
    """Count the organisation's 9-box grid again (GridTally): each box's active staff and the
    first of them by name. Two queries over one organisation's staff, whatever the region."""
    from healthlead.talent.queries import count_grid

    now = timezone.now()
    GridTally.objects.bulk_create(
        [GridTally(organisation_id=organisation_id, box=box, counted_at=now) for box in grid.BOXES],
        ignore_conflicts=True,
    )
    # Locked first, so two moves in one organisation recount one after the other and the
    # second counts the first (each statement after the lock sees what committed before it).
    tallies = {
        t.box: t
        for t in GridTally.objects.select_for_update().filter(organisation_id=organisation_id)
    }
    counted = count_grid(
        TalentRating.objects.filter(
            person__organisation_id=organisation_id, person__status=Person.Status.ACTIVE
        )
    )
    for box, tally in tallies.items():
        tally.count = counted.counts.get(box, 0)
        tally.first_people = counted.first_people.get(box, [])
        tally.counted_at = now
    GridTally.objects.bulk_update(tallies.values(), ["count", "first_people", "counted_at"])


def refresh_grid_tallies(*, by: Actor) -> int:
    """Recount every organisation's grid (one transaction each, so no lock is held for long):
    nightly, and after a bulk load, for changes made outside the talent actions."""
    ids = list(Organisation.objects.order_by("pk").values_list("pk", flat=True))
    for organisation_id in ids:
        recount_grid(organisation_id=organisation_id)
    audit.record("talent.grid.recounted", by=by, detail={"organisations": len(ids)})
    return len(ids)


@transaction.atomic
def start_conversation(
    *,
    person: Person,
    by: Actor,
    held_on: dt.date,
    aspirations: Iterable[str],
    readiness: str,
    potential: int,
    performance: int | None = None,
    aspiration_notes: str = "",
    notes: str = "",
) -> TalentConversation:
    """Record a talent conversation and place the person on the grid.

    Performance comes from the latest signed-off appraisal when there is a recent one; only
    without one is it agreed in the conversation. Reviews are due at 6 and 12 months.
    """
    today = timezone.localdate()
    if held_on > today:
        raise TalentError("The conversation cannot be in the future.")
    if held_on < add_months(today, -12):
        raise TalentError("Record conversations held in the last 12 months.")
    codes = list(dict.fromkeys(aspirations))
    unknown = [c for c in codes if c not in Aspiration.values]
    if unknown:
        raise TalentError("Choose aspirations from the roles listed.")
    if readiness not in Readiness.values:
        raise TalentError("Choose how ready they are.")
    if potential not in grid.LEVELS:
        raise TalentError("Choose a potential rating.")
    appraisal = performance_from_appraisal(person, held_on)
    if appraisal is not None:
        performance = appraisal.performance
        source = TalentConversation.PerformanceSource.APPRAISAL
    else:
        if performance not in grid.LEVELS:
            raise TalentError(
                "There is no recent signed-off appraisal, so choose a performance rating."
            )
        source = TalentConversation.PerformanceSource.CONVERSATION
    assert performance is not None
    started_as = (
        TalentConversation.StartedAs.PERSON
        if getattr(by, "person_id", None) == person.pk
        else TalentConversation.StartedAs.MANAGER
    )
    conversation = TalentConversation.objects.create(
        person=person,
        started_by=_user(by),
        started_by_label=actor_label(by),
        started_as=started_as,
        manager=person.line_manager,
        held_on=held_on,
        aspirations=codes,
        aspiration_notes=_text(aspiration_notes, limit=2000, what="notes on aspirations"),
        readiness=readiness,
        performance=performance,
        performance_source=source,
        appraisal=appraisal,
        potential=potential,
        notes=_text(notes, limit=4000, what="the notes"),
    )
    for months in (6, 12):
        TalentReview.objects.create(
            conversation=conversation, months=months, due_on=add_months(held_on, months)
        )
    _place(
        person=person,
        performance=performance,
        potential=potential,
        by=by,
        kind=TalentRatingChange.Kind.CONVERSATION,
        conversation=conversation,
    )
    audit.record(
        "talent.conversation.recorded",
        by=by,
        target=conversation,
        detail={
            "person": person.pk,
            "readiness": readiness,
            "aspirations": codes,
            "box": grid.box_for(performance, potential),
            "performance_from": source,
        },
    )
    refresh_pool_entry(person=person, by=by)
    return conversation


@transaction.atomic
def record_review(*, review: TalentReview, notes: str, by: Actor) -> TalentReview:
    """Record that a 6- or 12-month review of a talent conversation took place."""
    review = TalentReview.objects.select_for_update().get(pk=review.pk)
    if review.reviewed_at is not None:
        raise TalentError("This review has already been recorded.")
    review.notes = _text(notes, limit=2000, what="what you reviewed", required=True)
    review.reviewed_at = timezone.now()
    review.reviewed_by = _user(by)
    review.reviewed_by_label = actor_label(by)
    review.save()
    audit.record(
        "talent.review.recorded",
        by=by,
        target=review,
        detail={"conversation": review.conversation_id, "months": review.months},
    )
    return review


REMINDER_WINDOW_DAYS = 14


def _review_message(review: TalentReview, to: list[str]) -> EmailMultiAlternatives:
    conversation = review.conversation
    context = {
        "first_name": conversation.person.first_name,
        "person_name": conversation.person.full_name,
        "months": review.months,
        "due_on": nhs_date(review.due_on),
        "held_on": nhs_date(conversation.held_on),
        "link": absolute_url(reverse("talent:show_talent_conversation", args=[conversation.pk])),
    }
    return templated_message("talent/emails/review_reminder", context, to)


def _address(person: Person | None) -> str:
    if person is None:
        return ""
    user = getattr(person, "user", None)
    if user is not None and user.email:
        return str(user.email)
    return person.work_email


@transaction.atomic
def send_review_reminders(*, by: Actor, today: dt.date | None = None) -> int:
    """Remind the person and their manager of reviews due within two weeks (or overdue) that
    have not been held. Each review is reminded once, so running this twice sends nothing new."""
    today = today or timezone.localdate()
    due = (
        TalentReview.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(
            reviewed_at__isnull=True,
            reminded_at__isnull=True,
            due_on__lte=today + dt.timedelta(days=REMINDER_WINDOW_DAYS),
        )
        .select_related("conversation__person__line_manager", "conversation__person__user")
        .order_by("due_on", "pk")[:5000]
    )
    messages = []
    now = timezone.now()
    count = 0
    for review in due:
        person = review.conversation.person
        to = sorted({a for a in (_address(person), _address(person.line_manager)) if a})
        review.reminded_at = now
        review.save(update_fields=["reminded_at"])
        count += 1
        if to:
            messages.append(_review_message(review, to))
    if count:
        audit.record("talent.review.reminders_sent", by=by, detail={"reviews": count})

    def send() -> None:
        for message in messages:
            message.send()

    transaction.on_commit(send)
    return count


@transaction.atomic
def calibrate(
    *, person: Person, performance: int, potential: int, reason: str, by: Actor
) -> TalentRating:
    """A lead moves a person to another box, with a recorded reason; the history is kept."""
    reason = _text(reason, limit=2000, what="the reason for the move", required=True)
    if performance not in grid.LEVELS or potential not in grid.LEVELS:
        raise TalentError("Choose a box on the grid.")
    rating = TalentRating.objects.select_for_update().filter(person=person).first()
    if rating is None:
        raise TalentError(
            f"{person.full_name} is not on the grid yet: a talent conversation places them first."
        )
    if rating.box == grid.box_for(performance, potential):
        raise TalentError(f"{person.full_name} is already in that box.")
    rating = _place(
        person=person,
        performance=performance,
        potential=potential,
        by=by,
        kind=TalentRatingChange.Kind.CALIBRATION,
        reason=reason,
    )
    refresh_pool_entry(person=person, by=by)
    return rating


# The talent pool ----------------------------------------------------------------------------

CONSENT_TEXT_VERSION = "2026-1"
CONSENT_TEXT = (
    "I agree to be in the national talent pool for director and board appointments. National "
    "leads, and regional leads for my region, may find me by searching the pool and see what I "
    "choose to share below. Every search and every view of my profile is recorded with its "
    "reason, and I can see who viewed my profile and when. I can change what I share or leave "
    "the pool at any time; leaving removes me from every search at once."
)
SHARING_FIELDS = [name for name, _ in SHARING_CHOICES]


def _sharing(profile: TalentProfile) -> dict[str, bool]:
    return {name: bool(getattr(profile, name)) for name in SHARING_FIELDS}


def _apply_profile(
    profile: TalentProfile, *, profession: str, statement: str, sharing: dict[str, bool]
) -> None:
    if profession not in Profession.values:
        raise TalentError("Choose your profession.")
    unknown = set(sharing) - set(SHARING_FIELDS)
    if unknown:
        raise TalentError("Choose what to share from the list shown.")
    profile.profession = profession
    profile.statement = _text(statement, limit=2000, what="your statement")
    for name in SHARING_FIELDS:
        setattr(profile, name, bool(sharing.get(name, False)))


@transaction.atomic
def join_pool(
    *,
    person: Person,
    by: Actor,
    consent: bool,
    profession: str,
    statement: str = "",
    sharing: dict[str, bool] | None = None,
) -> TalentProfile:
    """Opt in to the talent pool with explicit consent, recording what the person shares."""
    if not consent:
        raise TalentError("Confirm that you agree to join the talent pool.")
    if person.status != Person.Status.ACTIVE:
        raise TalentError("Only current staff can join the talent pool.")
    profile = TalentProfile.objects.select_for_update().filter(person=person).first()
    if profile is not None and profile.in_pool:
        raise TalentError("You are already in the talent pool.")
    if profile is None:
        profile = TalentProfile(person=person)
    _apply_profile(profile, profession=profession, statement=statement, sharing=sharing or {})
    profile.consent_text_version = CONSENT_TEXT_VERSION
    profile.consent_given_at = timezone.now()
    profile.withdrawn_at = None
    profile.save()
    ConsentRecord.objects.create(
        profile=profile,
        kind=ConsentRecord.Kind.GIVEN,
        consent_text_version=CONSENT_TEXT_VERSION,
        choices=_sharing(profile),
        by=_user(by),
        by_label=actor_label(by),
    )
    audit.record(
        "talent.pool.joined",
        by=by,
        target=profile,
        detail={"person": person.pk, "consent_text": CONSENT_TEXT_VERSION, **_sharing(profile)},
    )
    refresh_pool_entry(person=person, by=by)
    return profile


@transaction.atomic
def change_sharing(
    *,
    profile: TalentProfile,
    by: Actor,
    profession: str,
    statement: str = "",
    sharing: dict[str, bool] | None = None,
) -> TalentProfile:
    """Change what a person in the pool shares; searches see the change at once."""
    profile = TalentProfile.objects.select_for_update().select_related("person").get(pk=profile.pk)
    if not profile.in_pool:
        raise TalentError("You are not in the talent pool.")
    before = _sharing(profile)
    _apply_profile(profile, profession=profession, statement=statement, sharing=sharing or {})
    profile.save()
    ConsentRecord.objects.create(
        profile=profile,
        kind=ConsentRecord.Kind.CHANGED,
        consent_text_version=profile.consent_text_version,
        choices=_sharing(profile),
        by=_user(by),
        by_label=actor_label(by),
    )
    audit.record(
        "talent.pool.sharing_changed",
        by=by,
        target=profile,
        detail={"before": before, "after": _sharing(profile)},
    )
    refresh_pool_entry(person=profile.person, by=by)
    return profile


@transaction.atomic
def withdraw_from_pool(*, profile: TalentProfile, by: Actor) -> TalentProfile:
    """Leave the talent pool: the search row goes at once and shortlist places end."""
    profile = TalentProfile.objects.select_for_update().select_related("person").get(pk=profile.pk)
    if not profile.in_pool:
        raise TalentError("You are not in the talent pool.")
    now = timezone.now()
    profile.withdrawn_at = now
    profile.save(update_fields=["withdrawn_at", "updated_at"])
    removed = PoolEntry.objects.filter(person=profile.person).delete()[0]
    ended = ShortlistEntry.objects.filter(person=profile.person, removed_at__isnull=True).update(
        removed_at=now, removed_because="Left the talent pool"
    )
    ConsentRecord.objects.create(
        profile=profile,
        kind=ConsentRecord.Kind.WITHDRAWN,
        consent_text_version=profile.consent_text_version,
        choices=_sharing(profile),
        by=_user(by),
        by_label=actor_label(by),
    )
    audit.record(
        "talent.pool.withdrawn",
        by=by,
        target=profile,
        detail={
            "person": profile.person_id,
            "search_rows_removed": removed,
            "shortlists_ended": ended,
        },
    )
    return profile


def _entry_values(person: Person, profile: TalentProfile) -> dict[str, Any]:
    organisation = person.organisation
    values: dict[str, Any] = {
        "full_name": person.full_name,
        "sort_name": f"{person.last_name} {person.first_name}".lower()[:201],
        "region_id": organisation.region_id,
        "staff_group": person.staff_group,
        "profession": profile.profession,
        "statement": profile.statement,
        "organisation_id": None,
        "organisation_name": "",
        "role_title": "",
        "role_title_lower": "",
        "grade": "",
        "email": "",
        "readiness": "",
        "aspirations_mask": 0,
        "box": None,
        "scores_from": None,
        "refreshed_at": timezone.now(),
    }
    if profile.share_role:
        role = (person.occupation or "")[:200]
        values.update(
            organisation_id=organisation.pk,
            organisation_name=organisation.display_name[:200],
            role_title=role,
            role_title_lower=role.lower(),
            grade=person.grade,
        )
    if profile.share_contact:
        values["email"] = person.work_email
    if profile.share_readiness:
        conversation = person.talent_conversations.order_by("-held_on", "-pk").first()
        if conversation is not None:
            values["readiness"] = conversation.readiness
            values["aspirations_mask"] = aspirations_mask(conversation.aspirations)
    if profile.share_grid:
        rating = TalentRating.objects.filter(person=person).first()
        values["box"] = rating.box if rating is not None else None
    return values


def refresh_pool_entry(*, person: Person, by: Actor) -> PoolEntry | None:
    """Rebuild the person's search row from their profile and latest records (or remove it if
    they are not in the pool). Called by every action that changes what the row holds, and
    nightly by `manage.py refresh_talent_pool` for changes made elsewhere (staff records,
    released 360 reports)."""
    with transaction.atomic():
        person = Person.objects.select_related("organisation").get(pk=person.pk)
        # Locked, so a refresh racing a withdrawal waits for it and then sees it: a row built
        # from the profile as it was before would put the person back into every search.
        profile = TalentProfile.objects.select_for_update().filter(person=person).first()
        if profile is None or not profile.in_pool or person.status != Person.Status.ACTIVE:
            PoolEntry.objects.filter(person=person).delete()
            return None
        values = _entry_values(person, profile)
        entry, _ = PoolEntry.objects.update_or_create(person=person, defaults=values)
        entry.scores.all().delete()
        entry.programmes.all().delete()
        if profile.share_feedback_scores:
            summary = appraisal_queries.latest_released_feedback(person)
            if summary is not None:
                PoolEntryScore.objects.bulk_create(
                    PoolEntryScore(
                        entry=entry, domain_key=d.key, domain_name=d.name, score=d.all_others
                    )
                    for d in summary.domains
                    if d.all_others is not None
                )
                entry.scores_from = (
                    dt.date.fromisoformat(summary.frozen_on) if summary.frozen_on else None
                )
                entry.save(update_fields=["scores_from"])
        if profile.share_programmes:
            PoolEntryProgramme.objects.bulk_create(
                PoolEntryProgramme(
                    entry=entry,
                    programme_key=c.programme_key,
                    programme_name=c.programme_name,
                    completed_on=c.completed_on,
                )
                for c in appraisal_queries.completions_of(person, limit=100)
            )
    return entry


def refresh_all_pool_entries(*, by: Actor, batch: int = 500) -> int:
    """Rebuild every search row (one transaction per person, so a long run holds no locks)."""
    count = 0
    in_pool = TalentProfile.objects.filter(
        consent_given_at__isnull=False, withdrawn_at__isnull=True
    ).values_list("person_id", flat=True)
    ids = list(in_pool.order_by("person_id"))
    for start in range(0, len(ids), batch):
        for person in Person.objects.filter(pk__in=ids[start : start + batch]):
            refresh_pool_entry(person=person, by=by)
            count += 1
    # Rows of anyone not in the pool now (judged now, not when the run began, so someone who
    # joined during a long run keeps the row their joining made).
    _, deleted = PoolEntry.objects.exclude(person_id__in=in_pool).delete()
    removed = deleted.get(PoolEntry._meta.label, 0)
    audit.record("talent.pool.refreshed", by=by, detail={"entries": count, "removed": removed})
    return count


@dataclass(frozen=True)
class PoolFilters:
    """What a talent pool search asks for; empty values do not filter."""

    staff_group: str = ""
    profession: str = ""
    readiness: str = ""
    aspiration: str = ""
    region: str = ""  # region code
    programme: str = ""
    role: str = ""
    domain: str = ""  # <framework code>/<domain code>
    min_score: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v not in ("", None)}


@transaction.atomic
def record_search(*, by: Actor, reason: str, filters: PoolFilters, result_count: int) -> PoolSearch:
    """Record a search of the pool with its stated reason (searches are always recorded)."""
    reason = _text(reason, limit=500, what="why you are searching", required=True)
    search = PoolSearch.objects.create(
        searched_by=by,
        searched_by_label=actor_label(by),
        reason=reason,
        filters=filters.as_dict(),
        result_count=result_count,
    )
    audit.record_read(
        "talent.pool.searched",
        by=by,
        target=search,
        detail={"filters": filters.as_dict(), "results": result_count},
        reason=reason,
    )
    return search


@transaction.atomic
def log_profile_view(
    *, person: Person, by: Actor, reason: str, viewer_role: str, search: PoolSearch | None = None
) -> PoolViewLog:
    """Record a view of someone's pool profile, with its reason; the person sees it."""
    reason = _text(reason, limit=500, what="why you are viewing this profile", required=True)
    log = PoolViewLog.objects.create(
        person=person,
        viewer=by,
        viewer_label=actor_label(by),
        viewer_role=viewer_role[:200],
        reason=reason,
        search=search,
    )
    audit.record_read(
        "talent.pool.profile_viewed",
        by=by,
        target=person,
        detail={"search": search.pk if search else None},
        reason=reason,
    )
    return log


@transaction.atomic
def create_shortlist(
    *, appointment: str, by: Actor, organisation: Organisation | None = None
) -> Shortlist:
    """Start a shortlist for a named appointment."""
    appointment = _text(appointment, limit=200, what="the appointment", required=True)
    shortlist = Shortlist.objects.create(
        appointment=appointment, organisation=organisation, created_by=by
    )
    audit.record(
        "talent.shortlist.created",
        by=by,
        target=shortlist,
        detail={
            "appointment": appointment,
            "organisation": organisation.pk if organisation else None,
        },
    )
    return shortlist


@transaction.atomic
def add_to_shortlist(
    *, shortlist: Shortlist, entry: PoolEntry, by: Actor, note: str = ""
) -> ShortlistEntry:
    """Put someone in the pool on a shortlist (only people still in the pool)."""
    note = _text(note, limit=1000, what="the note")
    # Locked, so a withdrawal at the same moment waits and then ends this place too.
    if not PoolEntry.objects.select_for_update().filter(pk=entry.pk).values_list("pk").first():
        raise TalentError("This person is no longer in the talent pool.")
    try:
        with transaction.atomic():
            added = ShortlistEntry.objects.create(
                shortlist=shortlist, person_id=entry.person_id, note=note, added_by=by
            )
    except IntegrityError:
        raise TalentError(f"{entry.full_name} is already on this shortlist.") from None
    audit.record(
        "talent.shortlist.added",
        by=by,
        target=added,
        detail={"shortlist": shortlist.pk, "person": entry.person_id},
    )
    return added


@transaction.atomic
def remove_from_shortlist(*, entry: ShortlistEntry, by: Actor) -> ShortlistEntry:
    """Take someone off a shortlist (the record of their place is kept)."""
    entry = ShortlistEntry.objects.select_for_update().get(pk=entry.pk)
    if entry.removed_at is not None:
        raise TalentError("They are no longer on this shortlist.")
    entry.removed_at = timezone.now()
    entry.removed_because = f"Removed by {actor_label(by)}"[:200]
    entry.save(update_fields=["removed_at", "removed_because"])
    audit.record(
        "talent.shortlist.removed",
        by=by,
        target=entry,
        detail={"shortlist": entry.shortlist_id, "person": entry.person_id},
    )
    return entry


# Succession plans ---------------------------------------------------------------------------


def _recount(plan: SuccessionPlan) -> None:
    candidates = list(plan.candidates.values_list("readiness", flat=True))
    plan.candidate_count = len(candidates)
    plan.ready_now_count = sum(1 for r in candidates if r == Readiness.READY_NOW)
    plan.save(update_fields=["candidate_count", "ready_now_count", "updated_at"])


@transaction.atomic
def create_succession_plan(
    *,
    organisation: Organisation,
    role_title: str,
    role_kind: str,
    by: Actor,
    incumbent: Person | None = None,
    notes: str = "",
) -> SuccessionPlan:
    """Start a succession plan for a key role in an organisation."""
    role_title = _text(role_title, limit=200, what="the role", required=True)
    if role_kind not in SuccessionPlan.RoleKind.values:
        raise TalentError("Choose what kind of role it is.")
    if incumbent is not None and incumbent.organisation_id != organisation.pk:
        raise TalentError("The person in the role now must work for the organisation.")
    if SuccessionPlan.objects.filter(
        organisation=organisation, role_title__iexact=role_title
    ).exists():
        raise TalentError(f"There is already a succession plan for {role_title}.")
    plan = SuccessionPlan.objects.create(
        organisation=organisation,
        role_title=role_title,
        role_kind=role_kind,
        incumbent=incumbent,
        notes=_text(notes, limit=2000, what="the notes"),
        created_by=_user(by),
    )
    audit.record(
        "talent.succession.plan_created",
        by=by,
        target=plan,
        detail={"organisation": organisation.pk, "role": role_title, "kind": role_kind},
    )
    return plan


@transaction.atomic
def add_succession_candidate(
    *, plan: SuccessionPlan, person: Person, readiness: str, by: Actor, notes: str = ""
) -> SuccessionCandidate:
    """Name a possible successor with their readiness."""
    plan = SuccessionPlan.objects.select_for_update().get(pk=plan.pk)
    if readiness not in Readiness.values:
        raise TalentError("Choose how ready they are.")
    if person.status != Person.Status.ACTIVE:
        raise TalentError(f"{person.full_name} has left.")
    if plan.incumbent_id == person.pk:
        raise TalentError(f"{person.full_name} holds the role now.")
    if plan.candidates.filter(person=person).exists():
        raise TalentError(f"{person.full_name} is already a candidate.")
    candidate = SuccessionCandidate.objects.create(
        plan=plan,
        person=person,
        readiness=readiness,
        notes=_text(notes, limit=1000, what="the notes"),
        added_by=_user(by),
    )
    _recount(plan)
    audit.record(
        "talent.succession.candidate_added",
        by=by,
        target=candidate,
        detail={"plan": plan.pk, "person": person.pk, "readiness": readiness},
    )
    return candidate


@transaction.atomic
def update_succession_candidate(
    *, candidate: SuccessionCandidate, readiness: str, by: Actor, notes: str = ""
) -> SuccessionCandidate:
    """Change a candidate's readiness or notes."""
    if readiness not in Readiness.values:
        raise TalentError("Choose how ready they are.")
    plan = SuccessionPlan.objects.select_for_update().get(pk=candidate.plan_id)
    before = candidate.readiness
    candidate.readiness = readiness
    candidate.notes = _text(notes, limit=1000, what="the notes")
    candidate.save()
    _recount(plan)
    audit.record(
        "talent.succession.candidate_changed",
        by=by,
        target=candidate,
        detail={"plan": plan.pk, "from": before, "to": readiness},
    )
    return candidate


@transaction.atomic
def remove_succession_candidate(*, candidate: SuccessionCandidate, by: Actor) -> None:
    """Take a candidate off a succession plan."""
    plan = SuccessionPlan.objects.select_for_update().get(pk=candidate.plan_id)
    audit.record(
        "talent.succession.candidate_removed",
        by=by,
        target=candidate,
        detail={"plan": plan.pk, "person": candidate.person_id},
    )
    candidate.delete()
    _recount(plan)
