"""Shared fixtures for account tests: users by role and helpers to sign in."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from healthlead.accounts import actions
from healthlead.accounts.models import Role, User
from healthlead.accounts.tests.factories import PASSWORD, UserFactory, user_with_role
from healthlead.core.actors import System
from healthlead.people.tests.factories import OrganisationFactory


def code_for(device: TOTPDevice) -> str:
    """The code the user's authenticator app shows now."""
    device.refresh_from_db()
    value = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    return f"{value:0{device.digits}d}"


def confirmed_device(user: User) -> TOTPDevice:
    """An authenticator the user has already set up."""
    device = actions.pending_totp_device(user=user)
    return actions.confirm_totp_device(device=device, by=System("tests"))


def sign_in(client: Client, email: str, password: str = PASSWORD, **extra: Any) -> Any:
    return client.post("/accounts/sign-in/", {"username": email, "password": password, **extra})


@pytest.fixture
def organisation():  # type: ignore[no-untyped-def]
    return OrganisationFactory()


@pytest.fixture
def staff_user():  # type: ignore[no-untyped-def]
    return UserFactory()


@pytest.fixture
def organisation_lead(organisation):  # type: ignore[no-untyped-def]
    return user_with_role(Role.ORGANISATION_LEAD, organisation)


def page(response: Any) -> str:
    """The response's HTML with runs of whitespace squashed, for readable assertions."""
    html = re.sub(r"\s+", " ", response.content.decode())
    return re.sub(r"\s*([<>])\s*", r"\1", html.replace(" >", ">"))
