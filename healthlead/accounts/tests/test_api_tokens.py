"""API token pages for organisation leads: list, create (secret shown once), revoke."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from healthlead.accounts import actions
from healthlead.accounts.models import ApiToken, Role
from healthlead.accounts.permissions import Permission
from healthlead.accounts.tests.conftest import code_for, confirmed_device, page
from healthlead.accounts.tests.factories import UserFactory, user_with_role
from healthlead.core.models import AuditEvent
from healthlead.people.tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

ALL_SCOPES = [choice.value for choice in ApiToken.Scope]


def signed_in_fully(client, user):
    """Password and second factor, as a lead really signs in."""
    device = confirmed_device(user)
    client.force_login(user)
    response = client.post("/accounts/two-factor/", {"code": code_for(device)})
    assert response.status_code == 302
    return client


def make_token(organisation, by, name="ESR sync", scopes=("people:read",)):
    token, _secret = actions.create_api_token(
        organisation=organisation, name=name, scopes=list(scopes), by=by
    )
    return token


@pytest.fixture
def lead_client(client, organisation_lead):
    return signed_in_fully(client, organisation_lead)


# Permissions -----------------------------------------------------------------------------


def test_organisation_lead_manages_only_their_own_organisations_tokens(organisation_lead):
    own = make_token(organisation_lead.role_assignments.get().organisation, organisation_lead)
    other_lead = user_with_role(Role.ORGANISATION_LEAD, OrganisationFactory())
    theirs = make_token(other_lead.role_assignments.get().organisation, other_lead)
    assert organisation_lead.has_perm(Permission.MANAGE_API_TOKENS)
    assert organisation_lead.has_perm(Permission.MANAGE_API_TOKENS, own)
    assert not organisation_lead.has_perm(Permission.MANAGE_API_TOKENS, theirs)
    assert not organisation_lead.has_perm(Permission.MANAGE_API_TOKENS, theirs.organisation)


def test_national_lead_manages_every_token_and_others_none(organisation_lead):
    token = make_token(organisation_lead.role_assignments.get().organisation, organisation_lead)
    assert user_with_role(Role.NATIONAL_LEAD).has_perm(Permission.MANAGE_API_TOKENS, token)
    for user in (UserFactory(), user_with_role(Role.MENTOR), user_with_role(Role.FACILITATOR)):
        assert not user.has_perm(Permission.MANAGE_API_TOKENS)
        assert not user.has_perm(Permission.MANAGE_API_TOKENS, token)


def test_staff_cannot_open_the_token_pages(client, staff_user):
    client.force_login(staff_user)
    assert client.get("/api-tokens/").status_code == 403
    assert client.get("/api-tokens/new/").status_code == 403
    assert client.post("/api-tokens/new/", {"name": "x"}).status_code == 403


def test_token_pages_need_sign_in(client):
    assert client.get("/api-tokens/")["Location"] == "/accounts/sign-in/?next=/api-tokens/"


# Listing ---------------------------------------------------------------------------------


def test_list_shows_own_organisations_tokens_and_not_others(lead_client, organisation_lead):
    organisation = organisation_lead.role_assignments.get().organisation
    make_token(organisation, organisation_lead, name="ESR sync")
    other_lead = user_with_role(Role.ORGANISATION_LEAD, OrganisationFactory())
    make_token(other_lead.role_assignments.get().organisation, other_lead, name="Secret system")
    html = page(lead_client.get("/api-tokens/"))
    assert "ESR sync" in html
    assert "Secret system" not in html
    assert "Read staff records in the organisation" in html
    assert "Active" in html


def test_list_never_shows_a_secret_or_hash(lead_client, organisation_lead):
    organisation = organisation_lead.role_assignments.get().organisation
    token, secret = actions.create_api_token(
        organisation=organisation, name="ESR", scopes=["people:read"], by=organisation_lead
    )
    html = page(lead_client.get("/api-tokens/"))
    assert secret not in html
    assert token.token_hash not in html
    assert f"hl_{token.prefix}_…" in html


def test_list_runs_the_same_queries_for_one_token_or_many(lead_client, organisation_lead):
    organisation = organisation_lead.role_assignments.get().organisation
    make_token(organisation, organisation_lead)
    with CaptureQueriesContext(connection) as one:
        lead_client.get("/api-tokens/")
    for n in range(10):
        make_token(organisation, UserFactory(), name=f"Token {n}")
    with CaptureQueriesContext(connection) as many:
        assert lead_client.get("/api-tokens/").status_code == 200
    assert len(many) == len(one)


def test_list_shows_revoked_and_expired_tokens_as_such(lead_client, organisation_lead):
    organisation = organisation_lead.role_assignments.get().organisation
    revoked = make_token(organisation, organisation_lead, name="Old one")
    actions.revoke_api_token(token=revoked, by=organisation_lead)
    expired = make_token(organisation, organisation_lead, name="Lapsed")
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - dt.timedelta(days=1))
    html = page(lead_client.get("/api-tokens/"))
    assert "Revoked" in html
    assert "Expired" in html
    assert f"/api-tokens/{revoked.pk}/revoke/" not in html
    assert f"/api-tokens/{expired.pk}/revoke/" in html


# Creating --------------------------------------------------------------------------------


def test_create_page_offers_every_scope_as_a_checkbox(lead_client):
    html = page(lead_client.get("/api-tokens/new/"))
    for scope in ApiToken.Scope:
        assert f'value="{scope.value}"' in html
        assert scope.label in html
    assert 'type="checkbox"' in html
    assert '<label class="nhsuk-label" for="id_name">Name</label>' in html
    # One organisation led: nothing to choose.
    assert 'name="organisation"' not in html
    assert "For Test Hospital" in html


def test_creating_a_token_shows_the_secret_once_with_a_warning(lead_client, organisation_lead):
    response = lead_client.post(
        "/api-tokens/new/",
        {"name": "ESR sync", "scopes": ["people:read", "frameworks:read"], "expires": "90"},
    )
    html = page(response)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "You will only see this token once" in html
    secret = re.search(r'<code id="api-token-secret">([^<]+)</code>', html).group(1)
    token = ApiToken.objects.get()
    assert token.token_hash == ApiToken.hash_secret(secret)
    assert token.scopes == ["frameworks:read", "people:read"]
    assert token.organisation == organisation_lead.role_assignments.get().organisation
    assert token.created_by == organisation_lead
    assert token.expires_at.date() == (timezone.now() + dt.timedelta(days=90)).date()
    assert AuditEvent.objects.filter(action="accounts.api_token.created").count() == 1
    assert secret not in page(lead_client.get("/api-tokens/"))


def test_new_token_works_against_the_api(lead_client):
    html = page(
        lead_client.post(
            "/api-tokens/new/",
            {"name": "Directory", "scopes": ["organisations:read"], "expires": "never"},
        )
    )
    secret = re.search(r'<code id="api-token-secret">([^<]+)</code>', html).group(1)
    token = ApiToken.objects.get()
    assert token.expires_at is None
    api = Client()
    assert api.get("/api/v1/organisations/").status_code == 401
    response = api.get("/api/v1/organisations/", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"name": "", "scopes": ["people:read"], "expires": "90"},
            "id_name",
            "Enter a name for the token",
        ),
        (
            {"name": "   ", "scopes": ["people:read"], "expires": "90"},
            "id_name",
            "Enter a name for the token",
        ),
        (
            {"name": "x" * 101, "scopes": ["people:read"], "expires": "90"},
            "id_name",
            "The name must be 100 characters or fewer",
        ),
        (
            {"name": "ESR", "expires": "90"},
            "id_scopes",
            "Select at least one thing the token can do",
        ),
        (
            {"name": "ESR", "scopes": ["admin:everything"], "expires": "90"},
            "id_scopes",
            "Select only the choices listed",
        ),
        (
            {"name": "ESR", "scopes": ["people:read"], "expires": "forever"},
            "id_expires",
            "Select when the token should stop working",
        ),
    ],
)
def test_bad_token_requests_are_explained_and_nothing_is_created(lead_client, data, field, message):
    response = lead_client.post("/api-tokens/new/", data)
    html = page(response)
    assert response.status_code == 200
    assert f'<a href="#{field}">{message}</a>' in html
    assert not ApiToken.objects.exists()


def test_lead_of_several_organisations_chooses_one_they_lead(client):
    first, second, elsewhere = OrganisationFactory(), OrganisationFactory(), OrganisationFactory()
    lead = UserFactory(roles=[(Role.ORGANISATION_LEAD, first), (Role.ORGANISATION_LEAD, second)])
    signed_in_fully(client, lead)
    html = page(client.get("/api-tokens/new/"))

    # The organisation field's own markup: another field may have a value equal to a pk.
    field = re.search(r'name="organisation".*?(</select>|</fieldset>)', html, re.S)
    assert field is not None
    choices = field.group(0)

    def offered(organisation: Any) -> bool:
        return f'value="{organisation.pk}"' in choices

    assert offered(first)
    assert offered(second)
    assert not offered(elsewhere)
    tampered = client.post(
        "/api-tokens/new/",
        {"name": "x", "organisation": elsewhere.pk, "scopes": ["people:read"], "expires": "30"},
    )
    assert "Choose one of the organisations you lead" in page(tampered)
    assert not ApiToken.objects.exists()
    client.post(
        "/api-tokens/new/",
        {"name": "x", "organisation": second.pk, "scopes": ["people:read"], "expires": "30"},
    )
    assert ApiToken.objects.get().organisation == second


def test_single_organisation_lead_cannot_tamper_in_another(lead_client, organisation_lead):
    elsewhere = OrganisationFactory()
    lead_client.post(
        "/api-tokens/new/",
        {"name": "x", "organisation": elsewhere.pk, "scopes": ["people:read"], "expires": "30"},
    )
    assert (
        ApiToken.objects.get().organisation == organisation_lead.role_assignments.get().organisation
    )


# Revoking --------------------------------------------------------------------------------


def test_revoking_asks_first_then_stops_the_token(lead_client, organisation_lead):
    organisation = organisation_lead.role_assignments.get().organisation
    token, secret = actions.create_api_token(
        organisation=organisation, name="ESR", scopes=["frameworks:read"], by=organisation_lead
    )
    confirm = lead_client.get(f"/api-tokens/{token.pk}/revoke/")
    html = page(confirm)
    assert confirm.status_code == 200
    assert "This cannot be undone" in html
    token.refresh_from_db()
    assert token.revoked_at is None
    response = lead_client.post(f"/api-tokens/{token.pk}/revoke/")
    assert response["Location"] == "/api-tokens/"
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert "has been revoked" in page(lead_client.get("/api-tokens/"))
    assert AuditEvent.objects.filter(action="accounts.api_token.revoked").count() == 1
    assert (
        Client().get("/api/v1/organisations/", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code
        == 401
    )


def test_revoking_twice_is_explained_not_an_error(lead_client, organisation_lead):
    token = make_token(organisation_lead.role_assignments.get().organisation, organisation_lead)
    lead_client.post(f"/api-tokens/{token.pk}/revoke/")
    again = lead_client.post(f"/api-tokens/{token.pk}/revoke/")
    assert again.status_code == 409
    assert "This token has already been revoked." in page(again)
    assert AuditEvent.objects.filter(action="accounts.api_token.revoked").count() == 1


def test_lead_of_another_organisation_cannot_see_or_revoke_a_token(client, organisation_lead):
    token = make_token(organisation_lead.role_assignments.get().organisation, organisation_lead)
    intruder = user_with_role(Role.ORGANISATION_LEAD, OrganisationFactory())
    signed_in_fully(client, intruder)
    assert client.get(f"/api-tokens/{token.pk}/revoke/").status_code == 403
    assert client.post(f"/api-tokens/{token.pk}/revoke/").status_code == 403
    token.refresh_from_db()
    assert token.revoked_at is None
    assert token.name not in page(client.get("/api-tokens/"))


def test_unknown_token_is_not_found(lead_client):
    assert lead_client.get("/api-tokens/999999/revoke/").status_code == 404


def test_action_refuses_bad_requests_in_plain_english(organisation_lead):
    organisation = organisation_lead.role_assignments.get().organisation
    with pytest.raises(actions.TokenError, match="Choose at least one scope"):
        actions.create_api_token(
            organisation=organisation, name="x", scopes=[], by=organisation_lead
        )
    with pytest.raises(actions.TokenError, match="Unknown token scopes: nope"):
        actions.create_api_token(
            organisation=organisation, name="x", scopes=["nope"], by=organisation_lead
        )
    with pytest.raises(actions.TokenError, match="Enter a name"):
        actions.create_api_token(
            organisation=organisation, name=" ", scopes=ALL_SCOPES, by=organisation_lead
        )
    with pytest.raises(actions.TokenError, match="at least a day"):
        actions.create_api_token(
            organisation=organisation,
            name="x",
            scopes=ALL_SCOPES,
            by=organisation_lead,
            expires_in_days=0,
        )
    assert not ApiToken.objects.exists()


def test_national_lead_sees_and_manages_every_organisations_tokens(client, organisation_lead):
    token = make_token(organisation_lead.role_assignments.get().organisation, organisation_lead)
    other = OrganisationFactory()
    national = user_with_role(Role.NATIONAL_LEAD)
    signed_in_fully(client, national)
    assert token.name in page(client.get("/api-tokens/"))
    assert f'value="{other.pk}"' in page(client.get("/api-tokens/new/"))
    client.post(
        "/api-tokens/new/",
        {"name": "National", "organisation": other.pk, "scopes": ["people:read"], "expires": "30"},
    )
    assert ApiToken.objects.get(name="National").organisation == other
    assert client.post(f"/api-tokens/{token.pk}/revoke/")["Location"] == "/api-tokens/"
