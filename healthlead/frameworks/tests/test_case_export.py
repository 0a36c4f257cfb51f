import copy
import hashlib
import json
import uuid

import pytest

from healthlead.core.models import AuditEvent
from healthlead.frameworks import actions, case, queries
from healthlead.frameworks.errors import FrameworkError
from healthlead.frameworks.models import (
    Crosswalk,
    Domain,
    Element,
    Framework,
    FrameworkVersion,
    Indicator,
    Stage,
)
from healthlead.frameworks.tests import swagger
from healthlead.frameworks.tests.conftest import version_of

pytestmark = pytest.mark.django_db

CODES = ["LF2011", "MLCF2010", "HLM2013", "LQF2006", "FMLM2021"]
ALL_MODELS = [Framework, FrameworkVersion, Stage, Domain, Element, Indicator, Crosswalk]


def export(code: str) -> dict:
    return case.package(queries.version_tree(version_of(code).pk))


def row_counts() -> dict:
    return {model.__name__: model.objects.count() for model in ALL_MODELS}


def empty_the_database() -> None:
    Framework.objects.all().delete()
    assert not any(row_counts().values())


def test_the_shipped_definitions_are_the_official_ims_file():
    content = swagger.SWAGGER.read_bytes()
    blob = hashlib.sha1(b"blob %d\0" % len(content) + content).hexdigest()  # noqa: S324 (git's id)
    assert blob == "f8e540d368ffb224aebd7976ff701eea393e5965"


@pytest.mark.parametrize("code", CODES)
def test_every_export_is_a_valid_case_package(loaded, code):
    package = export(code)
    assert swagger.errors(package, "CFPackage.Type") == []
    assert package["CFDocument"]["identifier"] == str(version_of(code).case_uuid)


def test_the_package_holds_the_tree_as_items_and_is_child_of_associations(loaded):
    package = export("LF2011")
    types = [item["CFItemType"] for item in package["CFItems"]]
    assert (types.count("Domain"), types.count("Element"), types.count("Indicator")) == (7, 28, 112)
    children = [a for a in package["CFAssociations"] if a["associationType"] == "isChildOf"]
    assert len(children) == 7 + 28 + 112
    document_id = package["CFDocument"]["identifier"]
    assert sum(a["destinationNodeURI"]["identifier"] == document_id for a in children) == 7
    core = [i for i in package["CFItems"] if "core" in i.get("conceptKeywords", [])]
    assert [i["humanCodingScheme"] for i in core] == ["1", "2", "3", "4", "5"]


def test_crosswalks_are_exact_match_associations_to_the_other_frameworks_items(loaded):
    package = export("MLCF2010")
    links = [a for a in package["CFAssociations"] if a["associationType"] == "exactMatchOf"]
    assert len(links) == 20
    lf_items = {i["identifier"]: i for i in export("LF2011")["CFItems"]}
    mlcf_items = {i["identifier"]: i for i in package["CFItems"]}
    for link in links:
        origin = mlcf_items[link["originNodeURI"]["identifier"]]
        target = lf_items[link["destinationNodeURI"]["identifier"]]
        assert origin["humanCodingScheme"] == target["humanCodingScheme"]


def test_stage_expectations_and_levels_travel_as_education_levels(loaded):
    mlcf = export("MLCF2010")
    concepts = mlcf["CFDefinitions"]["CFConcepts"]
    assert [c["hierarchyCode"] for c in concepts] == [
        "undergraduate",
        "postgraduate",
        "continuing_practice",
    ]
    setting_direction = [i for i in mlcf["CFItems"] if i["humanCodingScheme"].startswith("5.")]
    assert setting_direction[0]["educationLevel"] == ["continuing_practice"]
    hlm = export("HLM2013")
    levels = [i["educationLevel"] for i in hlm["CFItems"] if i["CFItemType"] == "Indicator"]
    assert levels[:4] == [["Essential"], ["Proficient"], ["Strong"], ["Exemplary"]]
    lf = export("LF2011")
    assert all("unconfirmed" in c["keywords"] for c in lf["CFDefinitions"]["CFConcepts"])


def test_identifiers_are_lowercase_and_the_same_in_every_export(loaded):
    first = json.dumps(export("LF2011"), sort_keys=True)
    second = json.dumps(export("LF2011"), sort_keys=True)
    assert first == second
    package = json.loads(first)
    identifiers = [package["CFDocument"]["identifier"]]
    identifiers += [i["identifier"] for i in package["CFItems"]]
    identifiers += [a["identifier"] for a in package["CFAssociations"]]
    assert len(set(identifiers)) == len(identifiers)
    for identifier in identifiers:
        assert identifier == identifier.lower()
        assert uuid.UUID(identifier).version == 5


def test_uris_are_built_from_the_site_address(loaded, settings):
    settings.SITE_URL = "https://healthlead.example.nhs.uk"
    package = export("HLM2013")
    assert package["CFDocument"]["uri"].startswith(
        "https://healthlead.example.nhs.uk/ims/case/v1p0/CFDocuments/"
    )
    assert package["CFDocument"]["officialSourceURL"] == (
        "https://healthlead.example.nhs.uk/frameworks/HLM2013/versions/1.0/"
    )


@pytest.mark.parametrize("code", CODES)
def test_export_import_into_an_empty_database_and_export_again_is_identical(loaded, code):
    original = export(code)
    empty_the_database()
    outcome = actions.import_case_package(package=copy.deepcopy(original), by=None)
    assert outcome.created
    assert export(code) == original


def test_round_trip_restores_the_framework_its_status_and_stages(loaded):
    packages = {code: export(code) for code in CODES}
    empty_the_database()
    for code in CODES:
        actions.import_case_package(package=packages[code], by=None)
    lqf = Framework.objects.get(code="LQF2006")
    assert lqf.status == Framework.Status.SUPERSEDED
    stages = Stage.objects.filter(version__framework__code="LF2011")
    assert stages.count() == 4
    assert not stages.filter(confirmed=True).exists()
    hlm = version_of("HLM2013")
    assert hlm.scale == ["Essential", "Proficient", "Strong", "Exemplary"]
    assert hlm.framework.domain_term == "Dimension"


def test_a_crosswalk_waits_for_its_target_and_links_up_when_it_arrives(loaded):
    mlcf, lf = export("MLCF2010"), export("LF2011")
    empty_the_database()
    actions.import_case_package(package=mlcf, by=None)
    assert Crosswalk.objects.count() == 20
    assert not Crosswalk.objects.filter(target__isnull=False).exists()
    assert export("MLCF2010") == mlcf
    actions.import_case_package(package=lf, by=None)
    assert Crosswalk.objects.filter(target__isnull=False).count() == 20
    assert export("MLCF2010") == mlcf


def test_importing_a_package_that_is_already_here_changes_nothing(loaded):
    package = export("LF2011")
    before = row_counts()
    outcome = actions.import_case_package(package=package, by=None)
    assert not outcome.created
    assert outcome.version == version_of("LF2011")
    assert row_counts() == before


def test_a_changed_package_with_a_published_identifier_is_refused(loaded):
    package = export("LF2011")
    package["CFItems"][1]["fullStatement"] = "Something else"
    before = row_counts()
    with pytest.raises(FrameworkError, match="already in Healthlead as version 2011"):
        actions.import_case_package(package=package, by=None)
    assert row_counts() == before


def test_a_draft_package_becomes_a_draft_version(loaded, national_lead):
    draft = actions.create_draft_version(
        version=version_of("FMLM2021"), label="2021.1", by=national_lead
    )
    package = case.package(queries.version_tree(draft.pk))
    assert package["CFDocument"]["adoptionStatus"] == "Draft"
    empty_the_database()
    outcome = actions.import_case_package(package=package, by=national_lead)
    assert outcome.version.state == FrameworkVersion.State.DRAFT
    assert outcome.version.published_at is None
    assert AuditEvent.objects.filter(action="frameworks.version.imported").count() == 1


def test_a_new_version_of_an_existing_framework_is_added_to_it(loaded, national_lead):
    draft = actions.create_draft_version(
        version=version_of("HLM2013"), label="1.1", by=national_lead
    )
    actions.publish_version(version=draft, by=national_lead)
    package = case.package(queries.version_tree(draft.pk))
    draft.delete()
    actions.import_case_package(package=package, by=national_lead)
    assert sorted(
        FrameworkVersion.objects.filter(framework__code="HLM2013").values_list("version", flat=True)
    ) == ["1.0", "1.1"]
    assert Framework.objects.filter(code="HLM2013").count() == 1


# Bad packages: a clear reason, nothing written ------------------------------------------------


def _refused(package, **kwargs) -> list[str]:
    before = row_counts()
    with pytest.raises(FrameworkError) as refused:
        actions.import_case_package(package=package, by=None, **kwargs)
    assert row_counts() == before
    return refused.value.problems


def test_a_package_that_is_not_a_json_object_is_refused(loaded):
    assert _refused([1, 2, 3]) == ["The file is not a CASE package: it should be a JSON object."]


def test_a_package_without_a_document_is_refused(loaded):
    assert _refused({"CFItems": []}) == ["the package: CFDocument is missing."]


def test_a_package_with_a_bad_identifier_is_refused(loaded):
    package = export("FMLM2021")
    package["CFItems"][0]["identifier"] = "NOT-A-UUID"
    problems = _refused(package)
    assert "CFItems[0].identifier: 'NOT-A-UUID' is not a lowercase UUID." in problems


def test_a_package_with_fields_case_does_not_define_is_refused(loaded):
    package = export("FMLM2021")
    package["CFDocument"]["colour"] = "blue"
    problems = _refused(package)
    assert any("CFDocument" in p and "colour" in p for p in problems)


def test_an_item_without_a_parent_is_refused(loaded):
    package = export("FMLM2021")
    empty_the_database()
    package["CFAssociations"] = [
        a
        for a in package["CFAssociations"]
        if a["originNodeURI"]["identifier"] != package["CFItems"][-1]["identifier"]
    ]
    problems = _refused(package)
    assert any("is not linked to a parent" in p for p in problems)


def test_a_tree_deeper_than_three_levels_is_refused(loaded):
    package = export("FMLM2021")
    empty_the_database()
    indicator = package["CFItems"][2]
    extra_id = str(uuid.uuid4())
    package["CFItems"].append({**indicator, "identifier": extra_id})
    package["CFAssociations"].append(
        {
            **package["CFAssociations"][2],
            "identifier": str(uuid.uuid4()),
            "originNodeURI": {"title": "x", "identifier": extra_id, "uri": "https://x.example/"},
            "destinationNodeURI": {
                "title": "y",
                "identifier": indicator["identifier"],
                "uri": "https://x.example/",
            },
        }
    )
    problems = _refused(package)
    assert any("4 levels deep" in p for p in problems)


def test_unsupported_association_types_are_refused(loaded):
    package = export("FMLM2021")
    empty_the_database()
    package["CFAssociations"][0]["associationType"] = "precedes"
    problems = _refused(package)
    assert any("does not hold precedes associations" in p for p in problems)


def test_a_package_from_elsewhere_needs_a_framework_code(loaded):
    package = export("FMLM2021")
    empty_the_database()
    del package["CFDocument"]["officialSourceURL"]
    problems = _refused(package)
    assert any("enter a framework code" in p for p in problems)
    outcome = actions.import_case_package(package=package, by=None, code="FMLM")
    assert outcome.version.framework.code == "FMLM"


def _with_new_document_identifier(package: dict) -> dict:
    old = package["CFDocument"]["identifier"]
    return json.loads(json.dumps(package).replace(old, str(uuid.uuid4())))


def test_a_version_name_already_used_by_the_framework_is_refused(loaded):
    package = _with_new_document_identifier(export("FMLM2021"))
    problems = _refused(package)
    assert any("already has a version 2021" in p for p in problems)


def test_identifiers_already_in_use_are_refused(loaded):
    package = _with_new_document_identifier(export("FMLM2021"))
    package["CFDocument"]["version"] = "2022"
    problems = _refused(package)
    assert any("is already used in Healthlead" in p for p in problems)


def test_an_element_expected_by_an_unknown_stage_is_refused(loaded):
    package = export("MLCF2010")
    empty_the_database()
    package["CFItems"][1]["educationLevel"] = ["retirement"]
    problems = _refused(package)
    assert any("'retirement' is not one of the stages" in p for p in problems)


def test_an_identifier_with_extra_text_around_a_uuid_is_refused(loaded):
    package = export("FMLM2021")
    empty_the_database()
    package["CFItems"][0]["identifier"] = "item-" + package["CFItems"][0]["identifier"]
    problems = _refused(package)
    assert problems[0].startswith("CFItems[0].identifier: 'item-")
    assert problems[0].endswith("is not a UUID.")


def test_the_same_crosswalk_twice_is_refused(loaded):
    package = export("MLCF2010")
    empty_the_database()
    link = next(a for a in package["CFAssociations"] if a["associationType"] == "exactMatchOf")
    package["CFAssociations"].append(
        {**link, "identifier": str(uuid.uuid5(uuid.NAMESPACE_URL, "x"))}
    )
    problems = _refused(package)
    assert any("the same link is in the package twice" in p for p in problems)


def test_a_crosswalk_from_an_element_to_itself_is_refused(loaded):
    package = export("MLCF2010")
    empty_the_database()
    link = next(a for a in package["CFAssociations"] if a["associationType"] == "exactMatchOf")
    link["destinationNodeURI"] = dict(link["originNodeURI"])
    problems = _refused(package)
    assert any("cannot link to itself" in p for p in problems)
