"""Home page, sign in and out, password reset, two-factor sign-in, account and API tokens."""

from __future__ import annotations

import base64
import io
from typing import Any

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from healthlead.accounts import actions, presenters, queries, tasks
from healthlead.accounts.decorators import permission_required
from healthlead.accounts.forms import (
    ChooseNewPasswordForm,
    NewApiTokenForm,
    OneTimeCodeForm,
    ResetPasswordForm,
    SignInForm,
)
from healthlead.accounts.middleware import SSO_SECOND_FACTOR, second_factor_done
from healthlead.accounts.models import ApiToken
from healthlead.accounts.oidc_views import single_sign_on_link
from healthlead.accounts.permissions import Permission
from healthlead.accounts.scope import scope_for
from healthlead.core.middleware import start_session_clock
from healthlead.core.pagination import paginate
from healthlead.core.ratelimit import by_ip, by_user, rate_limit


@require_safe
def home_view(request: HttpRequest) -> HttpResponse:
    """What to do next, for each role the user holds."""
    if not request.user.is_authenticated:
        return render(request, "accounts/welcome.jinja", {"page_title": "Welcome"})
    home = presenters.home_for(request.scope)  # type: ignore[attr-defined]
    return render(request, "accounts/home.jinja", {"page_title": "Home", "home": home})


def _next_url(request: HttpRequest) -> str:
    """The page to go on to, if it is on this site; otherwise an empty string."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


def _needs_second_factor(user: Any) -> bool:
    return bool(settings.TWO_FACTOR_REQUIRED and scope_for(user).is_privileged)


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
@rate_limit("sign_in", limit=60, period=5 * 60, key=by_ip)
@require_http_methods(["GET", "POST"])
def sign_in_view(request: HttpRequest) -> HttpResponse:
    """Email and password. django-axes locks out repeated failures (AxesMiddleware answers)."""
    next_url = _next_url(request)
    if request.user.is_authenticated:
        return redirect(next_url or resolve_url(settings.LOGIN_REDIRECT_URL))
    form = SignInForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.get_user()
        login(request, user)
        start_session_clock(request)
        destination = next_url or resolve_url(settings.LOGIN_REDIRECT_URL)
        if _needs_second_factor(user):
            return redirect(f"{reverse('accounts:two_factor')}?{urlencode({'next': destination})}")
        return redirect(destination)
    return render(
        request,
        "accounts/sign_in.jinja",
        {
            "page_title": "Sign in",
            "form": form,
            "next": next_url,
            "single_sign_on": single_sign_on_link(next_url),
        },
    )


@require_http_methods(["GET", "POST"])
def sign_out_view(request: HttpRequest) -> HttpResponse:
    """GET asks to confirm; POST signs out (so a link or prefetch cannot sign anyone out)."""
    if request.method == "POST":
        logout(request)
        messages.success(request, "You have signed out.")
        return redirect("accounts:sign_in")
    if not request.user.is_authenticated:
        return redirect("accounts:sign_in")
    return render(request, "accounts/sign_out.jinja", {"page_title": "Sign out"})


@csrf_protect
@rate_limit("password_reset", limit=10, period=60 * 60, key=by_ip)
@require_http_methods(["GET", "POST"])
def reset_password_view(request: HttpRequest) -> HttpResponse:
    """Ask for a reset link. The answer never says whether the address has an account."""
    form = ResetPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        # Queued whatever the address: the lookup and the email happen in the worker.
        tasks.send_password_reset.enqueue(email=form.cleaned_data["email"])
        return redirect("accounts:reset_password_sent")
    return render(
        request,
        "accounts/reset_password.jinja",
        {"page_title": "Reset your password", "form": form},
    )


@require_safe
def reset_password_sent_view(request: HttpRequest) -> HttpResponse:
    hours = max(1, settings.PASSWORD_RESET_TIMEOUT // 3600)
    return render(
        request,
        "accounts/reset_password_sent.jinja",
        {"page_title": "Check your email", "hours": hours},
    )


class _ChooseNewPassword(auth_views.PasswordResetConfirmView):
    """Django's checks of the one-use link (kept out of the address bar), saving by action."""

    template_name = "accounts/choose_new_password.jinja"
    form_class = ChooseNewPasswordForm
    success_url = reverse_lazy("accounts:password_changed")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["page_title"] = (
            "Choose a new password" if context.get("validlink") else "This link has expired"
        )
        context["hours"] = max(1, settings.PASSWORD_RESET_TIMEOUT // 3600)
        return context

    def form_valid(self, form: Any) -> HttpResponse:
        actions.set_password(
            user=form.user, password=form.cleaned_data["new_password1"], by=form.user
        )
        del self.request.session[auth_views.INTERNAL_RESET_SESSION_TOKEN]
        return HttpResponseRedirect(self.get_success_url())


choose_new_password_view = _ChooseNewPassword.as_view()


@require_safe
def password_changed_view(request: HttpRequest) -> HttpResponse:
    return render(
        request, "accounts/password_changed.jinja", {"page_title": "Your password has been changed"}
    )


def _qr_svg(uri: str) -> str:
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def _grouped(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@never_cache
@login_required
@rate_limit("two_factor", limit=10, period=5 * 60, key=by_user)
@require_http_methods(["GET", "POST"])
def two_factor_view(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app (first time) or enter its current code."""
    user: Any = request.user
    next_url = _next_url(request) or resolve_url(settings.LOGIN_REDIRECT_URL)
    if second_factor_done(request):
        return redirect(next_url)
    device = TOTPDevice.objects.devices_for_user(user, confirmed=True).first()
    setting_up = device is None
    if device is None:
        device = actions.pending_totp_device(user=user)
    form = OneTimeCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        check = actions.check_one_time_code(device=device, code=form.cleaned_data["code"], by=user)
        if check.accepted:
            otp_login(request, check.device)
            # A new session key for the stronger sign-in, as Django does at login.
            request.session.cycle_key()
            return redirect(next_url)
        form.add_error("code", check.message)
    context: dict[str, Any] = {
        "page_title": "Set up two-factor sign-in" if setting_up else "Enter your code",
        "form": form,
        "setting_up": setting_up,
        "next": next_url,
    }
    if setting_up:
        context["qr_code"] = _qr_svg(device.config_url)
        context["secret"] = _grouped(base64.b32encode(device.bin_key).decode())
    return render(request, "accounts/two_factor.jinja", context)


@login_required
@require_safe
def show_account_view(request: HttpRequest) -> HttpResponse:
    """The user's details, roles and sign-in security."""
    account = presenters.account_for(
        request.scope,  # type: ignore[attr-defined]
        second_factor_by_provider=request.session.get(SSO_SECOND_FACTOR) == request.user.pk,
    )
    return render(
        request,
        "accounts/show_account.jinja",
        {
            "page_title": "Your account",
            "account": account,
            "breadcrumbs": [{"href": "/", "text": "Home"}],
        },
    )


@login_required
@rate_limit("password_reset", limit=10, period=60 * 60, key=by_user)
@require_POST
def change_password_view(request: HttpRequest) -> HttpResponse:
    """Email the signed-in user a link to choose a new password."""
    user: Any = request.user
    actions.send_password_reset_link(user=user, by=user)
    hours = max(1, settings.PASSWORD_RESET_TIMEOUT // 3600)
    messages.success(
        request,
        f"We have sent a link to {user.email}. Open it within {hours} hours "
        "to choose a new password.",
    )
    return redirect("accounts:show_account")


def _load_token(pk: int) -> ApiToken | None:
    return queries.api_token(pk)


_TOKEN_BREADCRUMBS = [{"href": "/", "text": "Home"}]


@require_safe
@permission_required(Permission.MANAGE_API_TOKENS)
def list_api_tokens_view(request: HttpRequest) -> HttpResponse:
    """The API tokens of the organisations the user leads."""
    scope = request.scope  # type: ignore[attr-defined]
    page = paginate(queries.api_tokens(scope), request.GET)
    return render(
        request,
        "accounts/list_api_tokens.jinja",
        {
            "page_title": "API tokens",
            "page": page,
            "rows": [presenters.token_row(token) for token in page.items],
            "breadcrumbs": _TOKEN_BREADCRUMBS,
        },
    )


@never_cache
@permission_required(Permission.MANAGE_API_TOKENS)
@require_http_methods(["GET", "POST"])
def new_api_token_view(request: HttpRequest) -> HttpResponse:
    """Create a token and show its secret once (in this response only, never stored)."""
    scope = request.scope  # type: ignore[attr-defined]
    form = NewApiTokenForm(request.POST or None, organisations=queries.token_organisations(scope))
    if request.method == "POST" and form.is_valid():
        organisation = form.chosen_organisation
        if not request.user.has_perm(Permission.MANAGE_API_TOKENS, organisation):
            form.add_error("organisation", "Choose one of the organisations you lead")
        else:
            try:
                token, secret = actions.create_api_token(
                    organisation=organisation,
                    name=form.cleaned_data["name"],
                    scopes=form.cleaned_data["scopes"],
                    expires_in_days=form.expires_in_days,
                    by=request.user,  # type: ignore[arg-type]
                )
            except actions.TokenError as error:
                form.add_error(None, str(error))
            else:
                return render(
                    request,
                    "accounts/show_new_api_token.jinja",
                    {
                        "page_title": "Copy your new API token",
                        "token": presenters.token_row(token),
                        "secret": secret,
                    },
                )
    breadcrumbs = [
        *_TOKEN_BREADCRUMBS,
        {"href": reverse("accounts:list_api_tokens"), "text": "API tokens"},
    ]
    return render(
        request,
        "accounts/new_api_token.jinja",
        {"page_title": "Create an API token", "form": form, "breadcrumbs": breadcrumbs},
    )


@permission_required(Permission.MANAGE_API_TOKENS, _load_token)
@require_http_methods(["GET", "POST"])
def revoke_api_token_view(request: HttpRequest, token: ApiToken) -> HttpResponse:
    """GET asks to confirm; POST stops the token working."""
    error = ""
    if request.method == "POST":
        try:
            actions.revoke_api_token(token=token, by=request.user)
        except actions.TokenError as problem:
            error = str(problem)
        else:
            messages.success(request, f'The token "{token.name}" has been revoked.')
            return redirect("accounts:list_api_tokens")
    breadcrumbs = [
        *_TOKEN_BREADCRUMBS,
        {"href": reverse("accounts:list_api_tokens"), "text": "API tokens"},
    ]
    return render(
        request,
        "accounts/revoke_api_token.jinja",
        {
            "page_title": f"Revoke the token {token.name}",
            "token": presenters.token_row(token),
            "error": error,
            "breadcrumbs": breadcrumbs,
        },
        status=409 if error else 200,
    )
