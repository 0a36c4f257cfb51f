"""Rate limits on the sign-in, password reset and two-factor pages (per address or user)."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client

from healthlead.accounts.tests.conftest import page, sign_in
from healthlead.accounts.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tight_limits(settings):
    settings.RATE_LIMITS = {
        "sign_in": (3, 300),
        "password_reset": (2, 3600),
        "two_factor": (2, 300),
    }


def test_sign_in_is_limited_per_address_across_accounts(client, tight_limits):
    users = UserFactory.create_batch(4)
    for user in users[:3]:
        assert sign_in(client, user.email, "wrong").status_code == 200
    refused = sign_in(client, users[3].email)
    assert refused.status_code == 429
    assert "<h1>Too many attempts</h1>" in page(refused)
    assert "_auth_user_id" not in client.session
    # Another address is not held back, and reading the page is never counted.
    from_elsewhere = client.post(
        "/accounts/sign-in/",
        {"username": users[3].email, "password": PASSWORD},
        REMOTE_ADDR="10.9.8.7",
    )
    assert from_elsewhere.status_code == 302
    assert Client().get("/accounts/sign-in/").status_code == 200


def test_password_reset_is_limited_per_address(
    client, tight_limits, staff_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(2):
            assert (
                client.post("/accounts/reset-password/", {"email": staff_user.email}).status_code
                == 302
            )
        refused = client.post("/accounts/reset-password/", {"email": staff_user.email})
    assert refused.status_code == 429
    assert "Retry-After" in refused
    assert len(mail.outbox) == 2
