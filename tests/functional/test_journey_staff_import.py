"""An organisation lead imports their staff file, mends one bad row, then uses the result.

Signs in with a one-time code, uploads a file with one bad row, reads the problem (row,
column and reason), uploads the mended file, imports it, finds a person from the file in
the people directory, opens their page, then opens the NHS Leadership Framework and one of
its elements. Every page on the way is checked with axe.
"""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.functional.helpers import assert_accessible, sign_in

HEADER = (
    "staff_number,first_name,last_name,work_email,organisation_code,staff_group,"
    "occupation,grade,career_stage,line_manager_staff_number,start_date"
)
GOOD_ROWS = [
    "2000001,Amara,Adeyemi,amara.adeyemi@nhs.example,RGT,Nurses and health visitors,"
    "Matron,Band 8a,,,2012-04-01",
    "2000002,Kofi,Mensah-Lewis,kofi.mensah-lewis@nhs.example,RGT,Nurses and health visitors,"
    "Staff nurse,Band 5,,2000001,2021-09-06",
]
BAD_ROW = (
    "2000003,Rosie,Quinn,rosie.quinn@nhs.example,RGT,Midwives,Midwife,Band 10,,2000001,2019-02-18"
)
MENDED_ROW = BAD_ROW.replace("Band 10", "Band 6")


def write_csv(folder: Path, name: str, rows: list[str]) -> Path:
    path = folder / name
    path.write_text("\r\n".join([HEADER, *rows]) + "\r\n", encoding="utf-8")
    return path


def upload(page: Page, path: Path) -> None:
    """Choose the file on the upload page, keep "check the file only", and continue.

    The design system's script replaces the file input with its own button as the page loads;
    the stylesheet hides the input first, so wait for the load before looking for the field."""
    page.wait_for_load_state("load")
    with page.expect_file_chooser() as chooser:
        page.get_by_label("Staff file").click()
    chooser.value.set_files(path)
    expect(page.get_by_label("Staff file")).to_contain_text(path.name)
    expect(page.get_by_role("radio", name=re.compile("^Check the file only"))).to_be_checked()
    page.get_by_role("button", name="Continue").click()


def test_organisation_lead_imports_staff_then_finds_them_and_a_framework(
    page: Page, organisation_lead, frameworks, tmp_path: Path
) -> None:
    # Sign in, with the second factor, and land on the home page.
    sign_in(page, organisation_lead)
    expect(page.get_by_role("heading", level=1)).to_have_text("Grace Hughes")
    assert_accessible(page)

    # The upload page, from the home page's next steps.
    page.get_by_role("link", name="Import staff", exact=True).click()
    expect(page).to_have_url(re.compile(r"/staff-imports/new/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Import staff")
    assert_accessible(page)

    # A file with one bad row: the problem is shown by row, column, value and reason.
    upload(page, write_csv(tmp_path, "staff.csv", [*GOOD_ROWS, BAD_ROW]))
    expect(page).to_have_url(re.compile(r"/staff-imports/\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("staff.csv")
    expect(page.locator("main")).to_contain_text("This file has 1 problem")
    expect(page.locator("main")).to_contain_text("Nothing has been imported")
    problems = page.get_by_role("table", name="Problems in the file")
    expect(problems.locator("tbody tr")).to_have_count(1)
    cells = problems.locator("tbody tr td")
    expect(cells.nth(0)).to_contain_text("4")  # spreadsheet row: the column names are row 1
    expect(cells.nth(1)).to_contain_text("grade")
    expect(cells.nth(2)).to_contain_text("Band 10")
    expect(cells.nth(3)).to_contain_text("This is not a grade")
    expect(page.get_by_role("link", name=re.compile("Download every problem"))).to_be_visible()
    assert_accessible(page)

    # The mended file checks clean; nothing is written until the lead confirms.
    page.get_by_role("link", name="Upload another staff file", exact=True).click()
    upload(page, write_csv(tmp_path, "staff-mended.csv", [*GOOD_ROWS, MENDED_ROW]))
    expect(page.locator("main")).to_contain_text("No problems found in 3 rows")
    assert_accessible(page)
    page.get_by_role("button", name="Import 3 staff records").click()
    expect(page.locator("main")).to_contain_text("Staff imported: 3 rows applied.")
    changes = page.get_by_role("table", name="What the import changed")
    expect(changes.get_by_role("row", name=re.compile("Added"))).to_contain_text("3")
    assert_accessible(page)

    # A person from the file, found in the people directory.
    page.get_by_role("banner").get_by_role("link", name="People", exact=True).click()
    page.get_by_label("Name or staff number").fill("Mensah-Lewis")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#result-count")).to_have_text("1 person found")
    assert_accessible(page)

    # Their page, with the line manager the file gave them.
    page.get_by_role("link", name="Kofi Mensah-Lewis").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kofi Mensah-Lewis")
    expect(page.locator("main")).to_contain_text("Amara Adeyemi")
    assert_accessible(page)

    # A framework, then one of its elements.
    page.get_by_role("banner").get_by_role("link", name="Frameworks", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Leadership frameworks")
    assert_accessible(page)
    page.get_by_role("link", name="NHS Leadership Framework", exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("NHS Leadership Framework")
    assert_accessible(page)
    element = re.compile("Developing self awareness", re.I)
    page.get_by_role("link", name=element).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(element)
    assert_accessible(page)
