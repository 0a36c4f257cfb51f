"""The organisation and region grids read each organisation's tallies (GridTally): a move shows
at once, changes made elsewhere show after the nightly count, and names are always current."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from healthlead.appraisal.tests.helpers import SYSTEM
from healthlead.people.models import Person
from healthlead.people.tests.factories import OrganisationFactory, PersonFactory, RegionFactory
from healthlead.talent import actions, grid, queries
from healthlead.talent.models import GridTally

pytestmark = pytest.mark.django_db


def place(person: Person, performance: int = 2, potential: int = 2) -> None:
    actions.start_conversation(
        person=person,
        by=SYSTEM,
        held_on=timezone.localdate(),
        aspirations=[],
        readiness="ready_now",
        performance=performance,
        potential=potential,
    )


def names_in(data: dict[str, Any], box: int) -> list[str]:
    return [entry["name"] for entry in data["names"].get(box, [])]


@pytest.fixture
def region() -> Any:
    return RegionFactory(code="Y99", name="Test region")


def test_a_move_on_the_grid_shows_in_the_organisation_and_region_counts_at_once(region):
    trust, other = OrganisationFactory(region=region), OrganisationFactory(region=region)
    ana = PersonFactory(organisation=trust, first_name="Ana", last_name="Cole")
    ben = PersonFactory(organisation=other, first_name="Ben", last_name="Dale")
    place(ana)
    place(ben)
    assert queries.region_grid(region)["counts"] == {grid.box_for(2, 2): 2}
    assert GridTally.objects.filter(organisation=trust).count() == 9

    actions.calibrate(person=ana, performance=3, potential=3, reason="Calibrated", by=SYSTEM)

    data = queries.region_grid(region)
    assert data["counts"] == {grid.box_for(2, 2): 1, grid.box_for(3, 3): 1}
    assert data["total"] == 2
    assert names_in(data, grid.box_for(3, 3)) == ["Ana Cole"]
    assert names_in(data, grid.box_for(2, 2)) == ["Ben Dale"]
    assert queries.organisation_grid(trust)["counts"] == {grid.box_for(3, 3): 1}
    assert queries.organisation_grid(trust, names=False)["names"] == {}


def test_the_regions_first_names_in_a_box_are_the_first_over_all_its_organisations(
    region, monkeypatch
):
    monkeypatch.setattr(queries, "NAMES_PER_BOX", 2)
    trust, other = OrganisationFactory(region=region), OrganisationFactory(region=region)
    for first, last, organisation in [
        ("Zoe", "Young", trust),
        ("Amy", "Adams", trust),
        ("Carl", "Zed", trust),
        ("Bo", "Brown", other),
        ("Al", "Brown", other),
    ]:
        place(PersonFactory(organisation=organisation, first_name=first, last_name=last))
    outside = OrganisationFactory(region=RegionFactory(code="Y98", name="Elsewhere"))
    place(PersonFactory(organisation=outside, first_name="Aaron", last_name="Aardvark"))

    data = queries.region_grid(region)
    box = grid.box_for(2, 2)
    assert data["counts"] == {box: 5}
    assert names_in(data, box) == ["Amy Adams", "Al Brown"]
    assert names_in(queries.organisation_grid(trust), box) == ["Amy Adams", "Zoe Young"]


def test_a_leaver_is_never_listed_and_leaves_the_count_at_the_nightly_recount(region):
    trust = OrganisationFactory(region=region)
    stays = PersonFactory(organisation=trust, first_name="Cara", last_name="Hale")
    leaves = PersonFactory(organisation=trust, first_name="Dev", last_name="Shah")
    place(stays)
    place(leaves)
    box = grid.box_for(2, 2)
    # Leaving is recorded by a staff import, outside the talent actions.
    Person.objects.filter(pk=leaves.pk).update(
        status=Person.Status.LEFT, left_on=timezone.localdate()
    )

    before = queries.region_grid(region)
    assert names_in(before, box) == ["Cara Hale"]
    assert before["counts"] == {box: 2}  # until the nightly recount

    call_command("refresh_talent_grid", stdout=None)

    after = queries.region_grid(region)
    assert after["counts"] == {box: 1}
    assert names_in(after, box) == ["Cara Hale"]
    assert GridTally.objects.get(organisation=trust, box=box).first_people == [stays.pk]


def test_an_organisation_never_counted_is_counted_live_until_the_recount(region):
    trust, other = OrganisationFactory(region=region), OrganisationFactory(region=region)
    place(PersonFactory(organisation=trust, first_name="Eve", last_name="Long"), 3, 1)
    place(PersonFactory(organisation=other, first_name="Finn", last_name="Moss"), 1, 3)
    # As after a bulk load of ratings (synthetic data): no tallies for one organisation.
    GridTally.objects.filter(organisation=trust).delete()

    data = queries.region_grid(region)
    assert data["counts"] == {grid.box_for(3, 1): 1, grid.box_for(1, 3): 1}
    assert names_in(data, grid.box_for(3, 1)) == ["Eve Long"]
    assert not GridTally.objects.filter(organisation=trust).exists()

    call_command("refresh_talent_grid", stdout=None)
    assert GridTally.objects.get(organisation=trust, box=grid.box_for(3, 1)).count == 1
    assert queries.region_grid(region)["counts"] == data["counts"]
