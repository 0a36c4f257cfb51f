"""Programme pages and API lists run the same number of queries with ten times the data."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from healthlead.programmes import actions, selection_actions
from healthlead.programmes.models import Application
from healthlead.programmes.tests.helpers import (
    SYSTEM,
    apply,
    complete,
    load_curriculum,
    open_intake,
    score_all,
)
from tests.conftest import World, build_world, make_person

SMALL = 3


@pytest.fixture
def world(db: Any) -> World:
    built = build_world()
    load_curriculum()
    complete(built.staff_person, "Edward Jenner")
    return built


def scenario(world: World, applicants: int) -> dict[tuple[str, str], str]:
    """An allocated intake with `applicants` applicants besides the staff member."""
    intake = open_intake("mary-seacole", places=max(1, applicants // 2), region=world.region)
    actions.add_panel_member(intake=intake, user=world.user("mentor"), by=SYSTEM)
    actions.add_panel_member(intake=intake, user=world.user("patient_partner"), by=SYSTEM)
    mine = apply(intake, world.staff_person, by=world.user("staff"))
    for i in range(applicants):
        person = make_person(world.trust_a, line_manager=world.manager, last_name=f"Grow{i:03d}")
        complete(person, "Edward Jenner")
        apply(intake, person, endorse=i % 2 == 0)
    selection_actions.close_applications(intake=intake, by=SYSTEM)
    score_all(intake)
    selection_actions.allocate_places(intake=intake, by=SYSTEM)
    scored = Application.objects.filter(
        intake=intake, state__in=["offered", "waiting_list"]
    ).first()
    assert scored is not None
    return {
        ("programmes", "anonymous"): "/programmes/",
        ("programme", "staff"): "/programmes/mary-seacole/",
        ("gate check", "staff"): "/programmes/mary-seacole/check/",
        ("intakes", "national_lead"): "/intakes/",
        ("intake", "regional_lead"): f"/intakes/{intake.pk}/",
        ("intake applications", "national_lead"): f"/intakes/{intake.pk}/applications/",
        ("ranking", "regional_lead"): f"/intakes/{intake.pk}/ranking/",
        ("intake report", "national_lead"): f"/intakes/{intake.pk}/report/",
        ("national report", "national_lead"): "/programmes/fairness/",
        ("your applications", "staff"): "/applications/",
        ("application", "staff"): f"/applications/{mine.pk}/",
        ("application", "regional_lead"): f"/applications/{scored.pk}/",
        ("endorsements", "line_manager"): "/endorsements/",
        ("scoring list", "mentor"): f"/intakes/{intake.pk}/scoring/",
        ("score page", "mentor"): f"/scoring/{scored.pk}/",
        ("moderation", "regional_lead"): f"/intakes/{intake.pk}/moderation/",
        ("API programmes", "staff"): "/api/v1/programmes/",
        ("API intakes", "staff"): "/api/v1/intakes/",
        ("API applications", "staff"): "/api/v1/applications/",
    }


def _count(world: World, actor: str, url: str, clients: dict[str, Client]) -> int:
    """Queries of a second load (the first does per-session work), one signed-in client each."""
    if actor not in clients:
        clients[actor] = Client()
        if actor != "anonymous":
            clients[actor].force_login(world.user(actor))  # no second factor here
    client = clients[actor]
    assert client.get(url).status_code == 200, url
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def test_programme_pages_query_counts_do_not_grow_with_the_data(world):
    clients: dict[str, Client] = {}
    small = {k: _count(world, k[1], url, clients) for k, url in scenario(world, SMALL).items()}
    large = {k: _count(world, k[1], url, clients) for k, url in scenario(world, SMALL * 10).items()}
    grew = {key: (small[key], large[key]) for key in small if large[key] != small[key]}
    assert not grew, f"query counts grew (small, large): {grew}"
