"""Report pages: the frozen 360 report (page, PDF, CSV), the debrief, comment removal,
and the national lead's instrument statistics."""

from __future__ import annotations

import csv
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.http import require_http_methods, require_safe

from healthlead.accounts.decorators import permission_required
from healthlead.accounts.permissions import Permission
from healthlead.core import audit
from healthlead.feedback import charts, pdf, report_actions, report_presenters
from healthlead.feedback.forms import date_input_params
from healthlead.feedback.models import FeedbackCycle, InstrumentStatistic
from healthlead.feedback.report import ReportError, load_report_cycle
from healthlead.feedback.report_forms import DebriefForm, RedactCommentForm


def _load_cycle_with_report(pk: int, **_: Any) -> FeedbackCycle | None:
    cycle = load_report_cycle(pk)
    return cycle if cycle is not None and hasattr(cycle, "report") else None


def _is_subject(request: HttpRequest, cycle: FeedbackCycle) -> bool:
    return getattr(request.user, "person_id", None) == cycle.subject_id


def _audit_read(request: HttpRequest, cycle: FeedbackCycle, what: str) -> None:
    """A facilitator reading someone else's report is a privileged read."""
    if not _is_subject(request, cycle):
        audit.record_read(f"feedback.report.{what}", by=request.user, target=cycle.report)


def _breadcrumbs(cycle: FeedbackCycle) -> list[dict[str, str]]:
    return [
        {"href": reverse("accounts:home"), "text": "Home"},
        {"href": reverse("feedback:show_cycle", args=[cycle.pk]), "text": "360 cycle"},
    ]


def _report_context(
    request: HttpRequest, cycle: FeedbackCycle, *, for_print: bool = False
) -> dict[str, Any]:
    can_redact = request.user.has_perm(Permission.REDACT_FEEDBACK_COMMENT, cycle)
    view = report_presenters.present_report(cycle.report, for_facilitator=can_redact)
    return {
        "cycle": cycle,
        "view": view,
        "charts": charts.report_charts(view, for_print=for_print),
        "score": report_presenters.score,
        "signed": report_presenters.signed,
        "can_redact": can_redact,
        "can_add_goals": _is_subject(request, cycle) and request.user.has_perm(Permission.ADD_GOAL),
    }


@require_safe
@permission_required(Permission.VIEW_FEEDBACK_REPORT, load_report_cycle)
def show_report_view(request: HttpRequest, cycle: FeedbackCycle) -> HttpResponse:
    """The frozen report, for the subject once released, and for the facilitator before."""
    _audit_read(request, cycle, "viewed")
    context = _report_context(request, cycle)
    context.update(
        {
            "page_title": f"360 feedback report: {cycle.subject.full_name}",
            "breadcrumbs": _breadcrumbs(cycle),
            "awaiting_debrief": cycle.state == FeedbackCycle.State.CLOSED
            and cycle.facilitator_id is not None,
            "can_record_debrief": request.user.has_perm(Permission.RECORD_DEBRIEF, cycle),
        }
    )
    return render(request, "feedback/show_report.jinja", context)


@require_safe
@permission_required(Permission.VIEW_FEEDBACK_REPORT, load_report_cycle)
def download_report_pdf_view(request: HttpRequest, cycle: FeedbackCycle) -> HttpResponse:
    """The same report as a PDF."""
    _audit_read(request, cycle, "downloaded_pdf")
    context = _report_context(request, cycle, for_print=True)
    context.update({"can_redact": False, "can_add_goals": False, "for_print": True})
    context["page_title"] = f"360 feedback report: {cycle.subject.full_name}"
    body = pdf.render_pdf("feedback/print_report.jinja", context)
    response = HttpResponse(body, content_type="application/pdf")
    name = slugify(f"360-report-{cycle.subject.full_name}-{cycle.pk}")
    response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
    return response


@require_safe
@permission_required(Permission.VIEW_FEEDBACK_REPORT, load_report_cycle)
def download_report_csv_view(request: HttpRequest, cycle: FeedbackCycle) -> HttpResponse:
    """The report's figures as a CSV file."""
    _audit_read(request, cycle, "downloaded_csv")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = slugify(f"360-report-{cycle.subject.full_name}-{cycle.pk}")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    writer = csv.writer(response)
    writer.writerows(report_presenters.report_csv_rows(cycle.report))
    return response


@require_http_methods(["GET", "POST"])
@permission_required(Permission.RECORD_DEBRIEF, load_report_cycle)
def record_debrief_view(request: HttpRequest, cycle: FeedbackCycle) -> HttpResponse:
    """The facilitator records the debrief, which releases the report to the subject."""
    form = DebriefForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            report_actions.record_debrief(
                cycle=cycle,
                held_on=form.cleaned_data["held_on"],
                notes=form.cleaned_data["notes"],
                by=request.user,
            )
        except ReportError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, f"Debrief recorded. {cycle.subject.full_name} can now see the report."
            )
            return redirect("feedback:show_report", pk=cycle.pk)
    return render(
        request,
        "feedback/record_debrief.jinja",
        {
            "page_title": "Record the debrief",
            "cycle": cycle,
            "form": form,
            "held_on_input": date_input_params(
                form["held_on"], legend="Date of the debrief", hint="For example, 27 3 2027"
            ),
            "breadcrumbs": [
                *_breadcrumbs(cycle),
                {"href": reverse("feedback:show_report", args=[cycle.pk]), "text": "Report"},
            ],
        },
    )


@require_http_methods(["GET", "POST"])
@permission_required(Permission.REDACT_FEEDBACK_COMMENT, _load_cycle_with_report)
def redact_comment_view(request: HttpRequest, cycle: FeedbackCycle) -> HttpResponse:
    """The facilitator removes a comment that could identify someone, saying why."""
    match = request.resolver_match
    ref = str(match.kwargs.get("ref", "")) if match else ""
    entry = next((c for c in cycle.report.data["comments"] if c["ref"] == ref), None)
    if entry is None or entry["redacted"]:
        raise Http404("No such comment")
    form = RedactCommentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            report_actions.redact_comment(
                report=cycle.report, ref=ref, reason=form.cleaned_data["reason"], by=request.user
            )
        except ReportError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Comment removed. Its text is no longer stored anywhere.")
            return redirect("feedback:show_report", pk=cycle.pk)
    _audit_read(request, cycle, "comment_viewed_for_removal")
    return render(
        request,
        "feedback/redact_comment.jinja",
        {
            "page_title": "Remove a comment",
            "cycle": cycle,
            "comment_text": entry["text"],
            "form": form,
            "breadcrumbs": [
                *_breadcrumbs(cycle),
                {"href": reverse("feedback:show_report", args=[cycle.pk]), "text": "Report"},
            ],
        },
    )


@require_safe
@permission_required(Permission.VIEW_INSTRUMENT_STATISTICS)
def show_instrument_statistics_view(request: HttpRequest) -> HttpResponse:
    """Cronbach's alpha per domain and responses used, per questionnaire version."""
    rows = (
        InstrumentStatistic.objects.select_related(
            "questionnaire__framework_version__framework", "domain"
        )
        .order_by("questionnaire_id", "domain__order")
        .all()
    )
    versions: dict[int, dict[str, Any]] = {}
    for row in rows:
        entry = versions.setdefault(
            row.questionnaire_id,
            {"questionnaire": row.questionnaire, "rows": [], "computed_at": row.computed_at},
        )
        entry["rows"].append(row)
    return render(
        request,
        "feedback/show_instrument_statistics.jinja",
        {
            "page_title": "360 questionnaire reliability",
            "versions": list(versions.values()),
            "breadcrumbs": [{"href": reverse("accounts:home"), "text": "Home"}],
        },
    )
