import io
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from healthlead.frameworks import actions, case, queries
from healthlead.frameworks.models import Element, Framework, FrameworkVersion, Indicator
from healthlead.frameworks.tests.conftest import page, version_of

pytestmark = pytest.mark.django_db


def upload(client, content: bytes, name: str = "package.json", **data):
    file = io.BytesIO(content)
    file.name = name
    return client.post("/framework-imports/new/", {"package": file, **data})


# Browsing: anyone, signed in or not ------------------------------------------------------------


def test_list_shows_current_and_superseded_frameworks_with_tags(client, loaded):
    response = client.get("/frameworks/")
    assert response.status_code == 200
    html = page(response)
    current, superseded = html.split("<h2>Superseded frameworks</h2>")
    assert "NHS Leadership Framework</a>" in current
    assert "Healthcare Leadership Model</a>" in current
    assert "NHS Leadership Qualities Framework</a>" in superseded
    assert "NHS Leadership Qualities Framework</a>" not in current
    assert 'nhsuk-tag--grey">Superseded</strong>' in superseded
    assert 'href="/frameworks/LF2011/">NHS Leadership Framework</a>' in superseded
    assert "Import a framework" not in html


def test_a_framework_page_shows_its_latest_version_in_full(client, loaded):
    response = client.get("/frameworks/LF2011/")
    assert response.status_code == 200
    html = page(response)
    assert "<h1>NHS Leadership Framework</h1>" in html
    assert html.count("<h3>") == 28
    assert html.count('nhsuk-tag--blue">Core</strong>') == 5
    assert "7 domains, 28 elements and 112 indicators. Core domains apply to all staff." in html
    assert "Reflects after a piece of work on what went well and what did not." in html
    assert "These stages are not confirmed" in html
    assert '<nav class="nhsuk-breadcrumb"' in html
    assert 'href="/frameworks/">Leadership frameworks</a>' in html


def test_mlcf_shows_stage_expectations_and_links_to_the_same_leadership_framework_element(
    client, loaded
):
    html = page(client.get("/frameworks/MLCF2010/"))
    assert html.count("Expected by the end of undergraduate training.") == 8
    assert html.count("Expected by the end of postgraduate training.") == 8
    assert html.count("Expected in continuing practice.") == 4
    assert (
        'Same as:<a href="/frameworks/LF2011/versions/2011/domains/3/elements/2/">'
        "NHS Leadership Framework 3.2 Managing Resources</a>"
    ) in html


def test_the_leadership_framework_shows_links_back_from_the_mlcf(client, loaded):
    html = page(client.get("/frameworks/LF2011/versions/2011/domains/1/elements/1/"))
    assert "<h1>1.1 Developing Self Awareness</h1>" in html
    assert (
        'href="/frameworks/MLCF2010/versions/2010/domains/1/elements/1/">'
        "Medical Leadership Competency Framework 1.1 Developing Self Awareness</a>"
    ) in html


def test_the_healthcare_leadership_model_shows_each_level(client, loaded):
    html = page(client.get("/frameworks/HLM2013/"))
    assert "<h2>Rating scale</h2>" in html
    assert html.count('<th scope="col">Level</th>') == 9
    assert '<td class="nhsuk-table__cell">Exemplary</td>' in html
    assert "<h2>Dimensions</h2>" in html
    assert "<p>9 dimensions and 36 indicators.</p>" in html


def test_a_superseded_framework_says_what_replaced_it(client, loaded):
    html = page(client.get("/frameworks/LQF2006/"))
    assert "<p>3 clusters, 15 qualities and 30 indicators.</p>" in html
    assert 'nhsuk-tag--grey">Superseded</strong>' in html
    assert 'replaced by the<a href="/frameworks/LF2011/">NHS Leadership Framework</a>' in html


def test_an_element_page(client, loaded):
    response = client.get("/frameworks/MLCF2010/versions/2010/domains/5/elements/3/")
    assert response.status_code == 200
    html = page(response)
    assert "<h1>5.3 Making Decisions</h1>" in html
    assert "Expected in continuing practice." in html
    assert html.count("<li>") >= 3


def test_the_versions_page_and_the_case_download(client, loaded):
    html = page(client.get("/frameworks/LF2011/versions/"))
    assert 'href="/frameworks/LF2011/versions/2011/">Version 2011</a>' in html
    assert "Start a new draft version" not in html
    response = client.get("/frameworks/LF2011/versions/2011/case-package.json")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="LF2011-2011-case.json"'
    assert json.loads(response.content) == case.package(
        queries.version_tree(version_of("LF2011").pk)
    )


@pytest.mark.parametrize(
    "url",
    [
        "/frameworks/NOPE/",
        "/frameworks/LF2011/versions/1999/",
        "/frameworks/LF2011/versions/2011/domains/9/elements/1/",
        "/frameworks/LF2011/versions/2011/case-package.json",
    ],
)
def test_unknown_frameworks_versions_and_elements_are_404(client, db, url):
    assert client.get(url).status_code == 404


def test_a_signed_in_member_of_staff_can_browse(staff_client, loaded):
    assert staff_client.get("/frameworks/FMLM2021/").status_code == 200


# Drafts: national leads only ---------------------------------------------------------------------


@pytest.fixture
def draft(loaded, national_lead):
    return actions.create_draft_version(
        version=version_of("LF2011"), label="2011.1", by=national_lead
    )


@pytest.mark.parametrize(
    "url",
    [
        "/frameworks/LF2011/versions/2011.1/",
        "/frameworks/LF2011/versions/2011.1/domains/1/elements/1/",
        "/frameworks/LF2011/versions/2011.1/case-package.json",
    ],
)
def test_drafts_are_hidden_from_the_public_and_staff(client, staff_client, draft, url):
    assert client.get(url).status_code == 403
    assert staff_client.get(url).status_code == 403
    assert "2011.1" not in page(client.get("/frameworks/LF2011/versions/"))


def test_the_framework_page_keeps_showing_the_published_version_while_a_draft_exists(client, draft):
    html = page(client.get("/frameworks/LF2011/"))
    assert "version 2011<" in html
    assert "2011.1" not in html


def test_a_national_lead_sees_the_draft_and_can_publish_it(national_client, draft):
    html = page(national_client.get("/frameworks/LF2011/versions/2011.1/"))
    assert "This version is a draft" in html
    assert 'href="/frameworks/LF2011/versions/2011.1/publish/"' in html
    confirm = national_client.get("/frameworks/LF2011/versions/2011.1/publish/")
    assert "Published versions cannot be changed" in page(confirm)
    response = national_client.post("/frameworks/LF2011/versions/2011.1/publish/")
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.is_published
    assert "version 2011.1<" in page(national_client.get("/frameworks/LF2011/"))
    again = national_client.post("/frameworks/LF2011/versions/2011.1/publish/")
    assert again.status_code == 409
    assert "is already published" in page(again)


def test_publishing_needs_a_national_lead(staff_client, client, draft):
    assert staff_client.post("/frameworks/LF2011/versions/2011.1/publish/").status_code == 403
    response = client.post("/frameworks/LF2011/versions/2011.1/publish/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/sign-in/")
    draft.refresh_from_db()
    assert not draft.is_published


def test_a_national_lead_starts_a_draft_from_the_versions_page(national_client, loaded):
    html = page(national_client.get("/frameworks/HLM2013/versions/"))
    assert 'href="/frameworks/HLM2013/new-version/"' in html
    bad = national_client.post("/frameworks/HLM2013/new-version/", {"label": "1.0"})
    assert "already has a version 1.0" in page(bad)
    response = national_client.post("/frameworks/HLM2013/new-version/", {"label": "1.1"})
    assert response.status_code == 302
    assert response["Location"] == "/frameworks/HLM2013/versions/1.1/"
    assert FrameworkVersion.objects.filter(version="1.1", state="draft").exists()


def test_a_national_lead_edits_a_draft_element(national_client, draft):
    url = "/frameworks/LF2011/versions/2011.1/domains/2/elements/3/edit/"
    element = Element.objects.get(domain__version=draft, domain__code="2", code="3")
    indicator = element.indicators.first()
    form = page(national_client.get(url))
    assert "Indicator 1" in form
    response = national_client.post(
        url,
        {
            "name": "Encouraging Contribution",
            "description": "Making room for every voice.",
            **{f"indicator_{i.pk}": i.text for i in element.indicators.all()},
            f"indicator_{indicator.pk}": "Asks the quietest person first.",
        },
    )
    assert response.status_code == 302
    indicator.refresh_from_db()
    assert indicator.text == "Asks the quietest person first."
    empty = national_client.post(url, {"name": "", "description": ""})
    assert "There is a problem" in page(empty)


def test_editing_a_published_element_is_refused_with_a_message(national_client, loaded):
    url = "/frameworks/LF2011/versions/2011/domains/2/elements/3/edit/"
    response = national_client.post(url, {"name": "Changed"}, follow=True)
    assert "is published and cannot be changed" in page(response)
    assert not Element.objects.filter(name="Changed").exists()


# Importing a CASE package -------------------------------------------------------------------------


def test_the_import_page_is_for_national_leads_only(client, staff_client, national_client, db):
    assert client.get("/framework-imports/new/")["Location"].startswith("/accounts/sign-in/")
    assert staff_client.get("/framework-imports/new/").status_code == 403
    html = page(national_client.get("/framework-imports/new/"))
    assert 'enctype="multipart/form-data"' in html
    assert 'type="file"' in html


def test_importing_an_exported_package_restores_the_framework(national_client, loaded):
    content = national_client.get("/frameworks/HLM2013/versions/1.0/case-package.json").content
    Framework.objects.all().delete()
    response = upload(national_client, content)
    assert response.status_code == 302
    assert response["Location"] == "/frameworks/HLM2013/versions/1.0/"
    assert Indicator.objects.count() == 36
    follow = national_client.get(response["Location"])
    assert "<h1>Healthcare Leadership Model</h1>" in page(follow)
    assert "Imported version 1.0 of the Healthcare Leadership Model." in page(follow)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The submitted file is empty."),
        (b"this is not json", "The file is not JSON: Expecting value at line 1, column 1."),
        (b"\xff\xfe\x00", "The file is not UTF-8 text, so it cannot be JSON."),
        (b"[1, 2]", "The file is not a CASE package: it should be a JSON object."),
        (b'{"CFDocument": {}}', "CFDocument: identifier is missing."),
    ],
)
def test_bad_uploads_are_explained_and_nothing_is_written(
    national_client, loaded, content, message
):
    before = Indicator.objects.count()
    response = upload(national_client, content)
    assert response.status_code == 200
    html = page(response)
    assert "There is a problem" in html
    assert message in html
    assert Indicator.objects.count() == before


def test_an_upload_over_the_size_limit_is_refused(national_client, db, monkeypatch):
    monkeypatch.setattr("healthlead.frameworks.forms.MAX_PACKAGE_BYTES", 10)
    response = upload(national_client, b'{"CFDocument": {"a": 1}}')
    assert "The file must be 5 MB or smaller." in page(response)


# Query counts do not grow with the framework -----------------------------------------------


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_framework_pages_run_the_same_queries_whatever_the_framework_size(client, loaded):
    small = _queries(client, "/frameworks/FMLM2021/")  # 4 elements, 16 indicators
    large = _queries(client, "/frameworks/LF2011/")  # 28 elements, 112 indicators
    assert small == large
    assert large <= 12


def test_element_and_list_pages_run_a_fixed_number_of_queries(client, loaded):
    one = _queries(client, "/frameworks/FMLM2021/versions/2021/domains/1/elements/1/")
    linked = _queries(client, "/frameworks/LF2011/versions/2011/domains/1/elements/1/")
    assert one == linked
    before = _queries(client, "/frameworks/")
    national = actions.create_draft_version(version=version_of("LQF2006"), label="2006.1", by=None)
    actions.publish_version(version=national, by=None)
    assert _queries(client, "/frameworks/") == before
