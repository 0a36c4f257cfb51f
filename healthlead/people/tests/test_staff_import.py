"""Staff import: checking a file (every problem, nothing written) and applying it."""

import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from healthlead.accounts.models import Role
from healthlead.accounts.scope import build_scope
from healthlead.accounts.tests.factories import user_with_role
from healthlead.core.actors import System
from healthlead.core.models import AuditEvent
from healthlead.people import actions, staff_import
from healthlead.people.models import CareerStage, Grade, Person, StaffGroup
from healthlead.people.tests.factories import OrganisationFactory, PersonFactory
from healthlead.people.tests.test_staff_import_support import staff_csv, staff_row

pytestmark = pytest.mark.django_db
SYSTEM = System("tests")


@pytest.fixture
def org():
    return OrganisationFactory(code="RAA", name="ALPHA HOSPITALS NHS TRUST")


@pytest.fixture
def other_org():
    return OrganisationFactory(code="RBB", name="BETA HEALTHCARE NHS TRUST")


def check(*rows, **options):
    return staff_import.check(staff_csv(*rows), **options)


def run(data, **options):
    return actions.import_staff_file(data=data, file_name="staff.csv", by=SYSTEM, **options)


def found(result):
    """(row, column, value) of every problem."""
    return [(p.row, p.column, p.value) for p in result.problems]


def person(number):
    return Person.objects.get(staff_number=number)


def expected_path(p):
    """manager_path worked out the slow way, from the line managers."""
    ids = []
    above = p.line_manager
    while above is not None:
        ids.insert(0, above.pk)
        above = above.line_manager
    return "".join(f"/{pk}" for pk in ids) + "/" if ids else ""


def assert_every_path_is_right():
    for p in Person.objects.select_related("line_manager"):
        assert p.manager_path == expected_path(p), p.staff_number


# ---------------------------------------------------------------------------
# Files that are fine


def test_a_good_file_has_no_problems_and_every_row_is_ready(org):
    result = check(staff_row("1"), staff_row("2", manager="1"), staff_row("3", manager="2"))
    assert result.ok
    assert result.row_count == 3
    assert [r.staff_number for r in result.rows] == ["1", "2", "3"]
    assert result.organisation_ids == {org.pk}
    assert len(result.sha256) == 64


@pytest.mark.parametrize("grade", ["Band 8a", "band_8a", "8a", "BAND 8A", " band 8A "])
def test_grades_are_accepted_as_codes_or_labels_in_any_case(org, grade):
    result = check(staff_row("1", grade=grade))
    assert result.ok
    assert result.rows[0].grade == Grade.BAND_8A


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("nurses", StaffGroup.NURSES),
        ("NURSES AND HEALTH VISITORS", StaffGroup.NURSES),
        ("Scientific, therapeutic and technical staff", StaffGroup.SCIENTIFIC),
        ("support_clinical", StaffGroup.SUPPORT_CLINICAL),
    ],
)
def test_staff_groups_are_accepted_as_codes_or_labels(org, value, code):
    result = check(staff_row("1", staff_group=value))
    assert result.ok
    assert result.rows[0].staff_group == code


@pytest.mark.parametrize(
    ("value", "code"),
    [("FY1", Grade.FY1), ("Foundation year 1", Grade.FY1), ("st3", Grade.ST3)],
)
def test_medical_grades_are_accepted_by_short_or_long_name(org, value, code):
    result = check(staff_row("1", grade=value, staff_group="Doctors"))
    assert result.rows[0].grade == code


@pytest.mark.parametrize(
    ("grade", "stage"),
    [
        ("Band 3", CareerStage.EARLY_CAREER),
        ("Band 6", CareerStage.ESTABLISHED),
        ("8c", CareerStage.SENIOR),
        ("Very senior manager", CareerStage.EXECUTIVE),
        ("FY2", CareerStage.EARLY_CAREER),
        ("ST4", CareerStage.REGISTRAR),
        ("Consultant", CareerStage.ESTABLISHED),
        ("Student", CareerStage.STUDENT),
    ],
)
def test_a_blank_career_stage_comes_from_the_grade(org, grade, stage):
    assert check(staff_row("1", grade=grade)).rows[0].career_stage == stage


def test_every_grade_has_a_default_career_stage():
    assert set(staff_import.DEFAULT_CAREER_STAGE) == set(Grade.values)


def test_a_given_career_stage_wins_over_the_grade(org):
    result = check(staff_row("1", grade="Band 5", career_stage="Senior leader"))
    assert result.rows[0].career_stage == CareerStage.SENIOR


@pytest.mark.parametrize("value", ["2021-09-01", "01/09/2021", "1/9/2021"])
def test_start_dates_may_be_written_either_way(org, value):
    assert check(staff_row("1", start_date=value)).rows[0].start_date == dt.date(2021, 9, 1)


def test_status_is_active_when_blank_and_left_is_understood(org):
    result = check(staff_row("1", status=""), staff_row("2", status="Left"))
    assert [r.status for r in result.rows] == ["active", "left"]


def test_bom_crlf_any_column_order_header_case_and_spaces_are_all_accepted(org):
    columns = list(reversed(staff_import.COLUMNS))
    header = [f"  {c.upper().replace('_', ' ')} " for c in columns]
    rows = [
        staff_row(" 1 ", first_name="  Ada ", grade=" Band 7 ", work_email=" ada@nhs.net "),
        staff_row("2", manager=" 1"),
    ]
    data = staff_csv(*rows, columns=columns, header=header, newline="\r\n", bom=True)
    result = staff_import.check(data)
    assert result.ok, found(result)
    first = result.rows[0]
    assert (first.staff_number, first.first_name, first.grade) == ("1", "Ada", Grade.BAND_7)
    assert result.rows[1].manager_number == "1"


def test_blank_lines_and_trailing_empty_cells_are_ignored(org):
    data = staff_csv(staff_row("1")) + b"\n,,,,,,,,,,,,\n"
    data += ",".join(staff_row("2").values()).encode() + b",,\n"
    result = staff_import.check(data)
    assert result.ok, found(result)
    assert [r.staff_number for r in result.rows] == ["1", "2"]


def test_optional_columns_may_be_left_out(org):
    columns = list(staff_import.REQUIRED_COLUMNS)
    result = staff_import.check(staff_csv(staff_row("1"), columns=columns))
    assert result.ok
    assert result.rows[0].status == "active"
    assert result.rows[0].manager_number == ""


# ---------------------------------------------------------------------------
# Problems: every one is found, with its row, column, value and a reason


def test_an_unknown_staff_group_is_a_problem(org):
    result = check(staff_row("1", staff_group="Wizards"))
    assert found(result) == [(2, "staff_group", "Wizards")]
    assert "not a staff group" in result.problems[0].reason
    assert "Nurses and health visitors" in result.problems[0].reason


def test_an_unknown_grade_is_a_problem(org):
    result = check(staff_row("1", grade="Band 11"))
    assert found(result) == [(2, "grade", "Band 11")]
    assert "not a grade" in result.problems[0].reason


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("2021-13-01", "not a real date"),
        ("31/02/2021", "not a real date"),
        ("next Tuesday", "YYYY-MM-DD or DD/MM/YYYY"),
        ("2021/09/01", "YYYY-MM-DD or DD/MM/YYYY"),
        ("1850-01-01", "1900 or later"),
        ("2999-01-01", "no more than a year"),
    ],
)
def test_bad_dates_are_problems(org, value, reason):
    result = check(staff_row("1", start_date=value))
    assert found(result) == [(2, "start_date", value)]
    assert reason in result.problems[0].reason


def test_a_duplicate_staff_number_is_a_problem_that_names_the_first_row(org):
    result = check(staff_row("1"), staff_row("2"), staff_row("1"))
    assert found(result) == [(4, "staff_number", "1")]
    assert "also on row 2" in result.problems[0].reason


def test_an_unknown_organisation_code_is_a_problem(org):
    result = check(staff_row("1", org="ZZZ"))
    assert found(result) == [(2, "organisation_code", "ZZZ")]
    assert "No organisation has this code" in result.problems[0].reason


def test_organisation_codes_are_matched_whatever_their_case(org):
    assert check(staff_row("1", org="raa")).rows[0].organisation_id == org.pk


def test_active_staff_of_a_closed_organisation_are_a_problem_but_leavers_are_not(org):
    org.closed_on = dt.date(2020, 3, 31)
    org.save()
    result = check(staff_row("1"), staff_row("2", status="left"))
    assert found(result) == [(2, "organisation_code", "RAA")]
    assert "closed on 31/03/2020" in result.problems[0].reason


def test_line_managers_in_a_loop_within_the_file_are_a_problem(org):
    result = check(
        staff_row("1", manager="3"), staff_row("2", manager="1"), staff_row("3", manager="2")
    )
    assert [(p.row, p.column) for p in result.problems] == [
        (2, "line_manager_staff_number"),
        (3, "line_manager_staff_number"),
        (4, "line_manager_staff_number"),
    ]
    assert "loop" in result.problems[0].reason
    assert "1 \u2192 3 \u2192 2 \u2192 1" in result.problems[0].reason


def test_a_loop_through_existing_records_is_a_problem(org):
    top = PersonFactory(staff_number="A", organisation=org)
    PersonFactory(staff_number="B", organisation=org, line_manager=top)
    result = check(staff_row("A", manager="B"))
    assert found(result) == [(2, "line_manager_staff_number", "B")]
    assert "A \u2192 B \u2192 A" in result.problems[0].reason


def test_a_loop_through_several_existing_levels_is_a_problem(org):
    top = PersonFactory(staff_number="A", organisation=org)
    middle = PersonFactory(staff_number="B", organisation=org, line_manager=top)
    PersonFactory(staff_number="C", organisation=org, line_manager=middle)
    result = check(staff_row("A", manager="C"))
    assert found(result) == [(2, "line_manager_staff_number", "C")]


def test_a_line_manager_in_neither_the_file_nor_healthlead_is_a_problem(org):
    result = check(staff_row("1", manager="999"))
    assert found(result) == [(2, "line_manager_staff_number", "999")]
    assert "No one with this staff number" in result.problems[0].reason


def test_a_person_cannot_manage_themselves(org):
    result = check(staff_row("1", manager="1"))
    assert found(result) == [(2, "line_manager_staff_number", "1")]


def test_a_management_chain_deeper_than_the_limit_is_a_problem(org):
    depth = staff_import.MAX_MANAGEMENT_DEPTH + 2
    rows = [staff_row(str(n), manager=str(n - 1) if n else "") for n in range(depth)]
    result = check(*rows)
    assert {p.column for p in result.problems} == {"line_manager_staff_number"}
    assert result.problems[0].row == staff_import.MAX_MANAGEMENT_DEPTH + 3


def test_missing_required_columns_are_each_a_problem_on_the_header_row(org):
    columns = [c for c in staff_import.COLUMNS if c not in {"grade", "start_date"}]
    result = staff_import.check(staff_csv(staff_row("1"), columns=columns))
    assert found(result) == [(1, "grade", ""), (1, "start_date", "")]
    assert not result.rows


def test_an_unknown_or_repeated_column_is_a_problem(org):
    columns = [*staff_import.COLUMNS, "Notes", "grade"]
    result = staff_import.check(staff_csv(staff_row("1", Notes="x"), columns=columns))
    assert found(result) == [(1, "Notes", "Notes"), (1, "grade", "grade")]


@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf", b"  \r\n\r\n"])
def test_an_empty_file_is_a_problem(data):
    result = staff_import.check(data)
    assert [p.reason for p in result.problems] == [
        "The file is empty. Choose a CSV file with staff in it."
    ]


def test_a_header_with_no_staff_is_a_problem(org):
    result = staff_import.check(staff_csv())
    assert [(p.row, p.reason) for p in result.problems] == [(None, staff_import.NO_STAFF)]


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"PK\x03\x04\x14\x00\x06\x00", "Excel workbook"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "an image"),
        (b"staff_number\x00,first_name\n", "binary data"),
        ("staff_number,first_name\n".encode("utf-16"), "UTF-16"),
        (b"staff_number;first_name;last_name\n1;Ada;Lovelace\n", "semicolons"),
        (b"staff_number\tfirst_name\tlast_name\n", "tabs"),
        (b"name,age\nAda,36\n", "not a staff file"),
    ],
)
def test_a_file_that_is_not_a_staff_csv_is_a_problem(data, words):
    result = staff_import.check(data)
    assert len(result.problems) == 1
    assert words in result.problems[0].reason


def test_text_in_another_encoding_is_a_problem_on_its_row(org):
    data = staff_csv(staff_row("1"), staff_row("2", first_name="Zo\u00eb"))
    data = data.replace("Zo\u00eb".encode(), "Zo\u00eb".encode("latin-1"))
    result = staff_import.check(data)
    assert [(p.row, "not UTF-8" in p.reason) for p in result.problems] == [(3, True)]


def test_a_broken_quote_is_a_problem(org):
    data = staff_csv(staff_row("1")) + b'2,"Ada"x,Lovelace\n'
    result = staff_import.check(data)
    assert len(result.problems) == 1
    assert "quote" in result.problems[0].reason


def test_a_row_with_the_wrong_number_of_values_is_a_problem(org):
    data = staff_csv(staff_row("1")) + b"2,Ada,Lovelace\n"
    result = staff_import.check(data)
    assert [(p.row, "3 values" in p.reason) for p in result.problems] == [(3, True)]


@pytest.mark.parametrize("email", ["ada", "ada@", "ada@nhs", "a da@nhs.net", "ada@@nhs.net"])
def test_a_bad_email_is_a_problem(org, email):
    assert found(check(staff_row("1", work_email=email))) == [(2, "work_email", email)]


def test_blank_required_values_are_each_a_problem(org):
    row = staff_row("", first_name="", last_name="", org="", staff_group="", grade="")
    result = check({**row, "start_date": ""})
    assert [p.column for p in result.problems] == [
        "staff_number",
        "first_name",
        "last_name",
        "organisation_code",
        "staff_group",
        "grade",
        "start_date",
    ]


def test_every_problem_in_the_file_is_reported_in_row_order(org):
    result = check(
        staff_row("1", grade="Band 99"),
        staff_row("2"),
        staff_row("3", staff_group="Pirates", start_date="yesterday"),
        staff_row("4", manager="404"),
        staff_row("2", work_email="nope"),
    )
    assert found(result) == [
        (2, "grade", "Band 99"),
        (4, "staff_group", "Pirates"),
        (4, "start_date", "yesterday"),
        (5, "line_manager_staff_number", "404"),
        (6, "staff_number", "2"),
        (6, "work_email", "nope"),
    ]
    assert not result.rows


def test_long_values_are_shortened_in_problems(org):
    result = check(staff_row("1", grade="x" * 500))
    assert len(result.problems[0].value) == staff_import.MAX_VALUE_IN_PROBLEM


def test_a_file_with_problems_writes_nothing(org):
    result = run(staff_csv(staff_row("1"), staff_row("2", grade="Band 99")))
    assert not result.applied
    assert result.counts is None
    assert not Person.objects.exists()
    assert not AuditEvent.objects.filter(action="people.staff.imported").exists()


# ---------------------------------------------------------------------------
# Organisation leads import only their own organisations


def test_an_organisation_lead_cannot_import_rows_for_other_organisations(org, other_org):
    lead = user_with_role(Role.ORGANISATION_LEAD, org)
    result = check(staff_row("1"), staff_row("2", org="RBB"), scope=build_scope(lead))
    assert found(result) == [(3, "organisation_code", "RBB")]
    assert "organisations you lead" in result.problems[0].reason


def test_an_organisation_lead_cannot_take_over_a_record_at_another_organisation(org, other_org):
    lead = user_with_role(Role.ORGANISATION_LEAD, org)
    PersonFactory(staff_number="77", organisation=other_org)
    result = check(staff_row("77"), scope=build_scope(lead))
    assert found(result) == [(2, "staff_number", "77")]
    assert "Beta Healthcare NHS Trust" in result.problems[0].reason


def test_a_national_lead_may_import_any_organisation(org, other_org):
    lead = user_with_role(Role.NATIONAL_LEAD)
    result = check(staff_row("1"), staff_row("2", org="RBB"), scope=build_scope(lead))
    assert result.ok


# ---------------------------------------------------------------------------
# Applying


def test_a_first_import_creates_everyone_with_their_managers(org):
    data = staff_csv(
        staff_row("3", manager="2", grade="Band 5"),
        staff_row("1", grade="Very senior manager"),
        staff_row("2", manager="1", grade="8b", work_email="Two@NHS.net"),
    )
    result = run(data)
    assert result.counts == staff_import.ImportCounts(created=3)
    one, two, three = person("1"), person("2"), person("3")
    assert (one.line_manager, two.line_manager, three.line_manager) == (None, one, two)
    assert (one.manager_path, two.manager_path) == ("", f"/{one.pk}/")
    assert three.manager_path == f"/{one.pk}/{two.pk}/"
    assert two.grade == Grade.BAND_8B
    assert two.career_stage == CareerStage.SENIOR
    assert two.work_email == "Two@NHS.net"
    assert list(Person.objects.in_team_of(one).order_by("staff_number")) == [two, three]


def test_importing_the_same_file_again_changes_nothing(org):
    data = staff_csv(staff_row("1"), staff_row("2", manager="1"))
    run(data)
    before = list(Person.objects.order_by("pk").values_list("pk", "updated_at"))
    result = run(data)
    assert result.counts == staff_import.ImportCounts(unchanged=2)
    assert list(Person.objects.order_by("pk").values_list("pk", "updated_at")) == before


def test_changed_rows_are_updated_and_counted(org):
    run(staff_csv(staff_row("1"), staff_row("2", manager="1"), staff_row("3")))
    result = run(
        staff_csv(
            staff_row("1", last_name="Married"),
            staff_row("2", manager="1"),
            staff_row("3", manager="1"),
            staff_row("4", manager="3"),
        )
    )
    assert result.counts == staff_import.ImportCounts(created=1, updated=2, unchanged=1)
    assert person("1").last_name == "Married"
    assert person("3").line_manager == person("1")
    assert person("4").manager_path == f"/{person('1').pk}/{person('3').pk}/"


def test_line_managers_already_in_healthlead_are_found(org):
    top = PersonFactory(staff_number="900", organisation=org)
    boss = PersonFactory(staff_number="901", organisation=org, line_manager=top)
    run(staff_csv(staff_row("1", manager="901"), staff_row("2", manager="1")))
    assert person("1").line_manager == boss
    assert person("1").manager_path == f"/{top.pk}/{boss.pk}/"
    assert person("2").manager_path == f"/{top.pk}/{boss.pk}/{person('1').pk}/"


def test_moving_a_manager_fixes_the_paths_of_everyone_below_them(org):
    """Only the manager is in the file: their team, at every level, follows them."""
    a = PersonFactory(staff_number="A", organisation=org)
    b = PersonFactory(staff_number="B", organisation=org, line_manager=a)
    c = PersonFactory(staff_number="C", organisation=org, line_manager=b)
    d = PersonFactory(staff_number="D", organisation=org, line_manager=c)
    PersonFactory(staff_number="E", organisation=org, line_manager=d)
    PersonFactory(staff_number="F", organisation=org, line_manager=a)
    # B moves under a new director X, who reports to F.
    result = run(staff_csv(staff_row("X", manager="F"), staff_row("B", manager="X")))
    assert result.counts.created == 1
    assert_every_path_is_right()
    x = person("X")
    assert person("E").manager_path == f"/{a.pk}/{person('F').pk}/{x.pk}/{b.pk}/{c.pk}/{d.pk}/"
    assert set(Person.objects.in_team_of(x).values_list("staff_number", flat=True)) == {
        "B",
        "C",
        "D",
        "E",
    }


def test_a_manager_who_becomes_the_top_takes_their_team_with_them(org):
    a = PersonFactory(staff_number="A", organisation=org)
    b = PersonFactory(staff_number="B", organisation=org, line_manager=a)
    PersonFactory(staff_number="C", organisation=org, line_manager=b)
    run(staff_csv(staff_row("B")))
    assert_every_path_is_right()
    assert person("C").manager_path == f"/{b.pk}/"


def test_a_manager_moved_below_their_own_former_report_is_allowed(org):
    a = PersonFactory(staff_number="A", organisation=org)
    b = PersonFactory(staff_number="B", organisation=org, line_manager=a)
    PersonFactory(staff_number="C", organisation=org, line_manager=b)
    result = run(staff_csv(staff_row("B"), staff_row("A", manager="C")))
    assert result.applied
    assert_every_path_is_right()
    assert person("A").manager_path == f"/{b.pk}/{person('C').pk}/"


def test_leavers_get_a_leaving_date_and_lose_it_when_they_return(org):
    run(staff_csv(staff_row("1", status="left")))
    assert person("1").left_on == timezone.localdate()
    run(staff_csv(staff_row("1", status="active")))
    assert person("1").status == Person.Status.ACTIVE
    assert person("1").left_on is None


def test_missing_staff_are_marked_left_only_when_asked_and_only_in_the_files_organisations(
    org, other_org
):
    run(staff_csv(staff_row("1"), staff_row("2"), staff_row("3", org="RBB")))
    result = run(staff_csv(staff_row("1")))
    assert result.counts.marked_left == 0
    assert person("2").status == Person.Status.ACTIVE

    result = run(staff_csv(staff_row("1")), mark_missing_left=True)
    assert result.counts == staff_import.ImportCounts(unchanged=1, marked_left=1)
    assert person("2").status == Person.Status.LEFT
    assert person("2").left_on == timezone.localdate()
    assert person("3").status == Person.Status.ACTIVE


def test_a_line_manager_who_would_be_marked_left_is_a_problem(org):
    run(staff_csv(staff_row("1"), staff_row("2", manager="1")))
    result = run(staff_csv(staff_row("2", manager="1")), mark_missing_left=True)
    assert found(result.check) == [(2, "line_manager_staff_number", "1")]
    assert person("1").status == Person.Status.ACTIVE


def test_a_person_may_move_organisation(org, other_org):
    run(staff_csv(staff_row("1")))
    result = run(staff_csv(staff_row("1", org="RBB")))
    assert result.counts.updated == 1
    assert person("1").organisation == other_org


def test_one_audit_event_records_the_whole_import(org):
    data = staff_csv(*[staff_row(str(n)) for n in range(1, 6)])
    run(data)
    events = AuditEvent.objects.filter(action__startswith="people.")
    assert events.count() == 1
    event = events.get()
    assert event.action == "people.staff.imported"
    assert event.detail["sha256"] == staff_import.check(data).sha256
    assert event.detail["created"] == 5
    assert event.detail["organisations"] == ["RAA"]


def test_an_import_that_fails_part_way_leaves_nothing_behind(org, monkeypatch):
    PersonFactory(staff_number="A", organisation=org)
    PersonFactory(staff_number="B", organisation=org, line_manager=Person.objects.get())

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(actions, "rebuild_manager_paths", broken)
    with pytest.raises(RuntimeError):
        run(staff_csv(staff_row("X"), staff_row("A", manager="X"), staff_row("Y", manager="X")))
    assert sorted(Person.objects.values_list("staff_number", flat=True)) == ["A", "B"]
    assert person("A").line_manager is None
    assert not AuditEvent.objects.filter(action="people.staff.imported").exists()


def test_a_file_with_problems_cannot_be_applied(org):
    result = check(staff_row("1", grade="Band 99"))
    with pytest.raises(ValueError, match="problems"):
        staff_import.apply(result)


def test_a_large_load_keeps_every_index_and_key_of_the_people_table(org, monkeypatch):
    """A bulk load may set indexes aside while it runs: they must all be back after."""
    monkeypatch.setattr(staff_import, "BULK_LOAD_MIN_ROWS", 2)
    with connection.cursor() as cursor:
        before = connection.introspection.get_constraints(cursor, Person._meta.db_table)
    rows = [staff_row(str(n), manager=str(n - 1) if n > 1 else "") for n in range(1, 40)]
    result = run(staff_csv(*rows))
    with connection.cursor() as cursor:
        after = connection.introspection.get_constraints(cursor, Person._meta.db_table)
    assert result.counts.created == 39
    assert after == before
    assert_every_path_is_right()


def test_a_deep_management_tree_is_rebuilt_in_batches(org, monkeypatch):
    """More people at one level than a query may name at once."""
    monkeypatch.setattr(staff_import, "in_batch_size", lambda: 3)
    top = PersonFactory(staff_number="T", organisation=org)
    team = [
        PersonFactory(staff_number=f"M{n}", organisation=org, line_manager=top) for n in range(7)
    ]
    for n, manager in enumerate(team):
        PersonFactory(staff_number=f"R{n}", organisation=org, line_manager=manager)
    run(staff_csv(staff_row("NEW"), staff_row("T", manager="NEW")))
    assert_every_path_is_right()


def test_the_example_file_in_the_documentation_imports_cleanly():
    OrganisationFactory(code="RGT", name="CAMBRIDGE UNIVERSITY HOSPITALS NHS FOUNDATION TRUST")
    data = (Path(settings.BASE_DIR) / "docs" / "examples" / "staff.csv").read_bytes()
    result = run(data)
    assert result.applied, found(result.check)
    assert result.counts == staff_import.ImportCounts(created=11)
    assert person("10000006").manager_path == "/{}/{}/{}/{}/".format(
        *(person(n).pk for n in ["10000001", "10000002", "10000004", "10000005"])
    )
    assert person("10000011").status == Person.Status.LEFT
