"""Succession plans for key roles, and roles with no ready-now successor flagged on the
organisation and regional dashboards."""

from __future__ import annotations

import html

import pytest
from django.urls import reverse

from healthlead.appraisal.tests.helpers import (
    make_team,
    national_lead,
    other_region,
    regional_lead,
)
from healthlead.people.tests.factories import OrganisationFactory
from healthlead.talent import actions
from healthlead.talent.models import SuccessionCandidate, SuccessionPlan

pytestmark = pytest.mark.django_db


def text(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(response.content.decode())


def test_an_organisation_lead_plans_a_key_role_and_names_candidates():
    team = make_team()
    client = team.client(team.organisation_lead)
    response = client.post(
        reverse("talent:new_succession_plan", args=[team.organisation.code]),
        {
            "role_title": "Chief nurse",
            "role_kind": "executive_director",
            "incumbent": team.manager.staff_number,
            "notes": "",
        },
    )
    assert response.status_code == 302
    plan = SuccessionPlan.objects.get()
    assert (plan.incumbent, plan.ready_now_count) == (team.manager, 0)
    url = reverse("talent:add_succession_candidate", args=[plan.pk])
    response = client.post(
        url,
        {"staff_number": team.report.staff_number, "readiness": "one_to_two_years", "notes": ""},
    )
    assert response.status_code == 302
    response = client.post(
        url, {"staff_number": team.report.staff_number, "readiness": "ready_now", "notes": ""}
    )
    assert "already a candidate" in text(response)
    candidate = SuccessionCandidate.objects.get()
    edit = reverse("talent:edit_succession_candidate", args=[candidate.pk])
    assert client.post(edit, {"readiness": "ready_now", "notes": "Acting up"}).status_code == 302
    plan.refresh_from_db()
    assert (plan.candidate_count, plan.ready_now_count) == (1, 1)


def test_roles_with_no_ready_now_successor_are_flagged_on_both_dashboards():
    team = make_team()
    lead = team.organisation_lead
    gap = actions.create_succession_plan(
        organisation=team.organisation,
        role_title="Medical director",
        role_kind="executive_director",
        by=lead,
    )
    covered = actions.create_succession_plan(
        organisation=team.organisation,
        role_title="Chief nurse",
        role_kind="executive_director",
        by=lead,
    )
    actions.add_succession_candidate(
        plan=covered, person=team.report, readiness="ready_now", by=lead
    )
    actions.add_succession_candidate(
        plan=gap, person=team.peer, readiness="three_plus_years", by=lead
    )
    organisation_page = text(
        team.client(lead).get(
            reverse("talent:show_organisation_talent", args=[team.organisation.code])
        )
    )
    flagged = organisation_page.split("Key roles with no successor ready now")[1].split("</ul>")[0]
    assert "Medical director" in flagged
    assert "Chief nurse" not in flagged
    region_page = text(
        team.client(regional_lead(team.region)).get(
            reverse("talent:show_region_talent", args=[team.region.code])
        )
    )
    assert "Medical director" in region_page
    assert "1 role" in region_page


def test_regional_leads_see_plans_but_only_organisation_and_national_leads_change_them():
    team = make_team()
    plan = actions.create_succession_plan(
        organisation=team.organisation,
        role_title="Chair",
        role_kind="board",
        by=team.organisation_lead,
    )
    regional = team.client(regional_lead(team.region))
    assert regional.get(reverse("talent:show_succession_plan", args=[plan.pk])).status_code == 200
    assert (
        regional.get(reverse("talent:add_succession_candidate", args=[plan.pk])).status_code == 403
    )
    assert (
        team.client(national_lead())
        .get(reverse("talent:add_succession_candidate", args=[plan.pk]))
        .status_code
        == 200
    )
    other = make_team(organisation=OrganisationFactory(region=other_region()))
    outsider = other.client(other.organisation_lead)
    assert outsider.get(reverse("talent:show_succession_plan", args=[plan.pk])).status_code == 403
    assert (
        outsider.get(
            reverse("talent:list_succession_plans", args=[team.organisation.code])
        ).status_code
        == 403
    )
    assert (
        team.client(team.manager_user)
        .get(reverse("talent:list_succession_plans", args=[team.organisation.code]))
        .status_code
        == 403
    )


def test_a_candidate_must_be_someone_the_lead_can_see():
    team = make_team()
    plan = actions.create_succession_plan(
        organisation=team.organisation,
        role_title="Chair",
        role_kind="board",
        by=team.organisation_lead,
    )
    other = make_team(organisation=OrganisationFactory())
    response = team.client(team.organisation_lead).post(
        reverse("talent:add_succession_candidate", args=[plan.pk]),
        {"staff_number": other.report.staff_number, "readiness": "ready_now"},
    )
    assert "No one you can see has that staff number" in text(response)
    assert not SuccessionCandidate.objects.exists()


def test_the_same_role_is_planned_once_per_organisation():
    team = make_team()
    actions.create_succession_plan(
        organisation=team.organisation,
        role_title="Chair",
        role_kind="board",
        by=team.organisation_lead,
    )
    with pytest.raises(actions.TalentError, match="already a succession plan"):
        actions.create_succession_plan(
            organisation=team.organisation,
            role_title="chair",
            role_kind="board",
            by=team.organisation_lead,
        )
