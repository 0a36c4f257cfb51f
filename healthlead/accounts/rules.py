"""Who may manage accounts and read the audit log."""

from __future__ import annotations

from typing import Any

import rules

from healthlead.accounts.models import ApiToken, Role, User
from healthlead.accounts.permissions import Permission
from healthlead.accounts.scope import build_scope, scope_for


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


@rules.predicate
def resets_two_factor_of(user: Any, target: Any) -> bool:
    """National leads reset anyone's authenticator but their own; organisation leads reset
    those of their organisations' staff, except staff who lead a region or the nation.

    Without a target, the question is whether the user resets anyone's at all.
    """
    if not user.is_authenticated:
        return False
    scope = scope_for(user)
    if target is None:
        return scope.national or scope.has_role(Role.ORGANISATION_LEAD)
    if not isinstance(target, User) or target.pk == user.pk:
        return False
    if scope.national:
        return True
    if not scope.has_role(Role.ORGANISATION_LEAD):
        return False
    person = target.person
    if person is None or person.organisation_id not in scope.organisation_ids:
        return False
    target_scope = build_scope(target)
    return not (target_scope.national or target_scope.region_ids)


rules.add_perm(Permission.MANAGE_API_TOKENS, manages_api_tokens_of)
rules.add_perm(Permission.RESET_TWO_FACTOR, resets_two_factor_of)
rules.add_perm(Permission.VIEW_AUDIT_LOG, is_national_lead)
