"""The staff import pages: upload, progress, result, confirmation and problem report."""

import csv
import io
import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from healthlead.accounts.models import Role
from healthlead.accounts.tests.factories import UserFactory, user_with_role
from healthlead.core.actors import System
from healthlead.core.models import AuditEvent
from healthlead.people import actions, tasks
from healthlead.people.models import Person, StaffImport
from healthlead.people.tests.factories import OrganisationFactory
from healthlead.people.tests.test_staff_import_support import staff_csv, staff_row

pytestmark = pytest.mark.django_db
NEW = "/staff-imports/new/"


@pytest.fixture(autouse=True)
def _uploads(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "uploads"
    # Signing in (with its second factor and lockout) is tested in accounts; here, force_login.
    settings.TWO_FACTOR_REQUIRED = False
    settings.AXES_ENABLED = False


@pytest.fixture
def org():
    return OrganisationFactory(code="RAA", name="ALPHA HOSPITALS NHS TRUST")


@pytest.fixture
def other_org():
    return OrganisationFactory(code="RBB", name="BETA HEALTHCARE NHS TRUST")


@pytest.fixture
def lead(org):
    return user_with_role(Role.ORGANISATION_LEAD, org)


@pytest.fixture
def lead_client(client, lead):
    client.force_login(lead)
    return client


def upload(client, data, *, name="staff.csv", mode="check", mark_missing_left=False):
    payload = {"file": SimpleUploadedFile(name, data, content_type="text/csv"), "mode": mode}
    if mark_missing_left:
        payload["mark_missing_left"] = "on"
    return client.post(NEW, payload)


def text_of(response):
    return re.sub(r"\s+", " ", response.content.decode())


def cells(response):
    """The text of every table cell on the page, in order."""
    html = response.content.decode()
    found = re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", html, flags=re.S)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", cell)).strip() for cell in found]


def latest():
    return StaffImport.objects.latest("pk")


def imported():
    """Staff records of the file's organisation (users' own records live elsewhere)."""
    return Person.objects.filter(organisation__code="RAA")


GOOD = staff_csv(staff_row("1"), staff_row("2", manager="1"), staff_row("3", manager="1"))


# ---------------------------------------------------------------------------
# Who may


def test_someone_signed_out_is_sent_to_sign_in(client):
    response = client.get(NEW)
    assert response.status_code == 302
    assert "/sign-in/" in response["Location"]


def test_a_member_of_staff_without_a_lead_role_may_not_import(client):
    client.force_login(UserFactory())
    assert client.get(NEW).status_code == 403


def test_an_organisation_lead_sees_the_upload_page(lead_client):
    response = lead_client.get(NEW)
    assert response.status_code == 200
    page = text_of(response)
    assert 'enctype="multipart/form-data"' in page
    assert "Check the file only" in page
    assert "line_manager_staff_number" in page


def test_another_lead_may_not_see_someone_elses_import(lead_client, client, other_org):
    upload(lead_client, GOOD)
    record = latest()
    client.force_login(user_with_role(Role.ORGANISATION_LEAD, other_org))
    assert client.get(f"/staff-imports/{record.pk}/").status_code == 403
    assert client.get(f"/staff-imports/{record.pk}/progress/").status_code == 403
    assert client.get(f"/staff-imports/{record.pk}/problems.csv").status_code == 403


def test_a_national_lead_may_see_an_import_and_the_reading_is_audited(lead_client, client):
    upload(lead_client, GOOD)
    record = latest()
    national = user_with_role(Role.NATIONAL_LEAD)
    client.force_login(national)
    assert client.get(f"/staff-imports/{record.pk}/").status_code == 200
    event = AuditEvent.objects.get(action="people.staff_import.viewed")
    assert (event.kind, event.actor_id) == (AuditEvent.Kind.READ, national.pk)


def test_an_import_that_does_not_exist_is_not_found(lead_client):
    assert lead_client.get("/staff-imports/999999/").status_code == 404


# ---------------------------------------------------------------------------
# Check, then import


def test_checking_a_good_file_writes_no_staff_and_offers_to_import_it(lead_client):
    response = upload(lead_client, GOOD)
    record = latest()
    assert response.status_code == 302
    assert response["Location"] == f"/staff-imports/{record.pk}/"
    assert record.state == StaffImport.State.VALID
    assert not imported().exists()
    page = text_of(lead_client.get(response["Location"]))
    assert "No problems found in 3 rows. Nothing has been imported yet." in page
    assert "Import 3 staff records" in page


def test_confirming_a_checked_file_imports_it_and_shows_the_counts(lead_client):
    upload(lead_client, GOOD)
    record = latest()
    response = lead_client.post(f"/staff-imports/{record.pk}/", {})
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.state == StaffImport.State.APPLIED
    assert record.counts == {"created": 3, "updated": 0, "unchanged": 0, "marked_left": 0}
    assert imported().count() == 3
    response = lead_client.get(f"/staff-imports/{record.pk}/")
    assert "Staff imported: 3 rows applied." in text_of(response)
    table = cells(response)
    for label, number in [("Added", "3"), ("Updated", "0"), ("Marked as left", "0")]:
        assert table[table.index(label) + 1] == number


def test_a_checked_file_is_imported_only_once(lead_client):
    upload(lead_client, GOOD)
    record = latest()
    lead_client.post(f"/staff-imports/{record.pk}/", {})
    lead_client.post(f"/staff-imports/{record.pk}/", {})
    tasks.run_staff_import.enqueue(record.pk)
    assert AuditEvent.objects.filter(action="people.staff.imported").count() == 1
    assert imported().count() == 3


def test_choosing_import_checks_and_imports_in_one_go(lead_client):
    upload(lead_client, GOOD, mode="import")
    record = latest()
    assert record.state == StaffImport.State.APPLIED
    assert imported().count() == 3
    event = AuditEvent.objects.get(action="people.staff.imported")
    assert event.actor_id == record.uploaded_by_id
    assert event.detail["sha256"] == record.sha256


def test_marking_missing_staff_as_left_can_be_chosen_on_upload(lead_client):
    upload(lead_client, GOOD, mode="import")
    upload(lead_client, staff_csv(staff_row("1")), mode="import", mark_missing_left=True)
    assert latest().counts["marked_left"] == 2
    assert imported().filter(status=Person.Status.LEFT).count() == 2


def test_the_stored_file_is_kept_under_a_random_name_and_removed_once_imported(
    lead_client, settings
):
    upload(lead_client, GOOD, name="../../etc/staff list <2024>;rm.csv")
    record = latest()
    assert record.file_name == "staff list _2024_rm.csv"
    assert re.fullmatch(r"staff-imports/[0-9a-f]{32}\.csv", record.stored_path)
    stored = Path(settings.MEDIA_ROOT) / record.stored_path
    assert stored.read_bytes() == GOOD
    assert not str(stored).startswith(str(settings.STATIC_ROOT))
    lead_client.post(f"/staff-imports/{record.pk}/", {})
    record.refresh_from_db()
    assert record.stored_path == ""
    assert not stored.exists()


def test_a_member_of_staff_cannot_confirm_an_import(lead_client, client):
    upload(lead_client, GOOD)
    record = latest()
    national = user_with_role(Role.NATIONAL_LEAD)
    client.force_login(UserFactory())
    assert client.post(f"/staff-imports/{record.pk}/", {}).status_code == 403
    client.force_login(national)
    assert client.post(f"/staff-imports/{record.pk}/", {}).status_code == 302
    assert imported().count() == 3


# ---------------------------------------------------------------------------
# Problems


BAD = staff_csv(
    staff_row("1"),
    staff_row("2", grade='=HYPERLINK("http://evil.example","Band 5")'),
    staff_row("3", first_name="Ada", staff_group="+Wizards"),
)


def test_a_file_with_problems_lists_them_and_imports_nothing(lead_client):
    upload(lead_client, BAD, mode="import")
    record = latest()
    assert record.state == StaffImport.State.INVALID
    assert record.problem_count == 2
    assert not imported().exists()
    page = text_of(lead_client.get(f"/staff-imports/{record.pk}/"))
    assert "This file has 2 problems" in page
    assert "Nothing has been imported" in page
    assert "+Wizards" in page
    assert "Download every problem as a spreadsheet (CSV)" in page
    assert record.stored_path == ""


def test_the_problem_report_is_a_csv_with_formulas_neutralised(lead_client):
    upload(lead_client, BAD)
    record = latest()
    response = lead_client.get(f"/staff-imports/{record.pk}/problems.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert f"staff-import-{record.pk}-problems.csv" in response["Content-Disposition"]
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0] == ["Row", "Column", "Value", "Problem"]
    assert [(r[0], r[1], r[2]) for r in rows[1:]] == [
        ("3", "grade", '\'=HYPERLINK("http://evil.example","Band 5")'),
        ("4", "staff_group", "'+Wizards"),
    ]


def test_every_problem_is_in_the_report_even_beyond_those_shown(lead_client, settings):
    rows = [staff_row(str(n), grade="Band 99") for n in range(1, 131)]
    upload(lead_client, staff_csv(*rows))
    record = latest()
    assert record.problem_count == 130
    assert len(record.problems) == actions.FIRST_PROBLEMS_KEPT
    page = text_of(lead_client.get(f"/staff-imports/{record.pk}/"))
    assert "The first 100 of 130 problems" in page
    response = lead_client.get(f"/staff-imports/{record.pk}/problems.csv")
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert len(list(csv.reader(io.StringIO(body)))) == 131


def test_rows_for_organisations_the_lead_does_not_lead_are_problems(lead_client, other_org):
    upload(lead_client, staff_csv(staff_row("1"), staff_row("2", org="RBB")), mode="import")
    record = latest()
    assert record.state == StaffImport.State.INVALID
    assert record.problems[0]["row"] == 3
    assert "organisations you lead" in record.problems[0]["reason"]
    assert not imported().exists()


# ---------------------------------------------------------------------------
# Uploads that are refused at the door


def test_an_oversized_file_is_refused(lead_client, settings):
    settings.MAX_UPLOAD_BYTES = 2 * 1024 * 1024
    response = upload(lead_client, b"staff_number\n" + b"1" * (3 * 1024 * 1024))
    assert response.status_code == 400
    page = text_of(response)
    assert "The selected file must be smaller than 2 MB" in page
    assert "<title>Error: Import staff" in page
    assert not StaffImport.objects.exists()


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("staff.xlsx", GOOD, "The selected file must be a CSV file"),
        ("staff.csv", b"PK\x03\x04rest of a workbook", "not an Excel workbook"),
        ("staff.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00", "not an image"),
        ("staff.csv", b"abc\x00def", "binary data"),
        ("staff.csv", b"", "The selected file is empty"),
    ],
)
def test_a_file_that_is_not_csv_text_is_refused(lead_client, name, data, message):
    response = upload(lead_client, data, name=name)
    assert response.status_code == 400
    assert message in text_of(response)
    assert not StaffImport.objects.exists()


def test_no_file_at_all_is_refused(lead_client):
    response = lead_client.post(NEW, {"mode": "check"})
    assert response.status_code == 400
    assert "Select a staff file" in text_of(response)


# ---------------------------------------------------------------------------
# Progress


def started(lead):
    upload_file = SimpleUploadedFile("staff.csv", GOOD, content_type="text/csv")
    return actions.start_staff_import(upload=upload_file, by=lead, commit=True)


def test_the_progress_page_polls_and_works_without_javascript(lead_client, lead):
    record = started(lead)
    page = lead_client.get(f"/staff-imports/{record.pk}/").content.decode()
    assert f'data-poll-url="/staff-imports/{record.pk}/progress/"' in page
    assert "<progress" in page
    assert f'<a href="/staff-imports/{record.pk}/">Refresh this page</a>' in page
    assert "<script>" not in page


def test_the_progress_answer_says_how_far_it_has_got(lead_client, lead):
    record = started(lead)
    response = lead_client.get(f"/staff-imports/{record.pk}/progress/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert response.json() == {"percent": 0, "label": "Waiting to start", "finished": False}
    tasks.run_staff_import.enqueue(record.pk)
    assert lead_client.get(f"/staff-imports/{record.pk}/progress/").json() == {
        "percent": 100,
        "label": "Imported",
        "finished": True,
    }


def test_running_a_finished_import_again_does_nothing(lead):
    record = started(lead)
    tasks.run_staff_import.enqueue(record.pk)
    events = AuditEvent.objects.count()
    result = tasks.run_staff_import.enqueue(record.pk)
    assert result.return_value == "applied"
    assert AuditEvent.objects.count() == events
    assert imported().count() == 3


def test_an_import_stopped_part_way_starts_again_and_applies_once(lead):
    record = started(lead)
    actions.check_staff_import(staff_import=record, by=lead)
    StaffImport.objects.filter(pk=record.pk).update(state=StaffImport.State.APPLYING)
    tasks.run_staff_import.enqueue(record.pk)
    record.refresh_from_db()
    assert record.state == StaffImport.State.APPLIED
    assert imported().count() == 3


def test_a_lost_upload_fails_with_a_plain_message(lead, settings):
    record = started(lead)
    (Path(settings.MEDIA_ROOT) / record.stored_path).unlink()
    tasks.run_staff_import.enqueue(record.pk)
    record.refresh_from_db()
    assert record.state == StaffImport.State.FAILED
    assert record.message == "The uploaded file is no longer kept. Upload it again."


def test_an_unexpected_error_fails_the_import_without_writing(lead, monkeypatch):
    record = started(lead)

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(actions.staff_file, "apply", broken)
    tasks.run_staff_import.enqueue(record.pk)
    record.refresh_from_db()
    assert record.state == StaffImport.State.FAILED
    assert f"staff import {record.pk}" in record.message
    assert not imported().exists()


def test_a_system_import_without_an_uploader_is_not_limited_by_scope(org, other_org):
    upload_file = SimpleUploadedFile("staff.csv", staff_csv(staff_row("1", org="RBB")))
    record = actions.start_staff_import(upload=upload_file, by=System("tests"), commit=True)
    tasks.run_staff_import.enqueue(record.pk)
    record.refresh_from_db()
    assert record.uploaded_by is None
    assert record.state == StaffImport.State.APPLIED


def test_unfinished_imports_are_queued_again_after_a_restart(lead):
    stuck = started(lead)
    actions.check_staff_import(staff_import=stuck, by=lead)
    StaffImport.objects.filter(pk=stuck.pk).update(state=StaffImport.State.APPLYING)
    finished = started(lead)
    tasks.run_staff_import.enqueue(finished.pk)
    assert tasks.enqueue_unfinished_imports() == 1
    stuck.refresh_from_db()
    assert stuck.state == StaffImport.State.APPLIED
    assert tasks.enqueue_unfinished_imports() == 0
