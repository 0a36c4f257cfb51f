"""JSON API for competency frameworks (/api/v1/frameworks/): published content only."""

from __future__ import annotations

import datetime as dt
import uuid

from django.http import Http404, HttpRequest
from ninja import Field, Path, Router, Schema

from healthlead.accounts.api_access import require
from healthlead.accounts.models import ApiToken
from healthlead.accounts.permissions import Permission
from healthlead.frameworks import queries
from healthlead.frameworks.models import Framework, FrameworkVersion

router = Router(tags=["frameworks"])
READ_FRAMEWORKS = ApiToken.Scope.READ_FRAMEWORKS.value
CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,29}$"


class FrameworkSummaryOut(Schema):
    code: str = Field(description="Healthlead's code for the framework, e.g. LF2011")
    name: str
    publisher: str = Field(description="Who originally published the framework")
    status: Framework.Status
    superseded_by: str | None = Field(description="Code of the framework that replaced it")
    latest_version: str | None = Field(description="The latest published version, if any")
    case_document_id: uuid.UUID | None = Field(
        description="CASE CFDocument identifier of the latest published version"
    )


class IndicatorOut(Schema):
    code: str
    text: str = Field(description="An observable behaviour, in Healthlead's own words")
    level: str = Field(description="Level on the version's scale, if the framework has one")
    case_id: uuid.UUID


class ElementOut(Schema):
    code: str = Field(description="Domain and element codes, e.g. 3.2")
    name: str
    description: str
    expected_by: str | None = Field(description="Stage code by which it is expected, if any")
    case_id: uuid.UUID
    indicators: list[IndicatorOut]


class DomainOut(Schema):
    code: str
    name: str
    description: str
    is_core: bool
    case_id: uuid.UUID
    elements: list[ElementOut]


class StageOut(Schema):
    code: str
    name: str
    description: str
    career_stages: list[str] = Field(description="Career stages (people) this stage covers")
    confirmed: bool = Field(description="False when not checked against a primary source")


class VersionOut(Schema):
    version: str
    published_at: dt.datetime | None
    scale: list[str]
    notes: str
    case_document_id: uuid.UUID
    stages: list[StageOut]
    domains: list[DomainOut]


class FrameworkOut(Schema):
    code: str
    name: str
    publisher: str
    audience: str
    description: str
    status: Framework.Status
    superseded_by: str | None
    domain_term: str = Field(description="What the framework calls a domain")
    element_term: str = Field(description="What the framework calls an element")
    version: VersionOut = Field(description="The latest published version")


class ErrorOut(Schema):
    detail: str


def _version_out(version: FrameworkVersion) -> VersionOut:
    stages = list(version.stages.all())
    codes = {s.pk: s.code for s in stages}
    return VersionOut(
        version=version.version,
        published_at=version.published_at,
        scale=list(version.scale or []),
        notes=version.notes,
        case_document_id=version.case_uuid,
        stages=[
            StageOut(
                code=s.code,
                name=s.name,
                description=s.description,
                career_stages=list(s.career_stages or []),
                confirmed=s.confirmed,
            )
            for s in stages
        ],
        domains=[
            DomainOut(
                code=d.code,
                name=d.name,
                description=d.description,
                is_core=d.is_core,
                case_id=d.case_uuid,
                elements=[
                    ElementOut(
                        code=f"{d.code}.{e.code}",
                        name=e.name,
                        description=e.description,
                        expected_by=codes.get(e.expected_by_id) if e.expected_by_id else None,
                        case_id=e.case_uuid,
                        indicators=[
                            IndicatorOut(
                                code=i.code, text=i.text, level=i.level, case_id=i.case_uuid
                            )
                            for i in e.indicators.all()
                        ],
                    )
                    for e in d.elements.all()
                ],
            )
            for d in version.domains.all()
        ],
    )


@router.get(
    "/frameworks/",
    response={200: list[FrameworkSummaryOut], 403: ErrorOut},
    summary="List the competency frameworks",
    openapi_extra={"x-token-scope": READ_FRAMEWORKS},
)
def list_frameworks(request: HttpRequest) -> list[FrameworkSummaryOut]:
    """Every framework, current first, with its latest published version."""
    require(request, Permission.VIEW_FRAMEWORKS, token_scope=READ_FRAMEWORKS)
    rows = []
    for framework in queries.frameworks_with_published_versions():
        published = framework.published_versions  # type: ignore[attr-defined]
        latest = published[0] if published else None
        rows.append(
            FrameworkSummaryOut(
                code=framework.code,
                name=framework.name,
                publisher=framework.publisher,
                status=Framework.Status(framework.status),
                superseded_by=framework.superseded_by.code if framework.superseded_by else None,
                latest_version=latest.version if latest else None,
                case_document_id=latest.case_uuid if latest else None,
            )
        )
    return rows


@router.get(
    "/frameworks/{code}/",
    response={200: FrameworkOut, 403: ErrorOut, 404: ErrorOut},
    summary="One framework's latest published version",
    openapi_extra={"x-token-scope": READ_FRAMEWORKS},
)
def get_framework(
    request: HttpRequest,
    code: str = Path(..., pattern=CODE_PATTERN, description="Framework code, e.g. LF2011"),
) -> FrameworkOut:
    """The framework with its latest published version: stages, domains, elements, indicators."""
    require(request, Permission.VIEW_FRAMEWORKS, token_scope=READ_FRAMEWORKS)
    framework = queries.framework_by_code(code)
    if framework is None:
        raise Http404(f"There is no framework with the code {code}.")
    latest = queries.latest_published_version(framework)
    if latest is None:
        raise Http404(f"{framework.name} has no published version.")
    version = queries.version_tree(latest.pk)
    return FrameworkOut(
        code=framework.code,
        name=framework.name,
        publisher=framework.publisher,
        audience=framework.audience,
        description=framework.description,
        status=Framework.Status(framework.status),
        superseded_by=framework.superseded_by.code if framework.superseded_by else None,
        domain_term=framework.domain_term,
        element_term=framework.element_term,
        version=_version_out(version),
    )
