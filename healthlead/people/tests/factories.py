"""Factories for regions, organisations and staff records (reference data for tests)."""

from __future__ import annotations

import datetime as dt

import factory

from healthlead.people.models import (
    CareerStage,
    Grade,
    Organisation,
    Person,
    Region,
    RegionSet,
    StaffGroup,
)


class RegionSetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RegionSet
        django_get_or_create = ("code",)

    code = "nhse-2020"
    name = "NHS England regions"


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        django_get_or_create = ("region_set", "code")

    region_set = factory.SubFactory(RegionSetFactory)
    code = factory.Sequence(lambda n: f"Y{60 + n}")
    name = factory.Sequence(lambda n: f"Region {n}")


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    code = factory.Sequence(lambda n: f"R{n:03d}")
    name = factory.Sequence(lambda n: f"TEST HOSPITAL {n} NHS FOUNDATION TRUST")
    kind = Organisation.Kind.TRUST
    region = factory.SubFactory(RegionFactory)
    opened_on = dt.date(2000, 4, 1)


class PersonFactory(factory.django.DjangoModelFactory):
    """A staff record. Pass line_manager=...; manager_path follows it."""

    class Meta:
        model = Person

    staff_number = factory.Sequence(lambda n: f"{100000 + n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    work_email = factory.LazyAttribute(lambda p: f"{p.staff_number}@nhs.example")
    organisation = factory.SubFactory(OrganisationFactory)
    staff_group = StaffGroup.NURSES
    occupation = "Staff nurse"
    grade = Grade.BAND_5
    career_stage = CareerStage.EARLY_CAREER
    start_date = dt.date(2020, 9, 1)
    line_manager = None
    manager_path = factory.LazyAttribute(
        lambda p: p.line_manager.team_path if p.line_manager else ""
    )
