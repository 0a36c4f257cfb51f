"""The JSON API for your own development plan and appraisals."""

from __future__ import annotations

import pytest

from healthlead.accounts import actions as account_actions
from healthlead.appraisal import actions, queries
from healthlead.appraisal.tests.helpers import make_team

pytestmark = pytest.mark.django_db


def test_your_own_plan_with_actions_and_the_managers_agreement():
    team = make_team()
    goal = actions.create_goal(person=team.report, title="Lead huddles", by=team.report_user)
    actions.add_goal_action(
        goal=goal,
        kind="programme",
        title="Do it",
        programme_name="Mary Seacole",
        by=team.report_user,
    )
    actions.review_plan(person=team.report, kind="agreed", text="", by=team.manager_user)
    body = team.client(team.report_user).get("/api/v1/appraisal/plan/").json()
    assert body["person_id"] == team.report.pk
    assert body["goals"][0]["title"] == "Lead huddles"
    assert body["goals"][0]["actions"][0]["programme_name"] == "Mary Seacole"
    assert body["agreed_at"] is not None
    assert body["reviews"][0]["by"] == "Priya Iqbal"
    # Someone else's plan is never in their answer.
    other = team.client(team.peer_user).get("/api/v1/appraisal/plan/").json()
    assert other["goals"] == []


def test_your_own_appraisals_only():
    team = make_team()
    actions.start_appraisal(
        appraisee=team.report, year=queries.current_year(), by=team.manager_user
    )
    mine = team.client(team.report_user).get("/api/v1/appraisal/appraisals/").json()
    assert [(a["appraiser"], a["state"]) for a in mine] == [("Priya Iqbal", "in_progress")]
    assert team.client(team.manager_user).get("/api/v1/appraisal/appraisals/").json() == []


def test_organisation_tokens_cannot_read_a_persons_plan_or_appraisals(client):
    team = make_team()
    _, secret = account_actions.create_api_token(
        organisation=team.organisation,
        name="HR system",
        scopes=["people:read"],
        by=team.organisation_lead,
    )
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/appraisal/plan/", headers=headers).status_code == 403
    assert client.get("/api/v1/appraisal/appraisals/", headers=headers).status_code == 403
    assert client.get("/api/v1/appraisal/plan/").status_code == 401
