"""Staff import pages: upload, progress, result and problem report."""

from __future__ import annotations

import io
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.http import FileResponse, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from healthlead.accounts.decorators import permission_required
from healthlead.accounts.permissions import Permission
from healthlead.core import audit, formatting
from healthlead.people import actions, staff_import, tasks
from healthlead.people.models import StaffImport

RECENT_IMPORTS = 10
PROBLEMS_SHOWN = 100


class StaffImportForm(forms.Form):
    """Choose a staff file, and whether to check it only or to import it too."""

    file = forms.FileField(
        label="Staff file",
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv,text/plain"}),
        help_text="A CSV file, saved as CSV UTF-8, with one row for each member of staff.",
        error_messages={
            "required": "Select a staff file",
            "empty": "The selected file is empty",
            "invalid": "Select a staff file",
        },
    )
    mode = forms.ChoiceField(
        label="What do you want to do?",
        widget=forms.RadioSelect,
        choices=[
            ("check", "Check the file only: nothing is imported until you confirm"),
            ("import", "Check the file and import it straight away if it has no problems"),
        ],
        initial="check",
        error_messages={"required": "Select whether to check the file only or to import it"},
    )
    mark_missing_left = forms.BooleanField(
        label="Mark staff who are not in the file as left",
        help_text=(
            "Everyone active at the file's organisations who is not in the file is marked as "
            "left, from today."
        ),
        required=False,
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        head = upload.read(8192)
        upload.seek(0)
        problem = staff_import.upload_problem(
            upload.name or "", upload.size or 0, head, settings.MAX_UPLOAD_BYTES
        )
        if problem:
            raise forms.ValidationError(problem)
        return upload


class ConfirmImportForm(forms.Form):
    """Import a file that has been checked."""

    mark_missing_left = forms.BooleanField(
        label="Mark staff who are not in the file as left",
        help_text=(
            "Everyone active at the file's organisations who is not in the file is marked as "
            "left, from today."
        ),
        required=False,
    )


def _load_import(pk: int) -> StaffImport | None:
    return (
        StaffImport.objects.select_related("organisation", "uploaded_by", "uploaded_by__person")
        .filter(pk=pk)
        .first()
    )


def _load_import_status(pk: int) -> StaffImport | None:
    """Just what the progress answer needs: no problem lists."""
    return StaffImport.objects.defer("problems", "counts").filter(pk=pk).first()


def _breadcrumbs() -> list[dict[str, str]]:
    return [{"href": "/", "text": "Home"}]


def progress_of(staff_import: StaffImport) -> dict[str, Any]:
    """What the progress bar shows."""
    label = staff_import.message or staff_import.get_state_display()
    return {"percent": staff_import.progress, "label": label, "finished": staff_import.finished}


def _audit_if_not_uploader(request: HttpRequest, staff_import: StaffImport, action: str) -> None:
    """Someone reading another person's upload (its rows hold staff details) is audited."""
    if staff_import.uploaded_by_id != request.user.pk:
        audit.record_read(action, by=request.user, target=staff_import)


def _column_rows() -> list[list[dict[str, str]]]:
    """Table rows describing each column of a staff file."""
    return [
        [
            {"text": name},
            {"text": "Yes" if name in staff_import.REQUIRED_COLUMNS else "No"},
            {"text": staff_import.COLUMN_HELP[name]},
        ]
        for name in staff_import.COLUMNS
    ]


def _recent_rows(recent: list[StaffImport]) -> list[list[dict[str, Any]]]:
    """Table rows for the user's recent staff files."""
    return [
        [
            {"text": item.file_name, "href": reverse("people:show_staff_import", args=[item.pk])},
            {"text": formatting.nhs_date(item.created_at)},
            {"text": f"{item.row_count:,}", "format": "numeric"},
            {"text": item.get_state_display()},
        ]
        for item in recent
    ]


def _summary_rows(record: StaffImport) -> list[dict[str, Any]]:
    """Summary-list rows describing one staff file."""
    uploader = record.uploaded_by.display_name if record.uploaded_by else "The system"
    rows = [
        ("File", record.file_name),
        ("Uploaded by", uploader),
        ("Uploaded", formatting.nhs_date(record.created_at)),
        ("Rows", f"{record.row_count:,}"),
        ("Organisation", record.organisation.display_name if record.organisation else "Several"),
        ("Mark staff not in the file as left", "Yes" if record.mark_missing_as_left else "No"),
        ("File fingerprint (SHA-256)", record.sha256),
    ]
    if record.organisation is None and record.state == StaffImport.State.INVALID:
        rows.pop(4)
    return [{"key": {"text": key}, "value": {"text": value}} for key, value in rows]


COUNT_LABELS = [
    ("created", "Added"),
    ("updated", "Updated"),
    ("unchanged", "Unchanged"),
    ("marked_left", "Marked as left"),
]


def _count_rows(counts: dict[str, int]) -> list[list[dict[str, Any]]]:
    return [
        [{"text": label}, {"text": f"{counts.get(key, 0):,}", "format": "numeric"}]
        for key, label in COUNT_LABELS
    ]


def _problem_rows(problems: list[staff_import.Problem]) -> list[list[dict[str, Any]]]:
    return [
        [
            {"text": "File" if p.row is None else str(p.row)},
            {"text": p.column},
            {"text": p.value},
            {"text": p.reason},
        ]
        for p in problems
    ]


@require_http_methods(["GET", "HEAD", "POST"])
@permission_required(Permission.IMPORT_STAFF)
def new_staff_import_view(request: HttpRequest) -> HttpResponse:
    """Choose a staff file to check, or to check and import."""
    form = StaffImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        started = actions.start_staff_import(
            upload=data["file"],
            by=request.user,
            commit=data["mode"] == "import",
            mark_missing_left=data["mark_missing_left"],
        )
        tasks.run_staff_import.enqueue(started.pk)
        return redirect("people:show_staff_import", pk=started.pk)
    recent = list(
        StaffImport.objects.filter(uploaded_by_id=request.user.pk)
        .defer("problems")
        .order_by("-created_at")[:RECENT_IMPORTS]
    )
    title = "Import staff"
    return render(
        request,
        "people/new_staff_import.jinja",
        {
            "page_title": f"Error: {title}" if form.errors else title,
            "form": form,
            "column_rows": _column_rows(),
            "recent_rows": _recent_rows(recent),
            "max_upload_mb": settings.MAX_UPLOAD_BYTES // (1024 * 1024),
            "breadcrumbs": _breadcrumbs(),
        },
        status=400 if form.errors else 200,
    )


@require_http_methods(["GET", "HEAD", "POST"])
@permission_required(Permission.VIEW_STAFF_IMPORT, _load_import)
def show_staff_import_view(request: HttpRequest, record: StaffImport) -> HttpResponse:
    """Progress while the file is handled, then the result; POST imports a checked file."""
    if request.method == "POST":
        return _confirm_import(request, record)
    context = {
        "staff_import": record,
        "breadcrumbs": [
            *_breadcrumbs(),
            {"href": reverse("people:new_staff_import"), "text": "Import staff"},
        ],
    }
    if not record.finished:
        return render(
            request,
            "people/show_staff_import_progress.jinja",
            {**context, "page_title": "Checking your staff file", "progress": progress_of(record)},
        )
    _audit_if_not_uploader(request, record, "people.staff_import.viewed")
    problems = [staff_import.Problem.from_dict(p) for p in record.problems[:PROBLEMS_SHOWN]]
    can_import = (
        record.state == StaffImport.State.VALID
        and not record.commit
        and request.user.has_perm(Permission.IMPORT_STAFF)
    )
    return render(
        request,
        "people/show_staff_import.jinja",
        {
            **context,
            "page_title": f"Staff import: {record.get_state_display().lower()}",
            "summary_rows": _summary_rows(record),
            "problem_rows": _problem_rows(problems),
            "count_rows": _count_rows(record.counts),
            "confirm_form": ConfirmImportForm(
                initial={"mark_missing_left": record.mark_missing_as_left}
            )
            if can_import
            else None,
        },
    )


def _confirm_import(request: HttpRequest, record: StaffImport) -> HttpResponse:
    if not request.user.has_perm(Permission.IMPORT_STAFF):
        raise PermissionDenied
    form = ConfirmImportForm(request.POST)
    if not form.is_valid() or record.state != StaffImport.State.VALID or record.commit:
        messages.info(request, "This file cannot be imported now.")
        return redirect("people:show_staff_import", pk=record.pk)
    actions.confirm_staff_import(
        staff_import=record,
        by=request.user,
        mark_missing_left=form.cleaned_data["mark_missing_left"],
    )
    tasks.run_staff_import.enqueue(record.pk)
    return redirect("people:show_staff_import", pk=record.pk)


@require_safe
@permission_required(Permission.VIEW_STAFF_IMPORT, _load_import_status)
def staff_import_progress_view(request: HttpRequest, record: StaffImport) -> HttpResponse:
    """How far the check or import has gone, for the progress bar (JSON)."""
    response = JsonResponse(progress_of(record))
    response["Cache-Control"] = "no-store"
    return response


@require_safe
@permission_required(Permission.VIEW_STAFF_IMPORT, _load_import_status)
def download_import_problems_view(request: HttpRequest, record: StaffImport) -> HttpResponse:
    """Every problem found in the file, as CSV that is safe to open in a spreadsheet."""
    _audit_if_not_uploader(request, record, "people.staff_import.problems_downloaded")
    filename = f"staff-import-{record.pk}-problems.csv"
    if record.problems_path and default_storage.exists(record.problems_path):
        # Streamed: a national file can have a long report.
        return FileResponse(  # type: ignore[return-value]
            default_storage.open(record.problems_path, "rb"),
            as_attachment=True,
            filename=filename,
            content_type="text/csv; charset=utf-8",
        )
    # No report kept (no problems, or it has been removed): write what the record holds.
    handle = io.StringIO()
    problems = StaffImport.objects.filter(pk=record.pk).values_list("problems", flat=True).get()
    staff_import.write_problem_report((staff_import.Problem.from_dict(p) for p in problems), handle)
    response = HttpResponse(
        handle.getvalue().encode("utf-8-sig"), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
