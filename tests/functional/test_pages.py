"""Each main page in a real browser: it renders with the design system and passes axe."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.conftest import make_person
from tests.functional.helpers import (
    PASSWORD,
    assert_accessible,
    enter_code,
    fill_sign_in_form,
    sign_in,
)


def test_welcome_page_is_accessible(page: Page) -> None:
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Healthlead")
    expect(page.get_by_role("link", name="Sign in").first).to_be_visible()
    assert_accessible(page)


def test_sign_in_page_is_accessible(page: Page) -> None:
    page.goto("/accounts/sign-in/")
    expect(page).to_have_title(re.compile(r"^Sign in - Healthlead"))
    assert_accessible(page)


def test_sign_in_errors_are_summarised_and_accessible(page: Page, staff_user) -> None:
    fill_sign_in_form(page, staff_user.email, "not-the-password")
    summary = page.locator(".nhsuk-error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("Enter a correct email address and password")
    assert_accessible(page)


def test_sign_in_with_empty_fields_links_each_error_to_its_field(page: Page) -> None:
    page.goto("/accounts/sign-in/")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".nhsuk-error-summary")).to_be_visible()
    expect(page.locator(".nhsuk-error-message").first).to_be_visible()
    assert_accessible(page)


def test_home_for_a_staff_member_is_accessible(page: Page, staff_user) -> None:
    sign_in(page, staff_user)
    expect(page.get_by_role("heading", level=1)).to_have_text("Niamh Okafor")
    expect(page.get_by_role("link", name="Your staff record", exact=True)).to_be_visible()
    assert_accessible(page)


def test_home_for_a_line_manager_is_accessible(page: Page, line_manager_user) -> None:
    sign_in(page, line_manager_user)
    expect(page.get_by_role("heading", name="As line manager")).to_be_visible()
    assert_accessible(page)


def test_line_manager_sees_their_team(page: Page, line_manager_user) -> None:
    sign_in(page, line_manager_user)
    page.get_by_role("link", name="Your team", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your team")
    expect(page.get_by_role("link", name="Tom Walker")).to_be_visible()
    assert_accessible(page)


def test_home_for_an_organisation_lead_is_accessible(page: Page, organisation_lead) -> None:
    sign_in(page, organisation_lead)
    expect(page.get_by_role("heading", name="As organisation education lead")).to_be_visible()
    expect(page.get_by_role("link", name="Import staff", exact=True)).to_be_visible()
    assert_accessible(page)


def test_people_directory_search_is_accessible(page: Page, organisation_lead) -> None:
    make_person(organisation_lead.person.organisation, first_name="Kofi")
    make_person(
        organisation_lead.person.organisation,
        first_name="Farah",
        last_name="Fernandes",
        staff_number="1000999",
    )
    sign_in(page, organisation_lead)
    page.goto("/people/")
    assert_accessible(page)
    page.get_by_label("Name or staff number").fill("Fernandes")
    page.get_by_role("button", name="Search").click()
    expect(page).to_have_url(re.compile(r"q=Fernandes"))
    expect(page.locator("#result-count")).to_have_text("1 person found")
    expect(page.get_by_role("link", name="Farah Fernandes")).to_be_visible()
    assert_accessible(page)


def test_person_page_is_accessible(page: Page, organisation_lead, staff_user) -> None:
    sign_in(page, organisation_lead)
    page.goto(f"/people/{staff_user.person.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Niamh Okafor")
    assert_accessible(page)


def test_organisations_list_and_page_are_accessible(page: Page, organisation_lead) -> None:
    sign_in(page, organisation_lead)
    page.goto("/organisations/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Organisations")
    assert_accessible(page)
    page.get_by_role("link", name=re.compile("Cambridge University Hospitals", re.I)).click()
    expect(page).to_have_url(re.compile(r"/organisations/RGT/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Cambridge")
    assert_accessible(page)


def test_frameworks_list_is_accessible(page: Page, frameworks) -> None:
    page.goto("/frameworks/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Leadership frameworks")
    expect(
        page.get_by_role("link", name="NHS Leadership Framework", exact=True).first
    ).to_be_visible()
    assert_accessible(page)


def test_privacy_notice_is_accessible(page: Page) -> None:
    page.goto("/privacy/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(page)


def test_page_not_found_is_styled_and_accessible(page: Page) -> None:
    response = page.goto("/no-such-page/")
    assert response is not None
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    assert_accessible(page)


def test_two_factor_code_page_is_accessible_with_and_without_errors(
    page: Page, organisation_lead
) -> None:
    fill_sign_in_form(page, organisation_lead.email, PASSWORD)
    expect(page).to_have_url(re.compile(r"/accounts/two-factor/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your code")
    assert_accessible(page)
    page.get_by_label("Code from your authenticator app").fill("12")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("6 digits")
    assert_accessible(page)
    enter_code(page, organisation_lead)
    expect(page.get_by_role("heading", level=1)).to_have_text("Grace Hughes")


def test_two_factor_set_up_page_is_accessible(page: Page, new_organisation_lead) -> None:
    fill_sign_in_form(page, new_organisation_lead.email, PASSWORD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-factor sign-in")
    expect(page.get_by_role("img", name=re.compile("QR code"))).to_be_visible()
    assert_accessible(page)
    enter_code(page, new_organisation_lead)
    expect(page.get_by_role("heading", level=1)).to_have_text("Isaac Brown")


def test_skip_link_is_the_first_tab_stop_and_moves_focus_to_main(page: Page) -> None:
    page.goto("/privacy/")
    page.keyboard.press("Tab")
    skip_link = page.get_by_role("link", name="Skip to main content")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_visible()
    page.keyboard.press("Enter")
    expect(page.locator("main#maincontent")).to_be_focused()


def test_sign_in_fits_a_phone_screen(phone_page: Page) -> None:
    phone_page.goto("/accounts/sign-in/")
    assert_fits_width(phone_page)
    assert_accessible(phone_page)


def test_home_fits_a_phone_screen(phone_page: Page, organisation_lead) -> None:
    sign_in(phone_page, organisation_lead)
    expect(phone_page.get_by_role("heading", level=1)).to_have_text("Grace Hughes")
    assert_fits_width(phone_page)
    assert_accessible(phone_page)


def assert_fits_width(page: Page) -> None:
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert widths[0] <= widths[1], f"{page.url} scrolls sideways on a phone: {widths}"
