"""Patient and carer feedback cards: the PDF, one-time codes, and the card page."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from healthlead.feedback import actions, cards, queries
from healthlead.feedback.models import Invitation, Response, hash_secret
from healthlead.feedback.tests.factories import answer_everything, draft_cycle, launched_cycle

pytestmark = pytest.mark.django_db


@pytest.fixture
def open_cycle(django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    cycle, _ = launched_cycle(django_capture_on_commit_callbacks, peers=3)
    return cycle


def test_card_codes_are_short_unambiguous_and_stored_only_as_hashes(open_cycle):
    printed = actions.create_cards(cycle=open_cycle, count=12, by=open_cycle.started_by)
    assert len(printed.codes) == len(set(printed.codes)) == 12
    for code in printed.codes:
        assert len(code) == 8
        assert set(code) <= set(actions.CARD_CODE_ALPHABET)
        assert not set(code) & set("01ILO")
    stored = set(Invitation.objects.filter(channel="card").values_list("card_code_hash", flat=True))
    assert stored == {hash_secret(code) for code in printed.codes}
    assert not Invitation.objects.filter(card_code_hash__in=printed.codes).exists()


def test_the_cards_pdf_has_several_cards_per_page_with_codes_and_qr_codes(open_cycle):
    printed = actions.create_cards(cycle=open_cycle, count=9, by=open_cycle.started_by)
    html = cards.cards_html(open_cycle, printed.codes)
    assert html.count('class="card"') == 9
    assert html.count('class="page"') == 2  # eight to a sheet
    assert cards.printed_code(printed.codes[0]) in html
    assert html.count("data:image/png;base64,") == 9
    assert open_cycle.subject.full_name in html
    pdf = cards.cards_pdf(open_cycle, printed.codes)
    assert pdf.startswith(b"%PDF")
    from weasyprint import HTML

    assert len(HTML(string=html).render().pages) == 2


def test_the_qr_code_opens_the_card_page_with_the_code_filled_in():
    url = cards.card_url("ABCD2345")
    assert url.endswith("/feedback/card/?code=ABCD2345")
    page = Client().get("/feedback/card/?code=ABCD2345")
    assert page.status_code == 200
    assert b'value="ABCD2345"' in page.content


def test_printing_cards_from_the_page_downloads_a_pdf(open_cycle):
    client = Client()
    client.force_login(open_cycle.started_by)
    response = client.post(reverse("feedback:print_cards", args=[open_cycle.pk]), {"count": "3"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    assert response.content.startswith(b"%PDF")
    assert Invitation.objects.filter(cycle=open_cycle, channel="card").count() == 3


@pytest.mark.parametrize(
    ("count", "message"), [("0", b"at least 1"), ("49", b"at most 48"), ("lots", b"as a number")]
)
def test_printing_a_silly_number_of_cards_is_explained(open_cycle, count, message):
    client = Client()
    client.force_login(open_cycle.started_by)
    response = client.post(reverse("feedback:print_cards", args=[open_cycle.pk]), {"count": count})
    assert response.status_code == 400
    assert message in response.content


def test_a_patient_enters_a_code_and_answers_in_plain_words(open_cycle):
    code = actions.create_cards(cycle=open_cycle, count=1, by=open_cycle.started_by).codes[0]
    client = Client()
    typed = f"{code[:4].lower()} {code[4:]}"
    response = client.post(reverse("feedback:enter_card_code"), {"code": typed})
    assert response.status_code == 302
    start = client.get(response["Location"])
    assert start.status_code == 200
    assert b"You do not give your name." in start.content
    first = queries.questionnaire_sections(open_cycle.questionnaire_id)[0]
    section_url = response["Location"] + f"sections/{first.domain.pk}/"
    page = client.get(section_url)
    assert b"I have not seen this" in page.content
    assert b"How important is this part of their job?" in page.content


def test_a_used_card_code_cannot_be_used_again(open_cycle):
    code = actions.create_cards(cycle=open_cycle, count=1, by=open_cycle.started_by).codes[0]
    invitation, _ = actions.redeem_card_code(code=code, by=None)
    answer_everything(invitation)
    actions.submit_response(invitation=invitation, by=None)
    assert Response.objects.filter(group__code="patients_carers", state="submitted").count() == 1
    response = Client().post(reverse("feedback:enter_card_code"), {"code": code})
    assert response.status_code == 410
    assert b"This code has already been used" in response.content


def test_an_unknown_or_malformed_code_is_explained_on_the_form(open_cycle):
    client = Client()
    unknown = client.post(reverse("feedback:enter_card_code"), {"code": "ZZZZ9999"})
    assert unknown.status_code == 400
    assert b"We could not find that code" in unknown.content
    short = client.post(reverse("feedback:enter_card_code"), {"code": "AB"})
    assert short.status_code == 400
    assert b"8 letters and numbers" in short.content
    empty = client.post(reverse("feedback:enter_card_code"), {"code": ""})
    assert empty.status_code == 400
    assert b"Enter the code from your card." in empty.content


def test_card_codes_work_only_once_the_cycle_is_open():
    cycle = draft_cycle()
    code = actions.create_cards(cycle=cycle, count=1, by=cycle.started_by).codes[0]
    response = Client().post(reverse("feedback:enter_card_code"), {"code": code})
    assert response.status_code == 404
    assert b"has not started yet" in response.content


def test_entering_a_code_again_gives_a_new_link_and_keeps_the_draft(open_cycle):
    code = actions.create_cards(cycle=open_cycle, count=1, by=open_cycle.started_by).codes[0]
    invitation, first_token = actions.redeem_card_code(code=code, by=None)
    answer_everything(invitation)
    again, second_token = actions.redeem_card_code(code=code, by=None)
    assert first_token != second_token
    assert actions.invitation_for_token(first_token) is None
    assert queries.draft_response(again) is not None


def test_card_code_tries_are_rate_limited(settings, open_cycle):
    settings.RATE_LIMITS = {**getattr(settings, "RATE_LIMITS", {}), "feedback_card": (2, 300)}
    client = Client()
    codes = [
        client.post(reverse("feedback:enter_card_code"), {"code": "ZZZZ9999"}).status_code
        for _ in range(3)
    ]
    assert codes == [400, 400, 429]
