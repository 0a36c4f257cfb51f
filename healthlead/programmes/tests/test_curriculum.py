"""The curriculum: tiers and programmes are data, published versions never change."""

from __future__ import annotations

import pytest

from healthlead.programmes import actions
from healthlead.programmes.models import Gate, Programme, ProgrammeVersion, Tier
from healthlead.programmes.tests.helpers import SYSTEM, load_curriculum, version


@pytest.fixture
def curriculum(db):
    load_curriculum()


def test_the_six_tiers_and_the_demo_programmes_load_published(curriculum):
    assert list(Tier.objects.values_list("number", flat=True)) == [0, 1, 2, 3, 4, 5]
    assert set(Tier.objects.filter(panel_needs_partner=True).values_list("number", flat=True)) == {
        3,
        4,
        5,
    }
    tiers = dict(
        ProgrammeVersion.objects.published().values_list("programme__code", "tier__number")
    )
    assert tiers == {
        "nhs-induction": 0,
        "edward-jenner": 1,
        "mary-seacole": 2,
        "rosalind-franklin": 3,
        "elizabeth-garrett-anderson": 4,
        "nye-bevan": 5,
        "aspiring-chief-executive": 5,
    }


def test_facts_come_from_the_programme_ladder(curriculum):
    mary = version("mary-seacole")
    assert mary.cost_per_place == 995
    assert mary.award == "Award in Healthcare Leadership"
    assert "6 months" in mary.duration_text
    assert version("rosalind-franklin").cost_per_place is None  # not published in the ladder
    assert version("elizabeth-garrett-anderson").cohort_size == 48


def test_outcomes_are_mapped_to_framework_elements(curriculum):
    outcome = version("mary-seacole").outcomes.order_by("order").first()
    codes = {f"{e.domain.version.framework.code}/{e.domain.code}" for e in outcome.elements.all()}
    assert codes == {"HLM2013/2", "HLM2013/6"}


def test_loading_again_keeps_programmes_as_they_are(curriculum):
    result = actions.load_curriculum(by=SYSTEM)
    assert result.created == []
    assert "mary-seacole" in result.kept
    assert ProgrammeVersion.objects.count() == 7


def test_a_published_version_cannot_change(curriculum):
    mary = version("mary-seacole")
    with pytest.raises(actions.ProgrammeError, match="published"):
        actions.update_version(version=mary, summary="Changed", by=SYSTEM)
    with pytest.raises(actions.ProgrammeError, match="published"):
        actions.add_gate(version=mary, rule="staff_group", params={"any_of": ["nurses"]}, by=SYSTEM)


def test_a_new_version_copies_the_last_and_publishing_it_retires_the_old(curriculum):
    programme = Programme.objects.get(code="mary-seacole")
    old = version("mary-seacole")
    draft = actions.create_draft_version(programme=programme, by=SYSTEM)
    assert draft.number == 2
    assert draft.is_draft
    assert draft.gates.count() == old.gates.count()
    assert draft.criteria.count() == old.criteria.count()
    actions.add_gate(version=draft, rule="staff_group", params={"any_of": ["nurses"]}, by=SYSTEM)
    actions.publish_version(version=draft, by=SYSTEM)
    old.refresh_from_db()
    assert old.state == ProgrammeVersion.State.RETIRED
    assert version("mary-seacole").pk == draft.pk
    assert Gate.objects.filter(version=old).count() == 3  # the old version is untouched


def test_a_gate_with_an_unknown_rule_is_refused_with_a_clear_message(curriculum):
    draft = actions.create_draft_version(
        programme=Programme.objects.get(code="mary-seacole"), by=SYSTEM
    )
    with pytest.raises(actions.ProgrammeError) as error:
        actions.add_gate(version=draft, rule="has_a_nice_smile", params={}, by=SYSTEM)
    assert "'has_a_nice_smile' is not a gate rule. Use one of:" in error.value.message
    with pytest.raises(actions.ProgrammeError) as error:
        actions.add_gate(
            version=draft, rule="completed_programme", params={"programme": "nope"}, by=SYSTEM
        )
    assert "no programme has the code 'nope'" in error.value.message
    assert "edward-jenner" in error.value.message
    assert draft.gates.count() == 3
