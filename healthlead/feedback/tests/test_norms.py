"""National norms (with fallback to wider groups) and Cronbach's alpha."""

from __future__ import annotations

import importlib
import io
import random
import statistics
import types

import numpy as np
import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from healthlead.accounts.models import Role
from healthlead.accounts.tests.factories import UserFactory
from healthlead.core.actors import System
from healthlead.feedback import norms
from healthlead.feedback.models import InstrumentStatistic, NormTable, Response
from healthlead.feedback.tests.report_helpers import close, make_questionnaire, open_cycle, submit
from healthlead.people.models import CareerStage, StaffGroup

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _plain_sign_in(settings):
    """Sign-in protections are tested with sign-in; here pages are reached by force_login."""
    settings.TWO_FACTOR_REQUIRED = False
    settings.AXES_ENABLED = False


SYSTEM = System("tests")

# Four raters, three items: worked by hand in test_alpha_matches_a_hand_computed_example.
HAND_EXAMPLE = [[4, 5, 4], [3, 4, 3], [5, 5, 4], [2, 3, 2]]


def test_percentile_rank_interpolates_between_stored_percentiles():
    percentiles = [float(p) for p in np.linspace(1, 5, 21)]  # p0 = 1.0 ... p100 = 5.0
    assert norms.percentile_rank(0.5, percentiles) == 0
    assert norms.percentile_rank(5.0, percentiles) == 100
    assert norms.percentile_rank(3.0, percentiles) == 50
    assert norms.percentile_rank(3.1, percentiles) == 52
    flat = [3.0] * 21
    assert norms.percentile_rank(3.0, flat) == 0  # at or below the lowest


def test_alpha_matches_a_hand_computed_example():
    """Item variances 5/3, 2.75/3, 2.75/3 sum to 3.5; totals 13, 10, 14, 7 have variance 10;
    alpha = 3/2 * (1 - 3.5/10) = 0.975."""
    assert norms.cronbach_alpha(np.array(HAND_EXAMPLE, dtype=float)) == pytest.approx(0.975)
    assert norms.cronbach_alpha(np.array([[3, 3], [3, 3]], dtype=float)) is None


def _closed_cycles(instrument, people, *, offset=0):
    for n, user in enumerate(people):
        cycle = open_cycle(instrument, subject_user=user)
        rating = 1 + (n + offset) % 5
        for _ in range(3):
            submit(cycle, "peers", [rating] * len(instrument.items), instrument=instrument)
        close(cycle)


def test_groups_with_fewer_than_30_subjects_are_not_stored():
    instrument = make_questionnaire(((1,),))
    _closed_cycles(instrument, [UserFactory() for _ in range(29)])
    assert norms.refresh_norms(by=SYSTEM) == 0
    assert not NormTable.objects.exists()


def test_norms_fall_back_to_a_wider_group_and_the_report_names_it(client):
    instrument = make_questionnaire(((1,),))
    _closed_cycles(instrument, [UserFactory() for _ in range(30)])  # nurses, early career
    stored = norms.refresh_norms(by=SYSTEM)
    # element + domain, for (nurses, early career), (nurses, any stage), (everyone)
    assert stored == 6
    row = NormTable.objects.get(staff_group="", career_stage="", element__isnull=False)
    assert row.subjects == 30
    assert len(row.percentiles) == 21

    expected = {
        (StaffGroup.NURSES, CareerStage.EARLY_CAREER): "Nurses and health visitors, early career",
        (StaffGroup.NURSES, CareerStage.SENIOR): "Nurses and health visitors, all career stages",
        (StaffGroup.DOCTORS, CareerStage.SENIOR): "All staff groups and career stages",
    }
    for (staff_group, stage), label in expected.items():
        user = UserFactory(person__staff_group=staff_group, person__career_stage=stage)
        cycle = open_cycle(instrument, subject_user=user)
        for _ in range(3):
            submit(cycle, "peers", [4], instrument=instrument)
        cycle = close(cycle)
        frozen = cycle.report.data["norms"]
        assert frozen["label"] == label
        assert frozen["elements"][str(instrument.elements[0].pk)] == norms.percentile_rank(
            4.0, row.percentiles
        )
        client.force_login(user)
        page = client.get(reverse("feedback:show_report", args=[cycle.pk])).content.decode()
        assert label in page


def test_alpha_uses_only_visible_responses_of_closed_cycles(monkeypatch):
    monkeypatch.setattr(norms, "ALPHA_MINIMUM", 2)
    instrument = make_questionnaire(((3,),))
    cycle = open_cycle(instrument)
    for ratings in HAND_EXAMPLE:
        submit(cycle, "peers", ratings, instrument=instrument)
    submit(cycle, "peers", [5, None, 1], instrument=instrument)  # incomplete: left out
    submit(cycle, "self", [1, 5, 1], instrument=instrument)  # self: left out
    for _ in range(2):  # patients below their minimum: left out
        submit(cycle, "patients_carers", [1, 5, 1], instrument=instrument)
    still_open = open_cycle(instrument)
    submit(still_open, "peers", [1, 5, 1], instrument=instrument)  # not closed: left out
    close(cycle)

    assert norms.refresh_instrument_statistics(by=SYSTEM) == 1
    statistic = InstrumentStatistic.objects.get()
    assert statistic.responses == 4
    assert statistic.alpha == pytest.approx(0.975)


def test_refresh_command_stores_norms_and_statistics():
    instrument = make_questionnaire(((1, 1),))
    _closed_cycles(instrument, [UserFactory() for _ in range(30)])
    out = io.StringIO()
    call_command("refresh_feedback_norms", stdout=out)
    assert "Stored 9 norm rows and 1 reliability rows." in out.getvalue()
    call_command("refresh_feedback_norms", stdout=out)  # idempotent: replaces, never adds
    assert NormTable.objects.count() == 9


def test_instrument_statistics_page_is_for_national_leads_only(client):
    instrument = make_questionnaire(((3,),))
    cycle = open_cycle(instrument)
    for ratings in HAND_EXAMPLE:
        submit(cycle, "peers", ratings, instrument=instrument)
    close(cycle)
    norms.refresh_instrument_statistics(by=SYSTEM)
    url = reverse("feedback:show_instrument_statistics")
    client.force_login(UserFactory())
    assert client.get(url).status_code == 403
    client.force_login(UserFactory(roles=[(Role.NATIONAL_LEAD, None)]))
    page = client.get(url).content.decode()
    assert "Domain 1" in page
    assert "Too few responses" in page  # 4 complete responses: fewer than 30


def _plain_alpha(rows: list[list[int]]) -> float | None:
    """Cronbach's alpha as a textbook writes it, with the statistics module."""
    k = len(rows[0])
    if k < 2 or len(rows) < 2:
        return None
    items = sum(statistics.variance([row[i] for row in rows]) for i in range(k))
    total = statistics.variance([sum(row) for row in rows])
    return None if total == 0 else k / (k - 1) * (1 - items / total)


def test_pack_ratings_is_one_byte_an_item_and_refuses_out_of_range():
    assert norms.pack_ratings([1, None, 5, 3]) == b"\x01\x00\x05\x03"
    assert norms.pack_ratings([]) == b""
    for bad in ([0], [6], [-1]):
        with pytest.raises(ValueError, match="1 to 5"):
            norms.pack_ratings(bad)


def test_ratings_of_reads_answers_in_item_order_with_gaps_as_not_observed():
    instrument = make_questionnaire(((2, 2),))
    cycle = open_cycle(instrument)
    response = submit(cycle, "peers", [4, None, 2, 5], instrument=instrument)
    response.answers.filter(item=instrument.items[3]).delete()  # no answer at all
    assert norms.ratings_of(response) == b"\x04\x00\x02\x00"


def _execute(sql: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql)


def _editor() -> types.SimpleNamespace:
    """What RunPython hands a migration function, as far as the backfills use it: the
    connection, and execute() for plain SQL (a schema editor cannot open inside a test's
    transaction on SQLite)."""
    return types.SimpleNamespace(connection=connection, execute=_execute)


def test_migration_fills_ratings_of_responses_submitted_before_it():
    """The backfill (SQL on PostgreSQL, Python elsewhere) gives what submission stores."""
    migration = importlib.import_module("healthlead.feedback.migrations.0003_response_ratings")
    instrument = make_questionnaire(((3,), (2,)))
    cycle = open_cycle(instrument)
    submitted = [
        submit(cycle, "peers", ratings, instrument=instrument)
        for ratings in ([1, 2, 3, 4, 5], [None, 5, 4, None, 1], [3, 3, 3, 3, 3])
    ]
    draft = submit(cycle, "peers", [2] * 5, instrument=instrument, state=Response.State.DRAFT)
    Response.objects.update(ratings=b"")
    migration.backfill(apps, _editor())
    for response in submitted:
        response.refresh_from_db()
        assert bytes(response.ratings) == norms.ratings_of(response)
    assert bytes(submitted[1].ratings) == b"\x00\x05\x04\x00\x01"
    draft.refresh_from_db()
    assert bytes(draft.ratings) == b""


def test_a_frozen_report_keeps_what_norms_read_in_its_own_columns():
    instrument = make_questionnaire(((2,),))
    user = UserFactory(
        person__staff_group=StaffGroup.NURSES, person__career_stage=CareerStage.SENIOR
    )
    cycle = open_cycle(instrument, subject_user=user)
    for ratings in ([4, 5], [3, 4], [5, 5], [2, 3]):
        submit(cycle, "peers", ratings, instrument=instrument)
    report = close(cycle).report
    assert (report.staff_group, report.career_stage) == ("nurses", "senior")
    assert report.norm_inputs == report.data["norm_inputs"]
    assert report.norm_inputs["domains"] == {str(instrument.domains[0].pk): 3.875}

    # Reports frozen before the columns existed are filled from their data by the migration.
    migration = importlib.import_module("healthlead.feedback.migrations.0004_report_norm_fields")
    type(report).objects.update(staff_group="", career_stage="", norm_inputs={})
    migration.backfill(apps, _editor())
    report.refresh_from_db()
    assert (report.staff_group, report.career_stage) == ("nurses", "senior")
    assert report.norm_inputs == report.data["norm_inputs"]


def test_norms_and_alpha_match_a_plain_python_computation(monkeypatch):
    """The aggregate queries give what a plain reading of every answer and report gives.

    The second domain has 23 items: wider than any one machine word.
    """
    monkeypatch.setattr(norms, "ALPHA_MINIMUM", 2)
    rng = random.Random(7)
    instrument = make_questionnaire(((3, 2), (12, 11)))
    stages = [CareerStage.EARLY_CAREER, CareerStage.SENIOR]
    cycles = []
    for n in range(34):
        user = UserFactory(
            person__staff_group=StaffGroup.NURSES if n % 3 else StaffGroup.DOCTORS,
            person__career_stage=stages[n % 2],
        )
        cycle = open_cycle(instrument, subject_user=user)
        groups = ["self", "line_manager"] + ["peers"] * (2 + n % 3) + ["patients_carers"] * 2
        for group in groups:
            ratings = [None if rng.random() < 0.04 else rng.randint(1, 5) for _ in instrument.items]
            submit(cycle, group, ratings, instrument=instrument)
        cycles.append(close(cycle) if n < 32 else cycle)  # two cycles stay open

    # Alpha: every answer of every visible response (closed cycle, not self, group at its
    # minimum: peers only when 3 or more answered; line manager; never 2 patients).
    expected_rows: dict[int, list[list[int]]] = {d.pk: [] for d in instrument.domains}
    for cycle in cycles[:32]:
        for response in cycle.responses.select_related("group"):
            count = cycle.responses.filter(group=response.group).count()
            minimum = cycle.minimums.get(group=response.group).minimum
            if response.group.is_self or count < minimum:
                continue
            ratings = {a.item_id: a.rating for a in response.answers.all()}
            for domain in instrument.domains:
                row = [ratings.get(i.pk) for i in instrument.items if i.element.domain == domain]
                if all(r is not None for r in row):
                    expected_rows[domain.pk].append(row)
    results = {r.domain_id: r for r in norms.compute_reliability()}
    assert set(results) == set(expected_rows)
    for domain_id, rows in expected_rows.items():
        assert results[domain_id].responses == len(rows) > 2
        assert results[domain_id].alpha == pytest.approx(_plain_alpha(rows), abs=1e-12)

    # Norms: the all-others means of each closed cycle's report, in each comparison group.
    series: dict[tuple[str, str, str, int], list[float]] = {}
    for cycle in cycles[:32]:
        data = cycle.report.data
        subject = data["subject"]
        for kind, plural in (("element", "elements"), ("domain", "domains")):
            for key, value in data["norm_inputs"][plural].items():
                for level in (
                    (subject["staff_group"], subject["career_stage"]),
                    (subject["staff_group"], ""),
                    ("", ""),
                ):
                    series.setdefault((*level, kind, int(key)), []).append(value)
    expected = {
        key: [min(values), *statistics.quantiles(values, n=20, method="inclusive"), max(values)]
        for key, values in series.items()
        if len(values) >= norms.NORM_MINIMUM
    }
    computed = {(r.staff_group, r.career_stage, r.kind, r.key): r for r in norms.compute_norms()}
    assert set(computed) == set(expected)
    assert {k: r.subjects for k, r in computed.items()} == dict.fromkeys(expected, 32)
    for key, percentiles in expected.items():
        assert computed[key].percentiles == pytest.approx(percentiles, abs=1e-9)
