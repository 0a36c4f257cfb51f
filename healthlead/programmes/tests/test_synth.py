"""Synthetic programmes data: intakes and applications, deterministic, within the rules."""

from __future__ import annotations

import io
from typing import Any

import pytest

from healthlead.demo.synth import facts as synth_facts
from healthlead.demo.tests.synth_support import synthesise_in_test
from healthlead.programmes.models import (
    AllocationRun,
    Application,
    EnrolmentHandOff,
    Intake,
    Offer,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def trust(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(synth_facts, "TRUST_SCALE_STAFF", 3000)
    synthesise_in_test(scale="trust", seed=11, stdout=io.StringIO())


def _snapshot() -> list[tuple[Any, ...]]:
    return list(
        Application.objects.order_by(
            "intake__version__programme__code", "person__staff_number"
        ).values_list(
            "intake__version__programme__code", "person__staff_number", "state", "score", "rank"
        )
    )


def test_synth_makes_finished_intakes_with_applications_through_to_accepted_places(trust):
    intakes = list(Intake.objects.select_related("version__programme"))
    assert {i.version.programme.code for i in intakes} >= {"mary-seacole"}
    assert all(i.state == Intake.State.FINISHED for i in intakes)
    states = set(Application.objects.values_list("state", flat=True))
    assert {"accepted", "not_eligible", "unsuccessful"} <= states
    for intake in intakes:
        accepted = Application.objects.filter(intake=intake, state="accepted").count()
        assert accepted <= intake.places
        assert EnrolmentHandOff.objects.filter(intake=intake).count() == accepted
        assert AllocationRun.objects.filter(intake=intake).count() == 2
    mary = next(i for i in intakes if i.version.programme.code == "mary-seacole")
    doctors = Application.objects.filter(
        intake=mary, state="accepted", person__staff_group="doctors"
    ).count()
    assert doctors <= mary.places * 30 // 100
    declined = Offer.objects.filter(state="declined")
    assert all(o.cascaded_at is not None for o in declined)


def test_the_same_seed_gives_the_same_applications_again(trust, monkeypatch):
    first = _snapshot()
    assert first
    synthesise_in_test(scale="trust", seed=11, replace=True, stdout=io.StringIO())
    assert _snapshot() == first
