"""The personal data pages in a real browser: design system, axe, and the erasure journey."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from healthlead.privacy.models import Erasure
from tests.functional.helpers import assert_accessible, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _private_uploads(settings, tmp_path):  # type: ignore[no-untyped-def]
    """Uploads and export archives go to a temporary folder."""
    settings.MEDIA_ROOT = tmp_path / "uploads"


def test_a_lead_exports_then_erases_a_person_on_accessible_pages(
    page: Page, organisation_lead, staff_user
) -> None:
    person = staff_user.person
    sign_in(page, organisation_lead)
    page.goto(f"/people/{person.pk}/personal-data/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Personal data: Niamh Okafor")
    assert_accessible(page)

    page.get_by_role("link", name="Export everything held about this person").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Export")
    assert_accessible(page)
    page.get_by_role("button", name="Export personal data").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Say why you are exporting")
    assert_accessible(page)
    page.get_by_label("Why are you exporting this person's data?").fill("SAR-0142")
    with page.expect_download() as download:
        page.get_by_role("button", name="Export personal data").click()
    assert re.fullmatch(
        r"healthlead-personal-data-1000101-\d{8}\.zip", download.value.suggested_filename
    )

    page.goto(f"/people/{person.pk}/personal-data/erase/")
    assert_accessible(page)
    page.get_by_label("Why are you erasing this person's data?").fill("ER-0031")
    page.get_by_label("Type the person's staff number to confirm").fill("999")
    page.get_by_role("button", name="Erase personal data").click()
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("does not match")
    assert_accessible(page)
    page.get_by_label("Type the person's staff number to confirm").fill("1000101")
    page.get_by_role("button", name="Erase personal data").click()
    expect(page.locator(".nhsuk-notification-banner, .nhsuk-inset-text").first).to_contain_text(
        "erased"
    )
    assert_accessible(page)
    assert Erasure.objects.get().person_id == person.pk
