"""The subject access export: who may make it, what the archive holds, and the audit."""

from __future__ import annotations

import io
import json
import re
import zipfile

import pytest
from django.test import Client

from healthlead.core.models import AuditEvent
from healthlead.privacy import actions
from healthlead.privacy.collectors import COLLECTORS
from healthlead.privacy.tests.helpers import PDF, full_record
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db


def _client(world, actor):  # type: ignore[no-untyped-def]
    return sign_in(Client(), world.user(actor))


def _export(client, person, reason="Subject access request SAR-0142"):  # type: ignore[no-untyped-def]
    return client.post(f"/people/{person.pk}/personal-data/export/", {"reason": reason})


def _zip(response) -> zipfile.ZipFile:  # type: ignore[no-untyped-def]
    # Reading it to the end closes the temporary file, as the server does after sending it (the
    # test client closes the response then; closing it again here would close the database
    # connection of the test's transaction).
    content = b"".join(response.streaming_content)
    return zipfile.ZipFile(io.BytesIO(content))


def test_the_organisation_lead_downloads_one_archive_with_every_area_files_and_readme(world):
    record = full_record(world)
    response = _export(_client(world, "organisation_lead"), world.staff_person)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    assert response["Cache-Control"] == "no-store"
    archive = _zip(response)
    names = set(archive.namelist())
    assert {f"{key}.json" for key in COLLECTORS} <= names
    assert f"files/evidence/{record.evidence.pk}-huddle notes.pdf" in names
    assert archive.read(f"files/prior-learning/{record.claim.pk}-degree.pdf") == PDF
    readme = archive.read("README.txt").decode()
    for collector in COLLECTORS.values():
        assert collector.file_name in readme
        assert collector.sources[0] in readme
    assert "Subject access request SAR-0142" in readme
    staff = json.loads(archive.read("staff_record.json"))
    assert staff["first_name"] == world.staff_person.first_name


def test_the_export_is_audited_as_a_privileged_read_with_its_reason(world):
    _zip(_export(_client(world, "national_lead"), world.staff_person, reason="SAR-9"))
    event = AuditEvent.objects.filter(action="privacy.personal_data.exported").get()
    assert event.kind == AuditEvent.Kind.READ
    assert event.reason == "SAR-9"
    assert event.actor == world.user("national_lead")
    assert event.target_id == str(world.staff_person.pk)


def test_a_lead_of_another_organisation_cannot_export(world):
    response = _export(_client(world, "other_organisation_lead"), world.staff_person)
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action="privacy.personal_data.exported").exists()


def test_the_export_needs_a_reason_and_says_so(world):
    response = _export(_client(world, "organisation_lead"), world.staff_person, reason="  ")
    assert response.status_code == 200
    assert "Say why you are exporting" in response.content.decode()
    assert not AuditEvent.objects.filter(action="privacy.personal_data.exported").exists()


def test_an_overlong_reason_is_refused_without_an_error_page(world):
    response = _export(_client(world, "organisation_lead"), world.staff_person, reason="x" * 501)
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()


def test_a_missing_stored_file_is_named_in_the_readme_not_an_error(world):
    from django.core.files.storage import default_storage

    record = full_record(world)
    default_storage.delete(record.evidence.stored_path)
    archive = actions.export_personal_data(person=world.staff_person, reason="SAR", by=None)
    with archive.handle, zipfile.ZipFile(archive.handle) as zf:
        readme = zf.read("README.txt").decode()
    assert archive.missing == [f"files/evidence/{record.evidence.pk}-huddle notes.pdf"]
    assert re.search(r"no longer in storage.*\n.*huddle notes\.pdf", readme)


def test_the_confirmation_page_lists_the_areas_and_the_summary_page_links_to_it(world):
    client = _client(world, "organisation_lead")
    page = client.get(f"/people/{world.staff_person.pk}/personal-data/export/").content.decode()
    assert "Why are you exporting this person" in page
    assert "Self-assessment and 360 feedback" in page
    summary = client.get(f"/people/{world.staff_person.pk}/personal-data/").content.decode()
    assert f"/people/{world.staff_person.pk}/personal-data/export/" in summary
    assert f"/people/{world.staff_person.pk}/personal-data/erase/" in summary
