"""Reads for talent pages and the API. Each starts from the viewer's scope or the person,
and runs a fixed number of queries whatever the size of the data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import (
    BigIntegerField,
    BooleanField,
    Count,
    Exists,
    F,
    Func,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    Window,
)
from django.db.models.functions import RowNumber

from healthlead.accounts.scope import Scope
from healthlead.appraisal.actions import programme_key
from healthlead.frameworks.models import Domain, FrameworkVersion
from healthlead.people.models import Organisation, Person, Region
from healthlead.talent.actions import PoolFilters
from healthlead.talent.models import (
    ASPIRATION_BITS,
    PoolEntry,
    PoolEntryProgramme,
    PoolEntryScore,
    PoolSearch,
    PoolViewLog,
    Shortlist,
    ShortlistEntry,
    SuccessionCandidate,
    SuccessionPlan,
    TalentConversation,
    TalentProfile,
    TalentRating,
    TalentRatingChange,
    TalentReview,
)

NAMES_PER_BOX = 12

# People and their talent records ------------------------------------------------------------


def person_detail(pk: int) -> Person | None:
    return (
        Person.objects.select_related("organisation__region", "line_manager").filter(pk=pk).first()
    )


def conversations_of(person: Person, limit: int = 20) -> list[TalentConversation]:
    return list(
        person.talent_conversations.prefetch_related(
            Prefetch("reviews", queryset=TalentReview.objects.order_by("months"))
        ).order_by("-held_on", "-pk")[:limit]
    )


def conversation_detail(pk: int) -> TalentConversation | None:
    return (
        TalentConversation.objects.select_related(
            "person__organisation__region", "person__line_manager", "manager", "appraisal"
        )
        .filter(pk=pk)
        .first()
    )


def review_detail(pk: int) -> TalentReview | None:
    return (
        TalentReview.objects.select_related(
            "conversation__person__organisation__region", "conversation__person__line_manager"
        )
        .filter(pk=pk)
        .first()
    )


def rating_of(person: Person) -> TalentRating | None:
    return TalentRating.objects.filter(person=person).first()


def rating_history(person: Person, limit: int = 50) -> list[TalentRatingChange]:
    return list(TalentRatingChange.objects.filter(person=person).order_by("-at", "-pk")[:limit])


def reviews_due_for(person: Person, limit: int = 20) -> list[TalentReview]:
    """Reviews not yet held for the person and the people they line manage."""
    return list(
        TalentReview.objects.filter(reviewed_at__isnull=True)
        .filter(Q(conversation__person=person) | Q(conversation__person__line_manager=person))
        .select_related("conversation__person")
        .order_by("due_on", "pk")[:limit]
    )


# Grids --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GridCount:
    """Active staff per box, and each box's first people by name."""

    counts: dict[int, int]
    first_people: dict[int, list[int]]


def _by_name_in_box(box: str, rating_pk: str, prefix: str = "") -> Window:
    return Window(
        RowNumber(),
        partition_by=[F(box)],
        order_by=[
            F(f"{prefix}last_name").asc(),
            F(f"{prefix}first_name").asc(),
            F(rating_pk).asc(),
        ],
    )


def _first_by_name(ratings: QuerySet[TalentRating]) -> QuerySet[TalentRating]:
    """The first NAMES_PER_BOX ratings of each box by last name, first name and id."""
    return (
        ratings.annotate(row=_by_name_in_box("box", "pk", "person__"))
        .filter(row__lte=NAMES_PER_BOX)
        .order_by("box", "row")
    )


def count_grid(ratings: QuerySet[TalentRating]) -> GridCount:
    """Counts per box (one query) and each box's first people by name (one query)."""
    counts = {row["box"]: row["n"] for row in ratings.values("box").annotate(n=Count("pk"))}
    first: dict[int, list[int]] = {}
    for box, person_id in _first_by_name(ratings).values_list("box", "person_id"):
        first.setdefault(box, []).append(person_id)
    return GridCount(counts=counts, first_people=first)


def _listed(rows: Any) -> dict[int, list[dict[str, Any]]]:
    names: dict[int, list[dict[str, Any]]] = {}
    for box, pk, first_name, last_name in rows:
        names.setdefault(box, []).append({"pk": pk, "name": f"{first_name} {last_name}"})
    return names


def _grid(people: QuerySet[Person]) -> dict[str, Any]:
    """The grid counted live from the ratings of `people` (two queries): for a team."""
    ratings = TalentRating.objects.filter(person__in=people)
    counts = {row["box"]: row["n"] for row in ratings.values("box").annotate(n=Count("pk"))}
    names = _listed(
        _first_by_name(ratings).values_list(
            "box", "person_id", "person__first_name", "person__last_name"
        )
    )
    return {"counts": counts, "names": names, "total": sum(counts.values())}


class _AnyOf(Func):
    """`column = ANY(array)` (PostgreSQL)."""

    arg_joiner = " = ANY("
    template = "(%(expressions)s))"
    output_field = BooleanField()


def _pk_in(ids: list[int]) -> Q:
    """pk IN ids; on PostgreSQL as `= ANY(array)` with one parameter, which spares Django and
    psycopg quoting a few thousand parameters one by one (half the CPU of a region's grid)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return Q(pk__in=ids)
    from django.contrib.postgres.fields import ArrayField

    array = Value(ids, output_field=ArrayField(BigIntegerField()))
    return Q(_AnyOf(F("pk"), array))


def _tallied_grid(organisations: QuerySet[Organisation], *, names: bool = True) -> dict[str, Any]:
    """The grid of some organisations from their tallies (GridTally): one query for the counts
    and one for the names, whatever their size. Organisations never counted yet are counted
    live (two more queries)."""
    counts: dict[int, int] = {}
    first: list[int] = []
    uncounted: list[int] = []
    for pk, box, count, first_people in organisations.order_by().values_list(
        "pk", "grid_tallies__box", "grid_tallies__count", "grid_tallies__first_people"
    ):
        if box is None:
            uncounted.append(pk)
            continue
        if count:
            counts[box] = counts.get(box, 0) + count
        first += first_people
    if uncounted:
        live = count_grid(
            TalentRating.objects.filter(
                person__organisation_id__in=uncounted, person__status=Person.Status.ACTIVE
            )
        )
        for box, count in live.counts.items():
            counts[box] = counts.get(box, 0) + count
        for ids in live.first_people.values():
            first += ids
    listed: dict[int, list[dict[str, Any]]] = {}
    if names and first:
        # Each box's first people over all the organisations are among each organisation's
        # first. Their names and places come from the records as they are now: a leaver or
        # someone who moved away since the last count is not listed, even before it catches
        # up. (From the staff records by primary key: a few thousand rows, not the region.)
        listed = _listed(
            Person.objects.filter(
                _pk_in(first), status=Person.Status.ACTIVE, organisation__in=organisations
            )
            .annotate(row=_by_name_in_box("talent_rating__box", "talent_rating__pk"))
            .filter(row__lte=NAMES_PER_BOX)
            .order_by("talent_rating__box", "row")
            .values_list("talent_rating__box", "pk", "first_name", "last_name")
        )
    return {"counts": counts, "names": listed, "total": sum(counts.values())}


def team_grid(manager: Person) -> dict[str, Any]:
    return _grid(Person.objects.active().in_team_of(manager))


def organisation_grid(organisation: Organisation, *, names: bool = True) -> dict[str, Any]:
    return _tallied_grid(Organisation.objects.filter(pk=organisation.pk), names=names)


def region_grid(region: Region, *, names: bool = True) -> dict[str, Any]:
    return _tallied_grid(Organisation.objects.filter(region=region), names=names)


def people_in_box(people: QuerySet[Person], box: int) -> QuerySet[TalentRating]:
    """Everyone in one box, ready to page."""
    return (
        TalentRating.objects.filter(person__in=people, box=box)
        .select_related("person__organisation")
        .order_by("person__last_name", "person__first_name", "pk")
    )


def team_people(manager: Person) -> QuerySet[Person]:
    return Person.objects.active().in_team_of(manager)


def organisation_people(organisation: Organisation) -> QuerySet[Person]:
    return Person.objects.active().filter(organisation=organisation)


def region_people(region: Region) -> QuerySet[Person]:
    return Person.objects.active().filter(organisation__region=region)


def organisation_detail(code: str) -> Organisation | None:
    return Organisation.objects.select_related("region").filter(code=code).first()


def region_detail(code: str) -> Region | None:
    from django.conf import settings

    return (
        Region.objects.select_related("region_set")
        .filter(code=code, region_set__code=settings.HEALTHLEAD_REGION_SET)
        .first()
    )


# The talent pool ----------------------------------------------------------------------------


def profile_of(person: Person) -> TalentProfile | None:
    return TalentProfile.objects.filter(person=person).first()


def pool_entry_of(person: Person) -> PoolEntry | None:
    return PoolEntry.objects.filter(person=person).select_related("region").first()


def pool_entry_for_person_id(pk: int) -> PoolEntry | None:
    return PoolEntry.objects.filter(person_id=pk).select_related("region").first()


def views_of_profile(person: Person) -> QuerySet[PoolViewLog]:
    return PoolViewLog.objects.filter(person=person).order_by("-at", "-pk")


def visible_pool(scope: Scope) -> QuerySet[PoolEntry]:
    """The pool entries a lead may search: all for national leads, their region for regional."""
    if scope.national:
        return PoolEntry.objects.all()
    return PoolEntry.objects.filter(region_id__in=scope.region_ids)


def search_pool(scope: Scope, filters: PoolFilters) -> QuerySet[PoolEntry]:
    """People in the pool matching the filters, inside the viewer's scope, by name.

    Every filter is on the search row, which holds only what each person agreed to share,
    so nobody matches a filter on something they did not share.
    """
    entries = visible_pool(scope)
    if filters.region:
        entries = entries.filter(region__code=filters.region)
    if filters.staff_group:
        entries = entries.filter(staff_group=filters.staff_group)
    if filters.profession:
        entries = entries.filter(profession=filters.profession)
    if filters.readiness:
        entries = entries.filter(readiness=filters.readiness)
    if filters.aspiration:
        bit = ASPIRATION_BITS.get(filters.aspiration, 0)
        entries = entries.alias(wants=F("aspirations_mask").bitand(bit)).filter(wants__gt=0)
    if filters.role:
        entries = entries.filter(role_title_lower__contains=filters.role.strip().lower())
    if filters.programme:
        entries = entries.filter(
            Exists(
                PoolEntryProgramme.objects.filter(
                    entry=OuterRef("pk"), programme_key=programme_key(filters.programme)
                )
            )
        )
    if filters.domain or filters.min_score is not None:
        # A domain alone: anyone with a score in it; a lowest score alone: in any domain.
        scores = PoolEntryScore.objects.filter(entry=OuterRef("pk"))
        if filters.domain:
            scores = scores.filter(domain_key=filters.domain)
        if filters.min_score is not None:
            scores = scores.filter(score__gte=filters.min_score)
        entries = entries.filter(Exists(scores))
    return entries.select_related("region").order_by("sort_name", "pk")


def with_details(entries: list[PoolEntry]) -> list[PoolEntry]:
    """Scores and programmes for a page of entries (two queries)."""
    from django.db.models import prefetch_related_objects

    prefetch_related_objects(
        entries,
        Prefetch("scores", queryset=PoolEntryScore.objects.order_by("domain_key")),
        Prefetch("programmes", queryset=PoolEntryProgramme.objects.order_by("-completed_on")),
    )
    return entries


def page_of_matches(matches: QuerySet[PoolEntry], query: Any, size: int = 25) -> Any:
    """One page of search results and a capped count, like core.pagination.paginate, but
    counting without the ORDER BY (sorting every match only to count them is wasted work)."""
    from healthlead.core.pagination import COUNT_CAP, Page

    try:
        number = max(1, min(int(query.get("page", "1")), 100_000))
    except ValueError:
        number = 1
    offset = (number - 1) * size
    rows = list(matches[offset : offset + size + 1])
    total = matches.order_by()[: COUNT_CAP + 1].count()
    return Page(
        items=rows[:size],
        number=number,
        has_previous=number > 1,
        has_next=len(rows) > size,
        total=min(total, COUNT_CAP),
        total_capped=total > COUNT_CAP,
        query=query,
    )


def count_matches(scope: Scope, filters: PoolFilters) -> int:
    """How many match (counted up to the pagination cap)."""
    from healthlead.core.pagination import COUNT_CAP

    return search_pool(scope, filters).order_by()[: COUNT_CAP + 1].count()


def recent_searches(user: Any, limit: int = 5) -> list[PoolSearch]:
    return list(PoolSearch.objects.filter(searched_by=user).order_by("-at", "-pk")[:limit])


def region_codes(region_ids: set[int]) -> list[str]:
    return list(Region.objects.filter(pk__in=region_ids).values_list("code", flat=True))


def regions_by_ids(region_ids: set[int]) -> list[Region]:
    return list(Region.objects.filter(pk__in=region_ids).order_by("name"))


def regions_in_set() -> list[Region]:
    from django.conf import settings

    return list(
        Region.objects.filter(region_set__code=settings.HEALTHLEAD_REGION_SET).order_by("name")
    )


def organisations_by_ids(ids: set[int], limit: int = 20) -> list[Organisation]:
    return list(Organisation.objects.filter(pk__in=ids).order_by("name")[:limit])


def search_detail(pk: int) -> PoolSearch | None:
    return PoolSearch.objects.filter(pk=pk).first()


def domain_choices() -> list[tuple[str, str]]:
    """360 domains a search may filter on: those of published framework versions."""
    domains = (
        Domain.objects.filter(version__state=FrameworkVersion.State.PUBLISHED)
        .select_related("version__framework")
        .order_by("version__framework__name", "order", "code")
    )
    seen: dict[str, str] = {}
    for d in domains:
        key = f"{d.version.framework.code}/{d.code}"
        seen.setdefault(key, f"{d.version.framework.name}: {d.name}")
    return list(seen.items())


def region_choices() -> list[tuple[str, str]]:
    from django.conf import settings

    return [
        (r.code, r.name)
        for r in Region.objects.filter(region_set__code=settings.HEALTHLEAD_REGION_SET).order_by(
            "name"
        )
    ]


def shortlists_of(user: Any, limit: int = 100) -> list[Shortlist]:
    return list(
        Shortlist.objects.filter(created_by=user)
        .annotate(size=Count("entries", filter=Q(entries__removed_at__isnull=True)))
        .select_related("organisation")
        .order_by("-created_at", "-pk")[:limit]
    )


def shortlist_detail(pk: int) -> Shortlist | None:
    return Shortlist.objects.select_related("organisation").filter(pk=pk).first()


def shortlist_entries(shortlist: Shortlist) -> list[dict[str, Any]]:
    """Everyone on the shortlist, shown through their pool entry (what they share) if they are
    still in the pool; the search rows of those who left are gone, so nothing of theirs shows."""
    entries = list(shortlist.entries.select_related("added_by").order_by("added_at", "pk"))
    pool = {
        e.person_id: e
        for e in PoolEntry.objects.filter(
            person_id__in=[x.person_id for x in entries]
        ).select_related("region")
    }
    return [{"entry": x, "pool": pool.get(x.person_id)} for x in entries]


def shortlist_entry_detail(pk: int) -> ShortlistEntry | None:
    return ShortlistEntry.objects.select_related("shortlist").filter(pk=pk).first()


# Succession ---------------------------------------------------------------------------------


def succession_plans(organisation: Organisation) -> list[SuccessionPlan]:
    return list(
        organisation.succession_plans.select_related("incumbent").order_by(
            "ready_now_count", "role_title"
        )
    )


def succession_plan_detail(pk: int) -> SuccessionPlan | None:
    return (
        SuccessionPlan.objects.select_related("organisation__region", "incumbent")
        .filter(pk=pk)
        .first()
    )


READINESS_ORDER = ["ready_now", "one_to_two_years", "three_plus_years"]


def candidates_of(plan: SuccessionPlan) -> list[SuccessionCandidate]:
    candidates = list(plan.candidates.select_related("person__organisation"))
    return sorted(
        candidates,
        key=lambda c: (READINESS_ORDER.index(c.readiness), c.person.last_name, c.pk),
    )


def candidate_detail(pk: int) -> SuccessionCandidate | None:
    return (
        SuccessionCandidate.objects.select_related("plan__organisation__region", "person")
        .filter(pk=pk)
        .first()
    )


def succession_gaps(organisation: Organisation) -> list[SuccessionPlan]:
    """Key roles with no successor ready now."""
    return list(organisation.succession_plans.filter(ready_now_count=0).order_by("role_title"))


def region_succession_summary(region: Region) -> list[dict[str, Any]]:
    """Per organisation in the region: key roles planned and those with no ready-now successor
    (one aggregate query)."""
    rows = (
        SuccessionPlan.objects.filter(organisation__region=region)
        .values("organisation__code", "organisation__name")
        .annotate(plans=Count("pk"), gaps=Count("pk", filter=Q(ready_now_count=0)))
        .order_by("-gaps", "organisation__name")
    )
    return [
        {
            "code": r["organisation__code"],
            "name": Organisation(name=r["organisation__name"]).display_name,
            "plans": r["plans"],
            "gaps": r["gaps"],
        }
        for r in rows
    ]


def region_gap_roles(region: Region, limit: int = 50) -> list[SuccessionPlan]:
    return list(
        SuccessionPlan.objects.filter(organisation__region=region, ready_now_count=0)
        .select_related("organisation")
        .order_by("organisation__name", "role_title")[:limit]
    )


def person_by_staff_number(staff_number: str) -> Person | None:
    if not staff_number or len(staff_number) > 20:
        return None
    return (
        Person.objects.select_related("organisation__region")
        .filter(staff_number=staff_number)
        .first()
    )
