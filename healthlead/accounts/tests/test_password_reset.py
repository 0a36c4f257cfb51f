"""Password reset by email: never says whether an account exists; the link works once."""

from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.tokens import default_token_generator
from django.core import mail

from healthlead.accounts import views
from healthlead.accounts.tests.conftest import page, sign_in
from healthlead.accounts.tests.factories import PASSWORD, UserFactory
from healthlead.core.models import AuditEvent

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a-brand-new-passphrase-42"


def ask_for_link(client, email, capture):
    with capture(execute=True):
        return client.post("/accounts/reset-password/", {"email": email})


def link_in(message) -> str:
    match = re.search(r"https?://\S+/accounts/reset-password/\S+/\S+/", message.body)
    assert match is not None, message.body
    return match.group(0)


def test_reset_page_has_a_labelled_email_field(client):
    html = page(client.get("/accounts/reset-password/"))
    assert '<label class="nhsuk-label" for="id_email">Email address</label>' in html
    assert 'autocomplete="email"' in html


def test_known_and_unknown_addresses_get_the_same_answer(
    client, staff_user, django_capture_on_commit_callbacks
):
    known = ask_for_link(client, staff_user.email, django_capture_on_commit_callbacks)
    unknown = ask_for_link(client, "nobody@nhs.example", django_capture_on_commit_callbacks)
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == "/accounts/reset-password/sent/"
    sent_page = page(client.get(known["Location"]))
    assert "If the address you entered belongs to a Healthlead account" in sent_page
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [staff_user.email]


def test_the_page_queues_the_same_work_whatever_the_address(client, staff_user, monkeypatch):
    queued = []
    fake_task = SimpleNamespace(enqueue=lambda **kwargs: queued.append(kwargs))
    monkeypatch.setattr(views, "tasks", SimpleNamespace(send_password_reset=fake_task))
    client.post("/accounts/reset-password/", {"email": staff_user.email})
    client.post("/accounts/reset-password/", {"email": "nobody@nhs.example"})
    # Neither request looks the address up: the worker does, so timings cannot differ.
    assert queued == [{"email": staff_user.email}, {"email": "nobody@nhs.example"}]


def test_no_email_for_closed_accounts_or_accounts_without_a_password(
    client, django_capture_on_commit_callbacks
):
    closed = UserFactory(is_active=False)
    no_password = UserFactory()
    no_password.set_unusable_password()
    no_password.save()
    for user in (closed, no_password):
        response = ask_for_link(client, user.email, django_capture_on_commit_callbacks)
        assert response["Location"] == "/accounts/reset-password/sent/"
    assert mail.outbox == []


def test_invalid_address_gets_a_linked_error(client):
    html = page(client.post("/accounts/reset-password/", {"email": "not an email"}))
    assert (
        '<a href="#id_email">Enter an email address in the correct format, like name@nhs.net</a>'
        in html
    )


def test_email_has_text_and_html_parts_with_the_same_working_link(
    client, staff_user, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "http://healthlead.test"
    ask_for_link(client, staff_user.email.upper(), django_capture_on_commit_callbacks)
    message = mail.outbox[0]
    assert message.subject == "Reset your Healthlead password"
    link = link_in(message)
    assert link.startswith("http://healthlead.test/accounts/reset-password/")
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert f'href="{link}"' in html
    assert "within 2 hours" in message.body
    assert "&amp;" not in message.body
    assert "&#" not in message.body


def test_link_comes_from_site_url_not_the_host_header(
    client, staff_user, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://healthlead.test"
    settings.ALLOWED_HOSTS = ["attacker.example", "testserver"]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/accounts/reset-password/", {"email": staff_user.email}, HTTP_HOST="attacker.example"
        )
    assert "attacker.example" not in mail.outbox[0].body
    assert link_in(mail.outbox[0]).startswith("https://healthlead.test/")


def test_link_lets_you_choose_a_new_password_once(
    client, staff_user, django_capture_on_commit_callbacks
):
    ask_for_link(client, staff_user.email, django_capture_on_commit_callbacks)
    link = re.sub(r"^https?://[^/]+", "", link_in(mail.outbox[0]))
    opened = client.get(link)
    # Django moves the token out of the address bar (so it cannot leak in a Referer).
    assert opened.status_code == 302
    form_url = opened["Location"]
    assert form_url.endswith("/set-password/")
    assert "<h1>Choose a new password</h1>" in page(client.get(form_url))
    done = client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done["Location"] == "/accounts/reset-password/done/"
    assert "Your password has been changed" in page(client.get(done["Location"]))
    staff_user.refresh_from_db()
    assert staff_user.check_password(NEW_PASSWORD)
    assert AuditEvent.objects.filter(
        action="accounts.password.changed", target_id=str(staff_user.pk)
    ).exists()
    again = client.get(link, follow=True)
    assert "<h1>This link has expired</h1>" in page(again)
    assert sign_in(client, staff_user.email, NEW_PASSWORD).status_code == 302


def test_new_password_is_checked_and_errors_link_to_the_fields(
    client, staff_user, django_capture_on_commit_callbacks
):
    ask_for_link(client, staff_user.email, django_capture_on_commit_callbacks)
    link = re.sub(r"^https?://[^/]+", "", link_in(mail.outbox[0]))
    form_url = client.get(link)["Location"]
    short = page(client.post(form_url, {"new_password1": "short", "new_password2": "short"}))
    assert '<a href="#id_new_password2">' in short
    assert "at least 12 characters" in short
    mismatch = page(
        client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD + "x"})
    )
    assert "The two passwords do not match" in mismatch
    staff_user.refresh_from_db()
    assert staff_user.check_password(PASSWORD)


def test_expired_link_shows_the_clear_page(
    client, staff_user, monkeypatch, settings, django_capture_on_commit_callbacks
):
    ask_for_link(client, staff_user.email, django_capture_on_commit_callbacks)
    link = re.sub(r"^https?://[^/]+", "", link_in(mail.outbox[0]))
    later = dt.datetime.now() + dt.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 60)
    monkeypatch.setattr(default_token_generator, "_now", lambda: later)
    response = client.get(link, follow=True)
    html = page(response)
    assert response.status_code == 200
    assert "<h1>This link has expired</h1>" in html
    assert '<a href="/accounts/reset-password/">Ask for a new link</a>' in html
    assert "<title>This link has expired - Healthlead - NHS</title>" in html


def test_made_up_link_shows_the_clear_page(client):
    html = page(client.get("/accounts/reset-password/MQ/not-a-token/", follow=True))
    assert "<h1>This link has expired</h1>" in html


def test_choosing_a_new_password_lifts_a_lockout(
    client, staff_user, settings, django_capture_on_commit_callbacks
):
    settings.AXES_FAILURE_LIMIT = 2
    sign_in(client, staff_user.email, "wrong")
    assert sign_in(client, staff_user.email, "wrong").status_code == 429
    ask_for_link(client, staff_user.email, django_capture_on_commit_callbacks)
    link = re.sub(r"^https?://[^/]+", "", link_in(mail.outbox[0]))
    form_url = client.get(link)["Location"]
    with django_capture_on_commit_callbacks(execute=True):
        client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert not AccessAttempt.objects.filter(username=staff_user.email).exists()
    assert sign_in(client, staff_user.email, NEW_PASSWORD).status_code == 302


def test_changing_the_password_signs_out_other_sessions(
    client, staff_user, django_capture_on_commit_callbacks
):
    from django.test import Client

    elsewhere = Client()
    elsewhere.force_login(staff_user)
    assert elsewhere.get("/accounts/you/").status_code == 200
    ask_for_link(client, staff_user.email, django_capture_on_commit_callbacks)
    link = re.sub(r"^https?://[^/]+", "", link_in(mail.outbox[0]))
    form_url = client.get(link)["Location"]
    client.post(form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert elsewhere.get("/accounts/you/").status_code == 302
