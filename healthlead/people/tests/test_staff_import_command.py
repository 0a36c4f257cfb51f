"""manage.py import_staff: a summary, every problem, an exit code, and --commit."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from healthlead.core.models import AuditEvent
from healthlead.people.models import Person
from healthlead.people.tests.factories import OrganisationFactory
from healthlead.people.tests.test_staff_import_support import staff_csv, staff_row

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def org():
    return OrganisationFactory(code="RAA")


def import_staff(path, *args):
    out = io.StringIO()
    call_command("import_staff", str(path), *args, stdout=out)
    return out.getvalue()


def test_a_file_with_problems_prints_each_one_and_exits_with_an_error(tmp_path):
    path = tmp_path / "staff.csv"
    path.write_bytes(
        staff_csv(staff_row("1"), staff_row("2", grade="Band 99"), staff_row("3", manager="9"))
    )
    out = io.StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("import_staff", str(path), "--commit", stdout=out)
    assert raised.value.returncode == 1
    assert "2 problems found. Nothing was written." in str(raised.value)
    text = out.getvalue()
    assert "staff.csv: 3 rows" in text
    assert "Row 3, column grade, value \u201cBand 99\u201d: This is not a grade." in text
    assert "Row 4, column line_manager_staff_number, value \u201c9\u201d: No one" in text
    assert not Person.objects.exists()


def test_without_commit_a_good_file_is_checked_and_nothing_is_written(tmp_path):
    path = tmp_path / "staff.csv"
    path.write_bytes(staff_csv(staff_row("1"), staff_row("2", manager="1")))
    text = import_staff(path)
    assert "No problems found. Nothing was written: use --commit to import." in text
    assert not Person.objects.exists()
    assert not AuditEvent.objects.exists()


def test_with_commit_a_good_file_is_imported_and_the_counts_printed(tmp_path):
    path = tmp_path / "staff.csv"
    path.write_bytes(staff_csv(staff_row("1"), staff_row("2", manager="1")))
    text = import_staff(path, "--commit")
    assert "Imported. Created 2, updated 0, unchanged 0, marked left 0." in text
    assert Person.objects.count() == 2
    event = AuditEvent.objects.get(action="people.staff.imported")
    assert event.actor_label == "system:import_staff"


def test_mark_missing_left_marks_people_who_are_not_in_the_file(tmp_path):
    path = tmp_path / "staff.csv"
    path.write_bytes(staff_csv(staff_row("1"), staff_row("2")))
    import_staff(path, "--commit")
    path.write_bytes(staff_csv(staff_row("1")))
    text = import_staff(path, "--commit", "--mark-missing-left")
    assert "unchanged 1, marked left 1." in text
    assert Person.objects.get(staff_number="2").status == Person.Status.LEFT


def test_a_file_that_cannot_be_read_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        import_staff(tmp_path / "missing.csv")
