"""Who is calling the JSON API, and whether they may: signed-in sessions and organisation tokens.

A session caller is the signed-in user with their usual scope; privileged users must have
finished two-factor sign-in. A token caller acts for its organisation only, and only with
the scopes the token was given. Both are checked against the same `Permission` rules as pages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import rules
from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Schema
from ninja.errors import AuthenticationError, AuthorizationError
from ninja.security import HttpBearer, SessionAuth

from healthlead.accounts.middleware import second_factor_done
from healthlead.accounts.models import ApiToken
from healthlead.accounts.permissions import Permission
from healthlead.accounts.scope import Scope, scope_for

TOKEN_PREFIX = "hl_"  # noqa: S105 (a prefix, not a secret)


class ApiSessionAuth(SessionAuth):
    """A signed-in browser session; CSRF is checked for unsafe methods.

    Privileged users must have completed two-factor sign-in, as on every page.
    """

    def _get_key(self, request: HttpRequest) -> str | None:
        # No session cookie: nothing to authenticate, and no CSRF check to fail.
        if settings.SESSION_COOKIE_NAME not in request.COOKIES:
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user: Any = request.user
        if not user.is_authenticated:
            return None
        if (
            settings.TWO_FACTOR_REQUIRED
            and scope_for(user).is_privileged
            and not second_factor_done(request)
        ):
            raise AuthenticationError(
                401, "Finish signing in with your two-factor code before using the API."
            )
        return user


class TokenAuth(HttpBearer):
    """`Authorization: Bearer hl_...` with an organisation API token.

    A request that sends an Authorization header is judged by it alone: a malformed header
    is refused rather than quietly falling back to a session cookie.
    """

    def __call__(self, request: HttpRequest) -> Any:
        value = request.headers.get(self.header)
        if value is not None and not value.lower().startswith("bearer "):
            raise AuthenticationError(
                401, "Send the API token in the Authorization header as 'Bearer hl_...'."
            )
        return super().__call__(request)

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        secret = token.strip()
        found = None
        if secret.startswith(TOKEN_PREFIX) and len(secret) <= 200:
            found = (
                ApiToken.objects.select_related("organisation")
                .filter(token_hash=ApiToken.hash_secret(secret))
                .first()
            )
        if found is None or not found.is_usable:
            raise AuthenticationError(
                401, "This API token is not valid. It may have been revoked or have expired."
            )
        now = timezone.now()
        ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        found.last_used_at = now
        request.api_token = found  # type: ignore[attr-defined]
        return found


class ParameterError(Schema):
    parameter: str = Field(description="The query or path parameter at fault")
    message: str


class ErrorOut(Schema):
    """Every 4xx answer: a plain-English `detail`, and for bad input one entry per parameter."""

    detail: str
    errors: list[ParameterError] = Field(default_factory=list)


@dataclass
class TokenPrincipal:
    """The stand-in user for a token: covers the token's organisation and nothing else.

    It carries a ready-made scope, so the same permission predicates answer for it.
    """

    token: ApiToken
    _healthlead_scope: Scope = field(init=False, repr=False, compare=False)

    is_authenticated = True
    is_anonymous = False
    is_active = True
    person = None
    person_id = None
    pk = None

    def __post_init__(self) -> None:
        self._healthlead_scope = Scope(user=self, organisation_ids={self.token.organisation_id})

    def get_username(self) -> str:
        """How the audit log names a token's reads."""
        return f"api-token:{self.token.prefix} ({self.token.organisation.code})"


@dataclass(frozen=True)
class Caller:
    """Whoever an API request acts for: a user, or an organisation's token."""

    principal: Any
    scope: Scope
    token: ApiToken | None = None

    @property
    def user_person_id(self) -> int | None:
        return getattr(self.principal, "person_id", None)

    def may(self, permission: Permission, obj: Any = None) -> bool:
        if self.token is not None:
            return bool(rules.has_perm(str(permission), self.principal, obj))
        return bool(self.principal.has_perm(str(permission), obj))

    def check(self, permission: Permission, obj: Any = None) -> None:
        """Stop the request with 403 unless the caller holds `permission`."""
        if not self.may(permission, obj):
            raise AuthorizationError(403, "You do not have permission to see this.")


def caller_for(request: HttpRequest) -> Caller:
    """The caller of an authenticated API request."""
    token = getattr(request, "api_token", None)
    if token is not None:
        principal = TokenPrincipal(token)
        return Caller(principal=principal, scope=scope_for(principal), token=token)
    return Caller(principal=request.user, scope=scope_for(request.user))


def require(
    request: HttpRequest, permission: Permission, obj: Any = None, *, token_scope: str
) -> Caller:
    """Stop the request with 403 unless the caller holds `permission` (and the token scope)."""
    caller = require_token_scope(request, token_scope)
    caller.check(permission, obj)
    return caller


def require_token_scope(request: HttpRequest, token_scope: str) -> Caller:
    """Stop the request with 403 if it comes with a token lacking `token_scope`."""
    caller = caller_for(request)
    if caller.token is not None and token_scope not in caller.token.scopes:
        raise AuthorizationError(403, f"This API token does not have the {token_scope} scope.")
    return caller
