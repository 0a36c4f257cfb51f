import shutil
import uuid
from pathlib import Path

import pytest
from django.core.management import call_command

from healthlead.core.models import AuditEvent
from healthlead.frameworks import actions, identifiers
from healthlead.frameworks.models import (
    Crosswalk,
    Domain,
    Element,
    Framework,
    FrameworkVersion,
    Indicator,
    Stage,
)
from healthlead.frameworks.tests.conftest import SYSTEM, version_of

pytestmark = pytest.mark.django_db

ALL_MODELS = [Framework, FrameworkVersion, Stage, Domain, Element, Indicator, Crosswalk]


def _counts(version):
    return (
        Domain.objects.filter(version=version).count(),
        Element.objects.filter(domain__version=version).count(),
        Indicator.objects.filter(element__domain__version=version).count(),
    )


def test_leadership_framework_has_seven_domains_28_elements_and_112_indicators(loaded):
    version = version_of("LF2011")
    assert _counts(version) == (7, 28, 112)
    assert version.is_published
    for element in Element.objects.filter(domain__version=version):
        assert element.indicators.count() == 4


def test_leadership_framework_core_domains_are_one_to_five(loaded):
    domains = Domain.objects.filter(version=version_of("LF2011"))
    assert sorted(d.code for d in domains if d.is_core) == ["1", "2", "3", "4", "5"]
    assert sorted(d.code for d in domains if not d.is_core) == ["6", "7"]


def test_leadership_framework_stages_are_four_and_marked_unconfirmed(loaded):
    stages = list(Stage.objects.filter(version=version_of("LF2011")).order_by("order"))
    assert [s.name for s in stages] == ["Stage 1", "Stage 2", "Stage 3", "Stage 4"]
    assert not any(s.confirmed for s in stages)
    assert stages[3].career_stages == ["executive"]


def test_mlcf_has_twenty_elements_and_stage_expectations_by_domain(loaded):
    version = version_of("MLCF2010")
    assert _counts(version)[:2] == (5, 20)
    expected = {
        e.domain.code: e.expected_by.code
        for e in Element.objects.select_related("domain", "expected_by").filter(
            domain__version=version
        )
    }
    assert expected == {
        "1": "undergraduate",
        "2": "undergraduate",
        "3": "postgraduate",
        "4": "postgraduate",
        "5": "continuing_practice",
    }


def test_mlcf_stages_map_to_career_stages(loaded):
    stages = {s.code: s.career_stages for s in Stage.objects.filter(version=version_of("MLCF2010"))}
    assert stages == {
        "undergraduate": ["student"],
        "postgraduate": ["early_career", "registrar"],
        "continuing_practice": ["established", "senior", "executive"],
    }


def test_mlcf_elements_are_the_same_as_leadership_framework_elements_with_the_same_codes(loaded):
    crosswalks = Crosswalk.objects.select_related(
        "source__domain__version__framework", "target__domain__version__framework"
    )
    assert crosswalks.count() == 20
    for crosswalk in crosswalks:
        assert crosswalk.kind == Crosswalk.Kind.EXACT_MATCH
        assert crosswalk.source.domain.version.framework.code == "MLCF2010"
        assert crosswalk.target.domain.version.framework.code == "LF2011"
        assert (crosswalk.source.domain.code, crosswalk.source.code) == (
            crosswalk.target.domain.code,
            crosswalk.target.code,
        )
        assert crosswalk.source.name == crosswalk.target.name


def test_healthcare_leadership_model_has_nine_dimensions_with_an_indicator_at_each_level(loaded):
    version = version_of("HLM2013")
    assert version.scale == ["Essential", "Proficient", "Strong", "Exemplary"]
    domains = list(Domain.objects.filter(version=version).prefetch_related("elements__indicators"))
    assert len(domains) == 9
    for domain in domains:
        (element,) = domain.elements.all()
        assert element.name == domain.name
        assert [i.level for i in element.indicators.all()] == version.scale
    assert version.framework.domain_term == "Dimension"


def test_leadership_qualities_framework_is_superseded_by_the_leadership_framework(loaded):
    lqf = Framework.objects.select_related("superseded_by").get(code="LQF2006")
    assert lqf.status == Framework.Status.SUPERSEDED
    assert lqf.superseded_by.code == "LF2011"
    assert _counts(version_of("LQF2006"))[:2] == (3, 15)


def test_fmlm_standards_have_four_domains_each_with_one_element_of_the_same_name(loaded):
    version = version_of("FMLM2021")
    domains = list(Domain.objects.filter(version=version).prefetch_related("elements"))
    assert [d.name for d in domains] == [
        "Self",
        "Team",
        "Corporate responsibility",
        "System leadership",
    ]
    assert all([e.name for e in d.elements.all()] == [d.name] for d in domains)
    assert "Senior Fellow" in version.notes


def test_every_indicator_is_one_plain_sentence(loaded):
    texts = list(Indicator.objects.values_list("text", flat=True))
    assert len(texts) == 112 + 60 + 36 + 30 + 16
    for text in texts:
        assert text[0].isupper()
        assert text.endswith(".")
        assert text.count(". ") == 0, text
        assert len(text) <= 120


def test_identifiers_are_lowercase_uuid5_of_the_node_path(loaded):
    element = Element.objects.get(
        domain__version__framework__code="LF2011", domain__code="3", code="2"
    )
    assert element.case_uuid == uuid.uuid5(identifiers.NAMESPACE, "LF2011/2011/3/2")
    assert element.case_uuid.version == 5
    assert str(element.case_uuid) == str(element.case_uuid).lower()
    assert version_of("LF2011").case_uuid == identifiers.node_uuid("LF2011/2011")
    assert Framework.objects.get(code="LF2011").case_uuid == identifiers.node_uuid("LF2011")


def test_loading_twice_changes_nothing_and_keeps_every_identifier():
    call_command("load_frameworks", verbosity=0)
    before = {m: sorted(m.objects.values_list("pk", "case_uuid")) for m in ALL_MODELS}
    events = AuditEvent.objects.count()
    outcomes = actions.load_frameworks(by=SYSTEM)
    assert not any(o.created for o in outcomes)
    assert {m: sorted(m.objects.values_list("pk", "case_uuid")) for m in ALL_MODELS} == before
    assert AuditEvent.objects.count() == events


def test_loading_into_another_database_gives_the_same_identifiers(loaded):
    first = {str(u) for u in Indicator.objects.values_list("case_uuid", flat=True)}
    for model in [Crosswalk, Framework]:
        model.objects.all().delete()
    actions.load_frameworks(by=SYSTEM)
    assert {str(u) for u in Indicator.objects.values_list("case_uuid", flat=True)} == first


def test_the_command_reports_what_it_loaded(capsys):
    call_command("load_frameworks")
    call_command("load_frameworks")
    out = capsys.readouterr().out
    assert "LF2011 2011: loaded (7 domains, 28 elements, 112 indicators)" in out
    assert "LF2011 2011: unchanged" in out


def test_loader_refuses_to_change_a_published_version(loaded, tmp_path: Path):
    data = tmp_path / "data"
    shutil.copytree(actions.DATA_DIR, data)
    path = data / "lf2011.yaml"
    path.write_text(path.read_text().replace("Owns up to their own mistakes", "Admits mistakes"))
    with pytest.raises(actions.FrameworkError, match="already loaded and differs"):
        actions.load_frameworks(by=SYSTEM, data_dir=data)
    assert Indicator.objects.filter(text__startswith="Owns up to their own mistakes").exists()


def test_loader_reports_a_file_that_is_not_yaml(db, tmp_path: Path):
    (tmp_path / "broken.yaml").write_text("code: [unclosed\n")
    with pytest.raises(actions.FrameworkError, match=r"broken\.yaml is not valid YAML"):
        actions.load_frameworks(by=SYSTEM, data_dir=tmp_path)
    assert not Framework.objects.exists()


def test_loader_reports_an_unknown_stage_and_writes_nothing(db, tmp_path: Path):
    shutil.copy(actions.DATA_DIR / "mlcf2010.yaml", tmp_path / "mlcf2010.yaml")
    shutil.copy(actions.DATA_DIR / "lf2011.yaml", tmp_path / "lf2011.yaml")
    path = tmp_path / "mlcf2010.yaml"
    path.write_text(path.read_text().replace("expected_by: postgraduate", "expected_by: later", 1))
    with pytest.raises(actions.FrameworkError, match="'later' is not one of the stages"):
        actions.load_frameworks(by=SYSTEM, data_dir=tmp_path)
    assert not Framework.objects.exists()


def test_loader_needs_the_target_of_every_crosswalk(db, tmp_path: Path):
    shutil.copy(actions.DATA_DIR / "mlcf2010.yaml", tmp_path / "mlcf2010.yaml")
    with pytest.raises(actions.FrameworkError, match="which is not loaded"):
        actions.load_frameworks(by=SYSTEM, data_dir=tmp_path)
    assert not Framework.objects.exists()


def test_loading_writes_an_audit_event_per_version(loaded):
    events = AuditEvent.objects.filter(action="frameworks.version.loaded")
    assert events.count() == 5
    assert {e.detail["framework"] for e in events} == {
        "LF2011",
        "MLCF2010",
        "HLM2013",
        "LQF2006",
        "FMLM2021",
    }
