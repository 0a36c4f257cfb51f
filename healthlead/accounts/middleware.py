"""Per-request scope, and the second factor for privileged roles."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.http import urlencode

from healthlead.accounts.scope import scope_for

# Pages anyone may reach before the second factor: assets, service pages, and the
# steps of signing in, out and resetting a password. Nothing else under /accounts/.
_EXEMPT_PREFIXES = (
    "/assets/",
    "/healthz",
    "/privacy/",
    "/accessibility/",
    "/accounts/reset-password/",
)


@cache
def _exempt_paths() -> frozenset[str]:
    return frozenset(
        reverse(name)
        for name in (
            "accounts:sign_in",
            "accounts:sign_out",
            "accounts:two_factor",
            "accounts:oidc_start",
            "accounts:oidc_callback",
        )
    )


# Session key: the user whose provider sign-in used more than one factor (docs/security.md).
SSO_SECOND_FACTOR = "healthlead_sso_second_factor"


def second_factor_done(request: HttpRequest) -> bool:
    """The user entered a one-time code, or signed in through a provider with several factors."""
    user = request.user
    if user.is_verified():  # type: ignore[union-attr]
        return True
    session = getattr(request, "session", None)  # absent outside the session middleware
    return session is not None and session.get(SSO_SECOND_FACTOR) == user.pk


def _is_exempt(path: str) -> bool:
    return path in _exempt_paths() or path.startswith(_EXEMPT_PREFIXES)


class ScopeMiddleware:
    """Attach request.scope: the user's roles and what they cover."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.scope = SimpleLazyObject(lambda: scope_for(request.user))  # type: ignore[attr-defined]
        return self.get_response(request)


class TwoFactorRequiredMiddleware:
    """Until a privileged user has entered a one-time code, they are only half signed in.

    Pages send them to set up or enter their code, then back where they were going.
    The JSON API treats their session as signed out (an API token still works).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            settings.TWO_FACTOR_REQUIRED
            and request.user.is_authenticated
            and not _is_exempt(request.path)
            and not second_factor_done(request)
            and request.scope.is_privileged  # type: ignore[attr-defined]
        ):
            if request.path.startswith("/api/"):
                request.user = AnonymousUser()
                request.scope = SimpleLazyObject(lambda: scope_for(request.user))  # type: ignore[attr-defined]
            else:
                query = urlencode({"next": request.get_full_path()})
                return redirect(f"{reverse('accounts:two_factor')}?{query}")
        return self.get_response(request)
