import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from healthlead.accounts import actions as account_actions
from healthlead.accounts.models import ApiToken
from healthlead.accounts.tests.factories import UserFactory
from healthlead.frameworks.tests.conftest import signed_in, version_of
from healthlead.people.tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


def token(scopes: list[str]) -> str:
    user = UserFactory()
    _, secret = account_actions.create_api_token(
        organisation=OrganisationFactory(), name="Reporting", scopes=scopes, by=user
    )
    return secret


def test_list_gives_every_framework_with_its_latest_version(loaded, staff_client):
    response = staff_client.get("/api/v1/frameworks/")
    assert response.status_code == 200
    rows = {row["code"]: row for row in response.json()}
    assert set(rows) == {"LF2011", "MLCF2010", "HLM2013", "LQF2006", "FMLM2021"}
    assert rows["LF2011"]["latest_version"] == "2011"
    assert rows["LF2011"]["case_document_id"] == str(version_of("LF2011").case_uuid)
    assert rows["LQF2006"]["status"] == "superseded"
    assert rows["LQF2006"]["superseded_by"] == "LF2011"
    assert list(rows)[-1] == "LQF2006"


def test_a_framework_comes_with_its_latest_published_version(loaded, staff_client):
    body = staff_client.get("/api/v1/frameworks/LF2011/").json()
    version = body["version"]
    assert version["version"] == "2011"
    assert len(version["domains"]) == 7
    assert sum(len(d["elements"]) for d in version["domains"]) == 28
    assert sum(len(e["indicators"]) for d in version["domains"] for e in d["elements"]) == 112
    assert [d["is_core"] for d in version["domains"]] == [True] * 5 + [False] * 2
    assert [s["confirmed"] for s in version["stages"]] == [False] * 4
    mlcf = staff_client.get("/api/v1/frameworks/MLCF2010/").json()
    assert mlcf["version"]["domains"][4]["elements"][0]["expected_by"] == "continuing_practice"
    assert mlcf["version"]["domains"][4]["elements"][0]["code"] == "5.1"


def test_an_unknown_framework_is_404_with_a_plain_message(loaded, staff_client):
    response = staff_client.get("/api/v1/frameworks/NOPE/")
    assert response.status_code == 404
    assert response.json() == {"detail": "There is no framework with the code NOPE."}
    bad = staff_client.get("/api/v1/frameworks/not%20a%20code/")
    assert bad.status_code == 400


def test_the_api_needs_a_session_or_a_token_with_the_frameworks_scope(client, loaded):
    assert client.get("/api/v1/frameworks/").status_code == 401
    good = {"HTTP_AUTHORIZATION": f"Bearer {token([ApiToken.Scope.READ_FRAMEWORKS])}"}
    assert client.get("/api/v1/frameworks/", **good).status_code == 200
    assert client.get("/api/v1/frameworks/HLM2013/", **good).status_code == 200
    other = {"HTTP_AUTHORIZATION": f"Bearer {token([ApiToken.Scope.READ_PEOPLE])}"}
    response = client.get("/api/v1/frameworks/", **other)
    assert response.status_code == 403
    assert "frameworks:read" in response.json()["detail"]


def test_the_detail_runs_a_fixed_number_of_queries(loaded):
    client = signed_in(UserFactory())
    client.get("/api/v1/frameworks/HLM2013/")  # the session's first request does more
    counts = []
    for code in ["FMLM2021", "LF2011"]:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/api/v1/frameworks/{code}/").status_code == 200
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]


def test_the_openapi_document_describes_the_framework_endpoints(client, db):
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/frameworks/" in schema["paths"]
    assert "/api/v1/frameworks/{code}/" in schema["paths"]
    assert "FrameworkOut" in schema["components"]["schemas"]
