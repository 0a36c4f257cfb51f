"""Background work for 360 cycles: sending rater invitations.

The task is given invitation ids only. It makes each link token itself, so a raw token
is never written to the task queue (which lives in the database).
"""

from __future__ import annotations

from django_tasks import task

from healthlead.core.actors import System
from healthlead.feedback import actions


@task()
def send_invitation_emails(invitation_ids: list[int]) -> int:
    """Email each invitation its link; invitations already sent or withdrawn are skipped."""
    return actions.send_invitation_emails(
        invitation_ids=[int(pk) for pk in invitation_ids], by=System("feedback_invitations")
    )


# National norms and instrument reliability ---------------------------------------------------


@task()
def refresh_feedback_norms() -> dict[str, int]:
    """Recompute national norms and Cronbach's alpha from every closed cycle (idempotent)."""
    from healthlead.feedback import norms

    by = System("feedback_norms")
    return {
        "norm_rows": norms.refresh_norms(by=by),
        "statistic_rows": norms.refresh_instrument_statistics(by=by),
    }
