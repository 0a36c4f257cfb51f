"""Home page, sign in and out, password reset, two-factor set-up and check, account page."""

from __future__ import annotations

import base64
import io
from typing import Any

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_safe
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from healthlead.accounts import actions, presenters
from healthlead.accounts.forms import (
    ChooseNewPasswordForm,
    OneTimeCodeForm,
    ResetPasswordForm,
    SignInForm,
)


@require_safe
def home_view(request: HttpRequest) -> HttpResponse:
    """What to do next, for each role the user holds."""
    if not request.user.is_authenticated:
        return render(request, "accounts/welcome.jinja", {"page_title": "Welcome"})
    home = presenters.home_for(request.scope)  # type: ignore[attr-defined]
    return render(request, "accounts/home.jinja", {"page_title": "Home", "home": home})


class SignInView(auth_views.LoginView):
    template_name = "accounts/sign_in.jinja"
    authentication_form = SignInForm
    redirect_authenticated_user = True
    extra_context = {"page_title": "Sign in"}


@require_http_methods(["GET", "POST"])
def sign_out_view(request: HttpRequest) -> HttpResponse:
    """GET asks to confirm; POST signs out (so a link or prefetch cannot sign anyone out)."""
    if request.method == "POST":
        logout(request)
        messages.success(request, "You have signed out.")
        return redirect("accounts:sign_in")
    return render(request, "accounts/sign_out.jinja", {"page_title": "Sign out"})


class ResetPasswordView(auth_views.PasswordResetView):
    template_name = "accounts/reset_password.jinja"
    email_template_name = "accounts/emails/reset_password.txt"
    html_email_template_name = "accounts/emails/reset_password.html"
    subject_template_name = "accounts/emails/reset_password_subject.txt"
    form_class = ResetPasswordForm
    success_url = reverse_lazy("accounts:reset_password_sent")
    extra_context = {"page_title": "Reset your password"}


class ResetPasswordSentView(auth_views.PasswordResetDoneView):
    template_name = "accounts/reset_password_sent.jinja"
    extra_context = {"page_title": "Check your email"}


class ChooseNewPasswordView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/choose_new_password.jinja"
    form_class = ChooseNewPasswordForm
    success_url = reverse_lazy("accounts:password_changed")
    extra_context = {"page_title": "Choose a new password"}


class PasswordChangedView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_changed.jinja"
    extra_context = {"page_title": "Your password has been changed"}


def _safe_next(request: HttpRequest) -> str:
    target = request.GET.get("next") or request.POST.get("next") or "/"
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return "/"


def _qr_svg(uri: str) -> str:
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_view(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app (first time) or enter today's code."""
    user: Any = request.user
    device = TOTPDevice.objects.devices_for_user(user, confirmed=True).first()
    setting_up = device is None
    if setting_up:
        device = actions.pending_totp_device(user=user)
    form = OneTimeCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["code"]):
            if setting_up:
                actions.confirm_totp_device(device=device, by=user)
            otp_login(request, device)
            return redirect(_safe_next(request))
        form.add_error(
            "code", "That code is not right. Check the time on your phone and try again."
        )
    context = {
        "page_title": "Set up two-factor sign-in" if setting_up else "Enter your code",
        "form": form,
        "setting_up": setting_up,
        "next": _safe_next(request),
    }
    if setting_up:
        context["qr_code"] = _qr_svg(device.config_url)
        context["secret"] = base64.b32encode(device.bin_key).decode()
    return render(request, "accounts/two_factor.jinja", context)


@login_required
@require_safe
def show_account_view(request: HttpRequest) -> HttpResponse:
    account = presenters.account_for(request.scope)  # type: ignore[attr-defined]
    return render(
        request, "accounts/show_account.jinja", {"page_title": "Your account", "account": account}
    )
