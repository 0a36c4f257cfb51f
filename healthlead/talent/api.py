"""JSON API for searching the national talent pool (/api/v1/talent/pool/search/).

For national and regional leads, signed in (organisation API tokens are refused). As on the
search page, a reason is required and every call is recorded as a search with it; results
show only what each person agreed to share, and regional leads see their region only.
"""

from __future__ import annotations

from typing import Annotated, Any

from django.db import models
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.errors import AuthorizationError, ValidationError
from ninja.responses import Status
from pydantic import WithJsonSchema

from healthlead.accounts.api_access import ErrorOut, caller_for
from healthlead.accounts.permissions import Permission
from healthlead.core.pagination import COUNT_CAP
from healthlead.people.models import StaffGroup
from healthlead.talent import actions, presenters, queries
from healthlead.talent.models import Aspiration, Profession, Readiness

router = Router(tags=["talent pool"])

TEXT_PATTERN = r"^[^\x00-\x1f\x7f]*$"
MAX_LIMIT = 100


class PoolScoreOut(Schema):
    domain: str = Field(description="<framework code>/<domain code>")
    name: str
    score: float = Field(description="All others' mean, 1 to 5")


class PoolMemberOut(Schema):
    person_id: int
    name: str
    region: str
    staff_group: str
    profession: str
    current_role: str | None = Field(description="Null unless shared")
    organisation: str | None = Field(description="Null unless shared")
    grade: str | None = Field(description="Null unless shared")
    email: str | None = Field(description="Null unless shared")
    readiness: str | None = Field(
        description="ready_now, one_to_two_years, three_plus_years; null unless shared"
    )
    aspirations: list[str] = Field(description="Empty unless shared")
    talent_grid_box: int | None = Field(description="1 to 9; null unless shared")
    statement: str
    feedback_scores: list[PoolScoreOut] = Field(description="Empty unless shared")
    programmes: list[str] = Field(description="Empty unless shared")


class PoolSearchPageOut(Schema):
    search_id: int = Field(description="The recorded search (with your reason)")
    count: int = Field(description=f"Matching people, counted up to {COUNT_CAP:,}")
    count_capped: bool
    limit: int
    offset: int
    results: list[PoolMemberOut]


def _inline(choices: type[models.TextChoices]) -> WithJsonSchema:
    """Describe a choice field by its values in place, not as a shared named component."""
    return WithJsonSchema({"type": "string", "enum": [str(value) for value in choices.values]})


StaffGroupCode = Annotated[StaffGroup, _inline(StaffGroup)]
ProfessionCode = Annotated[Profession, _inline(Profession)]
ReadinessCode = Annotated[Readiness, _inline(Readiness)]
AspirationCode = Annotated[Aspiration, _inline(Aspiration)]


class PoolSearchQuery(Schema):
    reason: str = Field(
        ...,
        min_length=3,
        max_length=500,
        pattern=TEXT_PATTERN,
        description="Why you are searching; recorded with the search",
    )
    staff_group: StaffGroupCode | None = None
    profession: ProfessionCode | None = None
    readiness: ReadinessCode | None = None
    aspiration: AspirationCode | None = None
    region: str | None = Field(
        None, pattern=r"^[A-Za-z0-9]{1,20}$", description="Region code, e.g. Y63"
    )
    programme: str | None = Field(None, max_length=200, pattern=TEXT_PATTERN)
    role: str | None = Field(None, max_length=100, pattern=TEXT_PATTERN)
    domain: str | None = Field(
        None,
        pattern=r"^[A-Za-z0-9_.-]{1,30}/[A-Za-z0-9_.-]{1,20}$",
        description="A 360 domain as <framework code>/<domain code>, e.g. LF2011/1",
    )
    min_score: float | None = Field(
        None, ge=1, le=5, description="Lowest all-others mean in the domain (in any, if none given)"
    )
    limit: int = Field(25, ge=1, le=MAX_LIMIT)
    offset: int = Field(0, ge=0, le=100_000)


_ERRORS: dict[int, type[Schema]] = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut}


def _refuse_unknown_parameters(request: HttpRequest) -> None:
    """A misspelt parameter is an error, not a silently unfiltered answer."""
    unknown = sorted(set(request.GET) - set(PoolSearchQuery.model_fields))
    if unknown:
        known = ", ".join(PoolSearchQuery.model_fields)
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


def _member(card: presenters.PoolCard, entry: Any) -> dict[str, Any]:
    return {
        "person_id": entry.person_id,
        "name": entry.full_name,
        "region": card.region,
        "staff_group": entry.staff_group,
        "profession": entry.profession,
        "current_role": entry.role_title or None,
        "organisation": entry.organisation_name or None,
        "grade": entry.grade or None,
        "email": entry.email or None,
        "readiness": entry.readiness or None,
        "aspirations": [
            code for code, bit in presenters.ASPIRATION_BITS.items() if entry.aspirations_mask & bit
        ],
        "talent_grid_box": entry.box,
        "statement": entry.statement,
        "feedback_scores": [
            {"domain": s.domain_key, "name": s.domain_name, "score": round(s.score, 2)}
            for s in entry.scores.all()
        ],
        "programmes": card.programmes,
    }


@router.get(
    "pool/search/",
    response={200: PoolSearchPageOut, **_ERRORS},
    url_name="search_talent_pool",
    summary="Search the national talent pool",
)
def search_pool(request: HttpRequest, query: Query[PoolSearchQuery]) -> Any:
    """People in the pool matching the filters, within the regions you cover, by name."""
    caller = caller_for(request)
    if caller.token is not None:
        raise AuthorizationError(
            403, "Only national and regional leads, signed in, may search the pool."
        )
    caller.check(Permission.SEARCH_TALENT_POOL)
    _refuse_unknown_parameters(request)
    filters = actions.PoolFilters(
        staff_group=query.staff_group or "",
        profession=query.profession or "",
        readiness=query.readiness or "",
        aspiration=query.aspiration or "",
        region=query.region or "",
        programme=(query.programme or "").strip(),
        role=(query.role or "").strip(),
        domain=query.domain or "",
        min_score=query.min_score,
    )
    matches = queries.search_pool(caller.scope, filters)
    total = matches.order_by()[: COUNT_CAP + 1].count()
    try:
        search = actions.record_search(
            by=caller.principal, reason=query.reason, filters=filters, result_count=total
        )
    except actions.TalentError as error:
        return Status(
            400, {"detail": str(error), "errors": [{"parameter": "reason", "message": str(error)}]}
        )
    entries = queries.with_details(list(matches[query.offset : query.offset + query.limit]))
    return {
        "search_id": search.pk,
        "count": min(total, COUNT_CAP),
        "count_capped": total > COUNT_CAP,
        "limit": query.limit,
        "offset": query.offset,
        "results": [_member(presenters.pool_card(e), e) for e in entries],
    }
