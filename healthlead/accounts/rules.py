"""Who may manage accounts and read the audit log."""

from __future__ import annotations

from typing import Any

import rules

from healthlead.accounts.models import ApiToken, Role
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


@rules.predicate
def manages_api_tokens_of(user: Any, target: Any) -> bool:
    """National leads manage every organisation's API tokens; organisation leads their own.

    `target` is an ApiToken or an Organisation; without one, the question is whether the
    user manages tokens anywhere.
    """
    if not user.is_authenticated:
        return False
    scope = scope_for(user)
    if scope.national:
        return True
    if not scope.has_role(Role.ORGANISATION_LEAD):
        return False
    if target is None:
        return True
    organisation_id = target.organisation_id if isinstance(target, ApiToken) else target.pk
    return organisation_id in scope.organisation_ids


rules.add_perm(Permission.MANAGE_API_TOKENS, manages_api_tokens_of)
rules.add_perm(Permission.VIEW_AUDIT_LOG, is_national_lead)
