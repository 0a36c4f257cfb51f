"""Raters answering by emailed link: drafts, sending, and every kind of bad link or input."""

from __future__ import annotations

import zoneinfo

import pytest
from django.apps import apps
from django.core import serializers
from django.db import transaction
from django.test import Client
from django.urls import reverse

from healthlead.core.models import AuditEvent
from healthlead.feedback import actions, norms, queries
from healthlead.feedback.forms import NOT_OBSERVED
from healthlead.feedback.models import (
    Answer,
    Comment,
    FeedbackCycle,
    ImportanceRating,
    Invitation,
    Response,
    hash_secret,
)
from healthlead.feedback.tests.factories import (
    answer_everything,
    launched_cycle,
    small_framework,
    staff_user,
)

pytestmark = pytest.mark.django_db


def sections_of(cycle: FeedbackCycle) -> list[queries.Section]:
    return queries.questionnaire_sections(cycle.questionnaire_id)


def section_post(section: queries.Section, rating: str = "4", **extra: str) -> dict[str, str]:
    data = {f"item_{item.pk}": rating for item in section.items}
    data.update({"importance": "4", "strengths": "", "suggestions": ""})
    data.update(extra)
    return data


@pytest.fixture
def cycle_and_tokens(django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    return launched_cycle(django_capture_on_commit_callbacks, peers=3)


# Tokens -----------------------------------------------------------------------------------


def test_tokens_carry_at_least_128_random_bits():
    tokens = {actions.new_token() for _ in range(200)}
    assert len(tokens) == 200
    for token in tokens:
        # URL-safe base64: 6 bits a character.
        assert len(token) * 6 >= 128
        assert len(token) == 43


def test_the_raw_token_is_nowhere_in_the_database(cycle_and_tokens):
    _cycle, tokens = cycle_and_tokens
    token = tokens["peer1@nhs.example"]
    invitation = Invitation.objects.get(email="peer1@nhs.example")
    assert invitation.token_hash == hash_secret(token)
    dump = "".join(
        serializers.serialize("json", model.objects.all())
        for model in apps.get_models()
        if model._meta.managed
    )
    for raw in tokens.values():
        assert raw not in dump


# Answering --------------------------------------------------------------------------------


def test_a_rater_sees_who_is_asking_and_how_anonymity_works(cycle_and_tokens):
    cycle, tokens = cycle_and_tokens
    page = Client().get(reverse("feedback:respond", args=[tokens["peer1@nhs.example"]]))
    html = page.content.decode()
    assert page.status_code == 200
    assert cycle.subject.full_name in html
    assert "Your answers are anonymous" in html
    assert "at least 3 have answered" in html


def test_a_line_manager_is_told_their_answers_are_shown_apart_and_not_anonymous(
    cycle_and_tokens,
):
    _, tokens = cycle_and_tokens
    page = Client().get(reverse("feedback:respond", args=[tokens["manager@nhs.example"]]))
    assert b"are shown apart from everyone else&#39;s and are not anonymous" in page.content


def test_the_form_is_one_section_per_page_with_progress_and_plain_scale(cycle_and_tokens):
    cycle, tokens = cycle_and_tokens
    first = sections_of(cycle)[0]
    url = reverse("feedback:answer_section", args=[tokens["peer1@nhs.example"], first.domain.pk])
    html = Client().get(url).content.decode()
    assert "Section 1 of 2" in html
    for label in ("Rarely", "Sometimes", "Often", "Very often", "Always", "Not observed"):
        assert label in html
    assert html.count('type="radio"') == len(first.items) * 6 + 6  # plus importance
    assert "<script>" not in html


def test_a_rater_can_save_and_come_back_before_sending(cycle_and_tokens):
    cycle, tokens = cycle_and_tokens
    token = tokens["peer1@nhs.example"]
    first = sections_of(cycle)[0]
    client = Client()
    url = reverse("feedback:answer_section", args=[token, first.domain.pk])
    response = client.post(
        url, section_post(first, "5", strengths="Calm in a crisis.", save_and_stop="1")
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("feedback:respond", args=[token])
    invitation = Invitation.objects.get(email="peer1@nhs.example")
    assert invitation.state == Invitation.State.STARTED
    draft = Response.objects.get(invitation=invitation)
    assert draft.state == Response.State.DRAFT
    # Coming back later with the same link: the answers are there.
    again = Client().get(url).content.decode()
    assert "Calm in a crisis." in again
    assert again.count("checked") == len(first.items) + 1  # each item and the importance
    start = Client().get(reverse("feedback:respond", args=[token])).content.decode()
    assert "Continue" in start


def test_sending_cuts_the_response_from_the_invitation_and_keeps_the_day_only(cycle_and_tokens):
    cycle, tokens = cycle_and_tokens
    token = tokens["peer2@nhs.example"]
    client = Client()
    sections = sections_of(cycle)
    for n, section in enumerate(sections):
        data = section_post(section, "3", suggestions="Share the rota sooner.")
        if n == 1:  # the second section's first item: not observed
            data[f"item_{section.items[0].pk}"] = NOT_OBSERVED
        client.post(reverse("feedback:answer_section", args=[token, section.domain.pk]), data)
    response = client.post(reverse("feedback:check_response", args=[token]))
    assert response.status_code == 302
    assert response["Location"] == reverse("feedback:thank_you")
    submitted = Response.objects.get(cycle=cycle)
    assert submitted.state == Response.State.SUBMITTED
    assert submitted.invitation_id is None
    assert submitted.submitted_on is not None
    # The ratings are stored packed, in item order, for the reliability figures.
    items = cycle.questionnaire.items.order_by("order", "pk").values_list("pk", flat=True)
    expected = bytes(0 if pk == sections[1].items[0].pk else 3 for pk in items)
    assert bytes(submitted.ratings) == expected
    assert bytes(submitted.ratings) == norms.ratings_of(submitted)
    invitation = Invitation.objects.get(email="peer2@nhs.example")
    assert invitation.state == Invitation.State.SUBMITTED
    local = invitation.submitted_at.astimezone(zoneinfo.ZoneInfo("Europe/London"))
    assert (local.hour, local.minute, local.second) == (0, 0, 0)
    assert Answer.objects.filter(response=submitted).count() == cycle.questionnaire.items.count()
    assert ImportanceRating.objects.filter(response=submitted).count() == 2
    assert Comment.objects.filter(response=submitted, kind="suggestion").count() == 2
    # The audit log names the cycle and group, never the invitation.
    event = AuditEvent.objects.get(action="feedback.response.submitted")
    assert event.target_type == "feedback.feedbackcycle"
    assert event.actor_id is None
    assert "invitation" not in str(event.detail)


def test_after_sending_the_link_shows_thanks_and_no_answers(cycle_and_tokens):
    cycle, tokens = cycle_and_tokens
    token = tokens["peer1@nhs.example"]
    answer_everything(actions.invitation_for_token(token), 5)
    Client().post(reverse("feedback:check_response", args=[token]))
    first = sections_of(cycle)[0]
    for url in (
        reverse("feedback:respond", args=[token]),
        reverse("feedback:answer_section", args=[token, first.domain.pk]),
    ):
        page = Client().get(url)
        assert page.status_code == 410
        assert b"You have already sent your feedback" in page.content
        assert b"checked" not in page.content


def test_double_submission_is_refused_plainly_and_counts_once(cycle_and_tokens):
    cycle, tokens = cycle_and_tokens
    token = tokens["peer1@nhs.example"]
    answer_everything(actions.invitation_for_token(token))
    client = Client()
    first = client.post(reverse("feedback:check_response", args=[token]))
    second = client.post(reverse("feedback:check_response", args=[token]))
    assert first.status_code == 302
    assert second.status_code == 410
    assert b"already been sent" in second.content
    assert Response.objects.filter(cycle=cycle, state="submitted").count() == 1


def test_sending_before_answering_everything_names_what_is_missing(cycle_and_tokens):
    cycle, tokens = cycle_and_tokens
    token = tokens["peer1@nhs.example"]
    first, second = sections_of(cycle)
    Client().post(
        reverse("feedback:answer_section", args=[token, first.domain.pk]), section_post(first)
    )
    response = Client().post(reverse("feedback:check_response", args=[token]))
    assert response.status_code == 400
    assert f"Still to answer: {second.domain.name}".encode() in response.content


def test_an_answer_out_of_range_gets_a_clear_error_and_nothing_is_saved(cycle_and_tokens):
    cycle, tokens = cycle_and_tokens
    token = tokens["peer1@nhs.example"]
    first = sections_of(cycle)[0]
    data = section_post(first)
    data[f"item_{first.items[0].pk}"] = "7"
    response = Client().post(
        reverse("feedback:answer_section", args=[token, first.domain.pk]), data
    )
    assert response.status_code == 400
    assert b"Choose one of the answers shown (7 is not one of them)." in response.content
    assert b"There is a problem" in response.content
    assert not Response.objects.exists()


def test_the_action_refuses_out_of_range_ratings_too(cycle_and_tokens):
    cycle, tokens = cycle_and_tokens
    invitation = actions.invitation_for_token(tokens["peer1@nhs.example"])
    first = sections_of(cycle)[0]
    with pytest.raises(actions.FeedbackError, match="from 1 to 5, not 7"):
        actions.save_answers(
            invitation=invitation,
            domain=first.domain,
            answers=actions.DomainAnswers(ratings={item.pk: 7 for item in first.items}),
            by=None,
        )
    with pytest.raises(actions.FeedbackError, match="2,000 characters"):
        actions.save_answers(
            invitation=invitation,
            domain=first.domain,
            answers=actions.DomainAnswers(
                ratings={item.pk: 3 for item in first.items}, strengths="x" * 2001
            ),
            by=None,
        )
    assert not Answer.objects.exists()


def test_a_comment_over_2000_characters_is_refused_on_the_page(cycle_and_tokens):
    cycle, tokens = cycle_and_tokens
    first = sections_of(cycle)[0]
    response = Client().post(
        reverse("feedback:answer_section", args=[tokens["peer1@nhs.example"], first.domain.pk]),
        section_post(first, strengths="x" * 2001),
    )
    assert response.status_code == 400
    assert b"Keep this to 2,000 characters or fewer (you wrote 2001)." in response.content


def test_a_missing_answer_is_explained(cycle_and_tokens):
    cycle, tokens = cycle_and_tokens
    first = sections_of(cycle)[0]
    data = section_post(first)
    del data[f"item_{first.items[0].pk}"]
    response = Client().post(
        reverse("feedback:answer_section", args=[tokens["peer1@nhs.example"], first.domain.pk]),
        data,
    )
    assert response.status_code == 400
    assert b"Choose an answer for this question." in response.content


def test_not_observed_is_saved_as_no_rating(cycle_and_tokens):
    cycle, tokens = cycle_and_tokens
    first = sections_of(cycle)[0]
    Client().post(
        reverse("feedback:answer_section", args=[tokens["peer1@nhs.example"], first.domain.pk]),
        section_post(first, "n", importance="n"),
    )
    assert set(Answer.objects.values_list("rating", flat=True)) == {None}
    assert not ImportanceRating.objects.exists()


# A token is valid only for its own cycle ---------------------------------------------------


def test_a_token_cannot_open_a_section_from_another_cycles_questionnaire(
    cycle_and_tokens, django_capture_on_commit_callbacks
):
    _, tokens = cycle_and_tokens
    other, _ = launched_cycle(
        django_capture_on_commit_callbacks, peers=0, version=small_framework(name="Other")
    )
    foreign = sections_of(other)[0]
    response = Client().get(
        reverse("feedback:answer_section", args=[tokens["peer1@nhs.example"], foreign.domain.pk])
    )
    assert response.status_code == 404
    assert b"not part of the questionnaire you were asked to answer" in response.content


def test_answers_to_another_cycles_questions_are_refused(
    cycle_and_tokens, django_capture_on_commit_callbacks
):
    cycle, tokens = cycle_and_tokens
    other, _ = launched_cycle(
        django_capture_on_commit_callbacks, peers=0, version=small_framework(name="Other")
    )
    mine = sections_of(cycle)[0]
    data = section_post(mine)
    data.update({f"item_{item.pk}": "5" for item in sections_of(other)[0].items})
    response = Client().post(
        reverse("feedback:answer_section", args=[tokens["peer1@nhs.example"], mine.domain.pk]),
        data,
    )
    assert response.status_code == 400
    assert b"questions that are not on it" in response.content
    assert not Answer.objects.exists()


# Links that cannot be used ----------------------------------------------------------------


@pytest.mark.parametrize(
    "token",
    [
        "A" * 43,
        "not a token",
        "x",
        "%00" * 20,
        "a" * 300,
    ],
)
def test_a_forged_link_gets_a_plain_404(token, cycle_and_tokens):
    response = Client().get(f"/feedback/respond/{token}/")
    assert response.status_code == 404
    assert b"We do not recognise this link" in response.content or b"Page not found" in (
        response.content
    )


def test_a_replaced_link_is_not_recognised_once_a_newer_one_is_sent(cycle_and_tokens):
    _cycle, tokens = cycle_and_tokens
    old = tokens["peer1@nhs.example"]
    invitation = Invitation.objects.get(email="peer1@nhs.example")
    with transaction.atomic():
        actions._rotate_token(invitation)
    response = Client().get(reverse("feedback:respond", args=[old]))
    assert response.status_code == 404
    assert b"only the link in the newest email works" in response.content


def test_a_withdrawn_invitation_gets_a_plain_410(cycle_and_tokens):
    cycle, tokens = cycle_and_tokens
    invitation = Invitation.objects.get(email="peer1@nhs.example")
    actions.withdraw_invitation(invitation=invitation, by=cycle.started_by)
    response = Client().get(reverse("feedback:respond", args=[tokens["peer1@nhs.example"]]))
    assert response.status_code == 410
    assert b"This invitation has been withdrawn" in response.content


def test_a_link_past_the_deadline_gets_a_plain_410(cycle_and_tokens):
    cycle, tokens = cycle_and_tokens
    FeedbackCycle.objects.filter(pk=cycle.pk).update(
        deadline=cycle.deadline.replace(year=cycle.deadline.year - 1)
    )
    response = Client().get(reverse("feedback:respond", args=[tokens["peer1@nhs.example"]]))
    assert response.status_code == 410
    assert b"The deadline for this feedback has passed" in response.content


def test_late_answers_to_a_closed_cycle_are_refused(
    cycle_and_tokens, django_capture_on_commit_callbacks
):
    cycle, tokens = cycle_and_tokens
    token = tokens["peer1@nhs.example"]
    answer_everything(actions.invitation_for_token(token))
    with django_capture_on_commit_callbacks(execute=True):
        actions.close_cycle(cycle=cycle, by=cycle.started_by)
    response = Client().post(reverse("feedback:check_response", args=[token]))
    assert response.status_code == 410
    assert b"This feedback has closed" in response.content
    assert not Response.objects.filter(cycle=cycle).exists()


def test_token_pages_are_rate_limited(settings, cycle_and_tokens):
    settings.RATE_LIMITS = {**getattr(settings, "RATE_LIMITS", {}), "feedback_link": (3, 300)}
    client = Client()
    statuses = [client.get("/feedback/respond/" + "B" * 43 + "/").status_code for _ in range(5)]
    assert statuses[:3] == [404, 404, 404]
    assert statuses[3:] == [429, 429]


def test_the_subject_answers_for_themselves_signed_in_with_first_person_wording(
    cycle_and_tokens,
):
    cycle, _ = cycle_and_tokens
    client = Client()
    client.force_login(cycle.started_by)
    first = sections_of(cycle)[0]
    page = client.get(reverse("feedback:answer_self_section", args=[cycle.pk, first.domain.pk]))
    assert page.status_code == 200
    assert first.items[0].self_text.encode() in page.content
    for section in sections_of(cycle):
        client.post(
            reverse("feedback:answer_self_section", args=[cycle.pk, section.domain.pk]),
            section_post(section, "5"),
        )
    response = client.post(reverse("feedback:check_self_response", args=[cycle.pk]))
    assert response.status_code == 302
    own = Response.objects.get(cycle=cycle, group__code="self")
    assert own.state == Response.State.SUBMITTED
    # Someone else cannot answer as the subject.
    stranger = Client()
    stranger.force_login(staff_user())
    assert stranger.get(reverse("feedback:start_self_response", args=[cycle.pk])).status_code == 403


def test_the_self_invitation_cannot_be_answered_by_link(cycle_and_tokens):
    cycle, _ = cycle_and_tokens
    own = cycle.invitations.get(channel=Invitation.Channel.SELF)
    with transaction.atomic():
        token = actions._rotate_token(own)
    assert actions.invitation_for_token(token) is None
    assert Client().get(reverse("feedback:respond", args=[token])).status_code == 404


def test_section_page_queries_do_not_grow_with_the_number_of_items(
    django_capture_on_commit_callbacks,
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for indicators in (1, 6):
        cycle, tokens = launched_cycle(
            django_capture_on_commit_callbacks,
            peers=1,
            version=small_framework(indicators=indicators, name=f"F{indicators}"),
        )
        token = tokens["peer1@nhs.example"]
        first = sections_of(cycle)[0]
        url = reverse("feedback:answer_section", args=[token, first.domain.pk])
        client = Client()
        client.post(url, section_post(first))
        with CaptureQueriesContext(connection) as queries_run:
            client.get(url)
        counts.append(len(queries_run))
    assert counts[0] == counts[1]
