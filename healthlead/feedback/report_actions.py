"""Writes on frozen reports: the facilitator's debrief (which releases the report) and
the redaction of a comment that could identify someone."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from healthlead.core import audit
from healthlead.core.actors import Actor
from healthlead.feedback.actions import record_state_change
from healthlead.feedback.models import Comment, Debrief, FeedbackCycle, Report
from healthlead.feedback.report import ReportError


def _locked(cycle: FeedbackCycle) -> FeedbackCycle:
    return FeedbackCycle.objects.select_for_update().get(pk=cycle.pk)


@transaction.atomic
def record_debrief(
    *, cycle: FeedbackCycle, held_on: dt.date, by: Actor, notes: str = ""
) -> Debrief:
    """Record the facilitator's debrief with the subject and release the report to them."""
    cycle = _locked(cycle)
    if cycle.facilitator_id is None or getattr(by, "pk", None) != cycle.facilitator_id:
        raise ReportError("Only the cycle's facilitator can record the debrief.")
    if cycle.state != FeedbackCycle.State.CLOSED or not Report.objects.filter(cycle=cycle).exists():
        raise ReportError(
            f"This cycle is {cycle.get_state_display().lower()}: a debrief is recorded "
            "once, after the cycle closes and before the report is released."
        )
    today = timezone.localdate()
    if held_on > today:
        raise ReportError("The debrief date must be today or in the past.")
    closed_on = timezone.localdate(cycle.closed_at) if cycle.closed_at else None
    if closed_on is not None and held_on < closed_on:
        raise ReportError(
            f"The debrief date cannot be before the cycle closed ({closed_on.day} "
            f"{closed_on:%B %Y})."
        )
    debrief = Debrief.objects.create(
        cycle=cycle, facilitator=by, held_on=held_on, notes=notes.strip()
    )
    cycle.released_at = timezone.now()
    record_state_change(
        cycle=cycle, to_state=FeedbackCycle.State.RELEASED, by=by, note="Debrief recorded"
    )
    cycle.save(update_fields=["state", "released_at"])
    audit.record(
        "feedback.report.released",
        by=by,
        target=cycle,
        detail={"debrief": debrief.pk, "held_on": held_on.isoformat()},
    )
    cycle_id = cycle.pk
    transaction.on_commit(lambda: _send_report_released(cycle_id))
    return debrief


def _send_report_released(cycle_id: int) -> None:
    from healthlead.feedback import emails

    cycle = (
        FeedbackCycle.objects.select_related("subject", "subject__user", "facilitator")
        .filter(pk=cycle_id)
        .first()
    )
    if cycle is not None:
        emails.send_report_released(cycle)


@transaction.atomic
def redact_comment(*, report: Report, ref: str, reason: str, by: Actor) -> Report:
    """Remove a comment's text everywhere (frozen report and stored answer), saying why."""
    reason = reason.strip()
    if not reason:
        raise ReportError("Say why the comment is being removed.")
    report = Report.objects.select_for_update().get(pk=report.pk)
    entry = next((c for c in report.data["comments"] if c["ref"] == ref), None)
    if entry is None:
        raise ReportError("That comment is not in this report.")
    if entry["redacted"]:
        raise ReportError("That comment has already been removed.")
    now = timezone.now()
    Comment.objects.filter(pk=entry["comment_id"]).update(
        text="", redacted_at=now, redacted_by=by, redaction_reason=reason
    )
    entry["text"] = None
    entry["redacted"] = True
    report.save(update_fields=["data"])
    audit.record(
        "feedback.comment.redacted",
        by=by,
        target=report,
        detail={"cycle": report.cycle_id, "ref": ref},
        reason=reason,
    )
    return report
