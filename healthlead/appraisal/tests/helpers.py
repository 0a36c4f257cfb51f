"""A small organisation for appraisal and talent tests: a manager with two reports (one of
them a peer of the other), a doctor, and leads, each with an account."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.test import Client

from healthlead.accounts.models import Role, User
from healthlead.accounts.tests.factories import UserFactory
from healthlead.core.actors import System
from healthlead.people.models import Grade, Organisation, Person, Region, StaffGroup
from healthlead.people.tests.factories import OrganisationFactory, PersonFactory, RegionFactory

SYSTEM = System("tests")


@dataclass
class Team:
    region: Region
    organisation: Organisation
    manager: Person
    manager_user: User
    report: Person
    report_user: User
    peer: Person
    peer_user: User
    organisation_lead: User

    def client(self, user: User) -> Client:
        return signed_in(user)


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def person_with_account(**fields: Any) -> tuple[Person, User]:
    user: Any = UserFactory(person=PersonFactory(**fields))
    return user.person, user


def make_team(
    *, organisation: Organisation | None = None, report_group: str = StaffGroup.NURSES
) -> Team:
    organisation = organisation or OrganisationFactory()
    manager, manager_user = person_with_account(
        organisation=organisation, grade=Grade.BAND_7, first_name="Priya", last_name="Iqbal"
    )
    report, report_user = person_with_account(
        organisation=organisation,
        line_manager=manager,
        staff_group=report_group,
        first_name="Niamh",
        last_name="Okafor",
    )
    peer, peer_user = person_with_account(
        organisation=organisation, line_manager=manager, first_name="Tom", last_name="Walker"
    )
    lead: Any = UserFactory(
        person=PersonFactory(organisation=organisation, grade=Grade.BAND_8B),
        roles=[(Role.ORGANISATION_LEAD, organisation)],
    )
    return Team(
        region=organisation.region,
        organisation=organisation,
        manager=manager,
        manager_user=manager_user,
        report=report,
        report_user=report_user,
        peer=peer,
        peer_user=peer_user,
        organisation_lead=lead,
    )


def regional_lead(region: Region) -> User:
    user: Any = UserFactory(roles=[(Role.REGIONAL_LEAD, region)])
    return user


def national_lead() -> User:
    user: Any = UserFactory(roles=[(Role.NATIONAL_LEAD, None)])
    return user


def other_region() -> Region:
    return RegionFactory(code="Y56", name="London")
