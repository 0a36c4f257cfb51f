"""The account page: roles with their scopes, sign-in security, and changing the password."""

from __future__ import annotations

import re

import pytest
from django.core import mail

from healthlead.accounts.models import Role
from healthlead.accounts.tests.conftest import code_for, confirmed_device, page
from healthlead.accounts.tests.factories import UserFactory
from healthlead.core.models import AuditEvent
from healthlead.people.tests.factories import OrganisationFactory, PersonFactory, RegionFactory

pytestmark = pytest.mark.django_db


def test_account_page_lists_every_role_with_its_scope(client):
    trust = OrganisationFactory(name="ADDENBROOKE TEST NHS TRUST")
    region = RegionFactory(name="East of England")
    user = UserFactory(
        roles=[(Role.ORGANISATION_LEAD, trust), (Role.REGIONAL_LEAD, region), (Role.MENTOR, None)]
    )
    PersonFactory(line_manager=user.person)
    device = confirmed_device(user)
    client.force_login(user)
    client.post("/accounts/two-factor/", {"code": code_for(device)})
    html = page(client.get("/accounts/you/"))
    assert "<h1>Your account</h1>" in html
    assert user.email in html
    for role in (
        "Staff member",
        "Line manager",
        "Organisation education lead (ADDENBROOKE TEST NHS TRUST)",
        "Regional lead (East of England)",
        "Mentor (England)",
    ):
        assert f"<li>{role}</li>" in html, role
    assert "Manage your organisation's API tokens" in html


def test_staff_account_page_says_two_factor_is_not_needed(client, staff_user):
    client.force_login(staff_user)
    html = page(client.get("/accounts/you/"))
    assert "Not needed for your roles" in html
    assert "API tokens" not in html


def test_user_can_ask_for_a_password_change_link_from_the_account_page(
    client, staff_user, django_capture_on_commit_callbacks
):
    client.force_login(staff_user)
    html = page(client.get("/accounts/you/"))
    assert 'action="/accounts/you/change-password/"' in html
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/accounts/you/change-password/")
    assert response["Location"] == "/accounts/you/"
    assert f"We have sent a link to {staff_user.email}" in page(client.get("/accounts/you/"))
    assert mail.outbox[0].to == [staff_user.email]
    link = re.search(r"https?://\S+(/accounts/reset-password/\S+/\S+/)", mail.outbox[0].body)
    assert client.get(link.group(1))["Location"].endswith("/set-password/")
    event = AuditEvent.objects.get(action="accounts.password.reset_link_sent")
    assert event.actor_id == staff_user.pk


def test_password_change_link_needs_a_post_and_a_sign_in(client, staff_user):
    assert client.post("/accounts/you/change-password/")["Location"].startswith(
        "/accounts/sign-in/"
    )
    client.force_login(staff_user)
    assert client.get("/accounts/you/change-password/").status_code == 405
    assert mail.outbox == []


def test_home_page_offers_api_tokens_to_organisation_leads(client, organisation_lead):
    device = confirmed_device(organisation_lead)
    client.force_login(organisation_lead)
    client.post("/accounts/two-factor/", {"code": code_for(device)})
    assert 'href="/api-tokens/"' in page(client.get("/"))
