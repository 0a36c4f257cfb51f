"""Who may see staff records and organisations, and import staff."""

from __future__ import annotations

from typing import Any

import rules

from healthlead.accounts.permissions import Permission
from healthlead.accounts.rules import is_any_lead, is_national_lead, is_organisation_lead
from healthlead.accounts.scope import scope_for


@rules.predicate
def is_self(user: Any, person: Any) -> bool:
    """The record is the user's own."""
    return user.is_authenticated and person is not None and user.person_id == person.pk


@rules.predicate
def can_see_person(user: Any, person: Any) -> bool:
    """The person is inside the user's scope (self, their team, their organisation or region)."""
    return user.is_authenticated and person is not None and scope_for(user).can_see_person(person)


@rules.predicate
def has_people_to_see(user: Any) -> bool:
    """The user leads somewhere or manages someone, so a directory is useful."""
    if not user.is_authenticated:
        return False
    scope = scope_for(user)
    return scope.is_lead or scope.is_line_manager


@rules.predicate
def covers_organisation(user: Any, organisation: Any) -> bool:
    """The organisation is inside a lead's scope."""
    return (
        user.is_authenticated
        and organisation is not None
        and scope_for(user).covers_organisation(organisation)
    )


@rules.predicate
def uploaded_import(user: Any, staff_import: Any) -> bool:
    """The user uploaded this staff import."""
    return staff_import is not None and staff_import.uploaded_by_id == user.pk


rules.add_perm(Permission.VIEW_PEOPLE_DIRECTORY, has_people_to_see)
rules.add_perm(Permission.VIEW_PERSON, can_see_person)
rules.add_perm(Permission.VIEW_ORGANISATION, is_any_lead)
rules.add_perm(Permission.VIEW_ORGANISATION_STAFF, covers_organisation)
rules.add_perm(Permission.IMPORT_STAFF, is_organisation_lead | is_national_lead)
rules.add_perm(Permission.VIEW_STAFF_IMPORT, uploaded_import | is_national_lead)
rules.add_perm(Permission.VIEW_EQUALITY_REPORT, is_any_lead)
