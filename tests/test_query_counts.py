"""List and detail pages and API lists run the same number of queries at 1x and 10x the data.

Each case signs in, loads the page once (so per-session work is done), counts the queries
of a second load, adds nine times as much data again, and counts once more.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from healthlead.core.actors import System
from healthlead.people import actions as people_actions
from healthlead.people.models import Grade, Organisation, StaffGroup
from tests.conftest import World, make_person, sign_in, token_headers

SMALL = 12  # staff added to the world for the first count; ten times as many for the second
GROUPS = list(StaffGroup)
GRADES = [Grade.BAND_3, Grade.BAND_5, Grade.BAND_6, Grade.BAND_7, Grade.FY1, Grade.CONSULTANT]


def grow(world: World, staff: int) -> None:
    """Add staff (in the line manager's team, mixed groups and grades) and organisations."""
    for i in range(staff):
        make_person(
            world.trust_a,
            line_manager=world.manager if i % 3 else world.target,
            staff_group=GROUPS[i % len(GROUPS)],
            grade=GRADES[i % len(GRADES)],
            last_name=f"Grower{i:04d}",
        )
    start = Organisation.objects.count()
    for i in range(max(1, staff // 4)):
        people_actions.create_organisation(
            code=f"Q{start + i:05d}",
            name=f"GROWTH {start + i} NHS TRUST",
            kind=Organisation.Kind.TRUST,
            region=world.region,
            by=System("tests"),
        )


# (page, who looks at it): URL from the world.
CASES: dict[tuple[str, str], Callable[[World], str]] = {
    ("people directory", "national_lead"): lambda w: "/people/",
    ("people directory", "organisation_lead"): lambda w: "/people/",
    ("people directory", "line_manager"): lambda w: "/people/",
    ("people directory search", "regional_lead"): lambda w: "/people/?q=Grower&grade=band_5",
    ("person page with reports", "national_lead"): lambda w: f"/people/{w.manager.pk}/",
    ("person page with reports", "line_manager"): lambda w: f"/people/{w.target.pk}/",
    ("organisations", "national_lead"): lambda w: "/organisations/",
    ("organisations", "regional_lead"): lambda w: "/organisations/",
    ("organisation page", "organisation_lead"): lambda w: f"/organisations/{w.trust_a.code}/",
    ("API people", "national_lead"): lambda w: "/api/v1/people/?limit=100",
    ("API people", "token"): lambda w: "/api/v1/people/?limit=100&staff_group=nurses",
    ("API person", "organisation_lead"): lambda w: f"/api/v1/people/{w.manager.pk}/",
    ("API organisations", "national_lead"): lambda w: "/api/v1/organisations/?limit=100",
    ("API organisations", "token"): lambda w: "/api/v1/organisations/?kind=trust",
    ("API organisation", "regional_lead"): lambda w: f"/api/v1/organisations/{w.trust_a.code}/",
}


def _client(world: World, actor: str) -> tuple[Client, dict[str, str]]:
    client = Client()
    if actor in world.tokens:
        return client, token_headers(world, actor)
    sign_in(client, world.user(actor))
    return client, {}


def _count(client: Client, url: str, headers: dict[str, str]) -> tuple[int, Any]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, headers=headers)
    assert response.status_code == 200, f"{url}: {response.status_code}"
    return len(queries), response


@pytest.mark.parametrize(("page", "actor"), list(CASES), ids=[" as ".join(c) for c in CASES])
def test_query_count_does_not_grow_with_the_data(world, page, actor):
    url = CASES[(page, actor)](world)
    client, headers = _client(world, actor)
    grow(world, SMALL)
    client.get(url, headers=headers)  # first load: session and per-user set-up
    small, small_response = _count(client, url, headers)
    grow(world, SMALL * 9)
    large, large_response = _count(client, url, headers)
    if page != "API person":  # the one case whose answer does not change as staff are added
        assert large_response.content != small_response.content, "the larger data did not show"
    assert small == large, f"{page} as {actor}: {small} queries with less data, {large} with 10x"
