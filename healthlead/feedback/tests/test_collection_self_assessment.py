"""Self-assessment: one domain per page, drafts, the result with stage expectations, and
turning it into a 360 cycle."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from healthlead.feedback import actions, queries
from healthlead.feedback.models import (
    Answer,
    FeedbackCycle,
    Invitation,
    Response,
    SelfAssessment,
)
from healthlead.feedback.tests.factories import (
    SYSTEM,
    in_days,
    small_framework,
    staff_user,
)
from healthlead.people.models import CareerStage

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def completed(user, rating: int | None = 4) -> SelfAssessment:  # type: ignore[no-untyped-def]
    version = small_framework()
    sa = actions.start_self_assessment(person=user.person, framework_version=version, by=user)
    for section in queries.questionnaire_sections(sa.questionnaire_id):
        actions.save_self_assessment_ratings(
            self_assessment=sa,
            domain=section.domain,
            ratings={item.pk: rating for item in section.items},
            by=user,
        )
    return actions.submit_self_assessment(self_assessment=sa, by=user)


def test_choosing_a_framework_generates_its_questionnaire_on_demand():
    version = small_framework()
    user = staff_user()
    response = signed_in(user).post(
        reverse("feedback:start_self_assessment"), {"framework_version": str(version.pk)}
    )
    sa = SelfAssessment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("feedback:show_self_assessment", args=[sa.pk])
    assert sa.questionnaire.framework_version == version
    assert sa.questionnaire.items.count() == 7


def test_starting_again_carries_on_with_the_draft():
    version = small_framework()
    user = staff_user()
    first = actions.start_self_assessment(person=user.person, framework_version=version, by=user)
    again = actions.start_self_assessment(person=user.person, framework_version=version, by=user)
    assert first.pk == again.pk


def test_each_domain_is_its_own_page_in_the_first_person_and_drafts_are_kept():
    version = small_framework()
    user = staff_user()
    sa = actions.start_self_assessment(person=user.person, framework_version=version, by=user)
    first, second = queries.questionnaire_sections(sa.questionnaire_id)
    client = signed_in(user)
    url = reverse("feedback:rate_self_assessment_section", args=[sa.pk, first.domain.pk])
    page = client.get(url).content.decode()
    assert "Section 1 of 2" in page
    assert first.items[0].self_text in page
    assert "Not sure" in page
    assert second.items[0].self_text not in page
    data = {f"item_{item.pk}": "2" for item in first.items}
    response = client.post(url, {**data, "save_and_stop": "1"})
    assert response.status_code == 302
    sa.refresh_from_db()
    assert sa.ratings == {str(item.pk): 2 for item in first.items}
    assert sa.state == SelfAssessment.State.DRAFT


def test_finishing_with_sections_unanswered_is_refused_plainly():
    version = small_framework()
    user = staff_user()
    sa = actions.start_self_assessment(person=user.person, framework_version=version, by=user)
    response = signed_in(user).post(reverse("feedback:finish_self_assessment", args=[sa.pk]))
    assert response.status_code == 400
    assert b"Answer every question before you finish" in response.content
    sa.refresh_from_db()
    assert sa.state == SelfAssessment.State.DRAFT


def test_a_rating_out_of_range_is_refused():
    version = small_framework()
    user = staff_user()
    sa = actions.start_self_assessment(person=user.person, framework_version=version, by=user)
    first = queries.questionnaire_sections(sa.questionnaire_id)[0]
    data = {f"item_{item.pk}": "9" for item in first.items}
    response = signed_in(user).post(
        reverse("feedback:rate_self_assessment_section", args=[sa.pk, first.domain.pk]), data
    )
    assert response.status_code == 400
    assert b"9 is not one of them" in response.content
    with pytest.raises(actions.FeedbackError, match="from 1 to 5"):
        actions.save_self_assessment_ratings(
            self_assessment=sa,
            domain=first.domain,
            ratings={item.pk: 0 for item in first.items},
            by=SYSTEM,
        )


def test_the_result_shows_each_domain_and_element_and_what_is_expected_at_your_stage():
    user = staff_user(career_stage=CareerStage.STUDENT)
    sa = completed(user, rating=4)
    page = signed_in(user).get(reverse("feedback:show_self_assessment", args=[sa.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    for section in queries.questionnaire_sections(sa.questionnaire_id):
        assert section.domain.name in html
        for item in section.items:
            assert item.element.name in html
    assert "Very often (4.0 out of 5)" in html
    # A student: domain 1 (end of medical school) is expected now, domain 2 later.
    assert html.count("Expected at your career stage") == 2
    assert html.count("Expected later: End of postgraduate training") == 2
    assert "Your career stage is student" in html


def test_a_registrar_is_expected_to_show_the_first_two_stages():
    user = staff_user(career_stage=CareerStage.REGISTRAR)
    sa = completed(user)
    html = signed_in(user).get(reverse("feedback:show_self_assessment", args=[sa.pk])).content
    assert html.decode().count("Expected at your career stage") == 4


def test_only_the_owner_sees_a_self_assessment():
    owner = staff_user()
    manager = staff_user()
    owner.person.line_manager = manager.person
    owner.person.save()
    sa = completed(owner)
    url = reverse("feedback:show_self_assessment", args=[sa.pk])
    assert signed_in(owner).get(url).status_code == 200
    assert signed_in(manager).get(url).status_code == 403
    assert signed_in(staff_user()).get(url).status_code == 403


def test_a_completed_self_assessment_becomes_a_cycle_with_the_self_response_filled_in():
    user = staff_user()
    sa = completed(user, rating=5)
    future = in_days(14)
    response = signed_in(user).post(
        reverse("feedback:start_cycle_from_self_assessment", args=[sa.pk]),
        {
            "subject": str(user.person_id),
            "deadline_day": future.day,
            "deadline_month": future.month,
            "deadline_year": future.year,
        },
    )
    cycle = FeedbackCycle.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("feedback:show_cycle", args=[cycle.pk])
    assert cycle.questionnaire_id == sa.questionnaire_id
    own = cycle.invitations.get(channel=Invitation.Channel.SELF)
    draft = Response.objects.get(invitation=own)
    assert draft.state == Response.State.DRAFT
    assert set(Answer.objects.filter(response=draft).values_list("rating", flat=True)) == {5}
    assert Answer.objects.filter(response=draft).count() == cycle.questionnaire.items.count()
    sa.refresh_from_db()
    assert sa.cycle == cycle
    with pytest.raises(actions.FeedbackError, match="already been turned"):
        actions.start_cycle_from_self_assessment(self_assessment=sa, deadline=future, by=user)


def test_a_draft_self_assessment_cannot_become_a_cycle():
    version = small_framework()
    user = staff_user()
    sa = actions.start_self_assessment(person=user.person, framework_version=version, by=user)
    with pytest.raises(actions.FeedbackError, match="Finish your self-assessment"):
        actions.start_cycle_from_self_assessment(self_assessment=sa, deadline=in_days(9), by=user)
