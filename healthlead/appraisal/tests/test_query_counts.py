"""Development-plan and appraisal pages run the same number of queries with ten times the data.

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
from healthlead.appraisal import actions, queries
from healthlead.appraisal.models import Appraisal, Goal
from healthlead.appraisal.tests.helpers import SYSTEM, Team, make_team, signed_in
from healthlead.people.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


@dataclass
class World:
    team: Team
    goal: Goal
    appraisal: Appraisal
    grown: int = 0

    def user(self, actor: str) -> User:
        return {
            "person": self.team.report_user,
            "line_manager": self.team.manager_user,
            "organisation_lead": self.team.organisation_lead,
        }[actor]


def build() -> World:
    team = make_team()
    goal = actions.create_goal(person=team.report, title="Lead the falls project", by=SYSTEM)
    appraisal = actions.start_appraisal(
        appraisee=team.report, year=queries.current_year(), by=team.manager_user
    )
    return World(team=team, goal=goal, appraisal=appraisal)


def grow(world: World, n: int) -> None:
    """n more of everything the pages list: goals with actions and evidence, actions on the
    first goal, the manager's comments, programmes completed, and staff in the manager's team
    with appraisals started."""
    team = world.team
    today = timezone.localdate()
    year = queries.current_year()
    for i in range(world.grown, world.grown + n):
        goal = actions.create_goal(person=team.report, title=f"Goal {i:03d}", by=SYSTEM)
        action = actions.add_goal_action(
            goal=goal, kind="mentoring", title=f"Mentoring {i:03d}", by=SYSTEM
        )
        actions.add_evidence_note(action=action, note=f"Met my mentor {i:03d}", by=SYSTEM)
        done = actions.add_goal_action(
            goal=world.goal,
            kind="programme",
            title=f"Programme {i:03d}",
            programme_name=f"Programme {i:03d}",
            by=SYSTEM,
        )
        actions.add_evidence_note(action=done, note=f"Booked {i:03d}", by=SYSTEM)
        actions.record_completion_evidence(
            person=team.report,
            programme_name=f"Programme {i:03d}",
            completed_on=today - dt.timedelta(days=i + 1),
            by=SYSTEM,
        )
        actions.review_plan(
            person=team.report, kind="comment", text=f"Comment {i:03d}", by=team.manager_user
        )
        member = PersonFactory(
            organisation=team.organisation, line_manager=team.manager, last_name=f"Grower{i:03d}"
        )
        actions.start_appraisal(appraisee=member, year=year, by=team.manager_user)
        PersonFactory(
            organisation=team.organisation, line_manager=team.manager, last_name=f"Later{i:03d}"
        )
    world.grown += n


# (page, who looks at it): its URL in the world.
CASES: dict[tuple[str, str], Callable[[World], str]] = {
    ("development plan", "person"): lambda w: reverse("appraisal:list_goals"),
    ("goal", "person"): lambda w: reverse("appraisal:edit_goal", args=[w.goal.pk]),
    ("plan seen by the manager", "line_manager"): lambda w: reverse(
        "appraisal:show_development_plan", args=[w.team.report.pk]
    ),
    ("plan review", "line_manager"): lambda w: reverse(
        "appraisal:review_development_plan", args=[w.team.report.pk]
    ),
    ("appraisals", "line_manager"): lambda w: reverse("appraisal:list_appraisals"),
    ("appraisal", "person"): lambda w: reverse("appraisal:show_appraisal", args=[w.appraisal.pk]),
    ("appraisal", "line_manager"): lambda w: reverse(
        "appraisal:show_appraisal", args=[w.appraisal.pk]
    ),
    ("completion rates", "organisation_lead"): lambda w: reverse(
        "appraisal:show_appraisal_completion", args=[w.team.organisation.code]
    ),
    ("API plan", "person"): lambda w: "/api/v1/appraisal/plan/",
}


def _count(client: Client, url: str) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as ran:
        response = client.get(url)
    assert response.status_code == 200, f"{url}: {response.status_code}"
    return len(ran), html.unescape(response.content.decode())


@pytest.mark.parametrize(("page", "actor"), list(CASES), ids=[" as ".join(c) for c in CASES])
def test_appraisal_pages_run_the_same_queries_with_ten_times_the_data(
    page: str, actor: str
) -> None:
    world = build()
    grow(world, 2)
    url = CASES[(page, actor)](world)
    client: Any = signed_in(world.user(actor))
    client.get(url)
    small, small_page = _count(client, url)
    grow(world, 18)
    large, large_page = _count(client, url)
    assert large_page != small_page, "the larger data did not show"
    assert small == large, f"{page} as {actor}: {small} queries with less data, {large} with 10x"
