"""Every talent, pool and succession page runs the same number of queries with ten times the data.

Each case loads its page once (per-session work), counts the queries of a second load, adds nine
times as much of everything the page lists, and counts again: the answer must show the new data
and the count must not move.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from healthlead.accounts.models import User
from healthlead.appraisal import actions as appraisal_actions
from healthlead.appraisal.tests.helpers import (
    SYSTEM,
    Team,
    make_team,
    national_lead,
    regional_lead,
    signed_in,
)
from healthlead.people.models import Grade
from healthlead.people.tests.factories import PersonFactory
from healthlead.talent import actions
from healthlead.talent.models import PoolSearch, Shortlist, SuccessionPlan, TalentConversation

pytestmark = pytest.mark.django_db

EVERYTHING = {
    "share_role": True,
    "share_contact": True,
    "share_readiness": True,
    "share_grid": True,
    "share_feedback_scores": True,
    "share_programmes": True,
}


@dataclass
class World:
    team: Team
    regional: User
    national: User
    conversation: TalentConversation
    search: PoolSearch
    shortlist: Shortlist
    plan: SuccessionPlan
    grown: int = 0

    def user(self, actor: str) -> User:
        return {
            "person": self.team.report_user,
            "line_manager": self.team.manager_user,
            "organisation_lead": self.team.organisation_lead,
            "regional_lead": self.regional,
            "national_lead": self.national,
        }[actor]


def build() -> World:
    team = make_team()
    conversation = actions.start_conversation(
        person=team.report,
        by=team.manager_user,
        held_on=timezone.localdate(),
        aspirations=["director_of_nursing"],
        readiness="ready_now",
        performance=3,
        potential=3,
    )
    actions.join_pool(
        person=team.report,
        by=team.report_user,
        consent=True,
        profession="nursing",
        sharing=EVERYTHING,
    )
    national = national_lead()
    search = actions.record_search(
        by=national, reason="Board search", filters=actions.PoolFilters(), result_count=1
    )
    shortlist = actions.create_shortlist(appointment="Chief nurse", by=national)
    plan = actions.create_succession_plan(
        organisation=team.organisation,
        role_title="Chief nurse",
        role_kind="executive_director",
        by=team.organisation_lead,
    )
    return World(
        team=team,
        regional=regional_lead(team.region),
        national=national,
        conversation=conversation,
        search=search,
        shortlist=shortlist,
        plan=plan,
    )


def grow(world: World, n: int) -> None:
    """n more of everything the pages list: people on the grid and in the pool, shortlisted and
    named as successors, key roles, views of the person's profile, calibrations of them and
    programmes they completed."""
    team = world.team
    today = timezone.localdate()
    for i in range(world.grown, world.grown + n):
        person = PersonFactory(
            organisation=team.organisation,
            line_manager=team.manager,
            grade=Grade.BAND_8A,
            last_name=f"Grower{i:03d}",
        )
        actions.start_conversation(
            person=person,
            by=SYSTEM,
            held_on=today,
            aspirations=["chief_executive", "medical_director"],
            readiness=["ready_now", "one_to_two_years", "three_plus_years"][i % 3],
            performance=i % 3 + 1,
            potential=(i // 3) % 3 + 1,
        )
        actions.join_pool(
            person=person, by=SYSTEM, consent=True, profession="nursing", sharing=EVERYTHING
        )
        actions.add_to_shortlist(
            shortlist=world.shortlist, entry=person.pool_entry, by=world.national
        )
        actions.add_succession_candidate(
            plan=world.plan, person=person, readiness="one_to_two_years", by=SYSTEM
        )
        plan = actions.create_succession_plan(
            organisation=team.organisation,
            role_title=f"Clinical director {i:03d}",
            role_kind="clinical_director",
            by=SYSTEM,
        )
        actions.add_succession_candidate(plan=plan, person=person, readiness="ready_now", by=SYSTEM)
        actions.log_profile_view(
            person=team.report,
            by=world.national,
            reason=f"Viewing {i:03d}",
            viewer_role="National lead",
        )
        actions.calibrate(
            person=team.report,
            performance=i % 3 + 1,
            potential=3,
            reason=f"Calibrated {i:03d}",
            by=team.organisation_lead,
        )
        appraisal_actions.record_completion_evidence(
            person=team.report,
            programme_name=f"Programme {i:03d}",
            completed_on=today - dt.timedelta(days=i + 1),
            by=SYSTEM,
        )
    world.grown += n


def _org(w: World) -> str:
    return w.team.organisation.code


def _region(w: World) -> str:
    return w.team.region.code


# (page, who looks at it): its URL in the world.
CASES: dict[tuple[str, str], Callable[[World], str]] = {
    ("talent home", "person"): lambda w: reverse("talent:show_talent_home"),
    ("talent home", "line_manager"): lambda w: reverse("talent:show_talent_home"),
    ("talent home", "organisation_lead"): lambda w: reverse("talent:show_talent_home"),
    ("talent home", "national_lead"): lambda w: reverse("talent:show_talent_home"),
    ("talent record", "person"): lambda w: reverse(
        "talent:show_talent_record", args=[w.team.report.pk]
    ),
    ("talent record", "organisation_lead"): lambda w: reverse(
        "talent:show_talent_record", args=[w.team.report.pk]
    ),
    ("talent conversation", "line_manager"): lambda w: reverse(
        "talent:show_talent_conversation", args=[w.conversation.pk]
    ),
    ("team grid", "line_manager"): lambda w: reverse("talent:show_team_grid"),
    ("team grid box", "line_manager"): lambda w: reverse("talent:show_team_grid") + "?box=5",
    ("organisation talent", "organisation_lead"): lambda w: reverse(
        "talent:show_organisation_talent", args=[_org(w)]
    ),
    ("organisation grid", "organisation_lead"): lambda w: reverse(
        "talent:show_organisation_grid", args=[_org(w)]
    ),
    ("region talent", "regional_lead"): lambda w: reverse(
        "talent:show_region_talent", args=[_region(w)]
    ),
    ("region grid", "regional_lead"): lambda w: reverse(
        "talent:show_region_grid", args=[_region(w)]
    ),
    ("pool membership", "person"): lambda w: reverse("talent:show_pool_membership"),
    ("pool profile views", "person"): lambda w: reverse("talent:list_pool_profile_views"),
    ("pool search results", "national_lead"): lambda w: reverse(
        "talent:show_pool_search", args=[w.search.pk]
    ),
    ("pool profile", "national_lead"): lambda w: (
        reverse("talent:show_pool_profile", args=[w.team.report.pk]) + "?reason=Board+search"
    ),
    ("shortlists", "national_lead"): lambda w: reverse("talent:list_shortlists"),
    ("shortlist", "national_lead"): lambda w: reverse(
        "talent:show_shortlist", args=[w.shortlist.pk]
    ),
    ("succession plans", "organisation_lead"): lambda w: reverse(
        "talent:list_succession_plans", args=[_org(w)]
    ),
    ("succession plans", "regional_lead"): lambda w: reverse(
        "talent:list_succession_plans", args=[_org(w)]
    ),
    ("succession plan", "organisation_lead"): lambda w: reverse(
        "talent:show_succession_plan", args=[w.plan.pk]
    ),
    ("API pool search", "national_lead"): lambda w: (
        "/api/v1/talent/pool/search/?reason=Board+search&staff_group=nurses"
    ),
}

# Pages whose answer does not list what grow() adds (their count is still checked).
UNCHANGED = {
    ("talent home", "person"),
    ("talent home", "organisation_lead"),
    ("talent home", "national_lead"),
    ("talent conversation", "line_manager"),
    ("shortlists", "national_lead"),
}


def _count(client: Client, url: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as ran:
        response = client.get(url)
    assert response.status_code == 200, f"{url}: {response.status_code}"
    return len(ran), html.unescape(response.content.decode())


@pytest.mark.parametrize(("page", "actor"), list(CASES), ids=[" as ".join(c) for c in CASES])
def test_talent_pages_run_the_same_queries_with_ten_times_the_data(page: str, actor: str) -> None:
    world = build()
    grow(world, 2)
    url = CASES[(page, actor)](world)
    client: Any = signed_in(world.user(actor))
    client.get(url)
    small, small_page = _count(client, url)
    grow(world, 18)
    large, large_page = _count(client, url)
    if (page, actor) not in UNCHANGED:
        assert large_page != small_page, "the larger data did not show"
    assert small == large, f"{page} as {actor}: {small} queries with less data, {large} with 10x"
