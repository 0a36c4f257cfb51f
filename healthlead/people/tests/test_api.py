"""The JSON API for organisations and people: scope, tokens, audit, errors and the docs page."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from django_otp.oath import totp
from ninja.errors import AuthenticationError

from healthlead.accounts import actions as account_actions
from healthlead.accounts.api_access import ApiSessionAuth
from healthlead.accounts.models import ApiToken, Role
from healthlead.accounts.tests.factories import UserFactory, user_with_role
from healthlead.core.actors import System
from healthlead.core.models import AuditEvent
from healthlead.people.models import Grade, Organisation, StaffGroup
from healthlead.people.tests.factories import OrganisationFactory, PersonFactory, RegionFactory

pytestmark = pytest.mark.django_db

ALL_SCOPES = [scope.value for scope in ApiToken.Scope]


def verified(client: Client, user: Any) -> Client:
    """Sign in and pass two-factor sign-in through the real page."""
    client.force_login(user)
    device = account_actions.pending_totp_device(user=user)
    account_actions.confirm_totp_device(device=device, by=System("tests"))
    code = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    response = client.post("/accounts/two-factor/", {"code": f"{code:06d}"})
    assert response.status_code == 302
    return client


def bearer(secret: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def trust() -> Organisation:
    return OrganisationFactory(code="RGT", name="CAMBRIDGE UNIVERSITY HOSPITALS NHS FT")


@pytest.fixture
def other_trust(trust: Organisation) -> Organisation:
    return OrganisationFactory(code="RM1", region=trust.region)


@pytest.fixture
def national_client(client: Client) -> Client:
    return verified(client, user_with_role(Role.NATIONAL_LEAD, person=None))


def make_token(organisation: Organisation, scopes: list[str] = ALL_SCOPES) -> tuple[Any, str]:
    lead = user_with_role(Role.ORGANISATION_LEAD, organisation)
    return account_actions.create_api_token(
        organisation=organisation, name="Rostering system", scopes=scopes, by=lead
    )


# Authentication --------------------------------------------------------------------------------


def test_no_credentials_get_401_with_a_plain_message(client, trust):
    response = client.get("/api/v1/people/")
    assert response.status_code == 401
    assert "Authorization: Bearer" in response.json()["detail"]
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_token_lists_only_its_own_organisations_staff(client, trust, other_trust):
    mine = PersonFactory(organisation=trust)
    PersonFactory(organisation=other_trust)
    _, secret = make_token(trust)
    response = client.get("/api/v1/people/", headers=bearer(secret))
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [mine.pk]


def test_a_token_cannot_read_a_person_in_another_organisation(client, trust, other_trust):
    elsewhere = PersonFactory(organisation=other_trust)
    _, secret = make_token(trust)
    response = client.get(f"/api/v1/people/{elsewhere.pk}/", headers=bearer(secret))
    assert response.status_code == 403


def test_a_token_without_the_people_scope_is_refused_people(client, trust):
    person = PersonFactory(organisation=trust)
    _, secret = make_token(trust, [ApiToken.Scope.READ_ORGANISATIONS.value])
    for url in ["/api/v1/people/", f"/api/v1/people/{person.pk}/"]:
        response = client.get(url, headers=bearer(secret))
        assert response.status_code == 403
        assert response.json()["detail"] == "This API token does not have the people:read scope."
    assert client.get("/api/v1/organisations/", headers=bearer(secret)).status_code == 200


def test_a_token_without_the_organisations_scope_is_refused_organisations(client, trust):
    _, secret = make_token(trust, [ApiToken.Scope.READ_PEOPLE.value])
    response = client.get("/api/v1/organisations/", headers=bearer(secret))
    assert response.status_code == 403
    assert "organisations:read" in response.json()["detail"]


def test_using_a_token_records_when_it_was_last_used(client, trust):
    token, secret = make_token(trust)
    assert token.last_used_at is None
    client.get("/api/v1/organisations/", headers=bearer(secret))
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert timezone.now() - token.last_used_at < dt.timedelta(minutes=1)


@pytest.mark.parametrize(
    "header",
    ["Bearer hl_not_a_real_token", "Bearer nothing-like-ours", "Basic dXNlcjpwYXNz", "Bearer "],
)
def test_a_bad_authorization_header_is_refused_even_with_a_session(national_client, header):
    response = national_client.get("/api/v1/organisations/", headers={"Authorization": header})
    assert response.status_code == 401
    assert response.json()["detail"]


def test_revoked_and_expired_tokens_are_refused(client, trust):
    token, secret = make_token(trust)
    account_actions.revoke_api_token(token=token, by=System("tests"))
    assert client.get("/api/v1/organisations/", headers=bearer(secret)).status_code == 401
    expired, expired_secret = make_token(trust)
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now())
    assert client.get("/api/v1/organisations/", headers=bearer(expired_secret)).status_code == 401


def test_a_privileged_session_without_two_factor_is_refused(client, trust):
    lead = user_with_role(Role.ORGANISATION_LEAD, trust)
    client.force_login(lead)
    assert client.get("/api/v1/people/").status_code == 401
    verified(client, lead)
    assert client.get("/api/v1/people/").status_code == 200


def test_session_auth_itself_refuses_an_unverified_privileged_user(rf, trust):
    request = rf.get("/api/v1/people/")
    request.user = user_with_role(Role.REGIONAL_LEAD, trust.region)
    request.user.is_verified = lambda: False
    with pytest.raises(AuthenticationError, match="two-factor"):
        ApiSessionAuth().authenticate(request, "session-key")
    request.user.is_verified = lambda: True
    assert ApiSessionAuth().authenticate(request, "session-key") == request.user


def test_a_line_managers_session_sees_their_team_only(client, trust):
    manager = PersonFactory(organisation=trust)
    report = PersonFactory(organisation=trust, line_manager=manager)
    below = PersonFactory(organisation=trust, line_manager=report)
    PersonFactory(organisation=trust)
    client.force_login(UserFactory(person=manager))
    ids = {row["id"] for row in client.get("/api/v1/people/").json()["results"]}
    assert ids == {manager.pk, report.pk, below.pk}


def test_a_staff_member_without_reports_may_read_only_their_own_record(client, trust):
    me = PersonFactory(organisation=trust)
    colleague = PersonFactory(organisation=trust)
    client.force_login(UserFactory(person=me))
    assert client.get("/api/v1/people/").status_code == 403
    assert client.get(f"/api/v1/people/{me.pk}/").status_code == 200
    assert client.get(f"/api/v1/people/{colleague.pk}/").status_code == 403
    assert client.get("/api/v1/organisations/").status_code == 403


# Audit -----------------------------------------------------------------------------------------


def test_reading_someone_elses_record_is_audited_and_ones_own_is_not(client, trust):
    me = PersonFactory(organisation=trust)
    report = PersonFactory(organisation=trust, line_manager=me)
    client.force_login(UserFactory(person=me))
    client.get(f"/api/v1/people/{me.pk}/")
    assert not AuditEvent.objects.reads().exists()
    client.get(f"/api/v1/people/{report.pk}/")
    event = AuditEvent.objects.reads().get()
    assert event.action == "people.person.viewed"
    assert (event.target_type, event.target_id) == ("people.person", str(report.pk))
    assert event.detail == {"via": "api"}


def test_a_tokens_reads_are_audited_under_the_token(client, trust):
    person = PersonFactory(organisation=trust)
    token, secret = make_token(trust)
    client.get(f"/api/v1/people/{person.pk}/", headers=bearer(secret))
    event = AuditEvent.objects.reads().get()
    assert event.actor_id is None
    assert event.actor_label == f"api-token:{token.prefix} (RGT)"


# People: filters, pages, detail --------------------------------------------------------------


def test_people_filters_match_the_directory(national_client, trust, other_trust):
    nurse = PersonFactory(organisation=trust, last_name="Okafor", grade=Grade.BAND_6)
    PersonFactory(organisation=trust, last_name="Okafor", staff_group=StaffGroup.DOCTORS)
    PersonFactory(organisation=other_trust, last_name="Okafor")

    def ids(query: str) -> set[int]:
        response = national_client.get(f"/api/v1/people/?{query}")
        assert response.status_code == 200
        return {row["id"] for row in response.json()["results"]}

    assert len(ids("q=okafor")) == 3
    assert len(ids("q=okafor&organisation=RGT")) == 2
    assert ids("q=okafor&organisation=RGT&staff_group=nurses&grade=band_6") == {nurse.pk}
    assert ids(f"q={nurse.staff_number}") == {nurse.pk}


def test_people_pages_by_limit_and_offset_with_links(national_client, trust):
    for _ in range(5):
        PersonFactory(organisation=trust)
    first = national_client.get("/api/v1/people/?limit=2").json()
    assert (first["count"], first["limit"], first["offset"], first["previous"]) == (5, 2, 0, None)
    assert len(first["results"]) == 2
    second = national_client.get(first["next"]).json()
    assert second["offset"] == 2
    assert second["previous"] is not None
    last = national_client.get("/api/v1/people/?limit=2&offset=4").json()
    assert last["next"] is None
    assert len(last["results"]) == 1
    seen = [row["id"] for page in (first, second, last) for row in page["results"]]
    assert len(set(seen)) == 5


def test_person_detail_shows_manager_and_region(national_client, trust):
    manager = PersonFactory(organisation=trust)
    person = PersonFactory(organisation=trust, line_manager=manager)
    body = national_client.get(f"/api/v1/people/{person.pk}/").json()
    assert body["line_manager"] == {
        "id": manager.pk,
        "first_name": manager.first_name,
        "last_name": manager.last_name,
    }
    assert body["region"]["code"] == trust.region.code
    assert body["organisation"] == {"code": "RGT", "name": trust.name}


def test_an_unknown_person_is_404(national_client):
    response = national_client.get("/api/v1/people/987654/")
    assert response.status_code == 404
    assert response.json()["detail"] == "No staff record has the id 987654."


# Organisations ---------------------------------------------------------------------------------


def test_organisations_filter_by_kind_and_region(national_client, trust, other_trust):
    elsewhere = RegionFactory()
    OrganisationFactory(code="QUE", kind=Organisation.Kind.ICB, region=elsewhere)

    def codes(query: str) -> list[str]:
        response = national_client.get(f"/api/v1/organisations/?{query}")
        return [row["code"] for row in response.json()["results"]]

    assert codes("kind=icb") == ["QUE"]
    assert sorted(codes(f"region={trust.region.code}")) == ["RGT", "RM1"]


def test_staff_counts_only_for_a_lead_who_covers_the_organisation(client, trust, other_trust):
    PersonFactory(organisation=trust, staff_group=StaffGroup.NURSES)
    PersonFactory(organisation=trust, staff_group=StaffGroup.NURSES)
    PersonFactory(organisation=trust, staff_group=StaffGroup.DOCTORS)
    verified(client, user_with_role(Role.ORGANISATION_LEAD, trust))
    covered = client.get("/api/v1/organisations/RGT/").json()
    assert covered["staff_total"] == 3
    assert covered["staff_counts"][0] == {
        "staff_group": "nurses",
        "label": "Nurses and health visitors",
        "count": 2,
    }
    not_covered = client.get("/api/v1/organisations/RM1/").json()
    assert not_covered["staff_counts"] is None
    assert not_covered["staff_total"] is None


def test_an_unknown_organisation_is_404(national_client):
    response = national_client.get("/api/v1/organisations/ZZZ/")
    assert response.status_code == 404
    assert "ZZZ" in response.json()["detail"]


# Bad input: clear 400s, never a 500 ----------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("/api/v1/people/?limit=-1", "limit must be 1 or more."),
        ("/api/v1/people/?limit=1e9", "limit must be a whole number."),
        ("/api/v1/people/?limit=1000000000", "limit must be 100 or less."),
        ("/api/v1/people/?offset=-5", "offset must be 0 or more."),
        ("/api/v1/people/?page=abc", "page is not a parameter here."),
        ("/api/v1/people/?grade=band_10", "grade must be one of:"),
        ("/api/v1/people/?q=%00", "q must not contain control characters."),
        ("/api/v1/people/?q=" + "x" * 101, "q must be 100 characters or fewer."),
        ("/api/v1/people/?organisation=R%20GT", "organisation must be letters and digits only"),
        ("/api/v1/people/abc/", "person_id must be a whole number."),
        ("/api/v1/people/0/", "person_id must be 1 or more."),
        ("/api/v1/people/99999999999999999999/", "person_id must be 9223372036854775807 or less."),
        ("/api/v1/organisations/?kind=hospital", "kind must be one of:"),
        ("/api/v1/organisations/R-GT/", "code must be letters and digits only"),
        ("/api/v1/organisations/RGT/?staff=1", "staff is not a parameter here."),
    ],
)
def test_malformed_or_out_of_range_input_gets_a_plain_400(national_client, url, message):
    response = national_client.get(url)
    assert response.status_code == 400
    body = response.json()
    assert body["detail"].startswith(message)
    assert body["errors"][0]["message"] == body["detail"]


# The OpenAPI document and the docs page --------------------------------------------------------


def test_openapi_document_describes_every_endpoint(client):
    document = client.get("/api/v1/openapi.json").json()
    for path in [
        "/api/v1/organisations/",
        "/api/v1/organisations/{code}/",
        "/api/v1/people/",
        "/api/v1/people/{person_id}/",
    ]:
        responses = document["paths"][path]["get"]["responses"]
        assert {"200", "400", "401", "403"} <= set(responses)
    schemes = document["components"]["securitySchemes"]
    assert schemes["TokenAuth"] == {"type": "http", "scheme": "bearer"}


def test_docs_page_loads_only_local_files_and_no_inline_script(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "script-src 'self'" in response["Content-Security-Policy"]
    sources = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)
    assert "/assets/swagger-ui/swagger-ui-bundle.js" in sources
    assert "/assets/swagger-ui/init.js" in sources
    assert all(source.startswith("/") for source in sources), sources
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "an inline script"
    assert "/api/v1/people/{person_id}/" in html  # the endpoint table works without JavaScript


def test_the_vendored_swagger_ui_is_present_with_its_licence():
    from django.contrib.staticfiles import finders

    for name in ["swagger-ui.css", "swagger-ui-bundle.js", "init.js", "LICENSE", "NOTICE"]:
        assert finders.find(f"swagger-ui/{name}"), name
