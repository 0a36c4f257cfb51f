"""Who may manage accounts and read the audit log."""

from __future__ import annotations

from typing import Any

import rules

from healthlead.accounts.models import Role
from healthlead.accounts.permissions import Permission
from healthlead.accounts.scope import scope_for


@rules.predicate
def is_national_lead(user: Any) -> bool:
    """The user is a national lead."""
    return user.is_authenticated and scope_for(user).national


@rules.predicate
def is_any_lead(user: Any) -> bool:
    """The user leads an organisation, a region or the nation."""
    return user.is_authenticated and scope_for(user).is_lead


@rules.predicate
def is_organisation_lead(user: Any) -> bool:
    """The user leads at least one organisation."""
    return user.is_authenticated and scope_for(user).has_role(Role.ORGANISATION_LEAD)


@rules.predicate
def is_signed_in(user: Any) -> bool:
    """Anyone signed in."""
    return bool(user.is_authenticated)


rules.add_perm(Permission.MANAGE_API_TOKENS, is_organisation_lead | is_national_lead)
rules.add_perm(Permission.VIEW_AUDIT_LOG, is_national_lead)
