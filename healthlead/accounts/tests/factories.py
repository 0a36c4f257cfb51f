"""Factories for users with roles. Roles are given through the real action."""

from __future__ import annotations

from typing import Any, cast

import factory

from healthlead.accounts import actions
from healthlead.accounts.models import Role, User
from healthlead.core.actors import System
from healthlead.people.tests.factories import PersonFactory

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    """A user linked to a new staff record; `roles=[(Role.X, scope), ...]` assigns roles."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.LazyAttribute(lambda u: u.email)
    email = factory.Sequence(lambda n: f"user{n}@nhs.example")
    person = factory.SubFactory(PersonFactory)
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def roles(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        user = cast(User, self)
        user.save()
        system = System("tests")
        for role, scope in extracted or []:
            if role in {Role.ORGANISATION_LEAD, Role.PROVIDER}:
                actions.assign_role(user=user, role=role, organisation=scope, by=system)
            elif role == Role.REGIONAL_LEAD:
                actions.assign_role(user=user, role=role, region=scope, by=system)
            else:
                actions.assign_role(user=user, role=role, by=system)


def user_with_role(role: Role, scope: Any = None, **kwargs: Any) -> User:
    """A user holding one assigned role over a scope (organisation, region or none)."""
    return cast(User, UserFactory(roles=[(role, scope)], **kwargs))
