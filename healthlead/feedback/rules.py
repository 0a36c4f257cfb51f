"""Who may self-assess, start 360 cycles, see a cycle's page, and answer as its subject.

A cycle's page is for its subject, the subject's line manager and the cycle's
facilitator: nobody else, whatever their role. Raters need no account: their
emailed token (or card code) is checked in the views, not here.
"""

from __future__ import annotations

from typing import Any

import rules

from healthlead.accounts.models import Role
from healthlead.accounts.permissions import Permission
from healthlead.accounts.scope import scope_for


def _person_id(user: Any) -> int | None:
    if not user.is_authenticated:
        return None
    return getattr(user, "person_id", None)


@rules.predicate
def has_staff_record(user: Any) -> bool:
    """The user's account is linked to a staff record."""
    return _person_id(user) is not None


@rules.predicate
def holds_facilitator_role(user: Any) -> bool:
    """The user is a 360 feedback facilitator."""
    return user.is_authenticated and scope_for(user).has_role(Role.FACILITATOR)


@rules.predicate
def owns_self_assessment(user: Any, self_assessment: Any) -> bool:
    """The self-assessment is the user's own."""
    person_id = _person_id(user)
    return (
        person_id is not None
        and self_assessment is not None
        and self_assessment.person_id == person_id
    )


@rules.predicate
def is_person_or_their_line_manager(user: Any, person: Any) -> bool:
    """The person is the user, or the user is the person's line manager."""
    person_id = _person_id(user)
    if person_id is None:
        return False
    if person is None:
        return True  # starting a cycle for oneself: no subject chosen yet
    return person.pk == person_id or person.line_manager_id == person_id


@rules.predicate
def is_cycle_subject(user: Any, cycle: Any) -> bool:
    """The user is the person the cycle is about."""
    person_id = _person_id(user)
    return person_id is not None and cycle is not None and cycle.subject_id == person_id


@rules.predicate
def is_subject_line_manager(user: Any, cycle: Any) -> bool:
    """The user is the line manager of the cycle's subject."""
    person_id = _person_id(user)
    return (
        person_id is not None
        and cycle is not None
        and cycle.subject.line_manager_id is not None
        and cycle.subject.line_manager_id == person_id
    )


@rules.predicate
def is_cycle_facilitator(user: Any, cycle: Any) -> bool:
    """The user is the cycle's facilitator and still holds the facilitator role."""
    return (
        user.is_authenticated
        and cycle is not None
        and cycle.facilitator_id == user.pk
        and scope_for(user).has_role(Role.FACILITATOR)
    )


rules.add_perm(Permission.USE_FEEDBACK, has_staff_record | holds_facilitator_role)
rules.add_perm(Permission.START_SELF_ASSESSMENT, has_staff_record)
rules.add_perm(Permission.VIEW_SELF_ASSESSMENT, owns_self_assessment)
rules.add_perm(Permission.START_FEEDBACK_CYCLE, is_person_or_their_line_manager)
rules.add_perm(
    Permission.VIEW_FEEDBACK_CYCLE,
    is_cycle_subject | is_subject_line_manager | is_cycle_facilitator,
)
rules.add_perm(Permission.MANAGE_FEEDBACK_CYCLE, is_cycle_subject | is_subject_line_manager)
rules.add_perm(
    Permission.CLOSE_FEEDBACK_CYCLE,
    is_cycle_subject | is_subject_line_manager | is_cycle_facilitator,
)
rules.add_perm(Permission.RESPOND_AS_SELF, is_cycle_subject)


# Frozen reports, debriefs and the instrument ---------------------------------------------
# The subject sees their report once it is released (at once when the cycle has no
# facilitator); the facilitator sees it first. Line managers do not see reports, and the
# national lead sees only instrument statistics, never an individual's report.


def _has_report(cycle: Any) -> bool:
    from healthlead.feedback.models import Report

    try:
        return cycle.report is not None
    except Report.DoesNotExist:
        return False


@rules.predicate
def report_released_to_subject(user: Any, cycle: Any) -> bool:
    """The cycle's report is frozen and released (or there is no facilitator to wait for)."""
    from healthlead.feedback.models import FeedbackCycle

    if cycle is None or not _has_report(cycle):
        return False
    return cycle.facilitator_id is None or cycle.state == FeedbackCycle.State.RELEASED


@rules.predicate
def has_frozen_report(user: Any, cycle: Any) -> bool:
    """The cycle has a frozen report."""
    return cycle is not None and _has_report(cycle)


@rules.predicate
def awaits_debrief(user: Any, cycle: Any) -> bool:
    """The report is frozen and not yet released."""
    from healthlead.feedback.models import FeedbackCycle

    return cycle is not None and cycle.state == FeedbackCycle.State.CLOSED and _has_report(cycle)


rules.add_perm(
    Permission.VIEW_FEEDBACK_REPORT,
    (is_cycle_subject & report_released_to_subject) | (is_cycle_facilitator & has_frozen_report),
)
rules.add_perm(Permission.RECORD_DEBRIEF, is_cycle_facilitator & awaits_debrief)
rules.add_perm(Permission.REDACT_FEEDBACK_COMMENT, is_cycle_facilitator & has_frozen_report)


@rules.predicate
def leads_nationally(user: Any) -> bool:
    """The user is a national lead."""
    return user.is_authenticated and scope_for(user).national


rules.add_perm(Permission.VIEW_INSTRUMENT_STATISTICS, leads_nationally)
