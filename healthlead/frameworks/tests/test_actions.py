import pytest

from healthlead.core.models import AuditEvent
from healthlead.frameworks import actions, identifiers, queries
from healthlead.frameworks.errors import FrameworkError
from healthlead.frameworks.models import Crosswalk, Element, FrameworkVersion, Indicator, Stage
from healthlead.frameworks.tests.conftest import version_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(loaded, national_lead):
    return actions.create_draft_version(
        version=version_of("MLCF2010"), label="2010.1", by=national_lead
    )


def test_a_draft_is_a_deep_copy_with_identifiers_from_the_new_version(draft):
    source = version_of("MLCF2010")
    assert draft.state == FrameworkVersion.State.DRAFT
    assert draft.published_at is None
    assert draft.case_uuid == identifiers.node_uuid("MLCF2010/2010.1")
    elements = Element.objects.filter(domain__version=draft).select_related("domain", "expected_by")
    assert elements.count() == 20
    assert Indicator.objects.filter(element__domain__version=draft).count() == 60
    element = elements.get(domain__code="1", code="1")
    assert element.case_uuid == identifiers.node_uuid("MLCF2010/2010.1/1/1")
    assert element.expected_by.version == draft
    assert element.expected_by.code == "undergraduate"
    old_ids = set(
        Indicator.objects.filter(element__domain__version=source).values_list(
            "case_uuid", flat=True
        )
    )
    new_ids = set(
        Indicator.objects.filter(element__domain__version=draft).values_list("case_uuid", flat=True)
    )
    assert not old_ids & new_ids


def test_a_draft_keeps_the_crosswalks_of_the_version_it_copies(draft):
    crosswalks = Crosswalk.objects.filter(source__domain__version=draft).select_related(
        "target__domain__version"
    )
    assert crosswalks.count() == 20
    assert {c.target.domain.version.framework.code for c in crosswalks} == {"LF2011"}


def test_editing_a_draft_changes_its_text_and_records_who(draft, national_lead):
    element = Element.objects.get(domain__version=draft, domain__code="2", code="3")
    indicator = element.indicators.first()
    actions.edit_element(
        element=element,
        name="Encouraging contribution",
        description="Drawing on what others know.",
        indicator_texts={indicator.pk: "Asks the whole team, including students, for views."},
        by=national_lead,
    )
    element.refresh_from_db()
    indicator.refresh_from_db()
    assert element.name == "Encouraging contribution"
    assert indicator.text == "Asks the whole team, including students, for views."
    event = AuditEvent.objects.get(action="frameworks.element.edited")
    assert event.actor_id == national_lead.pk
    assert event.detail == {"indicators": [indicator.code]}


def test_editing_a_draft_stage_changes_the_career_stages_it_covers(loaded, national_lead):
    draft = actions.create_draft_version(
        version=version_of("LF2011"), label="2011.1", by=national_lead
    )
    stage = Stage.objects.get(version=draft, code="2")
    actions.edit_stage(
        stage=stage,
        name="Stage 2",
        description="Leads a team.",
        career_stages=["established"],
        by=national_lead,
    )
    stage.refresh_from_db()
    assert stage.career_stages == ["established"]
    with pytest.raises(FrameworkError, match="Unknown career stage: astronaut"):
        actions.edit_stage(
            stage=stage,
            name="Stage 2",
            description="",
            career_stages=["astronaut"],
            by=national_lead,
        )


@pytest.mark.parametrize("action", ["domain", "element", "indicator", "stage"])
def test_every_edit_of_a_published_version_is_refused_with_a_clear_message(
    loaded, national_lead, action
):
    version = version_of("LF2011")
    element = Element.objects.filter(domain__version=version).select_related("domain").first()
    calls = {
        "domain": lambda: actions.edit_domain(
            domain=element.domain, name="Renamed", description="", by=national_lead
        ),
        "element": lambda: actions.edit_element(
            element=element, name="Renamed", description="", by=national_lead
        ),
        "indicator": lambda: actions.edit_indicator(
            indicator=element.indicators.first(), text="Changed.", by=national_lead
        ),
        "stage": lambda: actions.edit_stage(
            stage=version.stages.first(),
            name="Renamed",
            description="",
            career_stages=[],
            by=national_lead,
        ),
    }
    with pytest.raises(FrameworkError) as refused:
        calls[action]()
    assert str(refused.value) == (
        "Version 2011 of NHS Leadership Framework is published and cannot be changed. "
        "Create a new draft version to make changes."
    )
    assert not Element.objects.filter(name="Renamed").exists()
    assert not Indicator.objects.filter(text="Changed.").exists()


def test_publishing_a_draft_makes_it_the_latest_version(draft, national_lead):
    framework = draft.framework
    published = actions.publish_version(version=draft, by=national_lead)
    assert published.state == FrameworkVersion.State.PUBLISHED
    assert published.published_at is not None
    assert queries.latest_published_version(framework) == published
    assert AuditEvent.objects.filter(action="frameworks.version.published").count() == 1


def test_a_published_draft_can_no_longer_be_edited_or_published_again(draft, national_lead):
    actions.publish_version(version=draft, by=national_lead)
    element = Element.objects.filter(domain__version=draft).first()
    with pytest.raises(FrameworkError, match="is published and cannot be changed"):
        actions.edit_element(element=element, name="Later", description="", by=national_lead)
    with pytest.raises(FrameworkError, match="is already published"):
        actions.publish_version(version=draft, by=national_lead)


def test_only_one_draft_at_a_time(draft, national_lead):
    with pytest.raises(FrameworkError, match=r"already has a draft, version 2010\.1"):
        actions.create_draft_version(
            version=version_of("MLCF2010"), label="2010.2", by=national_lead
        )


def test_a_draft_needs_a_new_and_well_formed_version_name(loaded, national_lead):
    version = version_of("HLM2013")
    with pytest.raises(FrameworkError, match=r"already has a version 1\.0"):
        actions.create_draft_version(version=version, label="1.0", by=national_lead)
    with pytest.raises(FrameworkError, match="Enter a version name"):
        actions.create_draft_version(version=version, label="version two!", by=national_lead)
    assert FrameworkVersion.objects.filter(framework__code="HLM2013").count() == 1


def test_a_draft_cannot_be_copied_into_another_draft(draft, national_lead):
    with pytest.raises(FrameworkError, match="only be made from a published version"):
        actions.create_draft_version(version=draft, label="2010.9", by=national_lead)


def test_an_empty_draft_cannot_be_published(db, national_lead):
    from healthlead.frameworks.spec import FrameworkSpec

    framework = actions._create_framework(FrameworkSpec(code="EMPTY", name="Empty"))
    version = FrameworkVersion.objects.create(framework=framework, version="1")
    with pytest.raises(FrameworkError, match="at least one domain"):
        actions.publish_version(version=version, by=national_lead)


def test_an_edit_needs_a_name_and_indicator_text(draft, national_lead):
    element = Element.objects.filter(domain__version=draft).first()
    indicator = element.indicators.first()
    with pytest.raises(FrameworkError, match="Enter the element name"):
        actions.edit_element(element=element, name="  ", description="", by=national_lead)
    with pytest.raises(FrameworkError, match="Enter the text of indicator"):
        actions.edit_element(
            element=element,
            name="Fine",
            description="",
            indicator_texts={indicator.pk: ""},
            by=national_lead,
        )
    element.refresh_from_db()
    assert element.name != "Fine"


def test_an_indicator_level_must_be_on_the_scale(loaded, national_lead):
    draft = actions.create_draft_version(
        version=version_of("HLM2013"), label="1.1", by=national_lead
    )
    indicator = Indicator.objects.filter(element__domain__version=draft).first()
    actions.edit_indicator(indicator=indicator, text="New text.", level="Strong", by=national_lead)
    indicator.refresh_from_db()
    assert (indicator.text, indicator.level) == ("New text.", "Strong")
    with pytest.raises(FrameworkError, match="Superb is not a level"):
        actions.edit_indicator(indicator=indicator, text="x.", level="Superb", by=national_lead)
