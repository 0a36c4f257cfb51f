"""Synthetic national data at trust scale: deterministic, realistic, and safe to re-run."""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

import pytest
import yaml
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from healthlead.accounts import actions as account_actions
from healthlead.core.actors import System
from healthlead.demo.synth import facts, plan, registry, staff, writer
from healthlead.demo.synth.partners import EMAIL_DOMAIN as PARTNER_DOMAIN
from healthlead.demo.synth.run import REFERENCE_DATE, synthesise
from healthlead.demo.tests.synth_support import synthesise_in_test
from healthlead.people.models import (
    CareerStage,
    EqualityAnswers,
    Grade,
    Organisation,
    Partner,
    Person,
    Region,
    StaffGroup,
)
from healthlead.people.tests.factories import PersonFactory

PEOPLE_FIELDS = [
    "id",
    "staff_number",
    "first_name",
    "last_name",
    "work_email",
    "organisation_id",
    "staff_group",
    "occupation",
    "grade",
    "career_stage",
    "line_manager_id",
    "manager_path",
    "start_date",
    "status",
]
EQUALITY_FIELDS = ["id", "person_id", "sex", "ethnicity", "disability", "answered_at"]
PARTNER_FIELDS = [
    "id",
    "first_name",
    "last_name",
    "email",
    "phone",
    "postcode",
    "region_id",
    "organisation_id",
    "interests",
    "consent_given_at",
    "consent_withdrawn_at",
    "status",
]


@dataclass
class Snapshot:
    people: list[dict[str, Any]]
    equality: list[dict[str, Any]]
    partners: list[dict[str, Any]]
    organisations: list[dict[str, Any]]
    stderr: str

    def by_id(self) -> dict[int, dict[str, Any]]:
        return {p["id"]: p for p in self.people}


def synthesise_and_read(seed: int) -> Snapshot:
    """Run synth at trust scale inside a transaction, read everything back, roll it all back."""
    progress = io.StringIO()
    with transaction.atomic():
        synthesise_in_test(scale="trust", seed=seed, stdout=io.StringIO(), progress=progress)
        # Organisations and regions get ids from sequences, which PostgreSQL does not roll
        # back: compare them by code.
        codes = dict(Organisation.objects.values_list("id", "code"))
        regions = dict(Region.objects.values_list("id", "code"))
        people = list(Person.objects.order_by("pk").values(*PEOPLE_FIELDS))
        for person in people:
            person["organisation"] = codes[person["organisation_id"]]
        partners = list(Partner.objects.order_by("pk").values(*PARTNER_FIELDS))
        for partner in partners:
            partner["organisation"] = codes.get(partner["organisation_id"])
            partner["region"] = regions[partner["region_id"]]
        snapshot = Snapshot(
            people=people,
            equality=list(EqualityAnswers.objects.order_by("pk").values(*EQUALITY_FIELDS)),
            partners=partners,
            organisations=list(
                Organisation.objects.order_by("code").values(
                    "id", "code", "name", "kind", "region_id", "parent_id"
                )
            ),
            stderr=progress.getvalue(),
        )
        transaction.set_rollback(True)
    return snapshot


@pytest.fixture(scope="module")
def trust(django_db_setup, django_db_blocker) -> Snapshot:  # type: ignore[no-untyped-def]
    """One trust-scale run shared by the read-only tests (rolled back, so nothing lingers)."""
    with django_db_blocker.unblock():
        return synthesise_and_read(seed=7)


@pytest.fixture
def small_trust(monkeypatch: pytest.MonkeyPatch) -> None:
    """Trust scale with 300 staff, for tests that run synth more than once."""
    monkeypatch.setattr(facts, "TRUST_SCALE_STAFF", 300)


def test_same_seed_gives_identical_staff_tables_at_trust_scale(db, trust):
    again = synthesise_and_read(seed=7)
    assert len(trust.people) == facts.TRUST_SCALE_STAFF

    def without_sequence_ids(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [
            {k: v for k, v in row.items() if k not in {"organisation_id", "region_id"}}
            for row in rows
        ]

    assert without_sequence_ids(again.people) == without_sequence_ids(trust.people)
    assert again.equality == trust.equality
    assert without_sequence_ids(again.partners) == without_sequence_ids(trust.partners)


def test_another_seed_gives_other_people(db, trust, small_trust):
    other = synthesise_and_read(seed=8)
    names = [(p["first_name"], p["last_name"]) for p in trust.people[:300]]
    other_names = [(p["first_name"], p["last_name"]) for p in other.people]
    assert len(other_names) == 300
    assert sum(a == b for a, b in zip(names, other_names, strict=True)) < 30


def test_staff_numbers_and_work_emails_are_unique_and_synthetic(trust):
    numbers = [p["staff_number"] for p in trust.people]
    emails = [p["work_email"] for p in trust.people]
    assert len(set(numbers)) == len(numbers)
    assert all(n.startswith(staff.STAFF_NUMBER_PREFIX) for n in numbers)
    assert len(set(emails)) == len(emails)
    assert all(e.endswith("@rgt.nhs.example") for e in emails)


def test_everyone_but_the_chair_has_a_line_manager_in_the_same_organisation(trust):
    people = trust.by_id()
    tops = [p for p in trust.people if p["line_manager_id"] is None]
    assert [p["occupation"] for p in tops] == ["Chair"]
    for person in trust.people:
        if person["line_manager_id"] is not None:
            manager = people[person["line_manager_id"]]
            assert manager["organisation_id"] == person["organisation_id"]


def test_the_board_sits_at_the_top(trust):
    people = trust.by_id()
    chair = next(p for p in trust.people if p["occupation"] == "Chair")
    chief = next(p for p in trust.people if p["occupation"] == "Chief executive")
    assert chief["line_manager_id"] == chair["id"]
    executives = [p for p in trust.people if p["line_manager_id"] == chief["id"]]
    assert {e["occupation"] for e in executives} == {d.title for d in staff.TRUST_DIRECTORATES}
    for member in [chair, chief, *executives]:
        assert member["grade"] == Grade.VSM
        assert member["career_stage"] == CareerStage.EXECUTIVE
    medical = next(e for e in executives if e["occupation"] == "Medical director")
    assert medical["staff_group"] == StaffGroup.DOCTORS
    doctors = [p for p in trust.people if p["staff_group"] == StaffGroup.DOCTORS]
    assert all(
        medical["id"] == d["id"] or f"/{medical['id']}/" in d["manager_path"] for d in doctors
    )
    assert people[medical["line_manager_id"]]["occupation"] == "Chief executive"


def test_every_manager_has_between_5_and_15_direct_reports(trust):
    reports = Counter(p["line_manager_id"] for p in trust.people if p["line_manager_id"])
    assert len(reports) > facts.TRUST_SCALE_STAFF / 15
    assert min(reports.values()) >= staff.MIN_SPAN
    assert max(reports.values()) <= staff.MAX_SPAN
    mean_span = sum(reports.values()) / len(reports)
    assert 7 <= mean_span <= 12


def test_manager_path_is_the_chain_of_managers_above_each_person(trust):
    people = trust.by_id()
    for person in trust.people:
        chain = []
        manager_id = person["line_manager_id"]
        while manager_id is not None:
            chain.append(manager_id)
            manager_id = people[manager_id]["line_manager_id"]
        expected = "".join(f"/{pk}" for pk in reversed(chain)) + "/" if chain else ""
        assert person["manager_path"] == expected


def test_a_managers_team_is_everyone_whose_path_starts_with_their_team_path(trust):
    people = trust.by_id()
    children = defaultdict(list)
    for person in trust.people:
        children[person["line_manager_id"]].append(person["id"])
    manager = next(p for p in trust.people if p["occupation"] == "Chief nurse")
    below, frontier = set(), [manager["id"]]
    while frontier:
        frontier = [child for pk in frontier for child in children[pk]]
        below.update(frontier)
    team_path = f"{manager['manager_path'] or '/'}{manager['id']}/"
    by_path = {p["id"] for p in trust.people if p["manager_path"].startswith(team_path)}
    assert by_path == below
    assert len(below) > 1000
    assert all(people[pk]["organisation_id"] == manager["organisation_id"] for pk in below)


def test_nobody_is_junior_to_their_own_reports(trust):
    people = trust.by_id()
    for person in trust.people:
        if person["line_manager_id"] is not None:
            manager = people[person["line_manager_id"]]
            assert facts.RANK[manager["grade"]] >= facts.RANK[person["grade"]]


def test_staff_group_mix_matches_the_workforce_statistics(trust):
    """An acute trust: the national mix without ambulance staff, within two percentage points."""
    shares = yaml.safe_load(facts.WORKFORCE_FILE.read_text())["staff_group_mix_hchs_approx"]
    infrastructure = {
        StaffGroup.CENTRAL,
        StaffGroup.ESTATES,
        StaffGroup.MANAGERS,
        StaffGroup.SENIOR_MANAGERS,
    }
    category = {
        StaffGroup.NURSES: "nurses_and_health_visitors",
        StaffGroup.DOCTORS: "doctors",
        StaffGroup.MIDWIVES: "midwives",
        StaffGroup.SCIENTIFIC: "scientific_therapeutic_technical_incl_ahps",
        StaffGroup.SUPPORT_CLINICAL: "support_to_clinical_staff",
        StaffGroup.OTHER: "other",
        **dict.fromkeys(infrastructure, "infrastructure_support"),
    }
    counts = Counter(category[p["staff_group"]] for p in trust.people)
    expected_total = sum(v for k, v in shares.items() if k != "ambulance_staff")
    assert "ambulance_staff" not in counts
    for name, share in shares.items():
        if name == "ambulance_staff":
            continue
        assert counts[name] / len(trust.people) == pytest.approx(share / expected_total, abs=0.02)


def test_doctors_follow_the_published_training_to_consultant_proportions(trust):
    doctors = [p for p in trust.people if p["staff_group"] == StaffGroup.DOCTORS]
    grades = Counter(p["grade"] for p in doctors)
    medical = facts.workforce()["medical_grades_2013"]
    trainees = sum(grades[g] for g in facts.TRAINING_YEAR)
    consultants = grades[Grade.CONSULTANT]
    published = medical["doctors_in_training"] / medical["consultants"]
    assert trainees / consultants == pytest.approx(published, rel=0.2)
    assert grades[Grade.FY1] > 0
    assert grades[Grade.ST8] > 0
    assert grades[Grade.SPECIALTY_DOCTOR] / len(doctors) == pytest.approx(0.11, abs=0.04)
    assert all(p["grade"] not in {Grade.BAND_5, Grade.BAND_6} for p in doctors)


def test_grades_are_realistic_for_each_staff_group(trust):
    for person in trust.people:
        if person["grade"] == Grade.VSM:
            continue
        assert person["grade"] in facts.GRADE_SHARES[person["staff_group"]], person


def test_career_stages_and_start_dates_agree_with_grades(trust):
    for person in trust.people:
        assert person["career_stage"] in facts.STAGES_FOR_GRADE[person["grade"]], person
        assert dt.date(1985, 1, 1) <= person["start_date"] <= REFERENCE_DATE
        years = (REFERENCE_DATE - person["start_date"]).days / 365.25
        if person["career_stage"] == CareerStage.EARLY_CAREER and person["grade"].startswith(
            "band_"
        ):
            assert years < facts.EARLY_CAREER_YEARS
        if person["grade"] == Grade.FY1:
            assert person["start_date"] == dt.date(2025, 8, 6)  # the August rotation


def test_about_seventy_percent_give_equality_answers(trust):
    share = len(trust.equality) / len(trust.people)
    assert share == pytest.approx(facts.EQUALITY_ANSWER_RATE, abs=0.03)
    people = trust.by_id()
    nurses = [a for a in trust.equality if people[a["person_id"]]["staff_group"] == "nurses"]
    female = sum(a["sex"] == EqualityAnswers.Sex.FEMALE for a in nurses) / len(nurses)
    assert female == pytest.approx(0.87, abs=0.05)
    ethnicities = Counter(a["ethnicity"] for a in trust.equality)
    assert set(ethnicities) == set(facts.ETHNICITY_SHARES)
    assert len({a["person_id"] for a in trust.equality}) == len(trust.equality)


def test_patient_partners_have_a_contact_and_consent(trust):
    assert len(trust.partners) == facts.PARTNERS_AT_TRUST_SCALE
    trust_id = next(o["id"] for o in trust.organisations if o["code"] == "RGT")
    for partner in trust.partners:
        assert partner["email"].endswith("@" + PARTNER_DOMAIN)
        assert partner["organisation_id"] == trust_id
        assert partner["consent_given_at"] is not None
        assert partner["interests"]
        withdrawn = partner["status"] == Partner.Status.WITHDRAWN
        assert withdrawn == (partner["consent_withdrawn_at"] is not None)


def test_the_42_icbs_are_parents_of_their_trusts(trust):
    organisations = {o["id"]: o for o in trust.organisations}
    icbs = [o for o in trust.organisations if o["kind"] == Organisation.Kind.ICB]
    assert len(icbs) == 42
    assert any(o["code"] == "QOP" and o["name"] == "Integrated care board QOP" for o in icbs)
    by_region = Counter(o["region_id"] for o in icbs)
    assert sorted(by_region.values()) == sorted(facts.ICBS_PER_REGION.values())
    trusts = [o for o in trust.organisations if o["kind"] == Organisation.Kind.TRUST]
    assert len(trusts) > 190
    for organisation in trusts:
        parent = organisations[organisation["parent_id"]]
        assert parent["kind"] == Organisation.Kind.ICB
        assert parent["region_id"] == organisation["region_id"]


def test_trusts_without_an_icb_code_are_shared_evenly_among_synthetic_icbs():
    geography = {f"T{n:02d}": ("Y61", "S1Y5D" if n < 11 else "T6Y0W") for n in range(21)}
    geography["T99"] = ("Y62", "QOP")
    icbs = plan.plan_icbs(geography)
    east = [i for i in icbs if i.region_code == "Y61"]
    assert [i.code for i in east] == [f"ICB-Y61-{n}" for n in range(1, 7)]
    assert sorted(len(i.trusts) for i in east) == [3, 3, 3, 4, 4, 4]
    assert [i.code for i in icbs if i.region_code == "Y62"] == ["QOP"]


def test_trust_kinds_are_read_from_names():
    assert plan.trust_kind("EAST OF ENGLAND AMBULANCE SERVICE NHS TRUST") == facts.AMBULANCE
    assert plan.trust_kind("BIRMINGHAM WOMEN'S AND CHILDREN'S NHS FOUNDATION TRUST") == (
        facts.SPECIALIST
    )
    assert plan.trust_kind("KENT AND MEDWAY MENTAL HEALTH NHS TRUST") == (
        facts.MENTAL_HEALTH_COMMUNITY
    )
    assert plan.trust_kind("CAMBRIDGE UNIVERSITY HOSPITALS NHS FOUNDATION TRUST") == facts.ACUTE


def test_progress_bars_go_to_stderr(trust):
    assert "staff" in trust.stderr
    assert "100%" in trust.stderr
    assert "7,000 rows" in trust.stderr


@pytest.mark.django_db
def test_synth_refuses_a_database_with_staff_unless_told():
    PersonFactory()
    with pytest.raises(CommandError, match="--yes"):
        call_command("synth", "--scale", "trust", stdout=io.StringIO(), stderr=io.StringIO())
    assert Person.objects.count() == 1
    assert not Organisation.objects.filter(kind=Organisation.Kind.ICB).exists()


@pytest.mark.django_db
def test_yes_replaces_earlier_synthetic_data_and_keeps_everything_else(small_trust):
    out = io.StringIO()
    call_command("synth", "--seed", "3", stdout=out, stderr=io.StringIO())
    assert "Synthesised trust scale" in out.getvalue()
    first = list(Person.objects.order_by("pk").values_list("staff_number", "last_name"))
    kept = PersonFactory(staff_number="9990001")
    chair = Person.objects.get(staff_number="SY0000001")
    user = account_actions.create_user(
        email="chair@nhs.example", password=None, by=System("tests"), person=chair
    )
    call_command("synth", "--seed", "3", "--yes", stdout=out, stderr=io.StringIO())
    assert "Removed" in out.getvalue()
    again = list(
        Person.objects.filter(staff_number__startswith="SY")
        .order_by("pk")
        .values_list("staff_number", "last_name")
    )
    assert again == first
    assert Person.objects.filter(pk=kept.pk).exists()
    user.refresh_from_db()
    assert user.person is None
    assert Partner.objects.count() == facts.PARTNERS_AT_TRUST_SCALE


@pytest.mark.django_db
def test_an_unknown_trust_code_is_refused_in_plain_english(small_trust):
    with pytest.raises(CommandError, match="No open NHS trust in England has the code 'XYZ'"):
        call_command("synth", "--trust", "XYZ", stdout=io.StringIO(), stderr=io.StringIO())
    assert not Person.objects.exists()


@pytest.mark.django_db
def test_another_app_can_add_a_stage_that_runs_after_staff(small_trust, monkeypatch):
    calls: list[tuple[str, int]] = []

    def clear(ctx: registry.SynthContext) -> int:
        calls.append(("clear", 0))
        return 0

    def load(ctx: registry.SynthContext) -> int:
        """Pretend 360 cycles."""
        calls.append(("load", len(ctx.require_staff())))
        return 5

    monkeypatch.setitem(
        registry.STAGES, "pretend", registry.Stage("pretend", 10_000, load, clear, "Pretend")
    )
    report = synthesise_in_test(scale="trust", seed=1, stdout=io.StringIO())
    assert report.rows["pretend"] == 5
    assert list(report.rows)[-1] == "pretend"
    assert calls == [("clear", 0), ("load", 300)]


@pytest.mark.django_db
def test_bulk_loading_restores_every_key_index_and_constraint(small_trust, monkeypatch):
    def shape() -> dict[str, set[str]]:
        with connection.cursor() as cursor:
            return {
                table: set(connection.introspection.get_constraints(cursor, table))
                for table in ("people_person", "people_equalityanswers")
            }

    before = shape()
    monkeypatch.setattr(writer, "BULK_ROWS", 1)
    synthesise_in_test(scale="trust", seed=1, stdout=io.StringIO())
    synthesise_in_test(scale="trust", seed=1, replace=True, stdout=io.StringIO())
    assert shape() == before
    assert Person.objects.count() == 300
    assert EqualityAnswers.objects.filter(person__staff_number__startswith="SY").count() > 150


def test_copy_lines_escape_what_postgresql_would_misread():
    rows = [
        (1, "plain", None, dt.date(2026, 3, 31), ["panels"]),
        (2, "tab\there", "back\\slash", dt.date(2026, 4, 1), None),
    ]
    lines = list(
        writer.copy_text_lines(
            Partner, ["id", "first_name", "last_name", "consent_given_at", "interests"], rows
        )
    )
    assert lines[0] == '1\tplain\t\\N\t2026-03-31\t["panels"]\n'
    assert lines[1] == "2\ttab\\there\tback\\\\slash\t2026-04-01\t\\N\n"


def test_an_unknown_region_code_is_refused_before_anything_is_written():
    with pytest.raises(registry.SynthError, match="'Y99' is not an NHS England region code"):
        synthesise(scale="region", region_code="Y99", seed=1, stdout=io.StringIO())


@pytest.mark.django_db
def test_people_pages_benchmark_measures_pages_as_a_signed_in_national_lead(
    small_trust, tmp_path, settings
):
    from healthlead.core.benchmarks import BenchContext
    from healthlead.demo import benchmarks as demo_benchmarks

    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    synthesise_in_test(scale="trust", seed=1, stdout=io.StringIO())
    measurements = demo_benchmarks.people_pages(
        BenchContext(scale="trust", repeats=2, scratch=tmp_path)
    )
    figures = {m.figure: m for m in measurements}
    times = [m for m in measurements if m.unit == "ms"]
    assert len(times) == 3
    assert all(m.value > 0 and m.target_value == demo_benchmarks.PAGE_TARGET_MS for m in times)
    queries = [m.value for m in measurements if m.unit == "queries"]
    assert all(5 <= q <= 30 for q in queries)
    assert any(f.startswith("person page") for f in figures)
