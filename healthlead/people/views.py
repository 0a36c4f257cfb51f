"""People directory, person page, organisations."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from healthlead.accounts.decorators import permission_required
from healthlead.accounts.permissions import Permission
from healthlead.core import audit
from healthlead.core.pagination import paginate
from healthlead.people import presenters, queries
from healthlead.people.forms import DirectoryFilterForm
from healthlead.people.models import Organisation, Person


def _load_person(pk: int) -> Person | None:
    return queries.person_detail(pk)


def _load_organisation(code: str) -> Organisation | None:
    return queries.organisation_detail(code)


@require_safe
@permission_required(Permission.VIEW_PEOPLE_DIRECTORY)
def list_people_view(request: HttpRequest) -> HttpResponse:
    """Search staff inside the viewer's scope."""
    scope = request.scope  # type: ignore[attr-defined]
    form = DirectoryFilterForm(
        request.GET or None, organisations=queries.organisation_choices(scope)
    )
    filters = queries.DirectoryFilters(team_only=request.GET.get("team") == "mine")
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = queries.DirectoryFilters(
            query=data["q"],
            organisation=data["organisation"],
            staff_group=data["staff_group"],
            grade=data["grade"],
            team_only=filters.team_only,
        )
    page = paginate(queries.directory(scope, filters), request.GET)
    rows = [presenters.person_row(p) for p in page.items]
    return render(
        request,
        "people/list_people.jinja",
        {"page_title": "People", "form": form, "page": page, "rows": rows, "filters": filters},
    )


@require_safe
@permission_required(Permission.VIEW_PERSON, _load_person)
def show_person_view(request: HttpRequest, person: Person) -> HttpResponse:
    """One staff record. Reads by anyone other than the person are audited."""
    scope = request.scope  # type: ignore[attr-defined]
    is_self = scope.person is not None and scope.person.pk == person.pk
    if not is_self:
        audit.record_read("people.person.viewed", by=request.user, target=person)
    rows = presenters.person_summary_rows(person, show_contact=True)
    reports = queries.direct_reports(person)
    return render(
        request,
        "people/show_person.jinja",
        {
            "page_title": person.full_name,
            "person": person,
            "rows": rows,
            "reports": reports,
            "is_self": is_self,
            "breadcrumbs": [{"href": "/", "text": "Home"}],
        },
    )


@require_safe
@permission_required(Permission.VIEW_ORGANISATION)
def list_organisations_view(request: HttpRequest) -> HttpResponse:
    scope = request.scope  # type: ignore[attr-defined]
    page = paginate(queries.visible_organisations(scope), request.GET, size=50)
    return render(
        request,
        "people/list_organisations.jinja",
        {"page_title": "Organisations", "page": page},
    )


@require_safe
@permission_required(Permission.VIEW_ORGANISATION_STAFF, _load_organisation)
def show_organisation_view(request: HttpRequest, organisation: Organisation) -> HttpResponse:
    counts, total = presenters.staff_group_table(queries.staff_counts_by_group(organisation))
    return render(
        request,
        "people/show_organisation.jinja",
        {
            "page_title": organisation.display_name,
            "organisation": organisation,
            "counts": counts,
            "total": total,
            "breadcrumbs": [
                {"href": "/", "text": "Home"},
                {"href": "/organisations/", "text": "Organisations"},
            ],
        },
    )
