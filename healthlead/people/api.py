"""JSON API for organisations and staff records (/api/v1/organisations/, /api/v1/people/).

Callers see exactly what the pages show them: the people directory's scope, the same
permission rules, and an audited read for every staff record that is not their own.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.db import models
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from ninja import Field, Path, Query, Router, Schema
from ninja.errors import ValidationError
from pydantic import WithJsonSchema

from healthlead.accounts.api_access import ErrorOut, require, require_token_scope
from healthlead.accounts.models import ApiToken
from healthlead.accounts.permissions import Permission
from healthlead.core import audit
from healthlead.core.pagination import COUNT_CAP
from healthlead.people import queries
from healthlead.people.models import (
    CareerStage,
    Grade,
    Organisation,
    Person,
    StaffGroup,
)

router = Router()

DEFAULT_LIMIT = 25
MAX_LIMIT = 100
MAX_OFFSET = 1_000_000
MAX_ID = 2**63 - 1
CODE_PATTERN = r"^[A-Za-z0-9]{1,10}$"
# Printable text only: control characters (NUL and friends) are refused.
TEXT_PATTERN = r"^[^\x00-\x1f\x7f]*$"

_GROUP_LABELS = dict(StaffGroup.choices)


def _inline(choices: type[models.TextChoices]) -> WithJsonSchema:
    """Describe a choice field by its values in place, not as a shared named component.

    Django's nested choice classes have short names (Kind, Status) that would clash with
    other apps' in the OpenAPI document's components.
    """
    return WithJsonSchema({"type": "string", "enum": [str(value) for value in choices.values]})


OrganisationKind = Annotated[Organisation.Kind, _inline(Organisation.Kind)]
StaffGroupCode = Annotated[StaffGroup, _inline(StaffGroup)]
GradeCode = Annotated[Grade, _inline(Grade)]
CareerStageCode = Annotated[CareerStage, _inline(CareerStage)]
PersonStatus = Annotated[Person.Status, _inline(Person.Status)]
READ_PEOPLE = ApiToken.Scope.READ_PEOPLE.value
READ_ORGANISATIONS = ApiToken.Scope.READ_ORGANISATIONS.value


# Responses --------------------------------------------------------------------------------


class RegionOut(Schema):
    code: str = Field(description="NHS England region code, e.g. Y56")
    name: str


class OrganisationRef(Schema):
    code: str = Field(description="ODS code")
    name: str


class OrganisationOut(Schema):
    code: str = Field(description="ODS code, e.g. RGT")
    name: str = Field(description="Name as published by the Organisation Data Service")
    kind: OrganisationKind
    region: RegionOut | None
    parent_code: str | None = Field(description="ODS code of the parent organisation")
    opened_on: dt.date | None
    closed_on: dt.date | None


class StaffGroupCount(Schema):
    staff_group: StaffGroupCode
    label: str
    count: int


class OrganisationDetailOut(OrganisationOut):
    staff_counts: list[StaffGroupCount] | None = Field(
        description="Active staff by staff group; null unless the caller covers the organisation"
    )
    staff_total: int | None


class PersonOut(Schema):
    id: int
    staff_number: str
    first_name: str
    last_name: str
    organisation: OrganisationRef
    staff_group: StaffGroupCode
    grade: GradeCode
    career_stage: CareerStageCode
    status: PersonStatus


class LineManagerOut(Schema):
    id: int
    first_name: str
    last_name: str


class PersonDetailOut(PersonOut):
    work_email: str
    occupation: str
    region: RegionOut | None
    line_manager: LineManagerOut | None
    start_date: dt.date
    left_on: dt.date | None


class PageOut(Schema):
    count: int = Field(description=f"Matching records, counted up to {COUNT_CAP:,}")
    count_capped: bool = Field(description=f"True when more than {COUNT_CAP:,} records match")
    limit: int
    offset: int
    next: str | None = Field(description="Link to the next page, or null on the last page")
    previous: str | None = Field(description="Link to the previous page, or null on the first")


class OrganisationPage(PageOut):
    results: list[OrganisationOut]


class PersonPage(PageOut):
    results: list[PersonOut]


# Query parameters --------------------------------------------------------------------------


class PageQuery(Schema):
    limit: int = Field(
        DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=f"Records per page, 1 to {MAX_LIMIT}"
    )
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="Records to skip")


class OrganisationFilters(PageQuery):
    kind: OrganisationKind | None = Field(None, description="Only organisations of this kind")
    region: str | None = Field(
        None, pattern=r"^[A-Za-z0-9]{1,20}$", description="Only organisations in this region"
    )


class PeopleFilters(PageQuery):
    q: str = Field(
        "",
        max_length=100,
        pattern=TEXT_PATTERN,
        description="Name (first, last, or first and last) or exact staff number",
    )
    organisation: str | None = Field(None, pattern=CODE_PATTERN, description="ODS code")
    staff_group: StaffGroupCode | None = None
    grade: GradeCode | None = None


def _refuse_unknown_parameters(request: HttpRequest, filters: type[Schema]) -> None:
    """A misspelt parameter is an error, not a silently unfiltered answer."""
    unknown = sorted(set(request.GET) - set(filters.model_fields))
    if unknown:
        known = ", ".join(filters.model_fields)
        raise ValidationError(
            [
                {
                    "type": "extra_forbidden",
                    "loc": ("query", name),
                    "msg": f"{name} is not a parameter here. Use: {known}",
                }
                for name in unknown
            ]
        )


def _page(request: HttpRequest, queryset: QuerySet, filters: PageQuery) -> dict[str, Any]:
    """One page by limit and offset plus a capped count: two queries, whatever the size."""
    limit, offset = filters.limit, filters.offset
    rows = list(queryset[offset : offset + limit + 1])
    total = queryset[: COUNT_CAP + 1].count()

    def link(new_offset: int) -> str:
        params = request.GET.copy()
        params["limit"] = str(limit)
        params["offset"] = str(new_offset)
        return f"{request.path}?{params.urlencode()}"

    return {
        "count": min(total, COUNT_CAP),
        "count_capped": total > COUNT_CAP,
        "limit": limit,
        "offset": offset,
        "next": link(offset + limit) if len(rows) > limit else None,
        "previous": link(max(0, offset - limit)) if offset > 0 else None,
        "results": rows[:limit],
    }


# Shaping ------------------------------------------------------------------------------------


def _region(organisation: Organisation) -> dict[str, str] | None:
    region = organisation.region
    return None if region is None else {"code": region.code, "name": region.name}


def _organisation(organisation: Organisation) -> dict[str, Any]:
    return {
        "code": organisation.code,
        "name": organisation.name,
        "kind": organisation.kind,
        "region": _region(organisation),
        "parent_code": organisation.parent.code if organisation.parent is not None else None,
        "opened_on": organisation.opened_on,
        "closed_on": organisation.closed_on,
    }


def _person(person: Person) -> dict[str, Any]:
    return {
        "id": person.pk,
        "staff_number": person.staff_number,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "organisation": {"code": person.organisation.code, "name": person.organisation.name},
        "staff_group": person.staff_group,
        "grade": person.grade,
        "career_stage": person.career_stage,
        "status": person.status,
    }


def _person_detail(person: Person) -> dict[str, Any]:
    manager = person.line_manager
    return {
        **_person(person),
        "work_email": person.work_email,
        "occupation": person.occupation,
        "region": _region(person.organisation),
        "line_manager": None
        if manager is None
        else {"id": manager.pk, "first_name": manager.first_name, "last_name": manager.last_name},
        "start_date": person.start_date,
        "left_on": person.left_on,
    }


_ERRORS: dict[int, type[Schema]] = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut}


# Endpoints ----------------------------------------------------------------------------------


@router.get(
    "organisations/",
    response={200: OrganisationPage, **_ERRORS},
    url_name="list_organisations",
    summary="List organisations",
    tags=["organisations"],
    openapi_extra={"x-token-scope": READ_ORGANISATIONS},
)
def list_organisations(request: HttpRequest, filters: Query[OrganisationFilters]) -> Any:
    """Every organisation (trusts, ICBs, providers...), by name. Needs a lead role or a token."""
    require(request, Permission.VIEW_ORGANISATION, token_scope=READ_ORGANISATIONS)
    _refuse_unknown_parameters(request, OrganisationFilters)
    organisations = Organisation.objects.select_related("region", "parent").order_by("name", "code")
    if filters.kind:
        organisations = organisations.filter(kind=filters.kind)
    if filters.region:
        organisations = organisations.filter(region__code=filters.region)
    page = _page(request, organisations, filters)
    page["results"] = [_organisation(o) for o in page["results"]]
    return page


@router.get(
    "organisations/{code}/",
    response={200: OrganisationDetailOut, 404: ErrorOut, **_ERRORS},
    url_name="show_organisation",
    summary="One organisation, with staff counts if you cover it",
    tags=["organisations"],
    openapi_extra={"x-token-scope": READ_ORGANISATIONS},
)
def show_organisation(
    request: HttpRequest,
    code: str = Path(..., pattern=CODE_PATTERN, description="ODS code, e.g. RGT"),
) -> Any:
    """An organisation; staff counts by staff group only for callers who cover it."""
    caller = require(request, Permission.VIEW_ORGANISATION, token_scope=READ_ORGANISATIONS)
    _refuse_unknown_parameters(request, Schema)
    organisation = queries.organisation_detail(code)
    if organisation is None:
        raise Http404(f"No organisation has the ODS code {code}.")
    body = {**_organisation(organisation), "staff_counts": None, "staff_total": None}
    if caller.may(Permission.VIEW_ORGANISATION_STAFF, organisation):
        counts = queries.staff_counts_by_group(organisation)
        body["staff_counts"] = [
            {
                "staff_group": c["staff_group"],
                "label": _GROUP_LABELS.get(c["staff_group"], c["staff_group"]),
                "count": c["count"],
            }
            for c in counts
        ]
        body["staff_total"] = sum(c["count"] for c in counts)
    return body


@router.get(
    "people/",
    response={200: PersonPage, **_ERRORS},
    url_name="list_people",
    summary="Search staff records in your scope",
    tags=["people"],
    openapi_extra={"x-token-scope": READ_PEOPLE},
)
def list_people(request: HttpRequest, filters: Query[PeopleFilters]) -> Any:
    """Staff records the caller may see, as in the people directory, by last name."""
    caller = require(request, Permission.VIEW_PEOPLE_DIRECTORY, token_scope=READ_PEOPLE)
    _refuse_unknown_parameters(request, PeopleFilters)
    people = queries.directory(
        caller.scope,
        queries.DirectoryFilters(
            query=filters.q,
            organisation=filters.organisation or "",
            staff_group=filters.staff_group or "",
            grade=filters.grade or "",
        ),
    )
    page = _page(request, people, filters)
    page["results"] = [_person(p) for p in page["results"]]
    return page


@router.get(
    "people/{person_id}/",
    response={200: PersonDetailOut, 404: ErrorOut, **_ERRORS},
    url_name="show_person",
    summary="One staff record",
    tags=["people"],
    openapi_extra={"x-token-scope": READ_PEOPLE},
)
def show_person(
    request: HttpRequest,
    person_id: int = Path(..., ge=1, le=MAX_ID, description="The record's id"),
) -> Any:
    """A staff record inside the caller's scope. Reads of anyone else's record are audited."""
    caller = require_token_scope(request, READ_PEOPLE)
    _refuse_unknown_parameters(request, Schema)
    person = queries.person_detail(person_id)
    if person is None:
        raise Http404(f"No staff record has the id {person_id}.")
    caller.check(Permission.VIEW_PERSON, person)
    if caller.user_person_id != person.pk:
        audit.record_read(
            "people.person.viewed", by=caller.principal, target=person, detail={"via": "api"}
        )
    return _person_detail(person)
