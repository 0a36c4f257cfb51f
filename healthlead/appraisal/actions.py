"""Every write to development plans, programme completions and appraisals."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone

from healthlead.appraisal.models import (
    REVALIDATION_CHECKLIST,
    Appraisal,
    AppraisalAddendum,
    AppraisalSignOff,
    AppraisalStateChange,
    Completion,
    DevelopmentPlan,
    Evidence,
    Goal,
    GoalAction,
    PlanReview,
)
from healthlead.core import audit
from healthlead.core.actors import Actor
from healthlead.frameworks.models import Element
from healthlead.people.models import Person, StaffGroup


class GoalError(Exception):
    """A goal that cannot be added, with a message for the user."""


class PlanError(GoalError):
    """A development plan change that cannot be made, with a message for the user."""


class AppraisalError(Exception):
    """An appraisal change that cannot be made, with a message for the user."""


def actor_label(by: Actor) -> str:
    """How a record names who acted: a person's name, or the system job."""
    if getattr(by, "is_authenticated", False):
        return str(getattr(by, "display_name", "") or by.get_username())
    return str(by)


def _user(by: Actor) -> Any:
    return by if getattr(by, "is_authenticated", False) else None


def _touch(plan: DevelopmentPlan) -> None:
    plan.changed_at = timezone.now()
    plan.save(update_fields=["changed_at"])


def _text(value: str, *, limit: int, what: str, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise PlanError(f"Enter {what}.")
    if len(value) > limit:
        raise PlanError(f"{what[0].upper()}{what[1:]} must be {limit:,} characters or fewer.")
    return value


def plan_of(person: Person, *, by: Actor) -> DevelopmentPlan:
    """The person's one development plan, made the first time it is needed."""
    plan, created = DevelopmentPlan.objects.get_or_create(person=person)
    if created:
        audit.record("appraisal.plan.created", by=by, target=plan, detail={"person": person.pk})
    return plan


# Goals -------------------------------------------------------------------------------------


@transaction.atomic
def create_goal(
    *,
    person: Person,
    title: str,
    by: Actor,
    description: str = "",
    element: Element | None = None,
    source: str = "",
    due_on: dt.date | None = None,
) -> Goal:
    """Add a goal to the person's development plan (creating the plan the first time)."""
    title = title.strip()
    if not title:
        raise GoalError("Enter a title for the goal.")
    if len(title) > 200:
        raise GoalError("The goal's title must be 200 characters or fewer.")
    if due_on is not None and due_on < timezone.localdate():
        raise GoalError("The due date must be today or in the future.")
    plan = plan_of(person, by=by)
    goal = Goal.objects.create(
        plan=plan,
        title=title,
        description=description.strip(),
        element=element,
        source=source.strip()[:100],
        due_on=due_on,
        created_by=_user(by),
    )
    _touch(plan)
    audit.record(
        "appraisal.goal.created",
        by=by,
        target=goal,
        detail={"person": person.pk, "element": element.pk if element else None, "source": source},
    )
    return goal


@transaction.atomic
def update_goal(
    *,
    goal: Goal,
    title: str,
    description: str,
    element: Element | None,
    due_on: dt.date | None,
    status: str,
    by: Actor,
) -> Goal:
    """Change a goal's wording, element, due date or status."""
    title = _text(title, limit=200, what="the goal", required=True)
    description = _text(description, limit=4000, what="how you will do it")
    if status not in Goal.Status.values:
        raise PlanError("Choose one of the statuses shown.")
    if due_on is not None and due_on != goal.due_on and due_on < timezone.localdate():
        raise PlanError("The due date must be today or in the future.")
    before = {"title": goal.title, "status": goal.status, "due_on": goal.due_on}
    goal.title, goal.description, goal.element = title, description, element
    goal.due_on, goal.status = due_on, status
    goal.save()
    _touch(goal.plan)
    audit.record(
        "appraisal.goal.changed",
        by=by,
        target=goal,
        detail={"before": before, "status": status, "element": element.pk if element else None},
    )
    return goal


# Actions towards a goal ---------------------------------------------------------------------


def programme_key(name: str) -> str:
    """A programme name normalised for matching: case, spacing and punctuation do not matter."""
    return re.sub(r"[^a-z0-9]+", " ", name.lower()).strip()


@transaction.atomic
def add_goal_action(
    *,
    goal: Goal,
    kind: str,
    title: str,
    by: Actor,
    programme_name: str = "",
    due_on: dt.date | None = None,
) -> GoalAction:
    """Add an action (a programme, mentoring, a set, a placement, reading) to a goal."""
    if kind not in GoalAction.Kind.values:
        raise PlanError("Choose what kind of action this is.")
    title = _text(title, limit=200, what="what you will do", required=True)
    programme_name = _text(programme_name, limit=200, what="the programme's name")
    if kind == GoalAction.Kind.PROGRAMME and not programme_name:
        raise PlanError("Enter the programme's name, so its completion can be added for you.")
    if kind != GoalAction.Kind.PROGRAMME:
        programme_name = ""
    if due_on is not None and due_on < timezone.localdate():
        raise PlanError("The due date must be today or in the future.")
    action = GoalAction.objects.create(
        goal=goal,
        kind=kind,
        title=title,
        programme_name=programme_name,
        programme_key=programme_key(programme_name),
        due_on=due_on,
        created_by=_user(by),
    )
    # A programme finished before it was added to the plan counts at once.
    if programme_name:
        earlier = (
            Completion.objects.filter(
                person_id=goal.plan.person_id, programme_key=action.programme_key
            )
            .order_by("-completed_on")
            .first()
        )
        if earlier is not None:
            _attach_completion(action, earlier, by=by)
    _touch(goal.plan)
    audit.record(
        "appraisal.goal_action.created",
        by=by,
        target=action,
        detail={"goal": goal.pk, "kind": kind, "programme": action.programme_key},
    )
    return action


@transaction.atomic
def update_goal_action(
    *, action: GoalAction, status: str, due_on: dt.date | None, by: Actor
) -> GoalAction:
    """Change an action's status or due date (done records the day it was done)."""
    if status not in GoalAction.Status.values:
        raise PlanError("Choose one of the statuses shown.")
    if due_on is not None and due_on != action.due_on and due_on < timezone.localdate():
        raise PlanError("The due date must be today or in the future.")
    before = {"status": action.status, "due_on": action.due_on}
    action.status, action.due_on = status, due_on
    if status == GoalAction.Status.DONE:
        action.completed_on = action.completed_on or timezone.localdate()
    else:
        action.completed_on = None
    action.save()
    _touch(action.goal.plan)
    audit.record(
        "appraisal.goal_action.changed",
        by=by,
        target=action,
        detail={"before": before, "status": status, "due_on": due_on},
    )
    return action


# Evidence ----------------------------------------------------------------------------------

EVIDENCE_DIR = "development-evidence"
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
# Extension -> (content type served, signatures the file must start with; empty: text).
EVIDENCE_TYPES: dict[str, tuple[str, tuple[bytes, ...]]] = {
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".docx": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        (b"PK\x03\x04",),
    ),
    ".xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        (b"PK\x03\x04",),
    ),
    ".pptx": (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        (b"PK\x03\x04",),
    ),
    ".odt": ("application/vnd.oasis.opendocument.text", (b"PK\x03\x04",)),
    ".txt": ("text/plain; charset=utf-8", ()),
}


def evidence_max_bytes() -> int:
    return min(EVIDENCE_MAX_BYTES, settings.MAX_UPLOAD_BYTES)


def clean_file_name(name: str) -> str:
    """A file name safe to show and to offer for download: no folders or odd characters."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = "".join(ch for ch in base if ch.isprintable())
    base = re.sub(r"[^\w .()-]+", "_", base).strip(" ._")
    if len(base) > 100:
        stem, dot, extension = base.rpartition(".")
        base = (stem[: 95 - len(extension)] + dot + extension) if dot else base[:100]
    return base or "evidence"


def evidence_file_problem(name: str, size: int, head: bytes) -> str | None:
    """Why an uploaded file cannot be kept as evidence, or None."""
    if size == 0:
        return "The selected file is empty."
    limit = evidence_max_bytes()
    if size > limit:
        return f"The selected file must be smaller than {limit // (1024 * 1024)} MB."
    extension = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension not in EVIDENCE_TYPES:
        return (
            "The selected file must be a PDF, Word, Excel, PowerPoint, OpenDocument, PNG, JPEG "
            "or text file."
        )
    _, signatures = EVIDENCE_TYPES[extension]
    if signatures and not head.startswith(signatures):
        return f"The selected file is not really a {extension[1:].upper()} file."
    if not signatures:
        if b"\x00" in head:
            return "The selected text file holds binary data."
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as error:
            if error.start < len(head) - 4:  # a character cut at the end of the sample is fine
                return "The selected text file must be saved as UTF-8 text."
    return None


@transaction.atomic
def add_evidence_note(*, action: GoalAction, note: str, by: Actor) -> Evidence:
    """Add a note as evidence for an action."""
    note = _text(note, limit=4000, what="your note", required=True)
    evidence = Evidence.objects.create(
        action=action,
        kind=Evidence.Kind.NOTE,
        note=note,
        added_by=_user(by),
        added_by_label=actor_label(by),
    )
    _touch(action.goal.plan)
    audit.record(
        "appraisal.evidence.note_added", by=by, target=evidence, detail={"action": action.pk}
    )
    return evidence


@transaction.atomic
def add_evidence_file(*, action: GoalAction, upload: Any, by: Actor, note: str = "") -> Evidence:
    """Keep an uploaded file (checked for size and type, stored under a random name outside
    the web root) as evidence for an action."""
    name = clean_file_name(upload.name or "")
    head = upload.read(2048)
    upload.seek(0)
    problem = evidence_file_problem(name, upload.size or 0, head)
    if problem:
        raise PlanError(problem)
    note = _text(note, limit=4000, what="your note")
    extension = "." + name.rsplit(".", 1)[-1].lower()
    content_type, _ = EVIDENCE_TYPES[extension]
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    stored = default_storage.save(f"{EVIDENCE_DIR}/{secrets.token_hex(16)}{extension}", upload)
    try:
        evidence = Evidence.objects.create(
            action=action,
            kind=Evidence.Kind.FILE,
            note=note,
            file_name=name,
            stored_path=stored,
            content_type=content_type,
            size=upload.size or 0,
            sha256=digest.hexdigest(),
            added_by=_user(by),
            added_by_label=actor_label(by),
        )
    except Exception:
        default_storage.delete(stored)
        raise
    _touch(action.goal.plan)
    audit.record(
        "appraisal.evidence.file_added",
        by=by,
        target=evidence,
        detail={
            "action": action.pk,
            "file_name": name,
            "bytes": evidence.size,
            "sha256": evidence.sha256,
        },
    )
    return evidence


# Completions (the interface other capabilities call) ----------------------------------------


@dataclass(frozen=True)
class CompletionResult:
    completion: Completion
    created: bool
    actions_evidenced: int


def _attach_completion(action: GoalAction, completion: Completion, *, by: Actor) -> bool:
    if Evidence.objects.filter(action=action, completion=completion).exists():
        return False
    Evidence.objects.create(
        action=action,
        kind=Evidence.Kind.COMPLETION,
        note=f"Completed {completion.programme_name} on {completion.completed_on:%d %B %Y}.",
        completion=completion,
        added_by=_user(by),
        added_by_label=actor_label(by),
    )
    if action.status != GoalAction.Status.DONE:
        action.status = GoalAction.Status.DONE
        action.completed_on = completion.completed_on
        action.save(update_fields=["status", "completed_on"])
    return True


@transaction.atomic
def record_completion_evidence(
    *,
    person: Person,
    programme_name: str,
    completed_on: dt.date,
    by: Actor,
    reference: str = "",
) -> CompletionResult:
    """Record that a person completed a programme, and add it as evidence to every action in
    their development plan that names that programme (marking those actions done).

    Called by the programmes capability when an enrolment is completed (or by any other system
    that learns of a completion). Idempotent: the same person, programme and day again changes
    nothing. Programmes are matched by name, ignoring case, spacing and punctuation.
    """
    name = (programme_name or "").strip()
    if not name:
        raise PlanError("A completion needs the programme's name.")
    if len(name) > 200:
        raise PlanError("The programme's name must be 200 characters or fewer.")
    if completed_on > timezone.localdate():
        raise PlanError("A programme cannot be completed in the future.")
    key = programme_key(name)
    completion = Completion.objects.filter(
        person=person, programme_key=key, completed_on=completed_on
    ).first()
    created = completion is None
    if completion is None:
        try:
            with transaction.atomic():
                completion = Completion.objects.create(
                    person=person,
                    programme_name=name,
                    programme_key=key,
                    completed_on=completed_on,
                    reference=(reference or "")[:100],
                    recorded_by_label=actor_label(by),
                )
        except IntegrityError:  # recorded at the same moment by another process
            completion = Completion.objects.get(
                person=person, programme_key=key, completed_on=completed_on
            )
            created = False
    evidenced = 0
    actions = GoalAction.objects.filter(
        goal__plan__person=person, programme_key=key
    ).select_related("goal__plan")
    for action in actions:
        if _attach_completion(action, completion, by=by):
            evidenced += 1
    if created or evidenced:
        if evidenced:
            _touch(actions[0].goal.plan)
        audit.record(
            "appraisal.completion.recorded",
            by=by,
            target=completion,
            detail={
                "person": person.pk,
                "programme": key,
                "completed_on": completed_on,
                "reference": reference,
                "actions_evidenced": evidenced,
            },
        )
        from healthlead.talent import actions as talent_actions

        talent_actions.refresh_pool_entry(person=person, by=by)
    return CompletionResult(completion, created, evidenced)


# The line manager's comments and agreement --------------------------------------------------


@transaction.atomic
def review_plan(*, person: Person, kind: str, text: str, by: Actor) -> PlanReview:
    """The line manager comments on or agrees the person's development plan."""
    if kind not in PlanReview.Kind.values:
        raise PlanError("Choose whether you are commenting or agreeing the plan.")
    text = _text(text, limit=2000, what="your comment", required=kind == PlanReview.Kind.COMMENT)
    plan = plan_of(person, by=by)
    if kind == PlanReview.Kind.AGREED and not plan.goals.exists():
        raise PlanError("There is nothing to agree yet: the plan has no goals.")
    review = PlanReview.objects.create(
        plan=plan, kind=kind, text=text, by=_user(by), by_label=actor_label(by)
    )
    audit.record(
        f"appraisal.plan.{'agreed' if kind == PlanReview.Kind.AGREED else 'commented'}",
        by=by,
        target=review,
        detail={"person": person.pk},
    )
    return review


# Appraisals --------------------------------------------------------------------------------

_S = Appraisal.State
TRANSITIONS = {
    ("", _S.IN_PROGRESS),
    (_S.IN_PROGRESS, _S.AWAITING_SIGN_OFF),
    (_S.AWAITING_SIGN_OFF, _S.IN_PROGRESS),
    (_S.AWAITING_SIGN_OFF, _S.SIGNED_OFF),
}


def _move(appraisal: Appraisal, to_state: str, *, by: Actor, note: str = "") -> None:
    """The transition guard: record the change, or refuse one that is not allowed."""
    from_state = appraisal.state if appraisal.pk else ""
    if (from_state, to_state) not in TRANSITIONS:
        raise AppraisalError(
            f"An appraisal that is {Appraisal.State(from_state).label.lower()} cannot become "
            f"{Appraisal.State(to_state).label.lower()}."
        )
    appraisal.state = to_state
    appraisal.save()
    AppraisalStateChange.objects.create(
        appraisal=appraisal,
        from_state=from_state,
        to_state=to_state,
        by=_user(by),
        by_label=actor_label(by),
        note=note,
    )
    audit.record(
        "appraisal.appraisal.state_changed",
        by=by,
        target=appraisal,
        detail={"from": from_state, "to": to_state},
    )


def _locked(appraisal: Appraisal) -> Appraisal:
    return (
        Appraisal.objects.select_for_update()
        .select_related("appraisee", "appraiser")
        .get(pk=appraisal.pk)
    )


def _check_appraiser(appraisee: Person, appraiser: Person | None) -> Person:
    if appraiser is None:
        raise AppraisalError(
            f"{appraisee.full_name} has no line manager recorded. Ask your organisation lead "
            "to assign an appraiser."
        )
    if appraiser.pk == appraisee.pk:
        raise AppraisalError("Someone cannot be their own appraiser.")
    if appraiser.status != Person.Status.ACTIVE:
        raise AppraisalError(f"{appraiser.full_name} has left, so cannot be an appraiser.")
    if getattr(appraiser, "user", None) is None:
        raise AppraisalError(
            f"{appraiser.full_name} has no Healthlead account yet, so cannot sign the appraisal."
        )
    return appraiser


@transaction.atomic
def start_appraisal(
    *, appraisee: Person, year: int, by: Actor, appraiser: Person | None = None
) -> Appraisal:
    """Start the year's appraisal, with the line manager as appraiser unless another is named."""
    this_year = timezone.localdate().year
    if not this_year - 1 <= year <= this_year + 1:
        raise AppraisalError("Choose this appraisal year, or the one before or after it.")
    if appraisee.status != Person.Status.ACTIVE:
        raise AppraisalError(f"{appraisee.full_name} has left, so cannot be appraised.")
    appraiser = _check_appraiser(appraisee, appraiser or appraisee.line_manager)
    if Appraisal.objects.filter(appraisee=appraisee, year=year).exists():
        raise AppraisalError(
            f"{appraisee.full_name} already has an appraisal for April {year} to March {year + 1}."
        )
    appraisal = Appraisal(appraisee=appraisee, appraiser=appraiser, year=year)
    try:
        with transaction.atomic():
            _move(appraisal, Appraisal.State.IN_PROGRESS, by=by)
    except IntegrityError:
        raise AppraisalError(
            f"{appraisee.full_name} already has an appraisal for April {year} to March {year + 1}."
        ) from None
    audit.record(
        "appraisal.appraisal.started",
        by=by,
        target=appraisal,
        detail={"appraisee": appraisee.pk, "appraiser": appraiser.pk, "year": year},
    )
    return appraisal


@transaction.atomic
def assign_appraiser(
    *, appraisal: Appraisal, appraiser: Person, by: Actor, note: str = ""
) -> Appraisal:
    """Give the appraisal a different appraiser (any sign-offs so far no longer count)."""
    appraisal = _locked(appraisal)
    if appraisal.is_locked:
        raise AppraisalError("This appraisal is signed off. Add an addendum instead.")
    appraiser = _check_appraiser(appraisal.appraisee, appraiser)
    if appraiser.pk == appraisal.appraiser_id:
        raise AppraisalError(f"{appraiser.full_name} is already the appraiser.")
    before = appraisal.appraiser_id
    appraisal.appraiser = appraiser
    appraisal.save(update_fields=["appraiser", "updated_at"])
    appraisal.sign_offs.filter(superseded_at__isnull=True).update(superseded_at=timezone.now())
    if appraisal.state == Appraisal.State.AWAITING_SIGN_OFF:
        _move(appraisal, Appraisal.State.IN_PROGRESS, by=by, note="New appraiser assigned")
    audit.record(
        "appraisal.appraisal.appraiser_assigned",
        by=by,
        target=appraisal,
        detail={"from": before, "to": appraiser.pk},
        reason=note,
    )
    return appraisal


APPRAISEE_FIELDS = {"reflection", "revalidation_notes"} | {
    name for name, _ in REVALIDATION_CHECKLIST
}
SHARED_FIELDS = {"objectives", "supports_revalidation"}
APPRAISER_FIELDS = {"discussion", "performance", "potential", "agreed_plan_notes"}
TEXT_LIMITS = {
    "reflection": 5000,
    "discussion": 5000,
    "objectives": 5000,
    "agreed_plan_notes": 3000,
    "revalidation_notes": 2000,
}


@transaction.atomic
def update_appraisal(
    *, appraisal: Appraisal, changes: dict[str, Any], by: Actor, as_appraiser: bool
) -> Appraisal:
    """Record what the appraisee or the appraiser wrote while the appraisal is in progress.

    The appraisee writes their reflection and the revalidation checklist; the appraiser the
    discussion, the ratings and the agreed plan; both the objectives.
    """
    appraisal = _locked(appraisal)
    if appraisal.state != Appraisal.State.IN_PROGRESS:
        raise AppraisalError(
            "This appraisal is signed off: add an addendum instead."
            if appraisal.is_locked
            else "This appraisal is waiting for sign-off. Reopen it to make changes."
        )
    allowed = SHARED_FIELDS | (APPRAISER_FIELDS if as_appraiser else APPRAISEE_FIELDS)
    unknown = set(changes) - allowed
    if unknown:
        raise AppraisalError(f"You cannot change {', '.join(sorted(unknown))} here.")
    for name, limit in TEXT_LIMITS.items():
        if name in changes:
            value = (changes[name] or "").strip()
            if len(value) > limit:
                raise AppraisalError(
                    f"The {name.replace('_', ' ')} must be {limit:,} characters or fewer."
                )
            changes[name] = value
    for name, choices in (
        ("performance", Appraisal.Performance.values),
        ("potential", Appraisal.Potential.values),
    ):
        if name in changes and changes[name] not in (None, *choices):
            raise AppraisalError(f"Choose one of the {name} ratings shown.")
    if (
        changes.get("supports_revalidation")
        and appraisal.appraisee.staff_group != StaffGroup.DOCTORS
    ):
        raise AppraisalError("Only a doctor's appraisal supports revalidation.")
    changed = sorted(k for k, v in changes.items() if getattr(appraisal, k) != v)
    for name in changed:
        setattr(appraisal, name, changes[name])
    if changed:
        appraisal.save()
        audit.record(
            "appraisal.appraisal.changed",
            by=by,
            target=appraisal,
            detail={"fields": changed, "as": "appraiser" if as_appraiser else "appraisee"},
        )
    return appraisal


@transaction.atomic
def submit_appraisal(*, appraisal: Appraisal, by: Actor) -> Appraisal:
    """The appraiser puts the appraisal to both for sign-off."""
    appraisal = _locked(appraisal)
    missing = [
        label
        for label, value in (
            ("the objectives for the coming year", appraisal.objectives),
            ("a performance rating", appraisal.performance),
            ("a potential rating", appraisal.potential),
        )
        if not value
    ]
    if missing:
        raise AppraisalError(
            "Before asking for sign-off, record "
            + ", ".join(missing[:-1])
            + (" and " if len(missing) > 1 else "")
            + missing[-1]
            + "."
        )
    _move(appraisal, Appraisal.State.AWAITING_SIGN_OFF, by=by)
    appraisal.submitted_at = timezone.now()
    appraisal.save(update_fields=["submitted_at", "updated_at"])
    return appraisal


def _plan_snapshot(person: Person) -> list[dict[str, Any]]:
    goals = (
        Goal.objects.filter(plan__person=person)
        .exclude(status=Goal.Status.DROPPED)
        .select_related("element__domain")
        .prefetch_related("actions")
        .order_by("due_on", "pk")
    )
    return [
        {
            "title": g.title,
            "element": f"{g.element.domain.name}: {g.element.name}" if g.element else "",
            "status": g.get_status_display(),
            "due_on": g.due_on.isoformat() if g.due_on else None,
            "actions": [
                {"kind": a.get_kind_display(), "title": a.title, "status": a.get_status_display()}
                for a in g.actions.all()
            ],
        }
        for g in goals
    ]


@transaction.atomic
def sign_off_appraisal(*, appraisal: Appraisal, by: Actor) -> Appraisal:
    """The appraisee or the appraiser signs off; when both have, the appraisal is locked and
    the development plan as it stands is recorded as the agreed plan."""
    appraisal = _locked(appraisal)
    if appraisal.state != Appraisal.State.AWAITING_SIGN_OFF:
        raise AppraisalError("Only an appraisal waiting for sign-off can be signed off.")
    person_id = getattr(by, "person_id", None)
    if person_id == appraisal.appraisee_id:
        role = AppraisalSignOff.Role.APPRAISEE
    elif person_id == appraisal.appraiser_id:
        role = AppraisalSignOff.Role.APPRAISER
    else:
        raise AppraisalError("Only the appraisee and the appraiser sign an appraisal off.")
    current = appraisal.sign_offs.filter(superseded_at__isnull=True)
    if current.filter(role=role).exists():
        raise AppraisalError("You have already signed this appraisal off.")
    AppraisalSignOff.objects.create(appraisal=appraisal, role=role, person_id=person_id, by=by)
    audit.record("appraisal.appraisal.signed", by=by, target=appraisal, detail={"role": role})
    if current.count() == 2:
        appraisal.agreed_plan = _plan_snapshot(appraisal.appraisee)
        appraisal.signed_off_at = timezone.now()
        _move(appraisal, Appraisal.State.SIGNED_OFF, by=by, note="Signed off by both")
        appraiser_sign_off = current.get(role=AppraisalSignOff.Role.APPRAISER)
        PlanReview.objects.create(
            plan=plan_of(appraisal.appraisee, by=by),
            kind=PlanReview.Kind.AGREED,
            text=f"Agreed at the appraisal for {appraisal.year_label}.",
            by=appraiser_sign_off.by,
            by_label=appraisal.appraiser.full_name,
        )
    return appraisal


@transaction.atomic
def reopen_appraisal(*, appraisal: Appraisal, by: Actor, note: str) -> Appraisal:
    """Take an appraisal back from sign-off to make changes; sign-offs so far no longer count."""
    appraisal = _locked(appraisal)
    note = (note or "").strip()
    if not note:
        raise AppraisalError("Say what needs to change.")
    if len(note) > 2000:
        raise AppraisalError("What needs to change must be 2,000 characters or fewer.")
    _move(appraisal, Appraisal.State.IN_PROGRESS, by=by, note=note)
    appraisal.sign_offs.filter(superseded_at__isnull=True).update(superseded_at=timezone.now())
    return appraisal


@transaction.atomic
def add_addendum(*, appraisal: Appraisal, text: str, by: Actor) -> AppraisalAddendum:
    """Add to a signed-off appraisal without changing it."""
    appraisal = _locked(appraisal)
    if not appraisal.is_locked:
        raise AppraisalError("Change the appraisal itself: it is not signed off yet.")
    text = (text or "").strip()
    if not text:
        raise AppraisalError("Enter the addendum.")
    if len(text) > 4000:
        raise AppraisalError("The addendum must be 4,000 characters or fewer.")
    addendum = AppraisalAddendum.objects.create(
        appraisal=appraisal, text=text, by=by, by_label=actor_label(by)
    )
    audit.record(
        "appraisal.appraisal.addendum_added",
        by=by,
        target=addendum,
        detail={"appraisal": appraisal.pk},
    )
    return addendum
