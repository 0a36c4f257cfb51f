"""Resetting someone's two-factor sign-in when they have lost their authenticator."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from healthlead.accounts import actions, queries
from healthlead.accounts.decorators import permission_required
from healthlead.accounts.forms import FindAccountForm, ResetTwoFactorForm
from healthlead.accounts.models import User
from healthlead.accounts.permissions import Permission

_BREADCRUMBS = [{"href": "/", "text": "Home"}]


@permission_required(Permission.RESET_TWO_FACTOR)
@require_http_methods(["GET", "POST"])
def start_two_factor_reset_view(request: HttpRequest) -> HttpResponse:
    """Find the person by email; only people the lead may reset are found."""
    form = FindAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = queries.user_by_email(form.cleaned_data["email"])
        if user is not None and request.user.has_perm(Permission.RESET_TWO_FACTOR, user):
            return redirect("accounts:reset_two_factor", pk=user.pk)
        # The same answer whether the account is missing or out of reach.
        form.add_error("email", "You cannot reset two-factor sign-in for anyone with that address")
    return render(
        request,
        "accounts/start_two_factor_reset.jinja",
        {
            "page_title": "Reset someone's two-factor sign-in",
            "form": form,
            "breadcrumbs": _BREADCRUMBS,
        },
    )


def _load_user(pk: int) -> User | None:
    return queries.user_with_person(pk)


@permission_required(Permission.RESET_TWO_FACTOR, _load_user)
@require_http_methods(["GET", "POST"])
def reset_two_factor_view(request: HttpRequest, user: User) -> HttpResponse:
    """GET asks for a reason; POST removes the authenticator and emails the person."""
    form = ResetTwoFactorForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            actions.reset_two_factor(
                user=user,
                reason=form.cleaned_data["reason"],
                by=request.user,  # type: ignore[arg-type]
            )
        except actions.TwoFactorResetError as error:
            form.add_error(None, str(error))
            status = 409
        else:
            messages.success(
                request,
                f"Two-factor sign-in for {user.display_name} has been reset. They will set up "
                "an authenticator app when they next sign in, and we have emailed them.",
            )
            return redirect("accounts:home")
    breadcrumbs = [
        *_BREADCRUMBS,
        {"href": reverse("accounts:start_two_factor_reset"), "text": "Reset two-factor sign-in"},
    ]
    return render(
        request,
        "accounts/reset_two_factor.jinja",
        {
            "page_title": f"Reset two-factor sign-in for {user.display_name}",
            "form": form,
            "person": user,
            "breadcrumbs": breadcrumbs,
        },
        status=status,
    )
