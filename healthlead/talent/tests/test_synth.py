"""The appraisal and talent stages of `manage.py synth`: believable, consistent, repeatable."""

from __future__ import annotations

import io
from typing import Any

import pytest

from healthlead.appraisal.models import Appraisal, AppraisalSignOff, AppraisalStateChange
from healthlead.demo.synth import facts as synth_facts
from healthlead.demo.tests.synth_support import synthesise_in_test
from healthlead.talent import grid
from healthlead.talent.models import (
    ConsentRecord,
    PoolEntry,
    TalentConversation,
    TalentProfile,
    TalentRating,
    TalentReview,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def trust(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(synth_facts, "TRUST_SCALE_STAFF", 3000)
    synthesise_in_test(scale="trust", seed=11, stdout=io.StringIO())


def _snapshot() -> list[tuple[Any, ...]]:
    return list(
        Appraisal.objects.order_by("appraisee__staff_number").values_list(
            "appraisee__staff_number",
            "appraiser__staff_number",
            "state",
            "performance",
            "potential",
        )
    ) + list(
        TalentRating.objects.order_by("person__staff_number").values_list(
            "person__staff_number", "box"
        )
    )


def test_appraisals_follow_their_states_with_records_and_sign_offs(trust):
    appraisals = Appraisal.objects.select_related("appraisee")
    assert appraisals.count() > 2000
    shares = {
        s: appraisals.filter(state=s).count() / appraisals.count() for s in Appraisal.State.values
    }
    assert 0.7 < shares["signed_off"] < 0.9
    for appraisal in appraisals.filter(state="signed_off")[:50]:
        assert appraisal.appraiser_id == appraisal.appraisee.line_manager_id
        assert appraisal.performance
        assert appraisal.potential
        assert appraisal.signed_off_at
        assert [c.to_state for c in appraisal.state_changes.order_by("at")] == [
            "in_progress",
            "awaiting_sign_off",
            "signed_off",
        ]
        assert {s.role for s in appraisal.sign_offs.all()} == {"appraisee", "appraiser"}
    waiting = appraisals.filter(state="awaiting_sign_off").first()
    assert waiting is not None
    assert list(waiting.sign_offs.values_list("role", flat=True)) == ["appraisee"]
    assert AppraisalStateChange.objects.count() > appraisals.count()
    assert AppraisalSignOff.objects.filter(by__isnull=False).count() == 0


def test_talent_rows_agree_with_each_other_and_the_pool_holds_only_those_in_it(trust):
    assert TalentConversation.objects.count() == TalentRating.objects.count() > 50
    for rating in TalentRating.objects.all()[:200]:
        assert rating.box == grid.box_for(rating.performance, rating.potential)
    assert TalentReview.objects.count() == 2 * TalentConversation.objects.count()
    from_appraisal = TalentConversation.objects.filter(performance_source="appraisal")
    for conversation in from_appraisal.select_related("person")[:50]:
        appraisal = conversation.person.appraisals.get()
        assert (conversation.performance, conversation.potential) == (
            appraisal.performance,
            appraisal.potential,
        )
    in_pool = TalentProfile.objects.filter(withdrawn_at__isnull=True)
    assert in_pool.exists()
    assert set(PoolEntry.objects.values_list("person_id", flat=True)) == set(
        in_pool.values_list("person_id", flat=True)
    )
    assert ConsentRecord.objects.filter(kind="given").count() == TalentProfile.objects.count()
    hidden = PoolEntry.objects.filter(person__talent_profile__share_role=False)
    assert all(e.organisation_name == "" and e.role_title == "" for e in hidden)


def test_the_same_seed_gives_the_same_appraisals_and_grid_again(trust):
    first = _snapshot()
    assert first
    synthesise_in_test(scale="trust", seed=11, replace=True, stdout=io.StringIO())
    assert _snapshot() == first


def test_synth_leaves_the_organisation_grids_counted(trust):
    """The grids read GridTally: synth counts them once its rows and indexes are in."""
    from healthlead.people.models import Person
    from healthlead.talent.models import GridTally
    from healthlead.talent.queries import count_grid

    tallies = GridTally.objects.exclude(count=0)
    assert tallies.exists()
    for organisation_id in set(tallies.values_list("organisation_id", flat=True)):
        live = count_grid(
            TalentRating.objects.filter(
                person__organisation_id=organisation_id, person__status=Person.Status.ACTIVE
            )
        )
        stored = dict(
            GridTally.objects.filter(organisation_id=organisation_id).values_list("box", "count")
        )
        assert {box: n for box, n in stored.items() if n} == live.counts
