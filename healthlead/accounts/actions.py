"""Every write to accounts, roles, tokens and second factors."""

from __future__ import annotations

import datetime as dt
import math
import secrets
from dataclasses import dataclass
from typing import Any

from axes.utils import reset as reset_axes_lockouts
from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_otp.plugins.otp_totp.models import TOTPDevice

from healthlead.accounts.models import ApiToken, Role, RoleAssignment, User
from healthlead.core import audit
from healthlead.core.actors import Actor
from healthlead.core.emails import absolute_url, templated_message
from healthlead.people.models import Organisation, Partner, Person, Region


@transaction.atomic
def create_user(
    *,
    email: str,
    password: str | None,
    by: Actor,
    person: Person | None = None,
    partner: Partner | None = None,
    first_name: str = "",
    last_name: str = "",
) -> User:
    """Create a sign-in account, optionally linked to a staff record or partner."""
    email = User.objects.normalize_email(email).lower()
    user = User(
        username=email,
        email=email,
        person=person,
        partner=partner,
        first_name=first_name or (person.first_name if person else ""),
        last_name=last_name or (person.last_name if person else ""),
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    audit.record("accounts.user.created", by=by, target=user, detail={"email": email})
    return user


@transaction.atomic
def assign_role(
    *,
    user: User,
    role: Role,
    by: Actor,
    organisation: Organisation | None = None,
    region: Region | None = None,
) -> RoleAssignment:
    """Give a user a role over a scope."""
    if role in {Role.STAFF, Role.LINE_MANAGER}:
        raise ValueError(f"{role.label} comes from the staff record and cannot be assigned.")
    if role in {Role.ORGANISATION_LEAD, Role.PROVIDER} and organisation is None:
        raise ValueError(f"A {role.label.lower()} needs an organisation.")
    if role == Role.REGIONAL_LEAD and region is None:
        raise ValueError("A regional lead needs a region.")
    assignment = RoleAssignment.objects.create(
        user=user,
        role=role,
        organisation=organisation,
        region=region,
        created_by=by if isinstance(by, User) else None,
    )
    audit.record(
        "accounts.role.assigned",
        by=by,
        target=user,
        detail={
            "role": role.value,
            "organisation": organisation.code if organisation else None,
            "region": region.code if region else None,
        },
    )
    return assignment


@transaction.atomic
def end_role(*, assignment: RoleAssignment, by: Actor) -> RoleAssignment:
    """End a role assignment from now."""
    assignment.ended_at = timezone.now()
    assignment.save(update_fields=["ended_at"])
    audit.record(
        "accounts.role.ended", by=by, target=assignment.user, detail={"role": assignment.role}
    )
    return assignment


@transaction.atomic
def pending_totp_device(*, user: Any) -> TOTPDevice:
    """The unconfirmed authenticator for a user's set-up, created once and reused."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
    return device


@transaction.atomic
def confirm_totp_device(*, device: TOTPDevice, by: Actor) -> TOTPDevice:
    """Mark an authenticator as set up after the user entered a correct code."""
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit.record("accounts.two_factor.set_up", by=by, target=device.user)
    return device


@dataclass(frozen=True)
class CodeCheck:
    """The outcome of checking a one-time code: accepted, or why not in plain English."""

    accepted: bool
    device: TOTPDevice
    message: str = ""


@transaction.atomic
def check_one_time_code(*, device: TOTPDevice, code: str, by: Actor) -> CodeCheck:
    """Check a code from the user's authenticator; set the device up on its first good code.

    The device row is locked while checking, so two requests cannot both spend one code:
    django-otp keeps the last time step used (a code works once) and doubles the wait
    after each wrong code (1, 2, 4 ... seconds).
    """
    locked = TOTPDevice.objects.select_for_update().get(pk=device.pk)
    allowed, detail = locked.verify_is_allowed()
    if not allowed:
        until = (detail or {}).get("locked_until")
        wait = max(1, math.ceil((until - timezone.now()).total_seconds())) if until else 60
        unit = "second" if wait == 1 else "seconds"
        return CodeCheck(
            accepted=False,
            device=locked,
            message=f"You have entered too many wrong codes. Wait {wait} {unit}, then try again",
        )
    if not locked.verify_token(code):
        return CodeCheck(
            accepted=False,
            device=locked,
            message="That code is not right, or has been used already. "
            "Wait for the app to show a new code and try again",
        )
    if not locked.confirmed:
        confirm_totp_device(device=locked, by=by)
    return CodeCheck(accepted=True, device=locked)


class TokenError(ValueError):
    """An API token request that cannot be carried out; the message says why."""


@transaction.atomic
def create_api_token(
    *,
    organisation: Organisation,
    name: str,
    scopes: list[str],
    by: User,
    expires_in_days: int | None = None,
) -> tuple[ApiToken, str]:
    """Create an API token; the secret is returned once and only its hash is kept."""
    name = name.strip()
    if not name:
        raise TokenError("Enter a name for the token.")
    if len(name) > ApiToken._meta.get_field("name").max_length:  # type: ignore[operator]
        raise TokenError("The name must be 100 characters or fewer.")
    valid = {choice.value for choice in ApiToken.Scope}
    unknown = sorted(set(scopes) - valid)
    if unknown:
        raise TokenError(f"Unknown token scopes: {', '.join(unknown)}.")
    if not scopes:
        raise TokenError("Choose at least one scope for the token.")
    if expires_in_days is not None and expires_in_days < 1:
        raise TokenError("A token must last at least a day.")
    prefix = secrets.token_hex(4)
    secret = f"hl_{prefix}_{secrets.token_urlsafe(32)}"
    now = timezone.now()
    token = ApiToken.objects.create(
        organisation=organisation,
        name=name,
        prefix=prefix,
        token_hash=ApiToken.hash_secret(secret),
        scopes=sorted(set(scopes)),
        created_by=by,
        created_at=now,
        expires_at=now + dt.timedelta(days=expires_in_days) if expires_in_days else None,
    )
    audit.record(
        "accounts.api_token.created",
        by=by,
        target=token,
        detail={
            "organisation": organisation.code,
            "name": token.name,
            "scopes": token.scopes,
            "expires_at": token.expires_at.isoformat() if token.expires_at else None,
        },
    )
    return token, secret


@transaction.atomic
def revoke_api_token(*, token: ApiToken, by: Actor) -> ApiToken:
    """Stop a token working from now."""
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is not None:
        raise TokenError("This token has already been revoked.")
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit.record(
        "accounts.api_token.revoked",
        by=by,
        target=token,
        detail={"organisation_id": token.organisation_id, "name": token.name},
    )
    return token


@transaction.atomic
def set_password(*, user: User, password: str, by: Actor) -> User:
    """Give a user a new password (already checked by the validators).

    Other sessions end, because Django ties each session to the password hash, and
    any lockout on the account lifts: whoever set it has proved they hold the mailbox.
    """
    user.set_password(password)
    user.save(update_fields=["password"])
    audit.record("accounts.password.changed", by=by, target=user)
    username = user.get_username()
    transaction.on_commit(lambda: reset_axes_lockouts(username=username))
    return user


def password_reset_link(user: User) -> str:
    """The one-use link that lets `user` choose a new password."""
    path = reverse(
        "accounts:choose_new_password",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )
    return absolute_url(path)


def _send_password_reset_email(*, email: str, link: str) -> None:
    context = {
        "email": email,
        "link": link,
        "hours": max(1, settings.PASSWORD_RESET_TIMEOUT // 3600),
    }
    templated_message("accounts/emails/reset_password", context, [email]).send()


@transaction.atomic
def send_password_reset_link(*, user: User, by: Actor) -> None:
    """Email a user a link to choose a new password (sent once the transaction commits)."""
    link = password_reset_link(user)
    audit.record("accounts.password.reset_link_sent", by=by, target=user)
    email = user.email
    transaction.on_commit(lambda: _send_password_reset_email(email=email, link=link))


@transaction.atomic
def record_single_sign_on(*, user: User, issuer: str, multi_factor: bool) -> None:
    """Audit a sign-in through the OpenID Connect provider."""
    audit.record(
        "accounts.sign_in.single_sign_on",
        by=user,
        target=user,
        detail={"issuer": issuer, "multi_factor": multi_factor},
    )


@transaction.atomic
def record_single_sign_on_refused(
    *, reason: str, issuer: str, email: str = "", user: User | None = None, by: Actor
) -> None:
    """Audit a refused sign-in through the OpenID Connect provider, and why."""
    audit.record(
        "accounts.sign_in.single_sign_on_refused",
        by=by,
        target=user,
        detail={"issuer": issuer, "email": email},
        reason=reason,
    )


class TwoFactorResetError(ValueError):
    """A two-factor reset that cannot be carried out; the message says why."""


REASON_MAX_LENGTH = 500


def _send_two_factor_reset_email(*, email: str, by_name: str, sign_in_link: str) -> None:
    context = {"email": email, "by_name": by_name, "sign_in_link": sign_in_link}
    templated_message("accounts/emails/two_factor_reset", context, [email]).send()


@transaction.atomic
def reset_two_factor(*, user: User, reason: str, by: User) -> int:
    """Remove a user's authenticator, so they set up a new one when they next sign in.

    For a lost or replaced phone. Any session that entered a code with the old
    authenticator is half signed in again at its next request. The user is emailed,
    so a reset they did not ask for does not go unnoticed. Returns the devices removed.
    """
    reason = " ".join(reason.split())
    if not reason:
        raise TwoFactorResetError("Enter why the two-factor sign-in is being reset.")
    if len(reason) > REASON_MAX_LENGTH:
        raise TwoFactorResetError(f"The reason must be {REASON_MAX_LENGTH} characters or fewer.")
    if user.pk == by.pk:
        raise TwoFactorResetError("You cannot reset your own two-factor sign-in.")
    devices = TOTPDevice.objects.select_for_update().filter(user=user)
    if not devices.filter(confirmed=True).exists():
        raise TwoFactorResetError(
            f"{user.display_name} has not set up two-factor sign-in, so there is nothing to reset."
        )
    removed, _ = devices.delete()
    audit.record(
        "accounts.two_factor.reset",
        by=by,
        target=user,
        detail={"devices_removed": removed},
        reason=reason,
    )
    email = user.email
    by_name = by.display_name
    sign_in_link = absolute_url(reverse("accounts:sign_in"))
    transaction.on_commit(
        lambda: _send_two_factor_reset_email(
            email=email, by_name=by_name, sign_in_link=sign_in_link
        )
    )
    return removed
