"""Background work for 360 cycles: sending rater invitations, drawing a frozen report's
charts, refreshing the national norms.

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


# Frozen reports --------------------------------------------------------------------------


@task()
def draw_report_charts(report_id: int) -> int:
    """Draw a frozen report's page charts (SVG) into the chart cache, so the first person to
    open the report does not wait about half a second for them. Charts are keyed by their
    content, so running this twice draws nothing new. The PDF's print images are drawn when
    it is first downloaded. Returns the number of charts."""
    from healthlead.feedback import charts, report_presenters
    from healthlead.feedback.models import Report

    report = Report.objects.filter(pk=int(report_id)).first()
    if report is None:  # the cycle was deleted since it closed
        return 0
    # The facilitator's view differs only in its comments, so one view gives every chart.
    drawn = charts.report_charts(report_presenters.present_report(report))
    return 1 + len(drawn["domains"])
