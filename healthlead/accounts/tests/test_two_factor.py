"""Two-factor sign-in (TOTP) for leads, providers and facilitators."""

from __future__ import annotations

import base64
import datetime as dt

import pytest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from healthlead.accounts.models import Role
from healthlead.accounts.tests.conftest import code_for, confirmed_device, page, sign_in
from healthlead.accounts.tests.factories import UserFactory, user_with_role
from healthlead.core.models import AuditEvent
from healthlead.people.tests.factories import OrganisationFactory, RegionFactory

pytestmark = pytest.mark.django_db

TWO_FACTOR = "/accounts/two-factor/"


def privileged_users():
    organisation = OrganisationFactory()
    return {
        "national lead": user_with_role(Role.NATIONAL_LEAD),
        "regional lead": user_with_role(Role.REGIONAL_LEAD, RegionFactory()),
        "organisation lead": user_with_role(Role.ORGANISATION_LEAD, organisation),
        "provider": user_with_role(Role.PROVIDER, organisation),
        "facilitator": user_with_role(Role.FACILITATOR),
    }


def unlock_throttle(device: TOTPDevice) -> None:
    """As if the wait after a wrong code had passed."""
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - dt.timedelta(hours=2)
    )


@pytest.mark.parametrize(
    "role",
    ["national lead", "regional lead", "organisation lead", "provider", "facilitator"],
)
def test_privileged_roles_are_sent_to_set_up_two_factor_after_signing_in(client, role):
    user = privileged_users()[role]
    response = sign_in(client, user.email, next="/accounts/you/")
    assert response["Location"] == f"{TWO_FACTOR}?next=%2Faccounts%2Fyou%2F"
    html = page(client.get(response["Location"]))
    assert "<h1>Set up two-factor sign-in</h1>" in html
    assert 'src="data:image/svg+xml;base64,' in html
    assert 'alt="QR code to add Healthlead to your authenticator app"' in html
    assert 'id="totp-secret"' in html


@pytest.mark.parametrize("role", [Role.MENTOR, Role.PATIENT_PARTNER])
def test_other_roles_and_staff_are_not_asked_for_a_code(client, role):
    for user in (UserFactory(), user_with_role(role)):
        client.force_login(user)
        assert client.get("/accounts/you/").status_code == 200
        assert client.get("/").status_code == 200
        assert not TOTPDevice.objects.filter(user=user).exists()


def test_unverified_lead_cannot_reach_any_page_but_the_sign_in_steps(client, organisation_lead):
    client.force_login(organisation_lead)
    for path in ("/", "/accounts/you/", "/api-tokens/", "/people/", "/no-such-page/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith(TWO_FACTOR), path
    assert client.get("/accounts/sign-out/").status_code == 200
    assert client.get("/privacy/").status_code == 200


def test_query_string_of_the_page_asked_for_survives_the_detour(client, organisation_lead):
    client.force_login(organisation_lead)
    response = client.get("/people/?q=smith&page=2")
    assert response["Location"] == f"{TWO_FACTOR}?next=%2Fpeople%2F%3Fq%3Dsmith%26page%3D2"


def test_unverified_lead_session_does_not_reach_the_api_until_verified(client, organisation_lead):
    device = confirmed_device(organisation_lead)
    client.force_login(organisation_lead)
    assert client.get("/api/v1/organisations/").status_code == 401
    client.post(TWO_FACTOR, {"code": code_for(device)})
    assert client.get("/api/v1/organisations/").status_code == 200


def test_setting_up_with_the_shown_key_verifies_and_goes_to_the_page_asked_for(
    client, organisation_lead
):
    client.force_login(organisation_lead)
    html = page(client.get(f"{TWO_FACTOR}?next=/accounts/you/"))
    shown_key = html.split('id="totp-secret">')[1].split("<")[0].replace(" ", "")
    device = TOTPDevice.objects.get(user=organisation_lead)
    assert base64.b32decode(shown_key) == device.bin_key
    assert not device.confirmed
    response = client.post(TWO_FACTOR, {"code": code_for(device), "next": "/accounts/you/"})
    assert response["Location"] == "/accounts/you/"
    device.refresh_from_db()
    assert device.confirmed
    assert AuditEvent.objects.filter(action="accounts.two_factor.set_up").count() == 1
    account = page(client.get("/accounts/you/"))
    assert "Set up with an authenticator app (code entered for this sign-in)" in account


def test_reloading_set_up_shows_the_same_key(client, organisation_lead):
    client.force_login(organisation_lead)
    first = page(client.get(TWO_FACTOR)).split('id="totp-secret">')[1].split("<")[0]
    second = page(client.get(TWO_FACTOR)).split('id="totp-secret">')[1].split("<")[0]
    assert first == second
    assert TOTPDevice.objects.filter(user=organisation_lead).count() == 1


def test_lead_with_an_authenticator_is_asked_for_a_code_not_set_up(client, organisation_lead):
    confirmed_device(organisation_lead)
    response = sign_in(client, organisation_lead.email)
    html = page(client.get(response["Location"]))
    assert "<h1>Enter your code</h1>" in html
    assert "totp-secret" not in html
    assert "data:image/svg+xml" not in html
    assert 'autocomplete="one-time-code"' in html
    assert 'inputmode="numeric"' in html


def test_correct_code_reaches_the_page_first_asked_for(client, organisation_lead):
    device = confirmed_device(organisation_lead)
    detour = sign_in(client, organisation_lead.email, next="/api-tokens/")
    assert detour["Location"] == f"{TWO_FACTOR}?next=%2Fapi-tokens%2F"
    response = client.post(TWO_FACTOR, {"code": code_for(device), "next": "/api-tokens/"})
    assert response["Location"] == "/api-tokens/"
    assert client.get("/api-tokens/").status_code == 200


def test_correct_code_gives_a_new_session_key(client, organisation_lead):
    device = confirmed_device(organisation_lead)
    sign_in(client, organisation_lead.email)
    before = client.session.session_key
    client.post(TWO_FACTOR, {"code": code_for(device)})
    assert client.session.session_key != before
    assert client.get("/").status_code == 200


def test_code_with_a_space_is_accepted(client, organisation_lead):
    device = confirmed_device(organisation_lead)
    client.force_login(organisation_lead)
    code = code_for(device)
    response = client.post(TWO_FACTOR, {"code": f"{code[:3]} {code[3:]}"})
    assert response.status_code == 302


def test_two_factor_next_cannot_leave_the_site(client, organisation_lead):
    device = confirmed_device(organisation_lead)
    client.force_login(organisation_lead)
    response = client.post(TWO_FACTOR, {"code": code_for(device), "next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_wrong_code_shows_a_clear_error_linked_to_the_field(client, organisation_lead):
    device = confirmed_device(organisation_lead)
    client.force_login(organisation_lead)
    wrong = f"{(int(code_for(device)) + 1) % 1_000_000:06d}"
    html = page(client.post(TWO_FACTOR, {"code": wrong}))
    assert '<a href="#id_code">That code is not right, or has been used already.' in html
    assert 'id="id_code-error"' in html
    assert client.get("/").status_code == 302


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("", "Enter the 6-digit code from your authenticator app"),
        ("12345", "The code must be 6 digits"),
        ("12345a", "The code must be 6 digits"),
        ("\uff11\uff12\uff13\uff14\uff15\uff16", "The code must be 6 digits"),  # full-width digits
    ],
)
def test_malformed_codes_are_explained(client, organisation_lead, code, message):
    confirmed_device(organisation_lead)
    client.force_login(organisation_lead)
    response = client.post(TWO_FACTOR, {"code": code})
    assert response.status_code == 200
    assert f'<a href="#id_code">{message}</a>' in page(response)


def test_a_code_cannot_be_used_twice(client, organisation_lead):
    device = confirmed_device(organisation_lead)
    code = code_for(device)
    client.force_login(organisation_lead)
    assert client.post(TWO_FACTOR, {"code": code}).status_code == 302
    client.post("/accounts/sign-out/")
    client.force_login(organisation_lead)
    again = client.post(TWO_FACTOR, {"code": code})
    assert again.status_code == 200
    assert "has been used already" in page(again)
    assert client.get("/").status_code == 302


def test_repeated_wrong_codes_are_throttled(client, organisation_lead):
    device = confirmed_device(organisation_lead)
    client.force_login(organisation_lead)
    client.post(TWO_FACTOR, {"code": "000000" if code_for(device) != "000000" else "111111"})
    # Straight after a wrong code, even the right one is refused until the wait is over.
    throttled = page(client.post(TWO_FACTOR, {"code": code_for(device)}))
    assert "You have entered too many wrong codes. Wait" in throttled
    assert client.get("/").status_code == 302
    device.refresh_from_db()
    assert device.throttling_failure_count == 1
    unlock_throttle(device)
    assert client.post(TWO_FACTOR, {"code": code_for(device)}).status_code == 302
    device.refresh_from_db()
    assert device.throttling_failure_count == 0


def test_verified_user_visiting_two_factor_goes_on(client, organisation_lead):
    device = confirmed_device(organisation_lead)
    client.force_login(organisation_lead)
    client.post(TWO_FACTOR, {"code": code_for(device)})
    assert client.get(f"{TWO_FACTOR}?next=/accounts/you/")["Location"] == "/accounts/you/"


def test_two_factor_code_entry_is_rate_limited(client, organisation_lead, settings):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "two_factor": (3, 300)}
    confirmed_device(organisation_lead)
    client.force_login(organisation_lead)
    for _ in range(3):
        assert client.post(TWO_FACTOR, {"code": "12"}).status_code == 200
    limited = client.post(TWO_FACTOR, {"code": "12"})
    assert limited.status_code == 429
    assert "<h1>Too many attempts</h1>" in page(limited)


def test_two_factor_page_needs_a_password_sign_in_first(client):
    response = client.get(TWO_FACTOR)
    assert response["Location"].startswith("/accounts/sign-in/")


def test_two_factor_can_be_switched_off_by_setting(client, organisation_lead, settings):
    settings.TWO_FACTOR_REQUIRED = False
    response = sign_in(client, organisation_lead.email)
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200
