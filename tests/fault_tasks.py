"""Background tasks for kinds of work Healthlead does on request rather than in the queue,
so that the fault test's queue holds every kind of work (not tests themselves).

Workers started from the project folder can import them (`manage.py` puts it on the path).
Each is idempotent, as every task must be, and does its work through the real code.
"""

from __future__ import annotations

import os
from pathlib import Path

from django_tasks import task

from healthlead.core.actors import System

SYSTEM = System("fault_tests")


@task()
def render_report_pdf(cycle_id: int, folder: str) -> int:
    """Render a closed cycle's frozen 360 report as a PDF (as the download page does) and file
    it under the cycle's id; writing it again replaces it whole."""
    from healthlead.feedback import charts, pdf, report_presenters
    from healthlead.feedback.report import load_report_cycle

    cycle = load_report_cycle(cycle_id)
    assert cycle is not None
    view = report_presenters.present_report(cycle.report, for_facilitator=False)
    context = {
        "cycle": cycle,
        "view": view,
        "charts": charts.report_charts(view),
        "score": report_presenters.score,
        "signed": report_presenters.signed,
        "can_redact": False,
        "can_add_goals": False,
        "for_print": True,
        "page_title": f"360 feedback report: {cycle.subject.full_name}",
    }
    body = pdf.render_pdf("feedback/print_report.jinja", context)
    target = Path(folder) / f"report-{cycle_id}.pdf"
    partial = target.with_suffix(f".{os.getpid()}.part")
    partial.write_bytes(body)
    partial.replace(target)
    return len(body)


@task()
def allocate_intake(intake_id: int) -> str:
    """Allocate an intake's places (the action refuses a second allocation, so this is safe
    to run again)."""
    from healthlead.programmes import selection_actions
    from healthlead.programmes.models import Intake

    intake = Intake.objects.get(pk=intake_id)
    if intake.state != Intake.State.SCORING:
        return str(intake.state)
    run = selection_actions.allocate_places(intake=intake, by=SYSTEM)
    return f"{run.offers_made} offers"
