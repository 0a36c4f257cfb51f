"""Signing in and out, safe redirects, and lockout after repeated failures (django-axes)."""

from __future__ import annotations

import re

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client

from healthlead.accounts.tests.conftest import page, sign_in
from healthlead.accounts.tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_sign_in_page_has_labelled_email_and_password_fields(client):
    response = client.get("/accounts/sign-in/")
    html = page(response)
    assert response.status_code == 200
    assert '<label class="nhsuk-label" for="id_username">' in html
    assert 'autocomplete="username"' in html
    assert 'type="password"' in html
    assert 'autocomplete="current-password"' in html
    assert "<title>Sign in - Healthlead - NHS</title>" in html


def test_correct_password_signs_in_and_goes_home(client, staff_user):
    response = sign_in(client, staff_user.email)
    assert response.status_code == 302
    assert response["Location"] == "/"
    home = client.get("/")
    assert staff_user.display_name in home.content.decode()


def test_email_address_is_matched_whatever_its_case(client, staff_user):
    response = sign_in(client, "  " + staff_user.email.upper() + " ")
    assert response.status_code == 302
    assert client.get("/accounts/you/").status_code == 200


def test_wrong_password_shows_an_error_summary_linked_to_the_password(client, staff_user):
    response = sign_in(client, staff_user.email, "not-the-password")
    html = page(response)
    assert response.status_code == 200
    assert "nhsuk-error-summary" in html
    assert "There is a problem" in html
    assert '<a href="#id_password">Enter a correct email address and password</a>' in html
    assert "_auth_user_id" not in client.session


def test_unknown_account_gets_the_same_error_as_a_wrong_password(client, staff_user):
    def without_secrets(html: str, email: str) -> str:
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html).replace(email, "X")

    wrong = sign_in(client, staff_user.email, "not-the-password")
    unknown = sign_in(client, "nobody@nhs.example", "not-the-password")
    assert wrong.status_code == unknown.status_code == 200
    assert "Enter a correct email address and password" in page(unknown)
    assert without_secrets(page(wrong), staff_user.email) == without_secrets(
        page(unknown), "nobody@nhs.example"
    )


def test_empty_form_says_what_to_enter_for_each_field(client):
    html = page(client.post("/accounts/sign-in/", {"username": "", "password": ""}))
    assert '<a href="#id_username">Enter your email address</a>' in html
    assert '<a href="#id_password">Enter your password</a>' in html


def test_closed_account_cannot_sign_in(client, staff_user):
    staff_user.is_active = False
    staff_user.save()
    response = sign_in(client, staff_user.email)
    assert response.status_code == 200
    assert "Enter a correct email address and password" in response.content.decode()


def test_sign_in_goes_on_to_the_page_asked_for(client, staff_user):
    response = sign_in(client, staff_user.email, next="/accounts/you/")
    assert response["Location"] == "/accounts/you/"


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/steal",
        "//evil.example/steal",
        "/\\evil.example",
        "javascript:alert(1)",
        "http://testserver.evil.example/",
    ],
)
def test_sign_in_never_redirects_off_the_site(client, staff_user, target):
    response = sign_in(client, staff_user.email, next=target)
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_sign_in_page_does_not_echo_an_unsafe_next(client):
    html = client.get("/accounts/sign-in/?next=https://evil.example/").content.decode()
    assert "evil.example" not in html


def test_a_page_that_needs_sign_in_sends_you_there_and_back(client, staff_user):
    response = client.get("/accounts/you/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/sign-in/?next=/accounts/you/"
    page = client.get(response["Location"]).content.decode()
    assert 'name="next" value="/accounts/you/"' in page
    assert sign_in(client, staff_user.email, next="/accounts/you/")["Location"] == "/accounts/you/"


def test_signed_in_user_visiting_sign_in_goes_home(client, staff_user):
    client.force_login(staff_user)
    assert client.get("/accounts/sign-in/")["Location"] == "/"


def test_sign_out_asks_first_and_signs_out_only_on_post(client, staff_user):
    client.force_login(staff_user)
    confirm = client.get("/accounts/sign-out/")
    assert confirm.status_code == 200
    assert "_auth_user_id" in client.session
    assert 'method="post"' in confirm.content.decode()
    response = client.post("/accounts/sign-out/")
    assert response["Location"] == "/accounts/sign-in/"
    assert "_auth_user_id" not in client.session
    assert "You have signed out." in client.get("/accounts/sign-in/").content.decode()


def test_sign_in_form_posts_are_counted_by_username_for_lockout(client, staff_user):
    sign_in(client, staff_user.email.upper(), "wrong-password")
    attempt = AccessAttempt.objects.get()
    assert attempt.username == staff_user.email
    assert attempt.ip_address == "127.0.0.1"
    assert attempt.failures_since_start == 1
    assert "wrong-password" not in attempt.post_data


def test_account_locks_after_the_failure_limit_with_the_styled_page(client, staff_user):
    limit = settings.AXES_FAILURE_LIMIT
    for _ in range(limit - 1):
        assert sign_in(client, staff_user.email, "wrong-password").status_code == 200
    locked = sign_in(client, staff_user.email, "wrong-password")
    html = page(locked)
    assert locked.status_code == 429
    assert "<h1>Too many attempts to sign in</h1>" in html
    assert f"did not match {limit} times" in html
    assert "paused for 15 minutes" in html
    assert "nhsuk-header" in html
    assert "<title>Too many attempts to sign in - Healthlead - NHS</title>" in html


def test_locked_account_stays_locked_even_with_the_right_password(client, staff_user, settings):
    settings.AXES_FAILURE_LIMIT = 2
    sign_in(client, staff_user.email, "wrong-password")
    sign_in(client, staff_user.email, "wrong-password")
    response = sign_in(client, staff_user.email, PASSWORD)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_lockout_is_for_that_account_from_that_address_only(client, staff_user, settings):
    settings.AXES_FAILURE_LIMIT = 2
    colleague = UserFactory()
    sign_in(client, staff_user.email, "wrong-password")
    assert sign_in(client, staff_user.email, "wrong-password").status_code == 429
    same_account_elsewhere = Client().post(
        "/accounts/sign-in/",
        {"username": staff_user.email, "password": PASSWORD},
        REMOTE_ADDR="10.1.2.3",
    )
    assert same_account_elsewhere.status_code == 302
    assert sign_in(client, colleague.email).status_code == 302


def test_successful_sign_in_clears_earlier_failures(client, staff_user, settings):
    settings.AXES_FAILURE_LIMIT = 3
    sign_in(client, staff_user.email, "wrong-password")
    sign_in(client, staff_user.email, "wrong-password")
    assert sign_in(client, staff_user.email).status_code == 302
    client.post("/accounts/sign-out/")
    sign_in(client, staff_user.email, "wrong-password")
    sign_in(client, staff_user.email, "wrong-password")
    assert sign_in(client, staff_user.email).status_code == 302
