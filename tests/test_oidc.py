"""Single sign-on by OpenID Connect, against a real provider on a local port.

Each test walks the whole journey: Healthlead's start page sends the browser to the
provider, the provider sends it back with a code, and Healthlead exchanges the code over
HTTP, checks the ID token against the provider's published keys and signs someone in
(or shows why not, with no session).
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from healthlead.accounts.models import Role, User
from healthlead.accounts.oidc_settings import oidc_settings_from_env
from healthlead.accounts.tests.conftest import code_for, confirmed_device, page
from healthlead.accounts.tests.factories import UserFactory, user_with_role
from healthlead.core.models import AuditEvent
from healthlead.core.tests.test_settings import SETUP, production, run
from healthlead.people.tests.factories import OrganisationFactory
from tests.oidc_provider import Provider, running_provider

pytestmark = pytest.mark.django_db

START = "/accounts/oidc/start/"
CALLBACK = "/accounts/oidc/callback/"


@pytest.fixture(scope="module")
def _provider() -> Iterator[Provider]:
    with running_provider() as provider:
        yield provider


@pytest.fixture
def provider(_provider, settings) -> Provider:  # type: ignore[no-untyped-def]
    """The running provider, reset, with Healthlead's settings pointing at it."""
    _provider.person = {}
    _provider.id_token_extra = {}
    _provider.tamper = ""
    _provider.token_requests = 0
    for name, value in _provider.settings().items():
        setattr(settings, name, value)
    settings.OIDC_CREATE_USER = False
    settings.OIDC_REQUIRE_VERIFIED_EMAIL = True
    settings.OIDC_MFA_ACR_VALUES = ()
    settings.OIDC_MFA_AMR_VALUES = ()
    return _provider


def person_at_provider(email: str, **claims: Any) -> dict[str, Any]:
    return {"sub": f"sub-{email}", "email": email, "email_verified": True, **claims}


def go_to_provider(client: Client, provider: Provider, next_url: str = "") -> str:
    """Start signing in and let the provider answer; returns the address it sends us back to."""
    start = client.get(START + (f"?{urlencode({'next': next_url})}" if next_url else ""))
    assert start.status_code == 302
    authorize = start["Location"]
    assert authorize.startswith(f"{provider.issuer}/authorize?")
    sent = parse_qs(urlsplit(authorize).query)
    assert sent["code_challenge_method"] == ["S256"]
    assert sent["nonce"][0]
    answer = requests.get(authorize, allow_redirects=False, timeout=5)
    assert answer.status_code == 302
    back = answer.headers["Location"]
    assert back.startswith("http://testserver" + CALLBACK)
    return back


def come_back(client: Client, back: str, **replace: str) -> Any:
    """The browser arriving back at Healthlead, optionally with a query value changed."""
    query = {name: values[0] for name, values in parse_qs(urlsplit(back).query).items()}
    query.update(replace)
    return client.get(CALLBACK, query)


def signed_in_user_id(client: Client) -> Any:
    return client.session.get("_auth_user_id")


def assert_refused(response: Any, status: int, words: str, client: Client) -> None:
    assert response.status_code == status
    html = page(response)
    assert "<h1>We could not sign you in with NHS identity</h1>" in html
    assert words in html
    assert signed_in_user_id(client) is None
    after = client.get("/accounts/you/")
    assert after.status_code == 302
    assert after["Location"].startswith("/accounts/sign-in/")


# Turned off, and how the settings are read --------------------------------------------------


def test_sign_in_page_offers_the_provider_only_when_single_sign_on_is_on(client, settings):
    settings.OIDC_ENABLED = False
    assert "Sign in with" not in page(client.get("/accounts/sign-in/"))
    assert client.get(START).status_code == 404
    assert client.get(CALLBACK, {"code": "x", "state": "y"}).status_code == 404

    settings.OIDC_ENABLED = True
    settings.OIDC_PROVIDER_NAME = "NHS identity"
    html = page(client.get("/accounts/sign-in/?next=/accounts/you/"))
    assert 'href="/accounts/oidc/start/?next=%2Faccounts%2Fyou%2F"' in html
    assert "Sign in with NHS identity" in html


REQUIRED = {
    "HEALTHLEAD_OIDC_ISSUER": "https://auth.example",
    "HEALTHLEAD_OIDC_CLIENT_ID": "healthlead",
    "HEALTHLEAD_OIDC_CLIENT_SECRET": "secret",
    "HEALTHLEAD_OIDC_AUTHORIZATION_ENDPOINT": "https://auth.example/authorize",
    "HEALTHLEAD_OIDC_TOKEN_ENDPOINT": "https://auth.example/token",
    "HEALTHLEAD_OIDC_USERINFO_ENDPOINT": "https://auth.example/userinfo",
    "HEALTHLEAD_OIDC_JWKS_ENDPOINT": "https://auth.example/jwks",
}


def test_settings_are_off_without_variables_and_complete_with_them(monkeypatch):
    for name in REQUIRED:
        monkeypatch.delenv(name, raising=False)
    assert oidc_settings_from_env(production=True).enabled is False
    for name, value in REQUIRED.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("HEALTHLEAD_OIDC_MFA_AMR_VALUES", "mfa, hwk")
    # Empty values, as in a copied .env.example, mean the defaults.
    for name in ("SIGN_ALGO", "SCOPES", "REQUIRE_VERIFIED_EMAIL", "CREATE_USERS"):
        monkeypatch.setenv(f"HEALTHLEAD_OIDC_{name}", "")
    read = oidc_settings_from_env(production=True)
    assert read.enabled
    assert read.issuer == "https://auth.example"
    assert read.mfa_amr_values == ("mfa", "hwk")
    assert read.mfa_acr_values == ()
    assert read.create_users is False
    assert read.require_verified_email is True
    assert read.sign_algo == "RS256"
    assert read.scopes == "openid email"


def test_half_configured_single_sign_on_fails_loudly_naming_what_is_missing(monkeypatch):
    for name in REQUIRED:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HEALTHLEAD_OIDC_ISSUER", "https://auth.example")
    monkeypatch.setenv("HEALTHLEAD_OIDC_CLIENT_ID", "healthlead")
    with pytest.raises(ImproperlyConfigured) as error:
        oidc_settings_from_env(production=False)
    assert "HEALTHLEAD_OIDC_CLIENT_SECRET" in str(error.value)
    assert "HEALTHLEAD_OIDC_JWKS_ENDPOINT" in str(error.value)
    assert "HEALTHLEAD_OIDC_ISSUER (" not in str(error.value)


@pytest.mark.parametrize(
    ("name", "value", "words"),
    [
        ("HEALTHLEAD_OIDC_TOKEN_ENDPOINT", "http://auth.example/token", "https://"),
        ("HEALTHLEAD_OIDC_SIGN_ALGO", "HS256", "shared-secret"),
        ("HEALTHLEAD_OIDC_SCOPES", "email profile", "openid"),
        ("HEALTHLEAD_OIDC_CREATE_USERS", "perhaps", "true or false"),
    ],
)
def test_unsafe_or_malformed_single_sign_on_settings_are_refused_in_production(
    monkeypatch, name, value, words
):
    for required, good in REQUIRED.items():
        monkeypatch.setenv(required, good)
    monkeypatch.setenv(name, value)
    with pytest.raises(ImproperlyConfigured, match=words):
        oidc_settings_from_env(production=True)


@pytest.mark.processes
def test_the_service_will_not_start_half_configured_and_passes_the_deploy_check_when_complete(
    tmp_path,
):
    half = run(SETUP, tmp_path, HEALTHLEAD_OIDC_ISSUER="https://auth.example")
    assert half.returncode != 0
    assert "OpenID Connect sign-in is half configured" in half.stderr
    assert "HEALTHLEAD_OIDC_CLIENT_ID" in half.stderr
    complete = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        tmp_path,
        **production(tmp_path),
        **REQUIRED,
    )
    assert complete.returncode == 0, complete.stderr


# Signing in ----------------------------------------------------------------------------------


def test_matched_person_is_signed_in_and_the_sign_in_is_audited(client, provider):
    user = UserFactory()
    # Providers may send the address in another case.
    provider.person = person_at_provider(user.email.upper())
    back = go_to_provider(client, provider, next_url="/accounts/you/")
    response = come_back(client, back)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/you/"
    assert str(signed_in_user_id(client)) == str(user.pk)
    assert client.get("/accounts/you/").status_code == 200
    event = AuditEvent.objects.get(action="accounts.sign_in.single_sign_on")
    assert event.actor_id == user.pk
    assert event.detail == {"issuer": provider.issuer, "multi_factor": False}


def test_an_answer_cannot_be_used_twice(client, provider):
    user = UserFactory()
    provider.person = person_at_provider(user.email)
    back = go_to_provider(client, provider)
    assert come_back(client, back).status_code == 302
    client.post("/accounts/sign-out/")
    assert_refused(come_back(client, back), 400, "already been used", client)


def test_an_answer_with_a_state_this_browser_did_not_start_is_refused(client, provider):
    user = UserFactory()
    provider.person = person_at_provider(user.email)
    back = go_to_provider(client, provider)
    response = come_back(client, back, state="forged-state")
    assert_refused(response, 400, "was not started from this browser", client)
    # Refused before the code was exchanged.
    assert provider.token_requests == 0
    event = AuditEvent.objects.get(action="accounts.sign_in.single_sign_on_refused")
    assert event.reason == "state"


def test_an_answer_to_a_browser_that_never_started_is_refused(provider):
    user = UserFactory()
    provider.person = person_at_provider(user.email)
    back = go_to_provider(Client(), provider)
    stranger = Client()
    assert_refused(come_back(stranger, back), 400, "was not started from this browser", stranger)


@pytest.mark.parametrize("tamper", ["signature", "audience", "issuer", "expired"])
def test_an_id_token_that_fails_a_check_signs_no_one_in(client, provider, tamper):
    user = UserFactory()
    provider.person = person_at_provider(user.email)
    provider.tamper = tamper
    back = go_to_provider(client, provider)
    response = come_back(client, back)
    assert_refused(response, 400, "We could not confirm the answer from NHS identity", client)
    assert provider.token_requests == 1
    event = AuditEvent.objects.get(action="accounts.sign_in.single_sign_on_refused")
    assert event.reason == "token"


def test_the_provider_saying_no_signs_no_one_in(client, provider):
    UserFactory()
    back = go_to_provider(client, provider)
    state = parse_qs(urlsplit(back).query)["state"][0]
    response = client.get(CALLBACK, {"error": "access_denied", "state": state})
    assert_refused(response, 400, "did not sign you in", client)


def test_unknown_email_is_refused_and_no_account_is_made(client, provider):
    provider.person = person_at_provider("stranger@nhs.example")
    accounts = User.objects.count()
    response = come_back(client, go_to_provider(client, provider))
    assert_refused(response, 403, "There is no Healthlead account for this email address", client)
    assert User.objects.count() == accounts
    event = AuditEvent.objects.get(action="accounts.sign_in.single_sign_on_refused")
    assert event.reason == "unknown_account"
    assert event.detail["email"] == "stranger@nhs.example"


def test_unverified_email_is_refused_even_for_a_known_account(client, provider):
    user = UserFactory()
    provider.person = person_at_provider(user.email, email_verified=False)
    response = come_back(client, go_to_provider(client, provider))
    assert_refused(response, 403, "has not confirmed your email address", client)


def test_missing_email_is_refused(client, provider):
    provider.person = {"sub": "someone"}
    response = come_back(client, go_to_provider(client, provider))
    assert_refused(response, 403, "did not tell us your email address", client)


def test_a_closed_account_is_refused(client, provider):
    user = UserFactory(is_active=False)
    provider.person = person_at_provider(user.email)
    response = come_back(client, go_to_provider(client, provider))
    assert_refused(response, 403, "This account has been closed", client)


def test_the_email_claim_can_be_another_claim(client, provider, settings):
    settings.OIDC_EMAIL_CLAIM = "nhs_email"
    user = UserFactory()
    provider.person = {"sub": "abc", "nhs_email": user.email, "email_verified": True}
    come_back(client, go_to_provider(client, provider))
    assert str(signed_in_user_id(client)) == str(user.pk)


def test_when_allowed_an_unknown_person_gets_an_account_with_no_roles(client, provider, settings):
    settings.OIDC_CREATE_USER = True
    provider.person = person_at_provider(
        "New.Starter@nhs.example", given_name="New", family_name="Starter"
    )
    response = come_back(client, go_to_provider(client, provider))
    assert response.status_code == 302
    user = User.objects.get(email="new.starter@nhs.example")
    assert str(signed_in_user_id(client)) == str(user.pk)
    assert user.display_name == "New Starter"
    assert not user.has_usable_password()
    assert not user.role_assignments.exists()
    assert user.person is None


# Two-factor for privileged roles -------------------------------------------------------------


def test_privileged_user_still_enters_a_code_by_default_even_if_the_provider_used_mfa(
    client, provider
):
    lead = user_with_role(Role.ORGANISATION_LEAD, OrganisationFactory())
    device = confirmed_device(lead)
    provider.person = person_at_provider(lead.email)
    provider.id_token_extra = {"amr": ["pwd", "mfa"], "acr": "AAL3"}
    response = come_back(client, go_to_provider(client, provider, next_url="/api-tokens/"))
    assert response["Location"] == "/accounts/two-factor/?next=%2Fapi-tokens%2F"
    assert client.get("/api-tokens/")["Location"].startswith("/accounts/two-factor/")
    response = client.post(
        "/accounts/two-factor/", {"code": code_for(device), "next": "/api-tokens/"}
    )
    assert response["Location"] == "/api-tokens/"
    assert client.get("/api-tokens/").status_code == 200


@pytest.mark.parametrize(
    ("setting", "value", "claims"),
    [
        ("OIDC_MFA_AMR_VALUES", ("mfa",), {"amr": ["pwd", "mfa"]}),
        ("OIDC_MFA_ACR_VALUES", ("AAL3",), {"acr": "AAL3"}),
    ],
)
def test_provider_mfa_satisfies_two_factor_when_the_deployment_trusts_it(
    client, provider, settings, setting, value, claims
):
    setattr(settings, setting, value)
    lead = user_with_role(Role.ORGANISATION_LEAD, OrganisationFactory())
    provider.person = person_at_provider(lead.email)
    provider.id_token_extra = claims
    response = come_back(client, go_to_provider(client, provider, next_url="/api-tokens/"))
    assert response["Location"] == "/api-tokens/"
    assert client.get("/api-tokens/").status_code == 200
    assert not TOTPDevice.objects.filter(user=lead).exists()
    event = AuditEvent.objects.get(action="accounts.sign_in.single_sign_on")
    assert event.detail["multi_factor"] is True


def test_trusted_values_do_not_match_weaker_claims(client, provider, settings):
    settings.OIDC_MFA_AMR_VALUES = ("mfa",)
    settings.OIDC_MFA_ACR_VALUES = ("AAL3",)
    lead = user_with_role(Role.NATIONAL_LEAD)
    provider.person = person_at_provider(lead.email)
    provider.id_token_extra = {"amr": ["pwd"], "acr": "AAL1"}
    response = come_back(client, go_to_provider(client, provider))
    assert response["Location"].startswith("/accounts/two-factor/")


def test_provider_mfa_counts_only_for_the_user_it_signed_in(client, provider, settings):
    settings.OIDC_MFA_AMR_VALUES = ("mfa",)
    lead = user_with_role(Role.ORGANISATION_LEAD, OrganisationFactory())
    provider.person = person_at_provider(lead.email)
    provider.id_token_extra = {"amr": ["mfa"]}
    come_back(client, go_to_provider(client, provider))
    client.post("/accounts/sign-out/")
    other = user_with_role(Role.NATIONAL_LEAD)
    client.force_login(other)
    assert client.get("/")["Location"].startswith("/accounts/two-factor/")


def test_single_sign_on_sessions_end_when_it_is_turned_off(client, provider, settings):
    user = UserFactory()
    provider.person = person_at_provider(user.email)
    come_back(client, go_to_provider(client, provider))
    assert client.get("/accounts/you/").status_code == 200
    settings.OIDC_ENABLED = False
    assert client.get("/accounts/you/").status_code == 302


def test_a_password_sign_in_with_a_code_in_the_address_does_not_reach_the_provider(
    client, provider
):
    user = UserFactory()
    response = client.post(
        "/accounts/sign-in/?code=stolen&state=whatever",
        {"username": user.email, "password": "wrong password"},
    )
    assert response.status_code == 200
    assert provider.token_requests == 0
    assert signed_in_user_id(client) is None


def test_account_page_says_the_provider_confirmed_the_second_factor(client, provider, settings):
    settings.OIDC_MFA_AMR_VALUES = ("mfa",)
    lead = user_with_role(Role.ORGANISATION_LEAD, OrganisationFactory())
    provider.person = person_at_provider(lead.email)
    provider.id_token_extra = {"amr": ["mfa"]}
    come_back(client, go_to_provider(client, provider))
    html = page(client.get("/accounts/you/"))
    assert "Confirmed by your single sign-on provider for this sign-in" in html


def test_a_provider_that_does_not_answer_gives_a_clear_page(client, provider, settings):
    user = UserFactory()
    provider.person = person_at_provider(user.email)
    back = go_to_provider(client, provider)
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        closed_port = unused.getsockname()[1]
    settings.OIDC_OP_TOKEN_ENDPOINT = f"http://127.0.0.1:{closed_port}/token"
    assert_refused(come_back(client, back), 502, "is not answering at the moment", client)


def test_a_code_the_provider_will_not_exchange_is_refused(client, provider):
    user = UserFactory()
    provider.person = person_at_provider(user.email)
    back = go_to_provider(client, provider)
    provider.grants.clear()  # as if the code had expired at the provider
    assert_refused(come_back(client, back), 400, "We could not confirm the answer", client)
    assert provider.token_requests == 1


def test_a_next_address_off_this_site_is_not_followed(client, provider):
    user = UserFactory()
    provider.person = person_at_provider(user.email)
    back = go_to_provider(client, provider, next_url="https://evil.example/")
    response = come_back(client, back)
    assert response["Location"] == "/"
    assert str(signed_in_user_id(client)) == str(user.pk)
