"""Every write to questionnaires, self-assessments, 360 cycles, invitations and responses.

Anonymity shapes these actions as much as the report does:
- tokens and card codes are random, sent or printed once, and stored only as hashes;
- when a rater submits, their Response is cut from their Invitation, the Response keeps the
  day only, and the Invitation keeps the day only;
- audit events about a rater's answers name the cycle and group, never the invitation or the
  response, so the append-only log cannot join them again;
- draft answers are deleted when a cycle closes or an invitation is withdrawn.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Max
from django.db.models.functions import Lower
from django.utils import timezone

from healthlead.accounts.models import Role, RoleAssignment, User
from healthlead.core import audit
from healthlead.core.actors import Actor, actor_parts
from healthlead.feedback import norms
from healthlead.feedback.models import (
    RATING_MAX,
    RATING_MIN,
    Answer,
    Comment,
    CycleGroupMinimum,
    CycleStateChange,
    FeedbackCycle,
    ImportanceRating,
    Invitation,
    Questionnaire,
    QuestionnaireItem,
    RaterGroup,
    Response,
    SelfAssessment,
    hash_secret,
)
from healthlead.frameworks.models import Domain, Element, FrameworkVersion
from healthlead.people.models import Person

# "All others" needs this many responses before it is shown (fixed on the cycle at launch).
ALL_OTHERS_MINIMUM = 3
# Reminders go out this many days before the deadline, at most once per window.
REMINDER_WINDOWS = (7, 2)
# An invitation sent this recently is not reminded in the window it was sent in.
REMINDER_GRACE_DAYS = 2
MAX_RATERS_PER_REQUEST = 50
# Cards are drawn while the subject waits (the codes must never be stored): six sheets.
MAX_CARDS_PER_REQUEST = 48
MAX_CYCLE_DAYS = 366
COMMENT_MAX_LENGTH = 2000
# Card codes: no 0/O, 1/I/L, so a code read off paper is typed right first time.
CARD_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CARD_CODE_LENGTH = 8


class FeedbackError(ValueError):
    """An action refused, with a message fit to show the person who asked (plain English).

    `errors` holds one message per bad row or field when there is more than one problem.
    """

    def __init__(self, message: str, errors: list[str] | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or []


class LinkNotUsable(FeedbackError):
    """A rater's link or card code cannot be used; `status` is the HTTP status to answer with."""

    def __init__(self, message: str, *, reason: str, status: int):
        super().__init__(message)
        self.reason = reason
        self.status = status


def new_token() -> str:
    """A rater's link token: 256 random bits, URL-safe."""
    return secrets.token_urlsafe(32)


def new_card_code() -> str:
    """A card's one-time code: 8 characters from a 31-letter alphabet (about 40 bits)."""
    return "".join(secrets.choice(CARD_CODE_ALPHABET) for _ in range(CARD_CODE_LENGTH))


def normalise_card_code(text: str) -> str:
    """What a person typed, as stored: capitals, no spaces or dashes."""
    return re.sub(r"[^A-Za-z0-9]", "", text or "").upper()


def _unused_token_hash() -> str:
    """A hash for a token nobody holds (self invitations, invitations not yet sent)."""
    return hash_secret(new_token())


def _today() -> dt.date:
    return timezone.localdate()


def _start_of_day(day: dt.date) -> dt.datetime:
    """A datetime for a day, so a timestamp field records the day and nothing finer."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def _user_or_none(by: Actor) -> User | None:
    return by if isinstance(by, User) else None


# Wording: items about "this person", and the same in the first person -------------------

_IRREGULAR_VERBS = {"is": "am", "has": "have", "does": "do", "goes": "go"}
_THIRD_PERSON_PRONOUNS = {
    "you": "they",
    "your": "their",
    "yours": "theirs",
    "yourself": "themselves",
}
_FIRST_PERSON_PRONOUNS = {
    "they": "I",
    "them": "me",
    "their": "my",
    "theirs": "mine",
    "themselves": "myself",
    "themself": "myself",
    "you": "I",
    "your": "my",
    "yours": "mine",
    "yourself": "myself",
    "his/her": "my",
    "he/she": "I",
}


def _base_form(word: str) -> str | None:
    """The verb a third-person form comes from (recognises -> recognise), or None."""
    lower = word.lower()
    if lower in _IRREGULAR_VERBS:
        return _IRREGULAR_VERBS[lower]
    if not lower.isalpha() or len(lower) < 3 or lower.endswith(("ss", "us", "is")):
        return None
    if lower.endswith("ies") and len(lower) > 4:
        return lower[:-3] + "y"
    if lower.endswith(("sses", "shes", "ches", "xes", "zes", "oes")):
        return lower[:-2]
    if lower.endswith("s"):
        return lower[:-1]
    return None


def _swap_words(text: str, table: Mapping[str, str]) -> str:
    def swap(match: re.Match[str]) -> str:
        word = match.group(0)
        return table.get(word.lower(), word)

    return re.sub(r"[A-Za-z/]+", swap, text)


def _lower_first(text: str) -> str:
    first = text.split(" ", 1)[0]
    if first.isupper() and len(first) > 1:  # an acronym such as NHS
        return text
    return text[:1].lower() + text[1:]


def _sentence(text: str) -> str:
    text = " ".join(text.split()).rstrip(".")
    return f"{text}."


def indicator_wording(text: str) -> tuple[str, str]:
    """An indicator as an item about someone else, and in the first person."""
    clean = " ".join(text.split()).rstrip(".")
    first, _, rest = clean.partition(" ")
    if first.lower() in {"they", "this"} and rest:
        if first.lower() == "this" and rest.lower().startswith("person "):
            rest = rest[len("person ") :]
        verb, _, tail = rest.partition(" ")
        base = _base_form(verb)
        about = _sentence(f"This person {rest}")
        mine = _sentence(f"I {base} {tail}" if base else f"I {rest}")
        return about, _swap_words(mine, _FIRST_PERSON_PRONOUNS)
    base = _base_form(first)
    if base is None:
        return _sentence(clean), _sentence(clean)
    about = _sentence(f"This person {_lower_first(clean)}")
    mine = _sentence(f"I {base} {rest}" if rest else f"I {base}")
    return (
        _swap_words(about, _THIRD_PERSON_PRONOUNS),
        _swap_words(mine, _FIRST_PERSON_PRONOUNS),
    )


def element_wording(name: str) -> tuple[str, str]:
    """An element with no indicators, as one item: 'This person is acting with integrity'."""
    phrase = _lower_first(" ".join(name.split()).rstrip("."))
    phrase = " ".join(w if (w.isupper() and len(w) > 1) else w.lower() for w in phrase.split())
    if phrase.split(" ", 1)[0].endswith("ing"):
        about, mine = f"This person is {phrase}", f"I am {phrase}"
    else:
        about, mine = f"This person shows {phrase}", f"I show {phrase}"
    return (
        _sentence(_swap_words(about, _THIRD_PERSON_PRONOUNS)),
        _sentence(_swap_words(mine, _FIRST_PERSON_PRONOUNS)),
    )


# Questionnaires ----------------------------------------------------------------------------


@transaction.atomic
def generate_questionnaire(*, framework_version: FrameworkVersion, by: Actor) -> Questionnaire:
    """A draft questionnaire from a published framework version: an item per indicator,
    or one per element that has no indicators."""
    version = (
        FrameworkVersion.objects.select_for_update()
        .select_related("framework")
        .get(pk=framework_version.pk)
    )
    if not version.is_published:
        raise FeedbackError(
            "Questionnaires are made only from a published framework version. "
            f"{version} is a draft."
        )
    elements = list(
        Element.objects.filter(domain__version=version)
        .select_related("domain")
        .prefetch_related("indicators")
        .order_by("domain__order", "domain__pk", "order", "pk")
    )
    items: list[QuestionnaireItem] = []
    for element in elements:
        indicators = sorted(element.indicators.all(), key=lambda i: (i.order, i.pk))
        if indicators:
            for indicator in indicators:
                about, mine = indicator_wording(indicator.text)
                items.append(
                    QuestionnaireItem(
                        element=element, indicator=indicator, text=about, self_text=mine
                    )
                )
        else:
            about, mine = element_wording(element.name)
            items.append(QuestionnaireItem(element=element, text=about, self_text=mine))
    if not items:
        raise FeedbackError(
            f"{version} has no elements to rate, so it cannot have a questionnaire."
        )
    number = (version.questionnaires.aggregate(top=Max("version"))["top"] or 0) + 1
    questionnaire = Questionnaire.objects.create(
        framework_version=version,
        name=f"{version.framework.name} {version.version}",
        version=number,
    )
    for order, item in enumerate(items, start=1):
        item.questionnaire = questionnaire
        item.order = order
    QuestionnaireItem.objects.bulk_create(items)
    audit.record(
        "feedback.questionnaire.generated",
        by=by,
        target=questionnaire,
        detail={"framework_version": version.pk, "version": number, "items": len(items)},
    )
    return questionnaire


@transaction.atomic
def publish_questionnaire(*, questionnaire: Questionnaire, by: Actor) -> Questionnaire:
    """Publish a draft questionnaire; from then on it never changes."""
    questionnaire = Questionnaire.objects.select_for_update().get(pk=questionnaire.pk)
    if questionnaire.state == Questionnaire.State.PUBLISHED:
        raise FeedbackError(f"{questionnaire} is already published.")
    if not questionnaire.items.exists():
        raise FeedbackError(f"{questionnaire} has no items, so it cannot be published.")
    questionnaire.state = Questionnaire.State.PUBLISHED
    questionnaire.published_at = timezone.now()
    questionnaire.save(update_fields=["state", "published_at"])
    audit.record("feedback.questionnaire.published", by=by, target=questionnaire)
    return questionnaire


@transaction.atomic
def questionnaire_for(*, framework_version: FrameworkVersion, by: Actor) -> Questionnaire:
    """The newest published questionnaire for a framework version, made on demand."""
    latest = (
        Questionnaire.objects.filter(
            framework_version=framework_version, state=Questionnaire.State.PUBLISHED
        )
        .order_by("-version")
        .first()
    )
    if latest is not None:
        return latest
    draft = generate_questionnaire(framework_version=framework_version, by=by)
    return publish_questionnaire(questionnaire=draft, by=by)


# Checking answers --------------------------------------------------------------------------


def _check_rating(value: Any, *, what: str) -> int | None:
    """A rating is a whole number 1-5, or None for 'not observed'."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise FeedbackError(f"{what} must be a whole number from {RATING_MIN} to {RATING_MAX}.")
    if not RATING_MIN <= value <= RATING_MAX:
        raise FeedbackError(f"{what} must be from {RATING_MIN} to {RATING_MAX}, not {value}.")
    return value


def _domain_items(questionnaire: Questionnaire, domain: Domain) -> list[QuestionnaireItem]:
    items = list(
        QuestionnaireItem.objects.filter(questionnaire=questionnaire, element__domain=domain)
        .order_by("order")
        .only("pk", "order")
    )
    if not items:
        raise FeedbackError("That section is not part of this questionnaire.")
    return items


def _check_domain_ratings(
    items: list[QuestionnaireItem], ratings: Mapping[int, int | None]
) -> dict[int, int | None]:
    """Exactly the section's items, each rated 1-5 or not observed."""
    wanted = {item.pk for item in items}
    given = set(ratings)
    if given - wanted:
        raise FeedbackError("Some answers are for questions that are not in this section.")
    missing = wanted - given
    if missing:
        raise FeedbackError(f"Answer every question in this section ({len(missing)} missing).")
    return {pk: _check_rating(ratings[pk], what="Each answer") for pk in wanted}


# Self-assessment ---------------------------------------------------------------------------


@transaction.atomic
def start_self_assessment(
    *, person: Person, framework_version: FrameworkVersion, by: Actor
) -> SelfAssessment:
    """Start (or carry on with) a person's self-assessment against a framework version."""
    questionnaire = questionnaire_for(framework_version=framework_version, by=by)
    existing = (
        SelfAssessment.objects.filter(
            person=person, questionnaire=questionnaire, state=SelfAssessment.State.DRAFT
        )
        .order_by("-updated_at")
        .first()
    )
    if existing is not None:
        return existing
    self_assessment = SelfAssessment.objects.create(person=person, questionnaire=questionnaire)
    audit.record(
        "feedback.self_assessment.started",
        by=by,
        target=self_assessment,
        detail={"questionnaire": questionnaire.pk},
    )
    return self_assessment


@transaction.atomic
def save_self_assessment_ratings(
    *,
    self_assessment: SelfAssessment,
    domain: Domain,
    ratings: Mapping[int, int | None],
    by: Actor,
) -> SelfAssessment:
    """Save one section's ratings to a draft self-assessment."""
    self_assessment = SelfAssessment.objects.select_for_update().get(pk=self_assessment.pk)
    if self_assessment.state != SelfAssessment.State.DRAFT:
        raise FeedbackError("This self-assessment is complete, so it can no longer be changed.")
    items = _domain_items(self_assessment.questionnaire, domain)
    checked = _check_domain_ratings(items, ratings)
    stored = dict(self_assessment.ratings)
    stored.update({str(pk): value for pk, value in checked.items()})
    self_assessment.ratings = stored
    self_assessment.save(update_fields=["ratings", "updated_at"])
    audit.record(
        "feedback.self_assessment.saved",
        by=by,
        target=self_assessment,
        detail={"domain": domain.pk, "items": len(checked)},
    )
    return self_assessment


@transaction.atomic
def submit_self_assessment(*, self_assessment: SelfAssessment, by: Actor) -> SelfAssessment:
    """Complete a self-assessment once every item has an answer."""
    self_assessment = SelfAssessment.objects.select_for_update().get(pk=self_assessment.pk)
    if self_assessment.state != SelfAssessment.State.DRAFT:
        raise FeedbackError("This self-assessment is already complete.")
    item_ids = set(self_assessment.questionnaire.items.values_list("pk", flat=True))
    answered = {int(key) for key in self_assessment.ratings}
    missing = item_ids - answered
    if missing:
        raise FeedbackError(
            f"Answer every question before you finish: {len(missing)} still to answer."
        )
    self_assessment.state = SelfAssessment.State.SUBMITTED
    self_assessment.submitted_at = timezone.now()
    self_assessment.save(update_fields=["state", "submitted_at", "updated_at"])
    audit.record("feedback.self_assessment.submitted", by=by, target=self_assessment)
    return self_assessment


@transaction.atomic
def start_cycle_from_self_assessment(
    *,
    self_assessment: SelfAssessment,
    deadline: dt.date,
    by: Actor,
    facilitator: User | None = None,
) -> FeedbackCycle:
    """Turn a completed self-assessment into a 360 cycle, its answers as the self response."""
    self_assessment = SelfAssessment.objects.select_for_update().get(pk=self_assessment.pk)
    if self_assessment.state != SelfAssessment.State.SUBMITTED:
        raise FeedbackError("Finish your self-assessment before you ask others for feedback.")
    if self_assessment.cycle_id is not None:
        raise FeedbackError("This self-assessment has already been turned into a 360 cycle.")
    cycle = start_cycle(
        subject=self_assessment.person,
        questionnaire=self_assessment.questionnaire,
        deadline=deadline,
        facilitator=facilitator,
        by=by,
    )
    invitation = cycle.invitations.get(channel=Invitation.Channel.SELF)
    response = Response.objects.create(cycle=cycle, group=invitation.group, invitation=invitation)
    valid_items = set(cycle.questionnaire.items.values_list("pk", flat=True))
    answers = []
    for key, value in self_assessment.ratings.items():
        if int(key) in valid_items:
            answers.append(
                Answer(
                    response=response,
                    item_id=int(key),
                    rating=_check_rating(value, what="A rating"),
                )
            )
    Answer.objects.bulk_create(answers)
    Invitation.objects.filter(pk=invitation.pk).update(state=Invitation.State.STARTED)
    self_assessment.cycle = cycle
    self_assessment.save(update_fields=["cycle", "updated_at"])
    audit.record(
        "feedback.self_assessment.turned_into_cycle",
        by=by,
        target=self_assessment,
        detail={"cycle": cycle.pk},
    )
    return cycle


# Cycles ------------------------------------------------------------------------------------


def record_state_change(
    *, cycle: FeedbackCycle, to_state: str, by: Actor, note: str = ""
) -> CycleStateChange:
    """Move a cycle to a new state with an attributed record. Call inside an atomic action."""
    from_state = cycle.state
    cycle.state = to_state
    _, label = actor_parts(by)
    return CycleStateChange.objects.create(
        cycle=cycle,
        from_state=from_state,
        to_state=to_state,
        by=_user_or_none(by),
        by_label=label,
        note=note,
    )


def _check_deadline(deadline: Any) -> dt.date:
    if not isinstance(deadline, dt.date) or isinstance(deadline, dt.datetime):
        raise FeedbackError("Enter the deadline as a date.")
    today = _today()
    if deadline <= today:
        raise FeedbackError(
            "The deadline must be in the future: choose a date after today "
            f"({today.day} {today:%B %Y})."
        )
    if deadline > today + dt.timedelta(days=MAX_CYCLE_DAYS):
        raise FeedbackError("The deadline must be within a year from today.")
    return deadline


def is_facilitator(user: User) -> bool:
    """The user currently holds the facilitator role."""
    return RoleAssignment.objects.current().filter(user=user, role=Role.FACILITATOR).exists()


def _check_facilitator(facilitator: User | None, subject: Person) -> User | None:
    if facilitator is None:
        return None
    if not is_facilitator(facilitator):
        raise FeedbackError(f"{facilitator.display_name} is not a 360 feedback facilitator.")
    if facilitator.person_id == subject.pk:
        raise FeedbackError("You cannot facilitate your own 360 feedback.")
    return facilitator


def _self_group() -> RaterGroup:
    group = RaterGroup.objects.filter(is_self=True).first()
    if group is None:
        raise FeedbackError("The self rater group is missing: run the feedback migrations.")
    return group


@transaction.atomic
def start_cycle(
    *,
    subject: Person,
    questionnaire: Questionnaire,
    deadline: dt.date,
    by: Actor,
    facilitator: User | None = None,
) -> FeedbackCycle:
    """Set up a 360 cycle for a subject, with the subject's own (self) invitation."""
    if questionnaire.state != Questionnaire.State.PUBLISHED:
        raise FeedbackError("A 360 cycle needs a published questionnaire.")
    if subject.status != Person.Status.ACTIVE:
        raise FeedbackError(f"{subject.full_name} has left, so cannot start a 360 cycle.")
    deadline = _check_deadline(deadline)
    facilitator = _check_facilitator(facilitator, subject)
    started_by = _user_or_none(by)
    if started_by is None:
        raise FeedbackError("A 360 cycle is started by a person, not by a system job.")
    cycle = FeedbackCycle.objects.create(
        subject=subject,
        questionnaire=questionnaire,
        started_by=started_by,
        facilitator=facilitator,
        deadline=deadline,
        all_others_minimum=ALL_OTHERS_MINIMUM,
    )
    CycleStateChange.objects.create(
        cycle=cycle,
        from_state="",
        to_state=FeedbackCycle.State.DRAFT,
        by=started_by,
        by_label=actor_parts(by)[1],
        note="Started",
    )
    Invitation.objects.create(
        cycle=cycle,
        group=_self_group(),
        channel=Invitation.Channel.SELF,
        name=subject.full_name,
        token_hash=_unused_token_hash(),
    )
    audit.record(
        "feedback.cycle.started",
        by=by,
        target=cycle,
        detail={
            "subject": subject.pk,
            "questionnaire": questionnaire.pk,
            "deadline": deadline.isoformat(),
            "facilitator": facilitator.pk if facilitator else None,
        },
    )
    return cycle


def _locked_cycle(cycle: FeedbackCycle) -> FeedbackCycle:
    return (
        FeedbackCycle.objects.select_for_update()
        .select_related("subject", "questionnaire")
        .get(pk=cycle.pk)
    )


def _check_collecting(cycle: FeedbackCycle, *, what: str) -> None:
    """Set-up actions work while a cycle is being set up or collecting, before its deadline."""
    if cycle.state not in {FeedbackCycle.State.DRAFT, FeedbackCycle.State.OPEN}:
        raise FeedbackError(f"This cycle is {cycle.get_state_display().lower()}: {what}.")
    if cycle.state == FeedbackCycle.State.OPEN and cycle.deadline < _today():
        raise FeedbackError(f"This cycle's deadline has passed: {what}.")


@transaction.atomic
def change_deadline(*, cycle: FeedbackCycle, deadline: dt.date, by: Actor) -> FeedbackCycle:
    """Move a cycle's deadline (to a later or earlier day, but after today)."""
    cycle = _locked_cycle(cycle)
    if cycle.state not in {FeedbackCycle.State.DRAFT, FeedbackCycle.State.OPEN}:
        raise FeedbackError(
            f"This cycle is {cycle.get_state_display().lower()}: its deadline cannot change."
        )
    previous = cycle.deadline
    cycle.deadline = _check_deadline(deadline)
    cycle.save(update_fields=["deadline"])
    audit.record(
        "feedback.cycle.deadline_changed",
        by=by,
        target=cycle,
        detail={"from": previous.isoformat(), "to": cycle.deadline.isoformat()},
    )
    return cycle


@dataclass(frozen=True)
class RaterEntry:
    """One rater to invite by email: the name is optional."""

    email: str
    name: str = ""


@dataclass
class InviteResult:
    invitations: list[Invitation]
    warnings: list[str] = field(default_factory=list)


def _subject_emails(subject: Person) -> set[str]:
    emails = {subject.work_email.lower()} if subject.work_email else set()
    emails |= {
        e.lower() for e in User.objects.filter(person=subject).values_list("email", flat=True)
    }
    return emails


@transaction.atomic
def invite_raters(
    *,
    cycle: FeedbackCycle,
    group: RaterGroup,
    raters: Iterable[RaterEntry],
    by: Actor,
) -> InviteResult:
    """Invite raters in one group by email: all of them, or none if any row is wrong."""
    cycle = _locked_cycle(cycle)
    _check_collecting(cycle, what="no more raters can be invited")
    if group.is_self:
        raise FeedbackError("You answer for yourself from the cycle page: you cannot invite self.")
    if group.patient:
        raise FeedbackError(
            "Patients and carers give feedback with printed cards, not by email: print cards."
        )
    entries = list(raters)
    if not entries:
        raise FeedbackError("Enter at least one email address.")
    if len(entries) > MAX_RATERS_PER_REQUEST:
        raise FeedbackError(f"Invite at most {MAX_RATERS_PER_REQUEST} people at a time.")
    errors: list[str] = []
    seen: set[str] = set()
    subject_emails = _subject_emails(cycle.subject)
    already = {
        e.lower() for e in cycle.invitations.exclude(email="").values_list("email", flat=True)
    }
    clean: list[RaterEntry] = []
    for number, entry in enumerate(entries, start=1):
        email = (entry.email or "").strip().lower()
        name = " ".join((entry.name or "").split())
        where = f"Person {number}" if len(entries) > 1 else "The person"
        if not email:
            errors.append(f"{where}: enter an email address.")
            continue
        try:
            validate_email(email)
        except ValidationError:
            errors.append(f"{where}: {email} is not an email address.")
            continue
        if len(email) > 254:
            errors.append(f"{where}: the email address is too long.")
        elif len(name) > 200:
            errors.append(f"{where}: the name must be 200 characters or fewer.")
        elif any(ord(ch) < 32 for ch in name):
            errors.append(f"{where}: the name has characters that cannot be used.")
        elif email in subject_emails:
            errors.append(f"{where}: {email} is the subject's own address.")
        elif email in seen:
            errors.append(f"{where}: {email} is entered more than once.")
        elif email in already:
            errors.append(
                f"{where}: {email} has already been invited in this cycle. "
                "Each person can be invited once."
            )
        else:
            seen.add(email)
            clean.append(RaterEntry(email=email, name=name))
    if errors:
        noun = "problem" if len(errors) == 1 else "problems"
        raise FeedbackError(f"Nobody was invited: fix the {noun} below.", errors)
    warnings = []
    known = set(
        Person.objects.active()
        .annotate(email_lower=Lower("work_email"))
        .filter(email_lower__in=seen)
        .values_list("email_lower", flat=True)
    )
    unknown = [entry.email for entry in clean if entry.email not in known]
    if unknown:
        warnings.append(
            "Not the work email of anyone in the staff records: "
            + ", ".join(unknown)
            + ". Check each is right: the invitation will go to this address."
        )
    invitations = Invitation.objects.bulk_create(
        [
            Invitation(
                cycle=cycle,
                group=group,
                channel=Invitation.Channel.EMAIL,
                email=entry.email,
                name=entry.name,
                token_hash=_unused_token_hash(),
            )
            for entry in clean
        ]
    )
    if not all(i.pk for i in invitations):  # backends that do not return keys
        invitations = list(
            cycle.invitations.filter(email__in=[e.email for e in clean]).order_by("pk")
        )
    audit.record(
        "feedback.raters.invited",
        by=by,
        target=cycle,
        detail={"group": group.code, "count": len(invitations)},
    )
    if cycle.state == FeedbackCycle.State.OPEN:
        ids = [i.pk for i in invitations]
        transaction.on_commit(lambda: _enqueue_invitation_emails(ids))
    return InviteResult(invitations=invitations, warnings=warnings)


def _enqueue_invitation_emails(invitation_ids: list[int]) -> None:
    from healthlead.feedback.tasks import send_invitation_emails

    send_invitation_emails.enqueue(invitation_ids)


@dataclass(frozen=True)
class PrintedCards:
    """The codes of newly printed cards: shown once, on the PDF, and never again."""

    cycle: FeedbackCycle
    codes: list[str]


@transaction.atomic
def create_cards(*, cycle: FeedbackCycle, count: int, by: Actor) -> PrintedCards:
    """Make `count` patient and carer cards, each with its own one-time code."""
    cycle = _locked_cycle(cycle)
    _check_collecting(cycle, what="no more cards can be printed")
    if isinstance(count, bool) or not isinstance(count, int):
        raise FeedbackError("Enter how many cards to print, as a number.")
    if not 1 <= count <= MAX_CARDS_PER_REQUEST:
        raise FeedbackError(f"Print between 1 and {MAX_CARDS_PER_REQUEST} cards at a time.")
    group = RaterGroup.objects.filter(patient=True).order_by("order").first()
    if group is None:
        raise FeedbackError("The patients and carers group is missing.")
    codes: dict[str, str] = {}
    while len(codes) < count:
        for _ in range(count - len(codes)):
            code = new_card_code()
            codes[hash_secret(code)] = code
        taken = set(
            Invitation.objects.filter(card_code_hash__in=list(codes)).values_list(
                "card_code_hash", flat=True
            )
        )
        for digest in taken:
            codes.pop(str(digest), None)
    now = timezone.now()
    Invitation.objects.bulk_create(
        [
            Invitation(
                cycle=cycle,
                group=group,
                channel=Invitation.Channel.CARD,
                card_code_hash=digest,
                sent_at=now,
            )
            for digest in codes
        ]
    )
    audit.record("feedback.cards.printed", by=by, target=cycle, detail={"count": count})
    return PrintedCards(cycle=cycle, codes=list(codes.values()))


def active_raters(cycle: FeedbackCycle) -> int:
    """Invitations to anyone but the subject that have not been withdrawn."""
    return (
        cycle.invitations.exclude(channel=Invitation.Channel.SELF)
        .exclude(state=Invitation.State.WITHDRAWN)
        .count()
    )


@transaction.atomic
def launch_cycle(*, cycle: FeedbackCycle, by: Actor) -> FeedbackCycle:
    """Open a cycle: fix each group's minimum, then email every invited rater."""
    cycle = _locked_cycle(cycle)
    if cycle.state != FeedbackCycle.State.DRAFT:
        raise FeedbackError(
            f"This cycle is {cycle.get_state_display().lower()}, so it cannot be launched."
        )
    if cycle.deadline <= _today():
        raise FeedbackError(
            "The deadline has passed or is today: choose a later deadline before you launch."
        )
    if active_raters(cycle) == 0:
        raise FeedbackError(
            "A cycle with no raters cannot be launched: invite at least one person "
            "or print patient cards first."
        )
    CycleGroupMinimum.objects.bulk_create(
        [
            CycleGroupMinimum(cycle=cycle, group=group, minimum=group.default_minimum)
            for group in RaterGroup.objects.order_by("order")
        ]
    )
    cycle.all_others_minimum = ALL_OTHERS_MINIMUM
    cycle.launched_at = timezone.now()
    record_state_change(cycle=cycle, to_state=FeedbackCycle.State.OPEN, by=by, note="Launched")
    cycle.save(update_fields=["state", "all_others_minimum", "launched_at"])
    audit.record(
        "feedback.cycle.launched",
        by=by,
        target=cycle,
        detail={
            "minimums": {g.code: g.default_minimum for g in RaterGroup.objects.all()},
            "all_others_minimum": ALL_OTHERS_MINIMUM,
        },
    )
    ids = list(
        cycle.invitations.filter(
            channel=Invitation.Channel.EMAIL, state=Invitation.State.INVITED
        ).values_list("pk", flat=True)
    )
    if ids:
        transaction.on_commit(lambda: _enqueue_invitation_emails(ids))
    return cycle


@transaction.atomic
def withdraw_invitation(*, invitation: Invitation, by: Actor) -> Invitation:
    """Withdraw an invitation: its link stops working and any draft answers are deleted.

    If the rater had already submitted, their answers still count: the response is not
    linked to the invitation any more, and the subject is told the same either way.
    """
    cycle = _locked_cycle(invitation.cycle)
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    _check_collecting(cycle, what="invitations can no longer be withdrawn")
    if invitation.channel == Invitation.Channel.SELF:
        raise FeedbackError("Your own invitation cannot be withdrawn.")
    if invitation.state == Invitation.State.WITHDRAWN:
        return invitation
    Response.objects.filter(invitation=invitation, state=Response.State.DRAFT).delete()
    invitation.state = Invitation.State.WITHDRAWN
    invitation.withdrawn_at = timezone.now()
    invitation.save(update_fields=["state", "withdrawn_at"])
    audit.record(
        "feedback.invitation.withdrawn",
        by=by,
        target=cycle,
        detail={"group": invitation.group.code},
    )
    return invitation


@transaction.atomic
def close_cycle(*, cycle: FeedbackCycle, by: Actor, note: str = "") -> FeedbackCycle:
    """Stop collecting, delete unfinished drafts and freeze the report."""
    from healthlead.feedback.report import freeze_report

    cycle = _locked_cycle(cycle)
    if cycle.state != FeedbackCycle.State.OPEN:
        raise FeedbackError(
            f"This cycle is {cycle.get_state_display().lower()}, so it cannot be closed."
        )
    cycle.closed_at = timezone.now()
    record_state_change(
        cycle=cycle, to_state=FeedbackCycle.State.CLOSED, by=by, note=note or "Closed"
    )
    cycle.save(update_fields=["state", "closed_at"])
    _, deleted = cycle.responses.filter(state=Response.State.DRAFT).delete()
    freeze_report(cycle, by=by)
    audit.record(
        "feedback.cycle.closed",
        by=by,
        target=cycle,
        detail={"note": note, "unsent_drafts_deleted": deleted.get("feedback.Response", 0)},
    )
    cycle_id = cycle.pk
    transaction.on_commit(lambda: _send_report_ready(cycle_id))
    return cycle


def _send_report_ready(cycle_id: int) -> None:
    from healthlead.feedback import emails

    cycle = (
        FeedbackCycle.objects.select_related("subject", "facilitator", "questionnaire")
        .filter(pk=cycle_id)
        .first()
    )
    if cycle is not None:
        emails.send_report_ready(cycle)


# Raters: links, card codes, answers --------------------------------------------------------


def invitation_for_token(token: str) -> Invitation | None:
    """The invitation a link token belongs to, or None for a forged or replaced token."""
    if not token or len(token) > 100:
        return None
    return (
        Invitation.objects.select_related(
            "cycle", "cycle__subject", "cycle__questionnaire", "group"
        )
        .filter(token_hash=hash_secret(token))
        .exclude(channel=Invitation.Channel.SELF)
        .first()
    )


def check_usable(invitation: Invitation, *, today: dt.date | None = None) -> None:
    """Refuse a link or code that is withdrawn, used, or for a cycle that is not collecting."""
    today = today or _today()
    cycle = invitation.cycle
    if invitation.state == Invitation.State.WITHDRAWN:
        raise LinkNotUsable(
            "This invitation has been withdrawn, so it can no longer be used.",
            reason="withdrawn",
            status=410,
        )
    if invitation.state == Invitation.State.SUBMITTED:
        raise LinkNotUsable(
            "Feedback has already been sent with this invitation. Thank you.",
            reason="used",
            status=410,
        )
    if cycle.state == FeedbackCycle.State.DRAFT:
        if invitation.channel == Invitation.Channel.SELF:
            return  # the subject may rate themselves while setting the cycle up
        raise LinkNotUsable(
            "This feedback request has not started yet.", reason="not_open", status=404
        )
    if cycle.state != FeedbackCycle.State.OPEN or cycle.deadline < today:
        raise LinkNotUsable(
            "The deadline for this feedback has passed, so no more answers can be given.",
            reason="closed",
            status=410,
        )


def _rotate_token(invitation: Invitation) -> str:
    """A new link token for an invitation; any earlier link for it stops working.

    Called inside the action that sends or hands out the link, which records the event.
    """
    token = new_token()
    Invitation.objects.filter(pk=invitation.pk).update(token_hash=hash_secret(token))
    invitation.token_hash = hash_secret(token)
    return token


@transaction.atomic
def redeem_card_code(*, code: str, by: Actor) -> tuple[Invitation, str]:
    """Check a card's code and give a link token for answering with it."""
    clean = normalise_card_code(code)
    if len(clean) != CARD_CODE_LENGTH:
        raise LinkNotUsable(
            f"The code on your card has {CARD_CODE_LENGTH} letters and numbers. "
            "Check it and try again.",
            reason="format",
            status=400,
        )
    invitation = (
        Invitation.objects.select_for_update()
        .select_related("cycle", "group")
        .filter(card_code_hash=hash_secret(clean), channel=Invitation.Channel.CARD)
        .first()
    )
    if invitation is None:
        raise LinkNotUsable(
            "We could not find that code. Check it against your card and try again.",
            reason="unknown",
            status=404,
        )
    try:
        check_usable(invitation)
    except LinkNotUsable as refusal:
        if refusal.reason == "used":
            raise LinkNotUsable(
                "This code has already been used. Each card can be used once. Thank you.",
                reason="used",
                status=410,
            ) from None
        raise
    token = _rotate_token(invitation)
    audit.record(
        "feedback.card.redeemed", by=by, target=invitation.cycle, detail={"group": "patient"}
    )
    return invitation, token


@dataclass(frozen=True)
class DomainAnswers:
    """One section (domain) of a rater's answers, checked by the form or the caller."""

    ratings: Mapping[int, int | None]
    importance: int | None = None
    strengths: str = ""
    suggestions: str = ""


def _lock_usable_invitation(invitation: Invitation) -> tuple[Invitation, FeedbackCycle]:
    cycle = _locked_cycle(invitation.cycle)
    locked = Invitation.objects.select_for_update().select_related("group").get(pk=invitation.pk)
    locked.cycle = cycle
    check_usable(locked)
    return locked, cycle


def _clean_comment(text: str, *, what: str) -> str:
    text = (text or "").replace("\r\n", "\n").strip()
    if len(text) > COMMENT_MAX_LENGTH:
        raise FeedbackError(
            f"{what} must be {COMMENT_MAX_LENGTH:,} characters or fewer (you wrote {len(text):,})."
        )
    if "\x00" in text:
        raise FeedbackError(f"{what} has characters that cannot be saved.")
    return text


@transaction.atomic
def save_answers(
    *, invitation: Invitation, domain: Domain, answers: DomainAnswers, by: Actor
) -> Response:
    """Save one section of a rater's answers as a draft they can come back to."""
    invitation, cycle = _lock_usable_invitation(invitation)
    items = _domain_items(cycle.questionnaire, domain)
    ratings = _check_domain_ratings(items, answers.ratings)
    importance = _check_rating(answers.importance, what="How important it is")
    strengths = _clean_comment(answers.strengths, what="Strengths")
    suggestions = _clean_comment(answers.suggestions, what="Suggestions")
    response = Response.objects.filter(invitation=invitation).first()
    if response is None:
        response = Response.objects.create(
            cycle=cycle, group=invitation.group, invitation=invitation
        )
    else:
        response.save(update_fields=["updated_at"])
    # Every item of the section is rated (checked above), so upserting replaces them all.
    Answer.objects.bulk_create(
        [Answer(response=response, item_id=pk, rating=value) for pk, value in ratings.items()],
        update_conflicts=True,
        unique_fields=["response", "item"],
        update_fields=["rating"],
    )
    if importance is None:
        ImportanceRating.objects.filter(response=response, domain=domain).delete()
    else:
        ImportanceRating.objects.bulk_create(
            [ImportanceRating(response=response, domain=domain, rating=importance)],
            update_conflicts=True,
            unique_fields=["response", "domain"],
            update_fields=["rating"],
        )
    comments = {Comment.Kind.STRENGTH: strengths, Comment.Kind.SUGGESTION: suggestions}
    emptied = [kind for kind, text in comments.items() if not text]
    if emptied:
        Comment.objects.filter(response=response, domain=domain, kind__in=emptied).delete()
    Comment.objects.bulk_create(
        [
            Comment(response=response, domain=domain, kind=kind, text=text)
            for kind, text in comments.items()
            if text
        ],
        update_conflicts=True,
        unique_fields=["response", "domain", "kind"],
        update_fields=["text", "redacted_at", "redacted_by", "redaction_reason"],
    )
    if invitation.state == Invitation.State.INVITED:
        invitation.state = Invitation.State.STARTED
        invitation.save(update_fields=["state"])
    audit.record(
        "feedback.answers.saved",
        by=by,
        target=cycle,
        detail={"group": invitation.group.code, "domain": domain.pk},
    )
    return response


def missing_domains(invitation: Invitation) -> list[Domain]:
    """Sections of the questionnaire with questions the rater has not answered yet."""
    cycle = invitation.cycle
    answered = set(
        Answer.objects.filter(
            response__invitation=invitation, response__state=Response.State.DRAFT
        ).values_list("item_id", flat=True)
    )
    missing: dict[int, Domain] = {}
    for item in (
        QuestionnaireItem.objects.filter(questionnaire_id=cycle.questionnaire_id)
        .select_related("element__domain")
        .order_by("order")
    ):
        if item.pk not in answered:
            missing.setdefault(item.element.domain_id, item.element.domain)
    return list(missing.values())


@transaction.atomic
def submit_response(*, invitation: Invitation, by: Actor) -> None:
    """Send a rater's answers: the response is cut from the invitation and keeps the day only."""
    invitation, cycle = _lock_usable_invitation(invitation)
    response = (
        Response.objects.select_for_update()
        .filter(invitation=invitation, state=Response.State.DRAFT)
        .first()
    )
    if response is None:
        raise FeedbackError("Answer the questions before you send your feedback.")
    invitation.cycle = cycle
    gaps = missing_domains(invitation)
    if gaps:
        names = ", ".join(d.name for d in gaps)
        raise FeedbackError(f"Answer every question before you send. Still to answer: {names}.")
    today = _today()
    response.invitation = None
    response.state = Response.State.SUBMITTED
    response.submitted_on = today
    response.cycle = cycle  # already locked and read: ratings_of needs its questionnaire
    response.ratings = norms.ratings_of(response)
    response.save(update_fields=["invitation", "state", "submitted_on", "ratings", "updated_at"])
    invitation.state = Invitation.State.SUBMITTED
    invitation.submitted_at = _start_of_day(today)
    invitation.save(update_fields=["state", "submitted_at"])
    audit.record(
        "feedback.response.submitted",
        by=by,
        target=cycle,
        detail={"group": invitation.group.code},
    )


def self_invitation(cycle: FeedbackCycle) -> Invitation:
    """The subject's own invitation in a cycle."""
    invitation = (
        cycle.invitations.select_related("group", "cycle", "cycle__questionnaire")
        .filter(channel=Invitation.Channel.SELF)
        .first()
    )
    if invitation is None:
        raise FeedbackError("This cycle has no self invitation.")
    return invitation


# Emails: invitations and reminders ---------------------------------------------------------


def _send_link_email(invitation_id: int, *, reminder: bool, by: Actor) -> bool:
    """Give one emailed invitation a fresh link and send it (after commit). True if sent."""
    with transaction.atomic():
        invitation = (
            Invitation.objects.select_for_update()
            .select_related("cycle", "cycle__subject", "group")
            .filter(pk=invitation_id, channel=Invitation.Channel.EMAIL)
            .first()
        )
        if invitation is None:
            return False
        try:
            check_usable(invitation)
        except LinkNotUsable:
            return False
        if not reminder and invitation.sent_at is not None:
            return False
        token = _rotate_token(invitation)
        now = timezone.now()
        if reminder:
            invitation.last_reminded_at = now
            invitation.save(update_fields=["last_reminded_at"])
        else:
            invitation.sent_at = now
            invitation.save(update_fields=["sent_at"])
        audit.record(
            "feedback.invitation.reminded" if reminder else "feedback.invitation.sent",
            by=by,
            target=invitation,
            detail={"group": invitation.group.code},
        )
        from healthlead.feedback import emails

        message = emails.rater_message(invitation, token, reminder=reminder)
        transaction.on_commit(lambda: emails.send(message))
    return True


def send_invitation_emails(*, invitation_ids: list[int], by: Actor) -> int:
    """Send the first email, with its link, to each invitation not yet sent."""
    return sum(_send_link_email(pk, reminder=False, by=by) for pk in invitation_ids)


def reminders_due(invitation: Invitation, *, today: dt.date) -> int:
    """How many reminder windows have opened for this invitation's cycle by `today`."""
    days_left = (invitation.cycle.deadline - today).days
    return sum(1 for window in REMINDER_WINDOWS if days_left <= window)


@transaction.atomic
def _remind_one(invitation_id: int, *, today: dt.date, by: Actor) -> bool:
    invitation = (
        Invitation.objects.select_for_update()
        .select_related("cycle", "group")
        .filter(pk=invitation_id)
        .first()
    )
    if invitation is None:
        return False
    due = reminders_due(invitation, today=today)
    if invitation.reminders_sent >= due:
        return False
    # Whatever happens next, this window has been dealt with: running again sends nothing.
    invitation.reminders_sent = due
    invitation.save(update_fields=["reminders_sent"])
    try:
        check_usable(invitation, today=today)
    except LinkNotUsable:
        return False
    recently = invitation.sent_at is not None and (
        timezone.localdate(invitation.sent_at) > today - dt.timedelta(days=REMINDER_GRACE_DAYS)
    )
    if invitation.sent_at is None or recently:
        return False
    return _send_link_email(invitation.pk, reminder=True, by=by)


def send_reminders(*, today: dt.date | None = None, by: Actor) -> int:
    """Remind raters who have not answered, once per window before the deadline."""
    today = today or _today()
    latest = today + dt.timedelta(days=max(REMINDER_WINDOWS))
    candidates = Invitation.objects.filter(
        channel=Invitation.Channel.EMAIL,
        state__in=[Invitation.State.INVITED, Invitation.State.STARTED],
        cycle__state=FeedbackCycle.State.OPEN,
        cycle__deadline__gte=today,
        cycle__deadline__lte=latest,
        reminders_sent__lt=len(REMINDER_WINDOWS),
    ).values_list("pk", flat=True)
    return sum(_remind_one(pk, today=today, by=by) for pk in list(candidates.iterator()))


def cycles_past_deadline(today: dt.date | None = None) -> list[int]:
    """Open cycles whose deadline has passed."""
    today = today or _today()
    return list(
        FeedbackCycle.objects.open().filter(deadline__lt=today).values_list("pk", flat=True)
    )
