"""Who may see programmes, apply, endorse, fund, assess prior learning, sit on panels and run
intakes.

- Published programmes are public; drafts and changes are national leads' only.
- An intake is run by national leads, and by the regional leads of its region.
- An application is its applicant's; the intake's managers see it too (and that read is
  audited). Panel members see only what they score, and never an application they have a
  conflict with.
- The line manager endorses; the employer's organisation leads confirm funding.
"""

from __future__ import annotations

from typing import Any

import rules

from healthlead.accounts.permissions import Permission
from healthlead.accounts.scope import scope_for
from healthlead.programmes.models import (
    Appeal,
    Application,
    BursaryRequest,
    ConflictDeclaration,
    Endorsement,
    EnrolmentHandOff,
    FundingConfirmation,
    Intake,
    IntakeQuota,
    Offer,
    PanelMember,
    PriorLearningClaim,
    ProgrammeVersion,
)


def _person_id(user: Any) -> int | None:
    if not user.is_authenticated:
        return None
    return getattr(user, "person_id", None)


@rules.predicate
def anyone(user: Any) -> bool:
    """Everyone, signed in or not (published programmes are public)."""
    return True


@rules.predicate
def is_national_lead(user: Any) -> bool:
    """The user is a national lead."""
    return user.is_authenticated and scope_for(user).national


@rules.predicate
def has_staff_record(user: Any) -> bool:
    """The user's account is linked to a staff record."""
    return _person_id(user) is not None


@rules.predicate
def version_is_published(user: Any, version: Any) -> bool:
    """The programme version is published or retired (not a draft)."""
    return isinstance(version, ProgrammeVersion) and not version.is_draft


@rules.predicate
def manages_intake(user: Any, intake: Any) -> bool:
    """National leads run every intake; regional leads those in their region. Without an
    intake: whether the user runs intakes at all."""
    if not user.is_authenticated:
        return False
    scope = scope_for(user)
    if scope.national:
        return True
    if not scope.region_ids:
        return False
    if intake is None:
        return True
    if isinstance(intake, PanelMember):
        intake = intake.panel.intake
    if isinstance(intake, IntakeQuota | EnrolmentHandOff):
        intake = intake.intake
    if isinstance(intake, Appeal | BursaryRequest):
        intake = intake.application
    if isinstance(intake, Application):
        intake = intake.intake
    return isinstance(intake, Intake) and intake.region_id in scope.region_ids


@rules.predicate
def is_applicant(user: Any, application: Any) -> bool:
    """The application is the user's own."""
    person_id = _person_id(user)
    return (
        person_id is not None
        and isinstance(application, Application)
        and application.person_id == person_id
    )


@rules.predicate
def manages_application(user: Any, application: Any) -> bool:
    """The user runs the intake the application is for."""
    return isinstance(application, Application) and manages_intake(user, application.intake)


@rules.predicate
def is_draft_application(user: Any, application: Any) -> bool:
    """The application has not been sent."""
    return isinstance(application, Application) and application.state == Application.State.DRAFT


@rules.predicate
def is_endorser(user: Any, endorsement: Any) -> bool:
    """The user is the line manager asked to endorse the application (without one: the user
    has a staff record, so may have requests to answer)."""
    person_id = _person_id(user)
    if endorsement is None:
        return person_id is not None
    return (
        person_id is not None
        and isinstance(endorsement, Endorsement)
        and endorsement.manager_id == person_id
    )


@rules.predicate
def funds_for(user: Any, funding: Any) -> bool:
    """The user leads the organisation asked to fund the place."""
    if not user.is_authenticated:
        return False
    scope = scope_for(user)
    if funding is None:
        return bool(scope.organisation_ids)
    return (
        isinstance(funding, FundingConfirmation)
        and funding.organisation_id in scope.organisation_ids
    )


@rules.predicate
def on_panel(user: Any, intake: Any) -> bool:
    """The user sits on the intake's selection panel (any intake's, without one)."""
    if not user.is_authenticated or getattr(user, "pk", None) is None:
        return False
    members = PanelMember.objects.filter(user_id=user.pk)
    if intake is None:
        return members.exists()
    return isinstance(intake, Intake) and members.filter(panel__intake_id=intake.pk).exists()


@rules.predicate
def may_score(user: Any, application: Any) -> bool:
    """The user is on the application's panel and has no conflict with it."""
    if not isinstance(application, Application) or not user.is_authenticated:
        return False
    member = PanelMember.objects.filter(
        user_id=user.pk, panel__intake_id=application.intake_id
    ).first()
    if member is None:
        return False
    return not ConflictDeclaration.objects.filter(member=member, application=application).exists()


@rules.predicate
def chairs_panel(user: Any, intake: Any) -> bool:
    """The user chairs the intake's panel."""
    if not user.is_authenticated or not isinstance(intake, Intake):
        return False
    return PanelMember.objects.filter(
        user_id=user.pk, panel__intake_id=intake.pk, role=PanelMember.Role.CHAIR
    ).exists()


@rules.predicate
def holds_offer(user: Any, offer: Any) -> bool:
    """The offer was made to the user."""
    person_id = _person_id(user)
    return (
        person_id is not None
        and isinstance(offer, Offer)
        and offer.application.person_id == person_id
    )


@rules.predicate
def owns_claim(user: Any, claim: Any) -> bool:
    """The prior learning claim is the user's own."""
    person_id = _person_id(user)
    return (
        person_id is not None
        and isinstance(claim, PriorLearningClaim)
        and claim.person_id == person_id
    )


@rules.predicate
def assesses_claim(user: Any, claim: Any) -> bool:
    """National leads assess any claim, regional leads those of staff in their region; nobody
    their own. Without a claim: whether the user assesses claims at all."""
    if not user.is_authenticated:
        return False
    scope = scope_for(user)
    if not (scope.national or scope.region_ids):
        return False
    if claim is None:
        return True
    if not isinstance(claim, PriorLearningClaim) or claim.person_id == _person_id(user):
        return False
    return scope.national or claim.person.organisation.region_id in scope.region_ids


rules.add_perm(Permission.VIEW_PROGRAMMES, anyone)
rules.add_perm(Permission.VIEW_PROGRAMME_VERSION, version_is_published | is_national_lead)
rules.add_perm(Permission.MANAGE_PROGRAMMES, is_national_lead)
rules.add_perm(Permission.CHECK_PROGRAMME_GATES, has_staff_record)
rules.add_perm(Permission.CLAIM_PRIOR_LEARNING, has_staff_record)
rules.add_perm(Permission.VIEW_PRIOR_LEARNING, owns_claim | assesses_claim)
rules.add_perm(Permission.ASSESS_PRIOR_LEARNING, assesses_claim)
rules.add_perm(Permission.MANAGE_INTAKE, manages_intake)
rules.add_perm(Permission.APPLY_TO_INTAKE, has_staff_record)
rules.add_perm(Permission.VIEW_APPLICATION, is_applicant | manages_application)
rules.add_perm(Permission.EDIT_APPLICATION, is_applicant & is_draft_application)
rules.add_perm(Permission.WITHDRAW_APPLICATION, is_applicant)
rules.add_perm(Permission.ENDORSE_APPLICATION, is_endorser)
rules.add_perm(Permission.CONFIRM_FUNDING, funds_for)
rules.add_perm(Permission.SCORE_APPLICATIONS, on_panel)
rules.add_perm(Permission.SCORE_APPLICATION, may_score)
rules.add_perm(Permission.MODERATE_SCORES, manages_intake | chairs_panel)
rules.add_perm(Permission.RESPOND_TO_OFFER, holds_offer)
rules.add_perm(Permission.LODGE_APPEAL, is_applicant)
rules.add_perm(Permission.VIEW_NATIONAL_PROGRAMME_REPORT, is_national_lead)
