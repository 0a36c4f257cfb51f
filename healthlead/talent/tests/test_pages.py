"""Talent pages not exercised elsewhere: the talent home for each kind of user, the pool
membership pages, and changing or removing succession candidates."""

from __future__ import annotations

import html

import pytest
from django.urls import reverse

from healthlead.appraisal.tests.helpers import make_team, national_lead, regional_lead
from healthlead.talent import actions
from healthlead.talent.models import SuccessionCandidate, TalentProfile

pytestmark = pytest.mark.django_db


def text(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(response.content.decode())


def test_the_talent_home_offers_each_user_what_they_may_do():
    team = make_team()
    staff = text(team.client(team.report_user).get(reverse("talent:show_talent_home")))
    assert "Join the national talent pool" in staff
    assert "Search the talent pool" not in staff
    manager = text(team.client(team.manager_user).get(reverse("talent:show_talent_home")))
    assert "Your team's talent grid" in manager
    lead = text(team.client(team.organisation_lead).get(reverse("talent:show_talent_home")))
    assert f"{team.organisation.display_name}: talent and succession" in lead
    regional = text(team.client(regional_lead(team.region)).get(reverse("talent:show_talent_home")))
    assert f"{team.region.name}: talent and succession" in regional
    assert "Search the talent pool" in regional
    national = text(team.client(national_lead()).get(reverse("talent:show_talent_home")))
    assert "Your shortlists" in national


def test_a_member_changes_what_they_share_and_sees_their_views_page():
    team = make_team()
    client = team.client(team.report_user)
    assert client.get(reverse("talent:change_pool_sharing")).status_code == 302  # not a member
    actions.join_pool(person=team.report, by=team.report_user, consent=True, profession="nursing")
    assert client.get(reverse("talent:join_talent_pool")).status_code == 302  # already in
    response = client.post(
        reverse("talent:change_pool_sharing"),
        {"profession": "midwifery", "statement": "Ready to lead", "sharing": ["share_contact"]},
    )
    assert response.status_code == 302
    profile = TalentProfile.objects.get()
    assert (profile.profession, profile.share_contact, profile.share_role) == (
        "midwifery",
        True,
        False,
    )
    page = text(client.get(reverse("talent:show_pool_membership")))
    assert "Your work email address" in page
    assert "Ready to lead" in page
    assert "No one has viewed your profile." in text(
        client.get(reverse("talent:list_pool_profile_views"))
    )
    assert "Leave the talent pool" in text(client.get(reverse("talent:withdraw_from_talent_pool")))


def test_a_candidate_is_taken_off_a_plan_and_the_gap_shows_again():
    team = make_team()
    lead = team.organisation_lead
    plan = actions.create_succession_plan(
        organisation=team.organisation,
        role_title="Chief nurse",
        role_kind="executive_director",
        by=lead,
    )
    candidate = actions.add_succession_candidate(
        plan=plan, person=team.report, readiness="ready_now", by=lead
    )
    plan.refresh_from_db()
    assert not plan.has_gap
    response = team.client(lead).post(
        reverse("talent:edit_succession_candidate", args=[candidate.pk]),
        {"readiness": "ready_now", "notes": "", "remove": "on"},
    )
    assert response.status_code == 302
    assert not SuccessionCandidate.objects.exists()
    plan.refresh_from_db()
    assert plan.has_gap
    page = text(
        team.client(lead).get(
            reverse("talent:list_succession_plans", args=[team.organisation.code])
        )
    )
    assert "No successor ready now" in page
