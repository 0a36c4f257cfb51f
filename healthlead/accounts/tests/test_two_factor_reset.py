"""Resetting the two-factor sign-in of someone who has lost their authenticator."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from healthlead.accounts import actions
from healthlead.accounts.models import Role
from healthlead.accounts.tests.conftest import code_for, confirmed_device, page, sign_in
from healthlead.accounts.tests.factories import UserFactory, user_with_role
from healthlead.core.models import AuditEvent
from healthlead.people.tests.factories import OrganisationFactory, PersonFactory, RegionFactory

pytestmark = pytest.mark.django_db

FIND = "/accounts/reset-two-factor/"
TWO_FACTOR = "/accounts/two-factor/"


def reset_page(user) -> str:  # type: ignore[no-untyped-def]
    return f"{FIND}{user.pk}/"


def verified_client(user) -> Client:  # type: ignore[no-untyped-def]
    """A client signed in as `user` with their code entered."""
    client = Client()
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or confirmed_device(user)
    sign_in(client, user.email)
    response = client.post(TWO_FACTOR, {"code": code_for(device), "next": "/"})
    assert response["Location"] == "/"
    return client


@pytest.fixture
def facilitator(organisation):  # type: ignore[no-untyped-def]
    """A facilitator on the organisation's staff, with an authenticator set up."""
    user = user_with_role(Role.FACILITATOR, person=PersonFactory(organisation=organisation))
    confirmed_device(user)
    return user


def test_organisation_lead_resets_a_staff_members_authenticator_with_a_reason(
    organisation_lead, facilitator, django_capture_on_commit_callbacks
):
    lead = verified_client(organisation_lead)
    response = lead.post(FIND, {"email": facilitator.email.upper()})
    assert response["Location"] == reset_page(facilitator)
    assert "Reset two-factor sign-in for" in page(lead.get(reset_page(facilitator)))
    with django_capture_on_commit_callbacks(execute=True):
        response = lead.post(reset_page(facilitator), {"reason": "Lost phone,  rang  on Tuesday"})
    assert response["Location"] == "/"
    assert not TOTPDevice.objects.filter(user=facilitator).exists()
    event = AuditEvent.objects.get(action="accounts.two_factor.reset")
    assert event.actor_id == organisation_lead.pk
    assert event.target_id == str(facilitator.pk)
    assert event.reason == "Lost phone, rang on Tuesday"
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert email.to == [facilitator.email]
    assert "two-factor sign-in has been reset" in email.subject
    assert organisation_lead.display_name in email.body
    assert "If you did not ask for this" in email.body


def test_after_a_reset_the_person_sets_up_a_new_authenticator_and_old_sessions_lose_their_code(
    organisation_lead, facilitator
):
    old_session = verified_client(facilitator)
    assert old_session.get("/accounts/you/").status_code == 200
    actions.reset_two_factor(user=facilitator, reason="Phone stolen", by=organisation_lead)
    # The session that used the old authenticator is half signed in again.
    assert old_session.get("/accounts/you/")["Location"].startswith(TWO_FACTOR)
    fresh = Client()
    response = sign_in(fresh, facilitator.email)
    assert response["Location"].startswith(TWO_FACTOR)
    assert "<h1>Set up two-factor sign-in</h1>" in page(fresh.get(response["Location"]))


def test_a_reason_is_required_and_nothing_changes_without_one(organisation_lead, facilitator):
    lead = verified_client(organisation_lead)
    response = lead.post(reset_page(facilitator), {"reason": "   "})
    assert response.status_code == 200
    assert "Enter why you are resetting their two-factor sign-in" in page(response)
    assert TOTPDevice.objects.filter(user=facilitator, confirmed=True).exists()
    assert not AuditEvent.objects.filter(action="accounts.two_factor.reset").exists()
    too_long = lead.post(reset_page(facilitator), {"reason": "x" * 501})
    assert "500 characters or fewer" in page(too_long)
    assert TOTPDevice.objects.filter(user=facilitator, confirmed=True).exists()


def test_someone_without_an_authenticator_cannot_be_reset(organisation_lead, organisation):
    staff = UserFactory(person=PersonFactory(organisation=organisation))
    lead = verified_client(organisation_lead)
    response = lead.post(reset_page(staff), {"reason": "Lost phone"})
    assert response.status_code == 409
    assert "has not set up two-factor sign-in" in page(response)
    assert not AuditEvent.objects.filter(action="accounts.two_factor.reset").exists()


def test_lead_of_another_organisation_cannot_reset_or_even_find_them(facilitator):
    other_lead = user_with_role(Role.ORGANISATION_LEAD, OrganisationFactory())
    client = verified_client(other_lead)
    assert client.post(reset_page(facilitator), {"reason": "Lost phone"}).status_code == 403
    found = client.post(FIND, {"email": facilitator.email})
    unknown = client.post(FIND, {"email": "nobody@nhs.example"})
    message = "You cannot reset two-factor sign-in for anyone with that address"
    assert message in page(found)
    assert message in page(unknown)
    assert TOTPDevice.objects.filter(user=facilitator, confirmed=True).exists()


def test_organisation_lead_cannot_reset_a_regional_or_national_lead_on_their_staff(
    organisation_lead, organisation
):
    lead = verified_client(organisation_lead)
    for role, scope in ((Role.NATIONAL_LEAD, None), (Role.REGIONAL_LEAD, RegionFactory())):
        senior = user_with_role(role, scope, person=PersonFactory(organisation=organisation))
        confirmed_device(senior)
        assert lead.post(reset_page(senior), {"reason": "Lost phone"}).status_code == 403
        assert TOTPDevice.objects.filter(user=senior, confirmed=True).exists()


def test_national_lead_can_reset_anyone_but_themselves(facilitator):
    national = user_with_role(Role.NATIONAL_LEAD)
    client = verified_client(national)
    assert client.post(reset_page(national), {"reason": "Lost phone"}).status_code == 403
    response = client.post(reset_page(facilitator), {"reason": "Lost phone"})
    assert response["Location"] == "/"
    assert not TOTPDevice.objects.filter(user=facilitator).exists()


def test_staff_and_unverified_leads_cannot_use_the_reset_pages(
    client, organisation_lead, facilitator
):
    client.force_login(UserFactory())
    assert client.get(FIND).status_code == 403
    assert client.post(reset_page(facilitator), {"reason": "x"}).status_code == 403
    half = Client()
    sign_in(half, organisation_lead.email)
    assert half.get(reset_page(facilitator))["Location"].startswith(TWO_FACTOR)


def test_home_page_offers_the_reset_to_leads_only(organisation_lead):
    assert FIND in page(verified_client(organisation_lead).get("/"))
    staff = Client()
    staff.force_login(UserFactory())
    assert FIND not in page(staff.get("/"))


def test_the_action_refuses_an_empty_or_overlong_reason_and_resetting_oneself(
    organisation_lead, facilitator
):
    for reason, words in (
        (" \n ", "Enter why"),
        ("x" * 501, "500 characters or fewer"),
    ):
        with pytest.raises(actions.TwoFactorResetError, match=words):
            actions.reset_two_factor(user=facilitator, reason=reason, by=organisation_lead)
    confirmed_device(organisation_lead)
    with pytest.raises(actions.TwoFactorResetError, match="your own"):
        actions.reset_two_factor(user=organisation_lead, reason="Lost", by=organisation_lead)
    assert TOTPDevice.objects.filter(user=facilitator, confirmed=True).exists()
    assert not AuditEvent.objects.filter(action="accounts.two_factor.reset").exists()
