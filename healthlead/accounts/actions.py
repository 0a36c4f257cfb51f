"""Every write to accounts, roles, tokens and second factors."""

from __future__ import annotations

import secrets
from typing import Any

from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from healthlead.accounts.models import ApiToken, Role, RoleAssignment, User
from healthlead.core import audit
from healthlead.core.actors import Actor
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


@transaction.atomic
def create_api_token(
    *, organisation: Organisation, name: str, scopes: list[str], by: User
) -> tuple[ApiToken, str]:
    """Create an API token; the secret is returned once and only its hash is kept."""
    valid = {choice.value for choice in ApiToken.Scope}
    unknown = sorted(set(scopes) - valid)
    if unknown:
        raise ValueError(f"Unknown token scopes: {', '.join(unknown)}.")
    if not scopes:
        raise ValueError("Choose at least one scope for the token.")
    prefix = secrets.token_hex(4)
    secret = f"hl_{prefix}_{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        organisation=organisation,
        name=name,
        prefix=prefix,
        token_hash=ApiToken.hash_secret(secret),
        scopes=sorted(set(scopes)),
        created_by=by,
    )
    audit.record(
        "accounts.api_token.created",
        by=by,
        target=token,
        detail={"organisation": organisation.code, "scopes": token.scopes},
    )
    return token, secret


@transaction.atomic
def revoke_api_token(*, token: ApiToken, by: Actor) -> ApiToken:
    """Stop a token working from now."""
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit.record("accounts.api_token.revoked", by=by, target=token)
    return token
