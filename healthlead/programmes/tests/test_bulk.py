"""update_rows writes every kind of value it is given, on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from healthlead.programmes import bulk
from healthlead.programmes.models import Application
from healthlead.programmes.tests.helpers import apply, complete, load_curriculum, open_intake
from tests.conftest import build_world, make_person

FIELDS = ["score", "criterion_scores", "shortlisted", "rank", "explanation", "offered_at", "state"]


@pytest.fixture
def applications(db: Any) -> list[Application]:
    world = build_world()
    load_curriculum()
    intake = open_intake("mary-seacole", region=world.region)
    found = []
    for i in range(3):
        person = make_person(world.trust_a, line_manager=world.manager, last_name=f"Bulk{i}")
        complete(person, "Edward Jenner")
        found.append(apply(intake, person))
    return found


def test_update_rows_writes_text_numbers_json_booleans_times_and_nulls(applications):
    first, second, third = applications
    when = timezone.now().replace(microsecond=123456)
    first.score, first.criterion_scores, first.shortlisted = Decimal("3.125"), {"7": "4.5"}, True
    first.rank, first.offered_at, first.state = 1, when, "offered"
    first.explanation = 'Allocated a place: it\'s "ranked" 1 of 2, naïvely; 100% \\ {x}.'
    second.score, second.criterion_scores, second.shortlisted = Decimal("1.000"), {}, False
    second.rank, second.offered_at, second.state = None, None, "not_appointable"
    second.explanation = ""
    written = bulk.update_rows([first, second], FIELDS)
    assert written == 2
    stored = {a.pk: a for a in Application.objects.filter(pk__in=[first.pk, second.pk, third.pk])}
    one, two, untouched = stored[first.pk], stored[second.pk], stored[third.pk]
    assert one.score == Decimal("3.125")
    assert one.criterion_scores == {"7": "4.5"}
    assert one.shortlisted is True
    assert one.rank == 1
    assert one.offered_at == when
    assert one.state == "offered"
    assert one.explanation == first.explanation
    assert two.score == Decimal("1.000")
    assert two.criterion_scores == {}
    assert two.shortlisted is False
    assert two.rank is None
    assert two.offered_at is None
    assert two.state == "not_appointable"
    assert untouched.state == "submitted"
    assert untouched.score is None


def test_update_rows_with_nothing_to_write_does_nothing(db):
    assert bulk.update_rows([], FIELDS) == 0


def test_update_rows_writes_gate_results_and_when_they_were_checked(applications):
    first = applications[0]
    first.gate_results = [{"rule": "staff_group", "status": "passed", "reason": "Yes."}]
    first.gates_checked_at = timezone.make_aware(dt.datetime(2026, 3, 4, 5, 6, 7))
    first.eligible = True
    bulk.update_rows([first], ["gate_results", "gates_checked_at", "eligible"])
    stored = Application.objects.get(pk=first.pk)
    assert stored.gate_results == first.gate_results
    assert stored.gates_checked_at == first.gates_checked_at
    assert stored.eligible is True
