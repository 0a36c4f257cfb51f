"""Appraisal and talent in a real browser, with axe on every page on the way.

Niamh, a ward sister, starts her appraisal and prepares for it; Priya, her line manager and
appraiser, records it and asks for sign-off; both sign off and it locks. Niamh records a
talent conversation (performance comes from the appraisal) and joins the national talent pool.
The regional lead starts a shortlist for a named appointment, searches the pool with a reason,
opens Niamh's profile and adds her to the shortlist. Niamh then sees the view in her log.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from healthlead.accounts import actions as account_actions
from healthlead.accounts.models import Role
from healthlead.accounts.scope import build_scope
from healthlead.people import actions as people_actions
from healthlead.people.models import Grade, Organisation, Region
from tests.conftest import SYSTEM, make_person
from tests.functional.helpers import PASSWORD, assert_accessible, sign_in


def _account(email: str, person: Any, *, region: Region | None = None) -> Any:
    user = account_actions.create_user(email=email, password=PASSWORD, by=SYSTEM, person=person)
    if region is not None:
        account_actions.assign_role(user=user, role=Role.REGIONAL_LEAD, region=region, by=SYSTEM)
    if build_scope(user).is_privileged:
        device = account_actions.pending_totp_device(user=user)
        account_actions.confirm_totp_device(device=device, by=SYSTEM)
    return user


@pytest.fixture
def people() -> dict[str, Any]:
    """A trust in North East and Yorkshire: a ward manager, her ward sister, a regional lead."""
    people_actions.load_regions(by=SYSTEM)
    region = Region.objects.get(region_set__code="nhse-2020", code="Y63")
    trust = people_actions.create_organisation(
        code="RCD",
        name="HARROGATE AND DISTRICT NHS FOUNDATION TRUST",
        kind=Organisation.Kind.TRUST,
        region=region,
        by=SYSTEM,
    )
    manager = make_person(
        trust, first_name="Priya", last_name="Iqbal", occupation="Ward manager", grade=Grade.BAND_7
    )
    sister = make_person(
        trust,
        first_name="Niamh",
        last_name="Okafor",
        occupation="Ward sister",
        grade=Grade.BAND_6,
        line_manager=manager,
    )
    lead_person = make_person(trust, first_name="Grace", last_name="Hughes", grade=Grade.BAND_8D)
    return {
        "region": region,
        "manager": _account("priya.iqbal@nhs.example", manager),
        "sister": _account("niamh.okafor@nhs.example", sister),
        "lead": _account("grace.hughes@nhs.example", lead_person, region=region),
    }


def sign_out(page: Page) -> None:
    page.goto("/accounts/sign-out/")
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/accounts/sign-in/"))


def heading(page: Page, text: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(text)
    assert_accessible(page)


def test_appraisal_to_both_sign_offs_a_talent_conversation_and_a_pool_shortlist(
    page: Page, people: dict[str, Any]
) -> None:
    # Niamh starts her appraisal from the home page and prepares for it.
    sign_in(page, people["sister"])
    heading(page, "Niamh Okafor")
    page.get_by_role("link", name="Your appraisal").click()
    heading(page, "Appraisals")
    page.get_by_role("button", name="Start an appraisal").click()
    heading(page, "Start an appraisal")
    page.get_by_label("Mine (Niamh Okafor)").check()
    page.get_by_role("button", name="Start the appraisal").click()
    heading(page, "Niamh Okafor")
    expect(page.locator("main")).to_contain_text("Appraiser")
    expect(page.locator("main")).to_contain_text("Priya Iqbal")
    page.get_by_role("link", name="Prepare for your appraisal").click()
    heading(page, "Prepare for your appraisal")
    page.get_by_label("Your preparation and reflection").fill("A hard winter; the ward held up.")
    page.get_by_label("Objectives for the coming year").fill("Lead the falls project.")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("main")).to_contain_text("Appraisal saved.")
    assert_accessible(page)
    appraisal_url = page.url
    sign_out(page)

    # Priya, the appraiser, records the appraisal and asks for sign-off, then signs off.
    sign_in(page, people["manager"])
    page.goto("/appraisals/")
    heading(page, "Appraisals")
    page.get_by_role("link", name="Niamh Okafor").click()
    heading(page, "Niamh Okafor")
    expect(page.locator("main")).to_contain_text("A hard winter; the ward held up.")
    page.get_by_role("link", name="Record the appraisal").click()
    heading(page, "Record the appraisal")
    page.get_by_label("Summary of the discussion").fill("A strong year on the ward.")
    page.get_by_role("radio", name="Exceeding expectations").check()
    page.get_by_role("radio", name="High potential for a senior role").check()
    page.get_by_role("button", name="Save").click()
    expect(page.locator("main")).to_contain_text("Appraisal saved.")
    page.get_by_role("link", name="Ask for sign-off").click()
    heading(page, "Ask for sign-off")
    page.get_by_role("button", name="Ask for sign-off").click()
    expect(page.locator("main")).to_contain_text("Awaiting sign-off")
    page.get_by_role("link", name="Sign off the appraisal").click()
    heading(page, "Sign off the appraisal")
    page.get_by_role("button", name="Sign off").click()
    expect(page.locator("main")).to_contain_text("The appraisal is locked once you have both")
    assert_accessible(page)
    sign_out(page)

    # Niamh signs off too: the appraisal is locked.
    sign_in(page, people["sister"])
    page.goto(appraisal_url)
    page.get_by_role("link", name="Sign off the appraisal").click()
    heading(page, "Sign off the appraisal")
    page.get_by_role("button", name="Sign off").click()
    expect(page.locator("main")).to_contain_text("You have both signed off")
    expect(page.locator("main")).to_contain_text("The appraisal is locked")
    expect(page.get_by_role("link", name="Add an addendum")).to_be_visible()
    assert_accessible(page)

    # A talent conversation: performance comes from the signed-off appraisal.
    page.get_by_role("link", name="Talent", exact=True).click()
    heading(page, "Talent")
    page.get_by_role("link", name="Record a talent conversation with your line manager").click()
    heading(page, "Record a talent conversation")
    expect(page.locator("main")).to_contain_text("Performance comes from the appraisal")
    page.get_by_role("checkbox", name="Director of nursing").check()
    page.get_by_role("radio", name="Ready in 1 to 2 years").check()
    page.get_by_role("radio", name="High potential for a senior role").check()
    page.get_by_role("button", name="Record the conversation").click()
    heading(page, "Niamh Okafor")
    expect(page.locator("main")).to_contain_text("Ready now")  # the box: high and high
    expect(page.locator("main")).to_contain_text("Record the 6-month review")

    # Niamh joins the talent pool, sharing her role and readiness.
    page.goto("/talent-pool/you/")
    heading(page, "You and the talent pool")
    page.get_by_role("button", name="Join the talent pool").click()
    heading(page, "Join the national talent pool")
    page.get_by_role("checkbox", name="Your current role, grade and organisation").check()
    page.get_by_role("checkbox", name="Your readiness and the roles you aspire to").check()
    page.get_by_role("checkbox", name="I agree to join the national talent pool").check()
    page.get_by_role("button", name="Join the talent pool").click()
    heading(page, "You and the talent pool")
    expect(page.locator("main")).to_contain_text("No one has viewed your profile.")
    sign_out(page)

    # The regional lead starts a shortlist, searches with a reason and adds Niamh.
    sign_in(page, people["lead"])
    page.get_by_role("link", name="Talent", exact=True).click()
    heading(page, "Talent")
    page.get_by_role("link", name="North East and Yorkshire: talent and succession").click()
    heading(page, "North East and Yorkshire")
    page.goto("/talent/")
    page.get_by_role("link", name="Your shortlists").click()
    heading(page, "Your shortlists")
    page.get_by_role("button", name="Start a shortlist").click()
    heading(page, "Start a shortlist")
    page.get_by_label("The appointment").fill("Deputy chief nurse, Harrogate")
    page.get_by_role("button", name="Start the shortlist").click()
    heading(page, "Deputy chief nurse, Harrogate")
    shortlist_url = page.url
    page.get_by_role("link", name="Search the talent pool").click()
    heading(page, "Search the talent pool")
    page.get_by_label("Why are you searching?").fill("Shortlisting for deputy chief nurse")
    page.get_by_label("Readiness").select_option(label="Ready in 1 to 2 years")
    page.get_by_role("button", name="Search").click()
    heading(page, "Talent pool search results")
    page.get_by_role("link", name="Niamh Okafor").click()
    heading(page, "Niamh Okafor")
    expect(page.locator("main")).to_contain_text("Ward sister")
    expect(page.locator("main")).to_contain_text("Ready in 1 to 2 years")
    page.get_by_role("button", name="Add to the shortlist").click()
    heading(page, "Deputy chief nurse, Harrogate")
    assert page.url == shortlist_url
    expect(page.get_by_role("table", name="On the shortlist")).to_contain_text("Niamh Okafor")
    sign_out(page)

    # Niamh sees who looked at her profile, when and why.
    sign_in(page, people["sister"])
    page.goto("/talent-pool/you/")
    heading(page, "You and the talent pool")
    views = page.get_by_role("table", name="The latest views of your pool profile")
    expect(views).to_contain_text("Grace Hughes")
    expect(views).to_contain_text("Regional lead, North East and Yorkshire")
    expect(views).to_contain_text("From a search: Shortlisting for deputy chief nurse")
    page.get_by_role("link", name="Every view of your profile").click()
    heading(page, "Who viewed your profile")


def test_plan_grid_and_succession_pages_are_accessible(page: Page, people: dict[str, Any]) -> None:
    """The pages the journey above does not reach, with data on them, each checked with axe."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from healthlead.appraisal import actions as appraisal_actions
    from healthlead.talent import actions as talent_actions

    sister, manager = people["sister"], people["manager"]
    goal = appraisal_actions.create_goal(
        person=sister.person, title="Lead the falls project", by=sister
    )
    action = appraisal_actions.add_goal_action(
        goal=goal, kind="programme", title="Mary Seacole", programme_name="Mary Seacole", by=sister
    )
    appraisal_actions.add_evidence_file(
        action=action, upload=SimpleUploadedFile("notes.pdf", b"%PDF-1.4\n"), by=sister
    )
    talent_actions.start_conversation(
        person=sister.person,
        by=manager,
        held_on=timezone.localdate(),
        aspirations=["director_of_nursing"],
        readiness="one_to_two_years",
        performance=2,
        potential=3,
    )
    lead_user = _account("olu.adebayo@nhs.example", make_person(manager.person.organisation))
    account_actions.assign_role(
        user=lead_user,
        role=Role.ORGANISATION_LEAD,
        organisation=manager.person.organisation,
        by=SYSTEM,
    )
    device = account_actions.pending_totp_device(user=lead_user)
    account_actions.confirm_totp_device(device=device, by=SYSTEM)
    plan = talent_actions.create_succession_plan(
        organisation=manager.person.organisation,
        role_title="Chief nurse",
        role_kind="executive_director",
        by=lead_user,
    )

    sign_in(page, sister)
    for url, title in [
        ("/development-plan/", "Your development plan"),
        (f"/development-plan/goals/{goal.pk}/edit/", "Change a goal"),
        (f"/development-plan/goals/{goal.pk}/actions/new/", "Add an action"),
        (f"/development-plan/actions/{action.pk}/edit/", "Update an action"),
        (f"/development-plan/actions/{action.pk}/evidence/new/", "Add evidence"),
        (f"/talent/people/{sister.person.pk}/", "Niamh Okafor"),
    ]:
        page.goto(url)
        heading(page, title)
    sign_out(page)

    sign_in(page, manager)
    for url, title in [
        (f"/development-plans/{sister.person.pk}/", "Niamh Okafor"),
        (
            f"/development-plans/{sister.person.pk}/review/",
            "Comment on or agree Niamh Okafor's plan",
        ),
        ("/talent/grid/", "Your team's talent grid"),
        ("/talent/grid/?box=8", "Your team's talent grid"),
    ]:
        page.goto(url)
        heading(page, title)
    sign_out(page)

    sign_in(page, lead_user)
    code = manager.person.organisation.code
    for url, title in [
        (
            f"/organisations/{code}/appraisal-completion/",
            "Harrogate and District NHS Foundation Trust",
        ),
        (f"/talent/organisations/{code}/", "Harrogate and District NHS Foundation Trust"),
        (
            f"/talent/organisations/{code}/grid/?box=8",
            "Talent grid: Harrogate and District NHS Foundation Trust",
        ),
        (f"/talent/people/{sister.person.pk}/calibrate/", "Move Niamh Okafor on the grid"),
        (f"/succession/organisations/{code}/", "Harrogate and District NHS Foundation Trust"),
        (f"/succession/organisations/{code}/new/", "Start a succession plan"),
        (f"/succession/plans/{plan.pk}/", "Chief nurse"),
        (f"/succession/plans/{plan.pk}/candidates/new/", "Add a candidate for Chief nurse"),
    ]:
        page.goto(url)
        heading(page, title)
