"""Sessions end after SESSION_IDLE_TIMEOUT idle, or SESSION_COOKIE_AGE in all (no sleeping)."""

from __future__ import annotations

import time

import pytest

from healthlead.accounts.tests.factories import UserFactory
from healthlead.core.middleware import LAST_SEEN, SIGNED_IN_AT

pytestmark = pytest.mark.django_db


def set_session(client, **values):
    session = client.session
    for key, value in values.items():
        session[key] = value
    session.save()


@pytest.fixture
def signed_in(client):
    client.force_login(UserFactory())
    assert client.get("/accounts/you/").status_code == 200
    return client


def test_first_request_after_sign_in_starts_both_clocks(client):
    client.force_login(UserFactory())
    before = int(time.time())
    assert client.get("/accounts/you/").status_code == 200
    after = int(time.time())
    session = client.session
    assert before <= session[LAST_SEEN] <= after
    assert before <= session[SIGNED_IN_AT] <= after


def test_activity_within_the_idle_timeout_keeps_you_signed_in(signed_in, settings):
    almost = int(time.time()) - settings.SESSION_IDLE_TIMEOUT + 30
    set_session(signed_in, **{LAST_SEEN: almost})
    assert signed_in.get("/accounts/you/").status_code == 200
    assert signed_in.session[LAST_SEEN] > almost


def test_idle_session_signs_you_out_with_an_explanation(signed_in, settings):
    set_session(signed_in, **{LAST_SEEN: int(time.time()) - settings.SESSION_IDLE_TIMEOUT - 1})
    response = signed_in.get("/accounts/you/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/sign-in/?next=/accounts/you/"
    assert "_auth_user_id" not in signed_in.session
    html = signed_in.get(response["Location"]).content.decode()
    assert "You were signed out because you had not used Healthlead for a while." in html


def test_idle_timeout_follows_the_setting(signed_in, settings):
    settings.SESSION_IDLE_TIMEOUT = 120
    set_session(signed_in, **{LAST_SEEN: int(time.time()) - 121})
    assert signed_in.get("/accounts/you/").status_code == 302


def test_session_ends_after_its_maximum_length_even_when_busy(signed_in, settings):
    set_session(
        signed_in,
        **{
            LAST_SEEN: int(time.time()),
            SIGNED_IN_AT: int(time.time()) - settings.SESSION_COOKIE_AGE - 1,
        },
    )
    response = signed_in.get("/accounts/you/")
    assert response.status_code == 302
    assert "_auth_user_id" not in signed_in.session
    html = signed_in.get(response["Location"]).content.decode()
    assert "signed in for a long time" in html


def test_last_seen_is_not_rewritten_on_every_request(signed_in):
    stamp = signed_in.session[LAST_SEEN]
    signed_in.get("/accounts/you/")
    assert signed_in.session[LAST_SEEN] == stamp


def test_signing_in_restarts_both_clocks(client):
    user = UserFactory()
    set_session(client, **{SIGNED_IN_AT: 1, LAST_SEEN: 1})
    before = int(time.time())
    client.post(
        "/accounts/sign-in/",
        {"username": user.email, "password": "correct-horse-battery-staple"},
    )
    after = int(time.time())
    assert before <= client.session[SIGNED_IN_AT] <= after
    assert before <= client.session[LAST_SEEN] <= after


def test_anonymous_visitors_are_untouched(client):
    assert client.get("/privacy/").status_code == 200
    assert LAST_SEEN not in client.session
