"""Who may export or erase a person's personal data: national leads for anyone, organisation
leads for the staff of the organisations they lead."""

from __future__ import annotations

from typing import Any

import rules

from healthlead.accounts.models import Role
from healthlead.accounts.permissions import Permission
from healthlead.accounts.scope import scope_for


@rules.predicate
def leads_organisation_of(user: Any, person: Any) -> bool:
    """The user is a national lead, or leads the person's organisation (or its parent).

    Without a person, the question is whether the user may do this for anyone at all.
    """
    if not user.is_authenticated:
        return False
    scope = scope_for(user)
    if scope.national:
        return True
    if not scope.has_role(Role.ORGANISATION_LEAD):
        return False
    return person is None or person.organisation_id in scope.organisation_ids


rules.add_perm(Permission.EXPORT_PERSONAL_DATA, leads_organisation_of)
rules.add_perm(Permission.ERASE_PERSONAL_DATA, leads_organisation_of)
