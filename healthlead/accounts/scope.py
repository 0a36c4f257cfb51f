"""What part of the NHS a user can see: built once per request from their roles."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from django.db.models import Q

from healthlead.accounts.models import PRIVILEGED_ROLES, Role, RoleAssignment
from healthlead.people.models import Organisation, Person


@dataclass
class Scope:
    """A user's roles and the organisations, regions and people they cover."""

    user: Any
    roles: set[Role] = field(default_factory=set)
    organisation_ids: set[int] = field(default_factory=set)  # organisation lead (incl. children)
    region_ids: set[int] = field(default_factory=set)  # regional lead
    provider_ids: set[int] = field(default_factory=set)
    national: bool = False

    @property
    def person(self) -> Person | None:
        return getattr(self.user, "person", None) if self.user.is_authenticated else None

    @cached_property
    def is_line_manager(self) -> bool:
        person = self.person
        return person is not None and Person.objects.filter(line_manager=person).exists()

    def has_role(self, role: Role) -> bool:
        if role == Role.LINE_MANAGER:
            return self.is_line_manager
        return role in self.roles

    @property
    def all_roles(self) -> list[Role]:
        roles = set(self.roles)
        if self.is_line_manager:
            roles.add(Role.LINE_MANAGER)
        return [r for r in Role if r in roles]

    @property
    def is_privileged(self) -> bool:
        return bool(self.roles & PRIVILEGED_ROLES)

    @property
    def is_lead(self) -> bool:
        return self.national or bool(self.region_ids) or bool(self.organisation_ids)

    def people_filter(self) -> Q | None:
        """A filter for the people this user may see, or None for nobody."""
        if self.national:
            return Q()
        q = Q(pk__in=[])
        person = self.person
        if person is not None:
            q |= Q(pk=person.pk)
            if self.is_line_manager:
                q |= Q(manager_path__startswith=person.team_path)
        if self.organisation_ids:
            q |= Q(organisation_id__in=self.organisation_ids)
        if self.region_ids:
            q |= Q(organisation__region_id__in=self.region_ids)
        return q

    def people(self) -> Any:
        """The staff records this user may see."""
        return Person.objects.filter(self.people_filter())

    def can_see_person(self, person: Person) -> bool:
        """The same rule as people(), decided without a query."""
        if self.national:
            return True
        me = self.person
        if me is not None and (person.pk == me.pk or person.manager_path.startswith(me.team_path)):
            return True
        if person.organisation_id in self.organisation_ids:
            return True
        return bool(self.region_ids) and person.organisation.region_id in self.region_ids

    def is_lead_over_person(self, person: Person) -> bool:
        if self.national or person.organisation_id in self.organisation_ids:
            return True
        return bool(self.region_ids) and person.organisation.region_id in self.region_ids

    def organisations(self) -> Any:
        """Organisations whose staff figures this user may see."""
        if self.national:
            return Organisation.objects.all()
        return Organisation.objects.filter(
            Q(pk__in=self.organisation_ids) | Q(region_id__in=self.region_ids)
        )

    def covers_organisation(self, organisation: Organisation) -> bool:
        return (
            self.national
            or organisation.pk in self.organisation_ids
            or (organisation.region_id is not None and organisation.region_id in self.region_ids)
        )


def build_scope(user: Any) -> Scope:
    """Read a user's current role assignments (two queries at most)."""
    scope = Scope(user=user)
    if not user.is_authenticated:
        return scope
    if user.person_id:
        scope.roles.add(Role.STAFF)
    org_ids: set[int] = set()
    for assignment in RoleAssignment.objects.current().filter(user=user):
        role = Role(assignment.role)
        scope.roles.add(role)
        if role == Role.NATIONAL_LEAD:
            scope.national = True
        elif role == Role.REGIONAL_LEAD and assignment.region_id:
            scope.region_ids.add(assignment.region_id)
        elif role == Role.ORGANISATION_LEAD and assignment.organisation_id:
            org_ids.add(assignment.organisation_id)
        elif role == Role.PROVIDER and assignment.organisation_id:
            scope.provider_ids.add(assignment.organisation_id)
    if org_ids:
        children = Organisation.objects.filter(parent_id__in=org_ids).values_list("pk", flat=True)
        scope.organisation_ids = org_ids | set(children)
    return scope


def scope_for(user: Any) -> Scope:
    """The user's scope, cached on the user object for the life of the request."""
    cached = getattr(user, "_healthlead_scope", None)
    if cached is None:
        cached = build_scope(user)
        if user.is_authenticated:
            user._healthlead_scope = cached
    return cached
