import pytest

from healthlead.frameworks import actions
from healthlead.frameworks.models import Crosswalk, Element, Indicator, Stage
from healthlead.frameworks.tests import swagger
from healthlead.frameworks.tests.conftest import version_of

pytestmark = pytest.mark.django_db

BASE = "/ims/case/v1p0"


def get_valid(client, url: str, path: str, status: int = 200) -> dict:
    """GET a CASE endpoint and check its body against the standard's definition for it."""
    response = client.get(url)
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert swagger.errors(body, swagger.response_definition(path, status)) == []
    return body


def test_documents_lists_every_published_version(client, loaded):
    body = get_valid(client, f"{BASE}/CFDocuments", "/CFDocuments")
    titles = [d["title"] for d in body["CFDocuments"]]
    assert len(titles) == 5
    assert titles == sorted(titles, key=str.lower)
    assert all(d["CFPackageURI"]["uri"].endswith(d["identifier"]) for d in body["CFDocuments"])


def test_documents_page_with_limit_and_offset_and_sort(client, loaded):
    response = client.get(f"{BASE}/CFDocuments?limit=2&offset=1&sort=title&orderBy=desc")
    assert response["X-Total-Count"] == "5"
    titles = [d["title"] for d in response.json()["CFDocuments"]]
    assert titles == [
        "NHS Leadership Framework",
        "Medical Leadership Competency Framework",
    ]


@pytest.mark.parametrize(
    ("query", "minor"),
    [
        ("limit=0", "invalid_selection_field"),
        ("limit=lots", "invalid_selection_field"),
        ("offset=-1", "invalid_selection_field"),
        ("sort=colour", "invalid_sort_field"),
        ("orderBy=sideways", "invalid_sort_field"),
    ],
)
def test_bad_paging_or_sorting_gets_400_with_status_info(client, loaded, query, minor):
    body = get_valid(client, f"{BASE}/CFDocuments?{query}", "/CFDocuments", 400)
    assert body["imsx_codeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"] == minor


def test_documents_with_nothing_published_is_404_not_an_empty_set(client, db):
    body = get_valid(client, f"{BASE}/CFDocuments", "/CFDocuments", 404)
    assert body["imsx_codeMajor"] == "failure"


def test_a_document_and_its_package(client, loaded):
    version = version_of("LF2011")
    document = get_valid(
        client, f"{BASE}/CFDocuments/{version.case_uuid}", "/CFDocuments/{sourcedId}"
    )
    assert document["title"] == "NHS Leadership Framework"
    package = get_valid(client, f"{BASE}/CFPackages/{version.case_uuid}", "/CFPackages/{sourcedId}")
    assert len(package["CFItems"]) == 7 + 28 + 112
    assert (
        client.get(document["CFPackageURI"]["uri"].removeprefix("http://127.0.0.1:8000")).json()
        == package
    )


def test_items_of_every_kind(client, loaded):
    element = Element.objects.get(
        domain__version__framework__code="MLCF2010", domain__code="3", code="2"
    )
    for identifier, kind in [
        (element.domain.case_uuid, "Domain"),
        (element.case_uuid, "Element"),
        (element.indicators.first().case_uuid, "Indicator"),
    ]:
        body = get_valid(client, f"{BASE}/CFItems/{identifier}", "/CFItems/{sourcedId}")
        assert body["CFItemType"] == kind
        assert body["CFDocumentURI"]["identifier"] == str(version_of("MLCF2010").case_uuid)
    body = client.get(f"{BASE}/CFItems/{element.case_uuid}").json()
    assert body["humanCodingScheme"] == "3.2"
    assert body["educationLevel"] == ["postgraduate"]


def test_associations_for_the_tree_and_for_crosswalks(client, loaded):
    indicator = (
        Indicator.objects.select_related("element")
        .filter(element__domain__version__framework__code="LF2011")
        .first()
    )
    body = get_valid(
        client, f"{BASE}/CFAssociations/{indicator.link_uuid}", "/CFAssociations/{sourcedId}"
    )
    assert body["associationType"] == "isChildOf"
    assert body["destinationNodeURI"]["identifier"] == str(indicator.element.case_uuid)
    crosswalk = Crosswalk.objects.select_related("target").first()
    body = get_valid(
        client, f"{BASE}/CFAssociations/{crosswalk.case_uuid}", "/CFAssociations/{sourcedId}"
    )
    assert body["associationType"] == "exactMatchOf"
    assert body["destinationNodeURI"]["identifier"] == str(crosswalk.target.case_uuid)
    domain = indicator.element.domain
    body = client.get(f"{BASE}/CFAssociations/{domain.link_uuid}").json()
    assert body["destinationNodeURI"]["identifier"] == str(version_of("LF2011").case_uuid)


def test_a_stage_concept(client, loaded):
    stage = Stage.objects.get(version__framework__code="MLCF2010", code="postgraduate")
    body = client.get(f"{BASE}/CFConcepts/{stage.case_uuid}")
    assert body.status_code == 200
    assert swagger.errors(body.json(), "CFConceptSet.Type") == []
    assert body.json()["CFConcepts"][0]["keywords"] == "early_career registrar"


@pytest.mark.parametrize(
    "path",
    [
        "/CFDocuments/{sourcedId}",
        "/CFPackages/{sourcedId}",
        "/CFItems/{sourcedId}",
        "/CFAssociations/{sourcedId}",
    ],
)
@pytest.mark.parametrize(
    ("sourced_id", "status", "minor"),
    [
        ("9b1d2f64-0c1e-4c39-9a53-7f0a6a3e2b11", 404, "unknownobject"),
        ("not-a-uuid", 400, "invaliduuid"),
        ("'; DROP TABLE frameworks_element; --", 400, "invaliduuid"),
        ("0" * 500, 400, "invaliduuid"),
    ],
)
def test_unknown_or_malformed_identifiers_get_status_info_never_a_500(
    client, loaded, path, sourced_id, status, minor
):
    url = BASE + path.replace("{sourcedId}", sourced_id)
    body = get_valid(client, url, path, status)
    assert body["imsx_codeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldValue"] == minor


def test_draft_content_is_not_served(client, loaded, national_lead):
    draft = actions.create_draft_version(
        version=version_of("FMLM2021"), label="2021.1", by=national_lead
    )
    element = Element.objects.filter(domain__version=draft).first()
    assert client.get(f"{BASE}/CFDocuments/{draft.case_uuid}").status_code == 404
    assert client.get(f"{BASE}/CFPackages/{draft.case_uuid}").status_code == 404
    assert client.get(f"{BASE}/CFItems/{element.case_uuid}").status_code == 404
    assert client.get(f"{BASE}/CFAssociations/{element.link_uuid}").status_code == 404
    assert len(client.get(f"{BASE}/CFDocuments").json()["CFDocuments"]) == 5


def test_the_endpoints_are_read_only(client, loaded):
    version = version_of("LF2011")
    assert client.post(f"{BASE}/CFDocuments").status_code == 405
    assert client.delete(f"{BASE}/CFPackages/{version.case_uuid}").status_code == 405


def test_any_site_may_read_the_endpoints(client, loaded):
    response = client.get(f"{BASE}/CFDocuments")
    assert response["Access-Control-Allow-Origin"] == "*"
