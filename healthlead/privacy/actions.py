"""Subject access exports, erasure and retention.

Erasure reaches into other apps' records through their models (listed in docs/privacy.md):
each app owns its data, but the rule for what erasure does to it is kept here in one place,
inside one transaction, so that a person is either wholly erased or not at all.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import logging
from dataclasses import asdict, dataclass
from typing import Any

from django.apps import apps
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.files.storage import default_storage
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from healthlead.accounts.models import RoleAssignment, User
from healthlead.appraisal.models import (
    Appraisal,
    AppraisalAddendum,
    AppraisalStateChange,
    Evidence,
    Goal,
    GoalAction,
    PlanReview,
)
from healthlead.core import audit
from healthlead.core.actors import Actor, System
from healthlead.feedback.actions import hash_secret, new_token
from healthlead.feedback.models import (
    Comment,
    CycleStateChange,
    Debrief,
    FeedbackCycle,
    Invitation,
    Report,
)
from healthlead.people.models import Person, StaffImport
from healthlead.privacy.archive import Archive, build_archive
from healthlead.privacy.models import Erasure
from healthlead.programmes.models import (
    Appeal,
    Application,
    ApplicationStateChange,
    BursaryRequest,
    ConflictDeclaration,
    Endorsement,
    FundingConfirmation,
    Moderation,
    PanelMember,
    PanelScore,
    PriorLearningClaim,
    PriorLearningDecision,
    Statement,
)
from healthlead.talent import actions as talent_actions
from healthlead.talent.models import (
    PoolEntry,
    ShortlistEntry,
    SuccessionCandidate,
    TalentConversation,
    TalentProfile,
    TalentRatingChange,
    TalentReview,
)

logger = logging.getLogger(__name__)

REASON_LIMIT = 500
# What replaces free text that must not be empty (a database rule requires some text).
REMOVED = "(removed when the person's data was erased)"
ERASED_FIRST_NAME = "Erased person"


class PrivacyError(Exception):
    """An export or erasure that cannot be made, with a message for the user."""


def _user(by: Actor) -> Any:
    return by if getattr(by, "is_authenticated", False) else None


def _actor_label(by: Actor) -> str:
    if getattr(by, "is_authenticated", False):
        return str(getattr(by, "display_name", "") or by.get_username())
    return str(by)


def _reason(reason: str | None, *, required: bool) -> str:
    reason = (reason or "").strip()
    if required and not reason:
        raise PrivacyError("Give the reason.")
    if len(reason) > REASON_LIMIT:
        raise PrivacyError(f"Keep the reason to {REASON_LIMIT} characters or fewer.")
    return reason


# Subject access --------------------------------------------------------------------------------


@transaction.atomic
def export_personal_data(*, person: Person, reason: str, by: Actor) -> Archive:
    """Build the archive of everything held about a person, and record the privileged read."""
    reason = _reason(reason, required=True)
    archive = build_archive(person, exported_at=timezone.now(), reason=reason)
    audit.record_read(
        "privacy.personal_data.exported",
        by=by,
        target=person,
        reason=reason,
        detail={"areas": archive.areas, "files": len(archive.files), "missing": archive.missing},
    )
    return archive


# Erasure ---------------------------------------------------------------------------------------


def pseudonym_code(person: Person) -> str:
    """A stable code for a person: the same person always gets the same one."""
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"healthlead-person:{person.pk}".encode(), hashlib.sha256
    )
    return digest.hexdigest()[:12].upper()


def _clear(queryset: models.QuerySet[Any], **values: Any) -> int:
    return queryset.update(**values)


def _clear_required(queryset: models.QuerySet[Any], field: str) -> int:
    """Replace text a database rule requires to be present (only where there is some)."""
    return queryset.exclude(**{field: ""}).update(**{field: REMOVED})


def _relabel_user(user: User, label: str) -> int:
    """Every `<x>_label` beside a `<x>` pointing at the user now names the pseudonym.

    Found from the models, so a new attributed record is covered without a change here. The
    audit log is left alone: it is append-only and hash-chained (see docs/privacy.md).
    """
    changed = 0
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    for model in apps.get_models():
        if model._meta.label == "core.AuditEvent":
            continue
        names = {f.name for f in model._meta.concrete_fields}
        for model_field in model._meta.concrete_fields:
            if (
                isinstance(model_field, models.ForeignKey)
                and model_field.related_model is user_model
                and f"{model_field.name}_label" in names
            ):
                changed += model._default_manager.filter(**{model_field.name: user}).update(
                    **{f"{model_field.name}_label": label}
                )
    return changed


def _erase_account(user: User, *, code: str, label: str, now: dt.datetime) -> dict[str, int]:
    address = f"{code.lower()}@erased.invalid"
    user.email = address
    user.username = address
    user.first_name = ""
    user.last_name = ""
    user.is_active = False
    user.set_unusable_password()
    user.save()
    return {
        "roles_ended": RoleAssignment.objects.current().filter(user=user).update(ended_at=now),
        "authenticators_deleted": TOTPDevice.objects.filter(user=user).delete()[0],
        "labels_replaced": _relabel_user(user, label),
        "panel_names_replaced": PanelMember.objects.filter(user=user).update(name=label),
    }


def _erase_plan_and_appraisals(person: Person) -> tuple[dict[str, int], list[str]]:
    files = list(
        Evidence.objects.filter(action__goal__plan__person=person)
        .exclude(stored_path="")
        .values_list("stored_path", flat=True)
    )
    counts = {
        "evidence_files_deleted": Evidence.objects.filter(
            action__goal__plan__person=person, kind=Evidence.Kind.FILE
        ).delete()[0],
        "evidence_notes_cleared": _clear(
            Evidence.objects.filter(action__goal__plan__person=person), note=""
        ),
        "goals_cleared": _clear(
            Goal.objects.filter(plan__person=person), title=REMOVED, description="", source=""
        ),
        "goal_actions_cleared": _clear(
            GoalAction.objects.filter(goal__plan__person=person), title=REMOVED
        ),
        "plan_reviews_cleared": _clear(PlanReview.objects.filter(plan__person=person), text=""),
        "appraisals_cleared": _clear(
            Appraisal.objects.filter(appraisee=person),
            reflection="",
            discussion="",
            objectives="",
            agreed_plan_notes="",
            agreed_plan=[],
            revalidation_notes="",
        ),
        "appraisal_notes_cleared": _clear(
            AppraisalStateChange.objects.filter(appraisal__appraisee=person), note=""
        ),
        "appraisal_addenda_cleared": _clear(
            AppraisalAddendum.objects.filter(appraisal__appraisee=person), text=""
        ),
    }
    return counts, files


def _erase_talent(person: Person, *, by: Actor) -> dict[str, int]:
    profile = TalentProfile.objects.filter(person=person).first()
    withdrew = 0
    if profile is not None and profile.in_pool:
        talent_actions.withdraw_from_pool(profile=profile, by=by)
        withdrew = 1
    return {
        "talent_pool_withdrawn": withdrew,
        "pool_entries_deleted": PoolEntry.objects.filter(person=person).delete()[0],
        "talent_profile_cleared": _clear(TalentProfile.objects.filter(person=person), statement=""),
        "talent_conversations_cleared": _clear(
            TalentConversation.objects.filter(person=person), aspiration_notes="", notes=""
        ),
        "talent_reviews_cleared": _clear(
            TalentReview.objects.filter(conversation__person=person), notes=""
        ),
        "grid_move_reasons_cleared": _clear_required(
            TalentRatingChange.objects.filter(person=person), "reason"
        ),
        "shortlist_notes_cleared": _clear(ShortlistEntry.objects.filter(person=person), note=""),
        "succession_notes_cleared": _clear(
            SuccessionCandidate.objects.filter(person=person), notes=""
        ),
    }


def _anonymise_report(report: Report, *, label: str) -> None:
    """The report keeps its figures (norms are made of them); the name and comments go."""
    data = report.data
    subject = data.get("subject") or {}
    subject["name"] = label
    subject["occupation"] = ""
    data["subject"] = subject
    for comment in data.get("comments", []):
        comment["text"] = None
        comment["redacted"] = True
    Report.objects.filter(pk=report.pk).update(data=data)


def _any_address(emails: set[str]) -> Q:
    """Invitations to any of these addresses, however they were capitalised."""
    query = Q(pk__in=[])
    for email in emails:
        if email:
            query |= Q(email__iexact=email)
    return query


def _erase_feedback(
    person: Person, *, emails: set[str], label: str, now: dt.datetime
) -> dict[str, int]:
    cycles = FeedbackCycle.objects.filter(subject=person)
    reports = list(Report.objects.filter(cycle__subject=person))
    for report in reports:
        _anonymise_report(report, label=label)
    return {
        "reports_anonymised": len(reports),
        "feedback_comments_cleared": _clear(
            Comment.objects.filter(response__cycle__in=cycles),
            text="",
            redacted_at=now,
            redaction_reason="Erased with the subject's personal data",
        ),
        "debrief_notes_cleared": _clear(Debrief.objects.filter(cycle__in=cycles), notes=""),
        "cycle_notes_cleared": _clear(CycleStateChange.objects.filter(cycle__in=cycles), note=""),
        # As a rater: the invitation's name and address go; the answers were never linked.
        "rater_invitations_cleared": _clear(
            Invitation.objects.filter(_any_address(emails)), email="", name=""
        ),
    }


def _erase_programmes(person: Person) -> tuple[dict[str, int], list[str]]:
    applications = Application.objects.filter(person=person)
    claims = PriorLearningClaim.objects.filter(person=person)
    files = list(claims.exclude(stored_path="").values_list("stored_path", flat=True))
    counts = {
        "statements_cleared": _clear(
            Statement.objects.filter(application__in=applications), text=""
        ),
        "application_notes_cleared": _clear(
            ApplicationStateChange.objects.filter(application__in=applications), note=""
        ),
        "endorsements_cleared": _clear(
            Endorsement.objects.filter(application__in=applications), comment=""
        ),
        "funding_comments_cleared": _clear(
            FundingConfirmation.objects.filter(application__in=applications), comment=""
        ),
        "bursary_requests_cleared": _clear(
            BursaryRequest.objects.filter(application__in=applications),
            reason="",
            decision_note="",
        ),
        "appeals_cleared": _clear(Appeal.objects.filter(application__in=applications), grounds=""),
        "appeal_outcomes_cleared": _clear_required(
            Appeal.objects.filter(application__in=applications), "outcome_reason"
        ),
        "panel_notes_cleared": _clear(
            PanelScore.objects.filter(sheet__application__in=applications), note=""
        ),
        "moderation_reasons_cleared": _clear_required(
            Moderation.objects.filter(application__in=applications), "reason"
        ),
        "conflict_notes_cleared": _clear(
            ConflictDeclaration.objects.filter(application__in=applications), note=""
        ),
        "prior_learning_cleared": _clear(
            claims,
            title=REMOVED,
            provider="",
            description="",
            file_name="",
            stored_path="",
            content_type="",
            size=0,
            sha256="",
        ),
        "prior_learning_decisions_cleared": _clear_required(
            PriorLearningDecision.objects.filter(claim__person=person), "reasons"
        ),
        "prior_learning_files_deleted": len(files),
    }
    return counts, files


def _delete_files(paths: list[str]) -> None:
    for path in paths:
        try:
            default_storage.delete(path)
        except OSError:
            logger.warning("Could not delete stored file %s", path)


@transaction.atomic
def erase_person(
    *,
    person: Person,
    reason: str,
    by: Actor,
    source: str = Erasure.Source.REQUEST,
) -> Erasure:
    """Anonymise a person: names, addresses and staff number become a stable pseudonym, free
    text about them is cleared, their files are deleted, their account can no longer be used
    and they leave the talent pool. Anonymous figures (360 norms, the answers they gave as a
    rater, counts in fairness reports) are kept. All of it, or none of it."""
    reason = _reason(reason, required=source == Erasure.Source.REQUEST)
    person = Person.objects.select_for_update().get(pk=person.pk)
    if Erasure.objects.filter(person=person).exists():
        raise PrivacyError("This person's personal data has already been erased.")
    if getattr(by, "person_id", None) == person.pk:
        raise PrivacyError("You cannot erase your own record: ask another lead.")
    now = timezone.now()
    code = pseudonym_code(person)
    label = f"{ERASED_FIRST_NAME} {code}"
    user = User.objects.filter(person=person).first()
    emails = {person.work_email, user.email if user else ""}

    counts: dict[str, int] = {}
    counts |= _erase_talent(person, by=by)  # first: it reads the person's name and settings
    plan_counts, plan_files = _erase_plan_and_appraisals(person)
    programme_counts, programme_files = _erase_programmes(person)
    counts |= plan_counts | programme_counts
    counts |= _erase_feedback(person, emails=emails, label=label, now=now)
    if user is not None:
        counts |= _erase_account(user, code=code, label=label, now=now)
    Person.objects.filter(pk=person.pk).update(
        staff_number=f"ERASED-{code}",
        first_name=ERASED_FIRST_NAME,
        last_name=code,
        work_email="",
        occupation="",
        updated_at=now,
    )
    erasure = Erasure.objects.create(
        person=person,
        pseudonym=code,
        source=source,
        reason=reason,
        by=_user(by),
        by_label=_actor_label(by),
        counts={k: v for k, v in counts.items() if v},
    )
    audit.record(
        "privacy.person.erased",
        by=by,
        target=person,
        reason=reason,
        detail={"pseudonym": code, "source": source, "counts": erasure.counts},
    )
    files = plan_files + programme_files
    transaction.on_commit(lambda: _delete_files(files))
    return erasure


# Retention -------------------------------------------------------------------------------------


RETENTION_ACTOR = System("apply_retention")


@dataclass
class RetentionResult:
    """What was (or, in a dry run, would be) removed."""

    staff_erased: int = 0
    rater_invitations_cleared: int = 0
    unused_card_codes_deleted: int = 0
    staff_import_files_deleted: int = 0
    expired_sessions_deleted: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def staff_past_retention(today: dt.date) -> models.QuerySet[Person]:
    """Staff who left more than the retention period ago and are not yet erased."""
    cutoff = _years_before(today, settings.RETENTION_STAFF_LEFT_YEARS)
    return Person.objects.filter(
        status=Person.Status.LEFT, left_on__lt=cutoff, erasure__isnull=True
    ).order_by("pk")


def _finished_cycles(now: dt.datetime) -> models.QuerySet[FeedbackCycle]:
    cutoff = now - dt.timedelta(days=settings.RETENTION_RATER_INVITATION_DAYS)
    return FeedbackCycle.objects.filter(
        Q(
            state__in=[FeedbackCycle.State.CLOSED, FeedbackCycle.State.RELEASED],
            closed_at__lt=cutoff,
        )
        | Q(state=FeedbackCycle.State.CANCELLED, created_at__lt=cutoff)
    )


def unused_card_invitations(now: dt.datetime) -> models.QuerySet[Invitation]:
    """Printed cards nobody used, for cycles finished longer ago than the retention period."""
    return Invitation.objects.filter(
        cycle__in=_finished_cycles(now),
        channel=Invitation.Channel.CARD,
        state=Invitation.State.INVITED,
    )


def rater_invitations_with_contact(now: dt.datetime) -> models.QuerySet[Invitation]:
    """Invitations still holding a rater's name or address, for long-finished cycles."""
    return Invitation.objects.filter(cycle__in=_finished_cycles(now)).exclude(email="", name="")


def old_staff_imports(now: dt.datetime) -> models.QuerySet[StaffImport]:
    """Staff imports older than the retention period that still keep a file, or the first
    problems found (which quote rows of the file)."""
    cutoff = now - dt.timedelta(days=settings.RETENTION_STAFF_IMPORT_DAYS)
    return StaffImport.objects.filter(created_at__lt=cutoff).filter(
        ~Q(stored_path="") | ~Q(problems_path="") | ~Q(problems=[])
    )


@transaction.atomic
def _clear_rater_invitations(now: dt.datetime) -> tuple[int, int]:
    deleted = unused_card_invitations(now).delete()[0]
    invitations = list(rater_invitations_with_contact(now))
    for invitation in invitations:
        invitation.email = ""
        invitation.name = ""
        if invitation.token_hash is not None:
            # The token goes; a link must keep some hash, so it gets one nobody holds.
            invitation.token_hash = hash_secret(new_token())
    Invitation.objects.bulk_update(invitations, ["email", "name", "token_hash"], batch_size=500)
    return len(invitations), deleted


@transaction.atomic
def _clear_staff_imports(now: dt.datetime) -> int:
    imports = list(old_staff_imports(now))
    files = [p for item in imports for p in (item.stored_path, item.problems_path) if p]
    StaffImport.objects.filter(pk__in=[item.pk for item in imports]).update(
        stored_path="", problems_path="", problems=[]
    )
    transaction.on_commit(lambda: _delete_files(files))
    return len(files)


def apply_retention(
    *, by: Actor, dry_run: bool = False, now: dt.datetime | None = None
) -> RetentionResult:
    """Remove what is past its retention period (periods in settings). Running it again
    removes nothing more; a dry run only counts."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    result = RetentionResult()
    people = list(staff_past_retention(today))
    if dry_run:
        imports = list(old_staff_imports(now))
        return RetentionResult(
            staff_erased=len(people),
            rater_invitations_cleared=rater_invitations_with_contact(now).count(),
            unused_card_codes_deleted=unused_card_invitations(now).count(),
            staff_import_files_deleted=sum(
                bool(item.stored_path) + bool(item.problems_path) for item in imports
            ),
            expired_sessions_deleted=Session.objects.filter(expire_date__lt=now).count(),
        )
    for person in people:
        erase_person(
            person=person,
            reason=f"Left more than {settings.RETENTION_STAFF_LEFT_YEARS} years ago",
            by=by,
            source=Erasure.Source.RETENTION,
        )
        result.staff_erased += 1
    result.rater_invitations_cleared, result.unused_card_codes_deleted = _clear_rater_invitations(
        now
    )
    result.staff_import_files_deleted = _clear_staff_imports(now)
    result.expired_sessions_deleted = Session.objects.filter(expire_date__lt=now).delete()[0]
    audit.record("privacy.retention.applied", by=by, detail=result.as_dict())
    return result
