"""Signing in through the OpenID Connect provider: the way out to it and the way back.

Both pages answer 404 unless settings.OIDC_ENABLED. Every refusal shows a page saying
why, with no session, and is written to the audit log.
"""

from __future__ import annotations

from typing import Any

import requests
from django.conf import settings
from django.contrib import auth
from django.core.exceptions import SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from healthlead.accounts import actions
from healthlead.accounts.middleware import SSO_SECOND_FACTOR
from healthlead.accounts.models import User
from healthlead.accounts.oidc import SYSTEM, Refusal, SignInRefused, provider_name, refusal
from healthlead.accounts.scope import scope_for
from healthlead.core.middleware import start_session_clock
from healthlead.core.ratelimit import by_ip, rate_limit


def single_sign_on_link(next_url: str) -> dict[str, str] | None:
    """The sign-in page's "Sign in with ..." button, or None when single sign-on is off."""
    if not settings.OIDC_ENABLED:
        return None
    href = reverse("accounts:oidc_start")
    if next_url:
        href += "?" + urlencode({"next": next_url})
    return {"text": f"Sign in with {provider_name()}", "href": href}


def _refused(
    request: HttpRequest, problem: Refusal, *, email: str = "", user: User | None = None
) -> HttpResponse:
    actions.record_single_sign_on_refused(
        reason=problem.code, issuer=settings.OIDC_ISSUER, email=email, user=user, by=SYSTEM
    )
    return render(
        request,
        "accounts/show_sign_in_refused.jinja",
        {
            "page_title": f"We could not sign you in with {provider_name()}",
            "provider_name": provider_name(),
            "message": problem.message,
        },
        status=problem.status,
    )


class _Callback(OIDCAuthenticationCallbackView):
    """The library's checks of state, nonce and PKCE; Healthlead's pages and audit."""

    user: Any = None

    def get(self, request: HttpRequest) -> HttpResponse:
        states = request.session.get("oidc_states") or {}
        if "code" in request.GET and request.GET.get("state") not in states:
            # Not a sign-in this browser started, or one already finished: a forged or
            # replayed answer.
            return _refused(request, refusal("state"))
        try:
            return super().get(request)
        except SignInRefused as refused:
            return _refused(request, refused.refusal, email=refused.email, user=refused.user)
        except SuspiciousOperation:
            return _refused(request, refusal("token"))
        except requests.HTTPError as error:
            # The provider refused the code (4xx), or failed (5xx).
            status = error.response.status_code if error.response is not None else 500
            return _refused(request, refusal("token" if status < 500 else "unavailable"))
        except requests.RequestException:
            return _refused(request, refusal("unavailable"))
        except ValueError:
            # An answer from the provider that is not the JSON it should be.
            return _refused(request, refusal("token"))

    def login_failure(self) -> HttpResponse:
        request = self.request
        if request.GET.get("error"):
            code = "provider_error"
        elif "code" in request.GET and "state" in request.GET and "oidc_states" in request.session:
            code = "token"  # the exchange ran but returned no one
        else:
            code = "state"
        return _refused(request, refusal(code))

    def login_success(self) -> HttpResponse:
        request = self.request
        user = self.user
        destination = self.success_url
        # Always a fresh login (and session key), even if this user was half signed in.
        auth.login(request, user)
        start_session_clock(request)
        several_factors = bool(getattr(user, "oidc_multi_factor", False))
        if several_factors:
            request.session[SSO_SECOND_FACTOR] = user.pk
        actions.record_single_sign_on(
            user=user, issuer=settings.OIDC_ISSUER, multi_factor=several_factors
        )
        if settings.TWO_FACTOR_REQUIRED and not several_factors and scope_for(user).is_privileged:
            query = urlencode({"next": destination})
            return redirect(f"{reverse('accounts:two_factor')}?{query}")
        return redirect(destination)


_start = OIDCAuthenticationRequestView.as_view()
_callback = _Callback.as_view()


@never_cache
@rate_limit("sign_in", limit=60, period=5 * 60, key=by_ip)
@require_safe
def oidc_start_view(request: HttpRequest) -> HttpResponse:
    """Send the browser to the provider, remembering state, nonce and PKCE in the session."""
    if not settings.OIDC_ENABLED:
        raise Http404("Single sign-on is not set up")
    if request.user.is_authenticated:
        return redirect(resolve_url(settings.LOGIN_REDIRECT_URL))
    return _start(request)


@never_cache
@rate_limit("sign_in", limit=60, period=5 * 60, key=by_ip)
@require_safe
def oidc_callback_view(request: HttpRequest) -> HttpResponse:
    """Where the provider sends the browser back: check everything, then sign in or refuse."""
    if not settings.OIDC_ENABLED:
        raise Http404("Single sign-on is not set up")
    return _callback(request)
