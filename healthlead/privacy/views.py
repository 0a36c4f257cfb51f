"""Personal data pages: what is held about a person, the subject access export, and erasure.

For national leads (anyone) and organisation leads (their organisation's staff). Reads go
through queries.py and the export and erasure through actions.py, each audited there.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from healthlead.accounts.decorators import permission_required
from healthlead.accounts.permissions import Permission
from healthlead.people.models import Person
from healthlead.privacy import actions, queries
from healthlead.privacy.forms import ErasureForm, ExportForm


def _crumbs(person: Person | None = None) -> list[dict[str, str]]:
    crumbs = [{"href": reverse("accounts:home"), "text": "Home"}]
    if person is not None:
        crumbs.append(
            {
                "href": reverse("privacy:show_personal_data", args=[person.pk]),
                "text": f"Personal data: {person.full_name}",
            }
        )
    return crumbs


@require_safe
@permission_required(Permission.EXPORT_PERSONAL_DATA, queries.person_for_privacy)
def show_personal_data_view(request: HttpRequest, person: Person) -> HttpResponse:
    """What Healthlead holds about a person, with the ways to export or erase it."""
    return render(
        request,
        "privacy/show_personal_data.jinja",
        {
            "page_title": f"Personal data: {person.full_name}",
            "person": person,
            "erasure": queries.erasure_of(person),
            "areas": queries.export_areas(),
            "breadcrumbs": _crumbs(),
        },
    )


@require_http_methods(["GET", "POST"])
@permission_required(Permission.EXPORT_PERSONAL_DATA, queries.person_for_privacy)
def export_personal_data_view(request: HttpRequest, person: Person) -> HttpResponse:
    """Confirm with a reason, then download everything held about the person as a ZIP."""
    form = ExportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            archive = actions.export_personal_data(
                person=person, reason=form.cleaned_data["reason"], by=request.user
            )
        except actions.PrivacyError as error:
            form.add_error(None, str(error))
        else:
            response = FileResponse(
                archive.handle,
                as_attachment=True,
                filename=archive.file_name,
                content_type="application/zip",
            )
            response["Cache-Control"] = "no-store"
            return response  # type: ignore[return-value]
    return render(
        request,
        "privacy/export_personal_data.jinja",
        {
            "page_title": f"Export {person.full_name}'s personal data",
            "person": person,
            "form": form,
            "areas": queries.export_areas(),
            "breadcrumbs": _crumbs(person),
        },
    )


@require_http_methods(["GET", "POST"])
@permission_required(Permission.ERASE_PERSONAL_DATA, queries.person_for_privacy)
def erase_person_view(request: HttpRequest, person: Person) -> HttpResponse:
    """Confirm by typing the staff number, then anonymise the person for good."""
    erasure = queries.erasure_of(person)
    form = ErasureForm(request.POST or None, staff_number=person.staff_number)
    if erasure is None and request.method == "POST" and form.is_valid():
        try:
            actions.erase_person(person=person, reason=form.cleaned_data["reason"], by=request.user)
        except actions.PrivacyError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "The person's personal data has been erased.")
            return redirect("privacy:show_personal_data", person.pk)
    return render(
        request,
        "privacy/erase_person.jinja",
        {
            "page_title": f"Erase {person.full_name}'s personal data",
            "person": person,
            "erasure": erasure,
            "form": form,
            "breadcrumbs": _crumbs(person),
        },
    )
