"""Questionnaires generated from published framework versions."""

from __future__ import annotations

import pytest

from healthlead.feedback import actions
from healthlead.feedback.models import Questionnaire
from healthlead.feedback.tests.factories import (
    SYSTEM,
    ElementFactory,
    FrameworkVersionFactory,
    IndicatorFactory,
    small_framework,
)

pytestmark = pytest.mark.django_db


def test_a_questionnaire_has_an_item_per_indicator_or_per_element_without_indicators():
    version = small_framework(domains=2, elements=2, indicators=3)
    questionnaire = actions.generate_questionnaire(framework_version=version, by=SYSTEM)
    items = list(questionnaire.items.order_by("order"))
    # 3 elements with 3 indicators each, and the last element (no indicators) as one item.
    assert len(items) == 3 * 3 + 1
    assert [i.order for i in items] == list(range(1, 11))
    assert sum(1 for i in items if i.indicator_id is None) == 1
    assert questionnaire.state == Questionnaire.State.DRAFT


def test_items_are_written_about_this_person_with_a_first_person_self_text():
    version = FrameworkVersionFactory()
    element = ElementFactory(domain__version=version, name="Managing Yourself")
    IndicatorFactory(element=element, text="Identifies their own strengths and limits.")
    bare = ElementFactory(domain__version=version, name="Acting with Integrity")
    questionnaire = actions.generate_questionnaire(framework_version=version, by=SYSTEM)
    by_element = {i.element_id: i for i in questionnaire.items.all()}
    item = by_element[element.pk]
    assert item.text == "This person identifies their own strengths and limits."
    assert item.self_text == "I identify my own strengths and limits."
    assert by_element[bare.pk].text == "This person is acting with integrity."
    assert by_element[bare.pk].self_text == "I am acting with integrity."


def test_element_names_in_the_second_person_read_about_them_and_about_me():
    about, mine = actions.element_wording("Managing Yourself")
    assert about == "This person is managing themselves."
    assert mine == "I am managing myself."
    assert actions.element_wording("Self Belief") == (
        "This person shows self belief.",
        "I show self belief.",
    )


def test_a_draft_framework_version_cannot_have_a_questionnaire():
    version = small_framework()
    version.state = version.State.DRAFT
    version.save()
    with pytest.raises(actions.FeedbackError, match="published framework version"):
        actions.generate_questionnaire(framework_version=version, by=SYSTEM)


def test_publishing_makes_a_questionnaire_usable_and_it_cannot_be_published_twice():
    version = small_framework()
    draft = actions.generate_questionnaire(framework_version=version, by=SYSTEM)
    published = actions.publish_questionnaire(questionnaire=draft, by=SYSTEM)
    assert published.state == Questionnaire.State.PUBLISHED
    assert published.published_at is not None
    with pytest.raises(actions.FeedbackError, match="already published"):
        actions.publish_questionnaire(questionnaire=draft, by=SYSTEM)


def test_questionnaire_for_generates_once_then_reuses_the_published_one():
    version = small_framework()
    first = actions.questionnaire_for(framework_version=version, by=SYSTEM)
    second = actions.questionnaire_for(framework_version=version, by=SYSTEM)
    assert first.pk == second.pk
    assert first.state == Questionnaire.State.PUBLISHED
    newer = actions.generate_questionnaire(framework_version=version, by=SYSTEM)
    assert newer.version == 2


def test_a_version_with_no_elements_gets_a_clear_refusal():
    version = FrameworkVersionFactory()
    with pytest.raises(actions.FeedbackError, match="no elements to rate"):
        actions.generate_questionnaire(framework_version=version, by=SYSTEM)
