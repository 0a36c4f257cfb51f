"""Per-request scope, and the second factor for privileged roles."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from healthlead.accounts.scope import scope_for

# Paths a privileged user may reach before completing the second factor.
_TWO_FACTOR_EXEMPT_PREFIXES = ("/accounts/", "/assets/", "/healthz", "/privacy/", "/accessibility/")


class ScopeMiddleware:
    """Attach request.scope: the user's roles and what they cover."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.scope = SimpleLazyObject(lambda: scope_for(request.user))  # type: ignore[attr-defined]
        return self.get_response(request)


class TwoFactorRequiredMiddleware:
    """Send privileged users to set up or enter their one-time code before anything else."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if (
            settings.TWO_FACTOR_REQUIRED
            and request.user.is_authenticated
            and not request.path.startswith(_TWO_FACTOR_EXEMPT_PREFIXES)
            and not request.path.startswith("/api/")
            and not request.user.is_verified()  # type: ignore[union-attr]
            and request.scope.is_privileged  # type: ignore[attr-defined]
        ):
            return redirect(f"{reverse('accounts:two_factor')}?next={request.get_full_path()}")
        return self.get_response(request)
