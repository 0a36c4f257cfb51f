"""JSON API for 360 cycles: start, invite, launch, status; and bad input gets a clear 4xx."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client

from healthlead.accounts import actions as account_actions
from healthlead.feedback.models import FeedbackCycle, Invitation
from healthlead.feedback.tests.factories import (
    draft_cycle,
    in_days,
    launched_cycle,
    respond,
    small_framework,
    staff_user,
)
from healthlead.people.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db

BASE = "/api/v1/feedback/cycles/"


def api_client(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def post(client: Client, url: str, body: dict) -> object:
    return client.post(url, body, content_type="application/json")


def test_start_invite_launch_and_read_status(django_capture_on_commit_callbacks):
    version = small_framework()
    user = staff_user()
    client = api_client(user)
    started = post(
        client,
        BASE,
        {"framework_version_id": version.pk, "deadline": in_days(10).isoformat()},
    )
    assert started.status_code == 201, started.content
    body = started.json()
    assert body["state"] == "draft"
    assert body["subject"]["id"] == user.person_id
    assert {g["status"] for g in body["groups"]} == {"not_launched"}
    cycle_id = body["id"]
    invited = post(
        client,
        f"{BASE}{cycle_id}/invitations/",
        {
            "group": "peers",
            "raters": [{"email": "a@nhs.example"}, {"email": "b@nhs.example", "name": "Bo"}],
        },
    )
    assert invited.status_code == 201, invited.content
    assert invited.json()["invited"] == 2
    assert "a@nhs.example" in invited.json()["warnings"][0]
    with django_capture_on_commit_callbacks(execute=True):
        launched = post(client, f"{BASE}{cycle_id}/launch/", {})
    assert launched.status_code == 200
    assert launched.json()["state"] == "open"
    assert len(mail.outbox) == 2
    status = client.get(f"{BASE}{cycle_id}/").json()
    groups = {g["group"]: g["status"] for g in status["groups"]}
    assert groups == {
        "line_manager": "nobody_invited",
        "peers": "not_yet_reached",
        "direct_reports": "nobody_invited",
        "other_colleagues": "nobody_invited",
        "patients_carers": "nobody_invited",
        "all_others": "not_yet_reached",
    }
    assert status["self_sent"] is False


def test_status_never_carries_counts_or_names(django_capture_on_commit_callbacks):
    cycle, tokens = launched_cycle(django_capture_on_commit_callbacks, peers=3)
    for token in tokens.values():
        respond(token)
    body = api_client(cycle.started_by).get(f"{BASE}{cycle.pk}/").json()
    text = str(body)
    assert "peer1" not in text
    assert "manager@" not in text
    assert set(body) == {
        "id",
        "subject",
        "framework",
        "framework_version_id",
        "questionnaire_id",
        "state",
        "deadline",
        "facilitator",
        "groups",
        "self_sent",
    }
    assert {g["group"]: g["status"] for g in body["groups"]}["peers"] == "minimum_reached"


def test_a_deadline_in_the_past_is_a_clear_400():
    version = small_framework()
    response = post(
        api_client(staff_user()),
        BASE,
        {"framework_version_id": version.pk, "deadline": in_days(-2).isoformat()},
    )
    assert response.status_code == 400
    assert "deadline must be in the future" in response.json()["detail"]
    assert not FeedbackCycle.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {"framework_version_id": "x", "deadline": "2030-01-01"},
        {"framework_version_id": 1, "deadline": "not a date"},
        {"framework_version_id": 0, "deadline": "2030-01-01"},
        {"deadline": "2030-01-01"},
        {"framework_version_id": 2**70, "deadline": "2030-01-01"},
    ],
)
def test_malformed_start_requests_are_refused_with_4xx(body):
    small_framework()
    response = post(api_client(staff_user()), BASE, body)
    assert 400 <= response.status_code < 500
    assert response.json()["detail"]


def test_invite_errors_name_each_problem_and_invite_nobody():
    cycle = draft_cycle()
    response = post(
        api_client(cycle.started_by),
        f"{BASE}{cycle.pk}/invitations/",
        {"group": "peers", "raters": [{"email": "ok@nhs.example"}, {"email": "nope"}]},
    )
    assert response.status_code == 400
    body = response.json()
    assert body["detail"].startswith("Nobody was invited")
    assert body["errors"][0]["message"] == "Person 2: nope is not an email address."
    assert cycle.invitations.exclude(channel=Invitation.Channel.SELF).count() == 0


def test_an_unknown_group_and_too_many_raters_are_refused():
    cycle = draft_cycle()
    client = api_client(cycle.started_by)
    unknown = post(
        client,
        f"{BASE}{cycle.pk}/invitations/",
        {"group": "friends", "raters": [{"email": "a@b.c"}]},
    )
    assert unknown.status_code == 400
    assert "friends is not a rater group" in unknown.json()["detail"]
    many = post(
        client,
        f"{BASE}{cycle.pk}/invitations/",
        {"group": "peers", "raters": [{"email": f"p{n}@nhs.example"} for n in range(51)]},
    )
    assert 400 <= many.status_code < 500


def test_launching_a_cycle_with_no_raters_is_a_clear_400():
    cycle = draft_cycle()
    response = post(api_client(cycle.started_by), f"{BASE}{cycle.pk}/launch/", {})
    assert response.status_code == 400
    assert "A cycle with no raters cannot be launched" in response.json()["detail"]


def test_another_persons_cycle_looks_like_it_does_not_exist():
    cycle = draft_cycle()
    client = api_client(staff_user())
    assert client.get(f"{BASE}{cycle.pk}/").status_code == 404
    assert client.get(f"{BASE}999999/").status_code == 404
    assert post(client, f"{BASE}{cycle.pk}/launch/", {}).status_code == 404


def test_a_line_manager_starts_a_cycle_for_their_report_but_not_for_a_stranger():
    version = small_framework()
    manager = staff_user()
    report = PersonFactory(line_manager=manager.person)
    client = api_client(manager)
    ok = post(
        client,
        BASE,
        {
            "subject_id": report.pk,
            "framework_version_id": version.pk,
            "deadline": in_days(9).isoformat(),
        },
    )
    assert ok.status_code == 201
    refused = post(
        client,
        BASE,
        {
            "subject_id": PersonFactory().pk,
            "framework_version_id": version.pk,
            "deadline": in_days(9).isoformat(),
        },
    )
    assert refused.status_code == 403


def test_anonymous_callers_and_organisation_tokens_are_refused():
    cycle = draft_cycle()
    assert Client().get(f"{BASE}{cycle.pk}/").status_code == 401
    _, secret = account_actions.create_api_token(
        organisation=cycle.subject.organisation,
        name="test",
        scopes=["people:read"],
        by=cycle.started_by,
    )
    response = Client().get(f"{BASE}{cycle.pk}/", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 403
    assert "API tokens cannot" in response.json()["detail"]
