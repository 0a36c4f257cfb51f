"""Fixtures for framework tests: the shipped frameworks loaded, and signed-in clients."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django_otp.oath import totp

from healthlead.accounts import actions as account_actions
from healthlead.accounts.models import Role, User
from healthlead.accounts.tests.factories import PASSWORD, UserFactory, user_with_role
from healthlead.core.actors import System
from healthlead.frameworks import actions
from healthlead.frameworks.models import FrameworkVersion

SYSTEM = System("tests")


def page(response: Any) -> str:
    """The response's HTML with runs of whitespace squashed, for readable assertions."""
    html = re.sub(r"\s+", " ", response.content.decode())
    return re.sub(r"\s*([<>])\s*", r"\1", html)


@pytest.fixture
def loaded(db: Any) -> list[actions.LoadOutcome]:
    """The shipped frameworks, loaded as `manage.py load_frameworks` does."""
    return actions.load_frameworks(by=SYSTEM)


def version_of(code: str) -> FrameworkVersion:
    return FrameworkVersion.objects.select_related("framework").get(
        framework__code=code, state=FrameworkVersion.State.PUBLISHED
    )


@pytest.fixture
def national_lead(db: Any) -> User:
    user = user_with_role(Role.NATIONAL_LEAD)
    device = account_actions.pending_totp_device(user=user)
    account_actions.confirm_totp_device(device=device, by=SYSTEM)
    return user


def signed_in(user: User) -> Client:
    """A client signed in as `user`, past two-factor sign-in if the user needs it."""
    client = Client()
    # Through the sign-in page, as a person would (django-axes records the address).
    response = client.post("/accounts/sign-in/", {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302
    device = user.totpdevice_set.filter(confirmed=True).first()
    if device is not None:
        code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
        response = client.post("/accounts/two-factor/", {"code": f"{code:0{device.digits}d}"})
        assert response.status_code == 302
    return client


@pytest.fixture
def national_client(national_lead: User) -> Client:
    return signed_in(national_lead)


@pytest.fixture
def staff_client(db: Any) -> Client:
    return signed_in(UserFactory())
