"""Talent pool search benchmark (registered with core.benchmarks).

talent_pool_search_50k: 50,000 people in the pool (loaded with COPY: staff records, search
rows, five 360 domain scores for most and the programmes they completed), then searches with
three filters each, measured three ways: the search query alone (one page of 25 with its capped
count and details), the results page through Django (server time, as a national lead), and the
API call (which also records the search). Each is the median of ctx.repeats runs.

The rows are committed and the tables vacuumed and analysed before measuring, as autovacuum
leaves them in use; the measuring itself (the lead's account, recorded searches) runs in a
transaction that is rolled back, and the loaded rows are deleted afterwards. Run it against a
benchmark database no one is using.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from healthlead.core.benchmarks import BenchContext, Measurement, benchmark, median_of

MEMBERS = 50_000
TARGET_SECONDS = 0.2
DOMAINS = [(f"LF2011/{n}", f"Domain {n}") for n in range(1, 6)]
PROGRAMMES = [
    "Edward Jenner",
    "Mary Seacole",
    "Rosalind Franklin",
    "Elizabeth Garrett Anderson",
    "Nye Bevan",
]
GROUPS = [
    ("nurses", "nursing", 30),
    ("doctors", "medicine", 20),
    ("managers", "management", 15),
    ("senior_managers", "management", 10),
    ("scientific", "allied_health", 10),
    ("midwives", "midwifery", 5),
    ("central", "other", 5),
    ("ambulance", "ambulance", 5),
]
READINESS = [("ready_now", 25), ("one_to_two_years", 45), ("three_plus_years", 20), ("", 10)]
ROLES = [
    "Matron",
    "Consultant",
    "Deputy director of operations",
    "Head of nursing",
    "Clinical lead",
]


def _copy(table: str, columns: list[str], lines: list[str]) -> None:
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for start in range(0, len(lines), 20_000):
            copy.write("".join(lines[start : start + 20_000]))


def _next_id(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")  # noqa: S608
        return int(cursor.fetchone()[0])


def _weighted(rng: random.Random, options: list[tuple[Any, ...]]) -> tuple[Any, ...]:
    return rng.choices(options, weights=[o[-1] for o in options])[0]


def remove_pool(loaded: dict[str, Any]) -> None:
    """Delete what load_pool made."""
    first_entry, first_person = loaded["first_entry"], loaded["first_person"]
    with transaction.atomic(), connection.cursor() as cursor:
        for table in ("talent_poolentryscore", "talent_poolentryprogramme"):
            cursor.execute(f"DELETE FROM {table} WHERE entry_id >= %s", [first_entry])  # noqa: S608
        cursor.execute("DELETE FROM talent_poolentry WHERE id >= %s", [first_entry])
        cursor.execute(
            "DELETE FROM people_person WHERE id >= %s AND staff_number LIKE %s",
            [first_person, loaded["staff_prefix"] + "%"],
        )
        cursor.execute(
            "DELETE FROM people_organisation WHERE id = ANY(%s)", [loaded["organisations"]]
        )


def vacuum(tables: list[str]) -> None:
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"VACUUM ANALYZE {table}")


POOL_TABLES = [
    "people_person",
    "talent_poolentry",
    "talent_poolentryscore",
    "talent_poolentryprogramme",
]


def load_pool(members: int, seed: int) -> dict[str, Any]:
    """People in the pool, spread over the regions, with scores and programmes (COPY)."""
    from healthlead.core.actors import System
    from healthlead.people import actions as people_actions
    from healthlead.people.models import Organisation, Region

    rng = random.Random(seed)  # noqa: S311 (benchmark data)
    regions = list(Region.objects.filter(region_set__code=settings.HEALTHLEAD_REGION_SET))
    if not regions:
        people_actions.load_regions(by=System("bench"))
        regions = list(Region.objects.filter(region_set__code=settings.HEALTHLEAD_REGION_SET))
    tag = f"{rng.randrange(10**4):04d}"
    organisations = Organisation.objects.bulk_create(
        Organisation(code=f"TP{tag}{n}", name=f"POOL BENCH {n} NHS TRUST", kind="trust", region=r)
        for n, r in enumerate(regions)
    )
    now = timezone.now().isoformat()
    person_id = _next_id("people_person")
    entry_id = _next_id("talent_poolentry")
    people, entries, scores, programmes = [], [], [], []
    for n in range(members):
        pid, eid = person_id + n, entry_id + n
        organisation = organisations[n % len(organisations)]
        group, profession, _ = _weighted(rng, GROUPS)
        readiness = _weighted(rng, READINESS)[0]
        role = rng.choice(ROLES)
        mask = sum(1 << b for b in range(8) if rng.random() < 0.2)
        box = rng.randint(1, 9) if rng.random() < 0.5 else None
        last = f"Member{n:05d}"
        people.append(
            f"{pid}\tTPB{tag}{n:07d}\tPool\t{last}\t\t{organisation.pk}\t{group}\t{role}\tband_8a\t"
            f"senior\t\\N\t\t2015-04-01\tactive\t\\N\t{now}\t{now}\n"
        )
        entries.append(
            f"{eid}\t{pid}\tPool {last}\t{last.lower()} pool\t{organisation.region_id}\t{group}\t"
            f"{profession}\t{organisation.pk}\t{organisation.name}\t{role}\t{role.lower()}\tband_8a\t"
            f"\t{readiness}\t{mask}\t{box if box else chr(92) + 'N'}\t\t\\N\t{now}\n"
        )
        if rng.random() < 0.7:
            for key, name in DOMAINS:
                score = min(5.0, max(1.0, rng.gauss(3.9, 0.45)))
                scores.append(f"{eid}\t{key}\t{name}\t{score:.3f}\n")
        for programme in PROGRAMMES:
            if rng.random() < 0.25:
                completed = dt.date(2020 + rng.randrange(6), 6, 1)
                programmes.append(f"{eid}\t{programme.lower()}\t{programme}\t{completed}\n")
    _copy(
        "people_person",
        [
            "id", "staff_number", "first_name", "last_name", "work_email", "organisation_id",
            "staff_group", "occupation", "grade", "career_stage", "line_manager_id",
            "manager_path", "start_date", "status", "left_on", "created_at", "updated_at",
        ],
        people,
    )  # fmt: skip
    _copy(
        "talent_poolentry",
        [
            "id", "person_id", "full_name", "sort_name", "region_id", "staff_group", "profession",
            "organisation_id", "organisation_name", "role_title", "role_title_lower", "grade",
            "email", "readiness", "aspirations_mask", "box", "statement", "scores_from",
            "refreshed_at",
        ],
        entries,
    )  # fmt: skip
    _copy("talent_poolentryscore", ["entry_id", "domain_key", "domain_name", "score"], scores)
    _copy(
        "talent_poolentryprogramme",
        ["entry_id", "programme_key", "programme_name", "completed_on"],
        programmes,
    )
    with connection.cursor() as cursor:
        for table in ("people_person", "talent_poolentry"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"(SELECT MAX(id) FROM {table}))"
            )
    return {
        "region": regions[0],
        "scores": len(scores),
        "programmes": len(programmes),
        "first_entry": entry_id,
        "first_person": person_id,
        "staff_prefix": f"TPB{tag}",
        "organisations": [o.pk for o in organisations],
    }


def _timed(run: Callable[[], Any]) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


@benchmark(
    "talent_pool_search_50k",
    target="under 200 ms server time: 50,000 pool members, three filters",
    needs_postgres=True,
)
def talent_pool_search_50k(ctx: BenchContext) -> list[Measurement]:
    members = MEMBERS if ctx.scale != "tiny" else 5_000
    with transaction.atomic():
        loaded = load_pool(members, ctx.seed)
    vacuum(POOL_TABLES)
    ctx.log(f"Loaded {members:,} pool members, {loaded['scores']:,} scores.")
    try:
        return _measure(ctx, loaded, members)
    finally:
        remove_pool(loaded)
        vacuum(POOL_TABLES)


def _measure(ctx: BenchContext, loaded: dict[str, Any], members: int) -> list[Measurement]:
    from healthlead.accounts.models import Role
    from healthlead.accounts.scope import build_scope
    from healthlead.accounts.tests.factories import UserFactory
    from healthlead.talent import actions, queries

    measurements: list[Measurement] = []
    with transaction.atomic():
        region = loaded["region"]
        lead: Any = UserFactory(
            email=f"pool.bench.{ctx.seed}@nhs.example", roles=[(Role.NATIONAL_LEAD, None)]
        )
        scope = build_scope(lead)
        searches = {
            "region + staff group + readiness": actions.PoolFilters(
                region=region.code, staff_group="nurses", readiness="ready_now"
            ),
            "readiness + aspiration + 360 domain score at least 4.2": actions.PoolFilters(
                readiness="one_to_two_years", aspiration="director_of_nursing", domain="LF2011/3",
                min_score=4.2,
            ),
            "profession + programme completed + readiness": actions.PoolFilters(
                profession="medicine", programme="Nye Bevan", readiness="ready_now"
            ),
        }  # fmt: skip

        def query(filters: actions.PoolFilters) -> None:
            matches = queries.search_pool(scope, filters)
            page = list(matches[:26])
            matches.order_by()[:10_001].count()
            queries.with_details(page[:25])

        client = Client(REMOTE_ADDR="127.0.0.1")
        with override_settings(AXES_ENABLED=False, TWO_FACTOR_REQUIRED=False):
            client.force_login(lead)
            for label, filters in searches.items():
                count = queries.count_matches(scope, filters)
                query(filters)  # warm the plan cache

                def run(f: actions.PoolFilters = filters) -> None:
                    query(f)

                seconds = median_of(ctx.repeats, lambda: _timed(run))
                search = actions.record_search(
                    by=lead, reason="Benchmark", filters=filters, result_count=count
                )
                url = reverse("talent:show_pool_search", args=[search.pk])

                def page(url: str = url) -> None:
                    response = client.get(url)
                    assert response.status_code == 200, response.status_code

                page()
                page_seconds = median_of(ctx.repeats, lambda: _timed(page))
                params = {"reason": "Benchmark", **filters.as_dict()}

                def api(params: dict[str, Any] = params) -> None:
                    response = client.get("/api/v1/talent/pool/search/", params)
                    assert response.status_code == 200, response.content[:300]

                api()
                api_seconds = median_of(ctx.repeats, lambda: _timed(api))
                for what, value in (
                    ("search query", seconds),
                    ("results page", page_seconds),
                    ("API", api_seconds),
                ):
                    measurements.append(
                        Measurement(
                            f"pool search, {members:,} members, {label}: {what} (median)",
                            value * 1000,
                            "ms",
                            target="under 200 ms",
                            target_value=TARGET_SECONDS * 1000,
                            extra={"matches": count},
                        )
                    )
        transaction.set_rollback(True)
    return measurements
