"""Who may see and change development plans and appraisals.

- A development plan is edited by its person alone; their line manager sees it, comments on
  it and agrees it. Nobody else sees it.
- An appraisal is seen by the appraisee, the appraiser and the appraisee's line manager.
  The appraisee and appraiser work on it while it is in progress (ratings and submission are
  the appraiser's); both sign it off; after that only addenda can be added.
- Organisation leads (and regional and national leads over them) see completion rates, which
  are aggregates, never an appraisal's content.
"""

from __future__ import annotations

from typing import Any

import rules

from healthlead.accounts.permissions import Permission
from healthlead.accounts.scope import scope_for


def _person_id(user: Any) -> int | None:
    if not user.is_authenticated:
        return None
    return getattr(user, "person_id", None)


def _plan_person(obj: Any) -> Any:
    """The person whose plan an object belongs to (a person, goal, action or evidence)."""
    from healthlead.appraisal.models import Evidence, Goal, GoalAction

    if isinstance(obj, Evidence):
        return obj.action.goal.plan.person
    if isinstance(obj, GoalAction):
        return obj.goal.plan.person
    if isinstance(obj, Goal):
        return obj.plan.person
    return obj


@rules.predicate
def has_staff_record(user: Any) -> bool:
    """The user's account is linked to a staff record (so has a plan of their own)."""
    return _person_id(user) is not None


@rules.predicate
def owns_plan(user: Any, obj: Any) -> bool:
    """The plan (or the goal, action or evidence in it) is the user's own."""
    person_id = _person_id(user)
    person = _plan_person(obj) if obj is not None else None
    return person_id is not None and person is not None and person.pk == person_id


@rules.predicate
def manages_plan_person(user: Any, obj: Any) -> bool:
    """The user is the line manager of the person whose plan it is."""
    person_id = _person_id(user)
    person = _plan_person(obj) if obj is not None else None
    return (
        person_id is not None
        and person is not None
        and person.line_manager_id is not None
        and person.line_manager_id == person_id
    )


@rules.predicate
def is_appraisee(user: Any, appraisal: Any) -> bool:
    """The user is the person being appraised."""
    person_id = _person_id(user)
    return person_id is not None and appraisal is not None and appraisal.appraisee_id == person_id


@rules.predicate
def is_appraiser(user: Any, appraisal: Any) -> bool:
    """The user is the appraisal's appraiser."""
    person_id = _person_id(user)
    return person_id is not None and appraisal is not None and appraisal.appraiser_id == person_id


@rules.predicate
def manages_appraisee(user: Any, appraisal: Any) -> bool:
    """The user is the appraisee's line manager now."""
    person_id = _person_id(user)
    return (
        person_id is not None
        and appraisal is not None
        and appraisal.appraisee.line_manager_id == person_id
    )


@rules.predicate
def leads_appraisee_organisation(user: Any, appraisal: Any) -> bool:
    """The user leads the appraisee's organisation (to assign an appraiser)."""
    return (
        user.is_authenticated
        and appraisal is not None
        and appraisal.appraisee.organisation_id in scope_for(user).organisation_ids
    )


@rules.predicate
def in_progress(user: Any, appraisal: Any) -> bool:
    """The appraisal is still being worked on."""
    return appraisal is not None and appraisal.state == "in_progress"


@rules.predicate
def awaiting_sign_off(user: Any, appraisal: Any) -> bool:
    """The appraisal waits for both sign-offs."""
    return appraisal is not None and appraisal.state == "awaiting_sign_off"


@rules.predicate
def signed_off(user: Any, appraisal: Any) -> bool:
    """The appraisal is signed off and locked."""
    return appraisal is not None and appraisal.state == "signed_off"


@rules.predicate
def is_person_or_line_manager(user: Any, person: Any) -> bool:
    """The person is the user, or the user is their line manager (or no one is chosen yet)."""
    person_id = _person_id(user)
    if person_id is None:
        return False
    if person is None:
        return True
    return person.pk == person_id or person.line_manager_id == person_id


@rules.predicate
def covers_organisation(user: Any, organisation: Any) -> bool:
    """The organisation is inside a lead's scope."""
    return (
        user.is_authenticated
        and organisation is not None
        and scope_for(user).covers_organisation(organisation)
    )


rules.add_perm(Permission.VIEW_DEVELOPMENT_PLAN, has_staff_record)
rules.add_perm(Permission.ADD_GOAL, has_staff_record)
rules.add_perm(Permission.EDIT_DEVELOPMENT_PLAN, owns_plan)
rules.add_perm(Permission.VIEW_PERSON_DEVELOPMENT_PLAN, owns_plan | manages_plan_person)
rules.add_perm(Permission.REVIEW_DEVELOPMENT_PLAN, manages_plan_person)
rules.add_perm(Permission.VIEW_PLAN_EVIDENCE, owns_plan | manages_plan_person)

rules.add_perm(Permission.LIST_APPRAISALS, has_staff_record)
rules.add_perm(Permission.START_APPRAISAL, is_person_or_line_manager)
rules.add_perm(Permission.VIEW_APPRAISAL, is_appraisee | is_appraiser | manages_appraisee)
rules.add_perm(Permission.EDIT_APPRAISAL, (is_appraisee | is_appraiser) & in_progress)
rules.add_perm(Permission.RATE_APPRAISAL, is_appraiser & in_progress)
rules.add_perm(Permission.SUBMIT_APPRAISAL, is_appraiser & in_progress)
rules.add_perm(Permission.SIGN_OFF_APPRAISAL, (is_appraisee | is_appraiser) & awaiting_sign_off)
rules.add_perm(Permission.REOPEN_APPRAISAL, (is_appraisee | is_appraiser) & awaiting_sign_off)
rules.add_perm(Permission.ADD_APPRAISAL_ADDENDUM, (is_appraisee | is_appraiser) & signed_off)
rules.add_perm(
    Permission.ASSIGN_APPRAISER, (manages_appraisee | leads_appraisee_organisation) & ~signed_off
)
rules.add_perm(Permission.VIEW_APPRAISAL_COMPLETION, covers_organisation)
