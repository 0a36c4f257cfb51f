"""A section page's radios are the design system's own HTML, and saving a section replaces it."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.template import engines
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from healthlead.feedback import actions, queries
from healthlead.feedback.forms import SectionForm
from healthlead.feedback.models import Answer, Comment, ImportanceRating, Invitation, Response
from healthlead.feedback.queries import DraftAnswers
from healthlead.feedback.tests.factories import SYSTEM, launched_cycle

pytestmark = pytest.mark.django_db

INLINE = "nhsuk-radios--inline"


@pytest.fixture
def section(django_capture_on_commit_callbacks: Any) -> queries.Section:
    cycle, _tokens = launched_cycle(django_capture_on_commit_callbacks, peers=1)
    return queries.questionnaire_sections(cycle.questionnaire_id)[0]


def with_field_macro(form: SectionForm, name: str, classes: str) -> str:
    """The page's radios as the generic `field` macro renders them."""
    template = engines["jinja2"].env.from_string(  # type: ignore[attr-defined]
        '{% from "core/fields.jinja" import field %}{{ field(form[name], {"classes": classes}) }}'
    )
    return template.render(form=form, name=name, classes=classes)


def assert_same_as_macro(form: SectionForm, classes: str = INLINE) -> int:
    names = [*form.item_fields, "importance"]
    for name in names:
        assert str(form.radios(name, classes)) == with_field_macro(form, name, classes)
    return len(names)


def test_unanswered_radios_are_the_macros_html(section):
    form = SectionForm(section=section, audience="rater")
    assert assert_same_as_macro(form) == len(section.items) + 1
    html = str(form.radios(form.item_fields[0], INLINE))
    assert "<fieldset" in html
    assert "<legend" in html
    assert "Not observed" in html
    assert "checked" not in html


def test_a_patients_radios_are_the_macros_html_without_the_inline_class(section):
    form = SectionForm(section=section, audience="patient")
    assert_same_as_macro(form, classes="")
    assert INLINE not in str(form.radios(form.item_fields[0], ""))


def test_radios_from_a_saved_draft_are_the_macros_html_with_the_answer_checked(section):
    first, second = section.items[0].pk, section.items[1].pk
    draft = DraftAnswers(ratings={first: 5, second: None}, importance=2, importance_answered=True)
    form = SectionForm(section=section, audience="rater", draft=draft)
    assert_same_as_macro(form)
    assert 'value="5" checked' in str(form.radios(f"item_{first}", INLINE))
    assert 'value="n" checked' in str(form.radios(f"item_{second}", INLINE))


def test_radios_with_errors_are_the_macros_html_with_each_message(section):
    data = {f"item_{section.items[0].pk}": "3", f"item_{section.items[1].pk}": "9"}
    form = SectionForm(data, section=section, audience="rater")
    assert not form.is_valid()
    assert_same_as_macro(form)
    missing = str(form.radios(f"item_{section.items[-1].pk}", INLINE))
    assert "nhsuk-form-group--error" in missing
    assert "Choose an answer for this question." in missing
    assert "(9 is not one of them)" in str(form.radios(f"item_{section.items[1].pk}", INLINE))
    assert 'value="3" checked' in str(form.radios(f"item_{section.items[0].pk}", INLINE))


def test_question_text_is_escaped_and_odd_text_still_matches_the_macro(section):
    form = SectionForm(section=section, audience="rater")
    plain, spaced = form.item_fields[0], form.item_fields[1]
    form.fields[plain].label = 'Says "no" <b>politely</b> & firmly'
    form.fields[spaced].label = "  Listens,\n  then acts  "
    assert_same_as_macro(form)
    html = str(form.radios(plain, INLINE))
    assert "&#34;no&#34; &lt;b&gt;politely&lt;/b&gt; &amp; firmly" in html
    assert "<b>" not in html


def test_the_page_links_each_error_to_the_first_radio_of_its_question(
    django_capture_on_commit_callbacks,
):
    cycle, tokens = launched_cycle(django_capture_on_commit_callbacks, peers=1)
    first = queries.questionnaire_sections(cycle.questionnaire_id)[0]
    url = reverse("feedback:answer_section", args=[tokens["peer1@nhs.example"], first.domain.pk])
    response = Client().post(url, {"continue": "1"})
    html = response.content.decode()
    assert response.status_code == 400
    for item in first.items:
        assert f'href="#id_item_{item.pk}"' in html
        assert f'id="id_item_{item.pk}" name="item_{item.pk}" type="radio"' in html


def save(invitation: Invitation, section: queries.Section, **answers: object) -> None:
    actions.save_answers(
        invitation=invitation,
        domain=section.domain,
        answers=actions.DomainAnswers(**answers),  # type: ignore[arg-type]
        by=SYSTEM,
    )


def test_saving_a_section_again_replaces_its_answers_importance_and_comments(section):
    invitation = Invitation.objects.get(email="peer1@nhs.example")
    ratings = {item.pk: 2 for item in section.items}
    save(invitation, section, ratings=ratings, importance=3, strengths="Kind.", suggestions="")
    changed = {**ratings, section.items[0].pk: None}
    save(invitation, section, ratings=changed, importance=None, strengths="", suggestions="Ask.")
    response = Response.objects.get(invitation=invitation)
    assert dict(Answer.objects.filter(response=response).values_list("item_id", "rating")) == (
        changed
    )
    assert not ImportanceRating.objects.filter(response=response).exists()
    assert list(Comment.objects.filter(response=response).values_list("kind", "text")) == [
        (Comment.Kind.SUGGESTION, "Ask.")
    ]
    save(invitation, section, ratings=changed, importance=5, strengths="", suggestions="Ask more.")
    assert ImportanceRating.objects.get(response=response).rating == 5
    assert Comment.objects.get(response=response).text == "Ask more."


def test_sending_a_section_does_not_read_the_saved_draft(django_capture_on_commit_callbacks):
    cycle, tokens = launched_cycle(django_capture_on_commit_callbacks, peers=1)
    first = queries.questionnaire_sections(cycle.questionnaire_id)[0]
    url = reverse("feedback:answer_section", args=[tokens["peer1@nhs.example"], first.domain.pk])
    data = {f"item_{item.pk}": "4" for item in first.items}
    data.update({"importance": "4", "strengths": "Calm.", "suggestions": ""})
    client = Client()
    assert client.post(url, data).status_code == 302
    with CaptureQueriesContext(connection) as again:
        assert client.post(url, {**data, "strengths": ""}).status_code == 302
    sql = [query["sql"] for query in again.captured_queries]
    assert not any(s.startswith('SELECT "feedback_answer"') for s in sql)
    assert not any(s.startswith('SELECT "feedback_comment"') for s in sql)
    assert not Comment.objects.exists()
