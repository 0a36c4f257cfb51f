"""Talent conversations, 6- and 12-month reviews with reminders, the 9-box grid and
calibration, and who may see which grid."""

from __future__ import annotations

import datetime as dt
import html
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from healthlead.appraisal import actions as appraisal_actions
from healthlead.appraisal import queries as appraisal_queries
from healthlead.appraisal.tests.helpers import (
    SYSTEM,
    make_team,
    national_lead,
    other_region,
    regional_lead,
)
from healthlead.core.models import AuditEvent
from healthlead.people.tests.factories import OrganisationFactory, PersonFactory
from healthlead.talent import actions, grid
from healthlead.talent.models import (
    TalentConversation,
    TalentRating,
    TalentRatingChange,
    TalentReview,
)

pytestmark = pytest.mark.django_db


def text(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(response.content.decode())


def conversation(team, *, by=None, potential=3, performance=2, readiness="one_to_two_years"):  # type: ignore[no-untyped-def]
    return actions.start_conversation(
        person=team.report,
        by=by or team.manager_user,
        held_on=timezone.localdate(),
        aspirations=["director_of_nursing"],
        readiness=readiness,
        performance=performance,
        potential=potential,
    )


def signed_off_appraisal(team, performance=3):  # type: ignore[no-untyped-def]
    appraisal = appraisal_actions.start_appraisal(
        appraisee=team.report, year=appraisal_queries.current_year(), by=team.manager_user
    )
    appraisal_actions.update_appraisal(
        appraisal=appraisal,
        changes={"objectives": "x", "performance": performance, "potential": 2},
        by=team.manager_user,
        as_appraiser=True,
    )
    appraisal_actions.submit_appraisal(appraisal=appraisal, by=team.manager_user)
    appraisal_actions.sign_off_appraisal(appraisal=appraisal, by=team.report_user)
    appraisal_actions.sign_off_appraisal(appraisal=appraisal, by=team.manager_user)
    return appraisal


# The grid ----------------------------------------------------------------------------------


def test_boxes_are_numbered_from_performance_and_potential_with_the_shared_labels():
    assert grid.box_for(3, 3) == 9
    assert grid.box_for(1, 1) == 1
    assert grid.place_of(grid.box_for(2, 3)) == (2, 3)
    assert grid.box_label(9) == "Ready now"
    assert grid.box_label(7) == "Strong early promise (4+ years)"
    assert grid.box_label(5) == "Potential leader"
    assert grid.box_colour(9) == "green"
    with pytest.raises(grid.GridError):
        grid.box_for(4, 1)


# Conversations -----------------------------------------------------------------------------


def test_the_person_starts_a_conversation_and_is_placed_on_the_grid_with_reviews_due():
    team = make_team()
    client = team.client(team.report_user)
    today = timezone.localdate()
    response = client.post(
        reverse("talent:start_talent_conversation", args=[team.report.pk]),
        {
            "held_on_day": today.day,
            "held_on_month": today.month,
            "held_on_year": today.year,
            "aspirations": ["director_of_nursing", "chief_executive"],
            "aspiration_notes": "",
            "readiness": "one_to_two_years",
            "performance": "3",
            "potential": "3",
            "notes": "",
        },
    )
    assert response.status_code == 302
    talk = TalentConversation.objects.get()
    assert talk.started_as == "person"
    assert talk.performance_source == "conversation"
    rating = TalentRating.objects.get(person=team.report)
    assert rating.box == 9
    assert [(r.months, r.due_on) for r in talk.reviews.order_by("months")] == [
        (6, actions.add_months(today, 6)),
        (12, actions.add_months(today, 12)),
    ]
    page = text(client.get(reverse("talent:show_talent_conversation", args=[talk.pk])))
    assert "Director of nursing, Chief executive" in page
    assert "Ready now" in page  # the box label


def test_performance_comes_from_the_signed_off_appraisal_when_there_is_one():
    team = make_team()
    signed_off_appraisal(team, performance=1)
    page = text(
        team.client(team.manager_user).get(
            reverse("talent:start_talent_conversation", args=[team.report.pk])
        )
    )
    assert "Performance comes from the appraisal" in page
    talk = conversation(team, performance=3, potential=3)
    assert (talk.performance, talk.performance_source) == (1, "appraisal")
    assert TalentRating.objects.get(person=team.report).box == grid.box_for(1, 3)


def test_a_conversation_needs_a_real_readiness_and_no_future_date():
    team = make_team()
    with pytest.raises(actions.TalentError, match="future"):
        actions.start_conversation(
            person=team.report,
            by=team.manager_user,
            held_on=timezone.localdate() + dt.timedelta(days=1),
            aspirations=[],
            readiness="ready_now",
            performance=2,
            potential=2,
        )
    with pytest.raises(actions.TalentError, match="aspirations"):
        actions.start_conversation(
            person=team.report,
            by=team.manager_user,
            held_on=timezone.localdate(),
            aspirations=["astronaut"],
            readiness="ready_now",
            performance=2,
            potential=2,
        )


def test_a_peer_cannot_start_or_see_anothers_conversation():
    team = make_team()
    talk = conversation(team)
    client = team.client(team.peer_user)
    assert (
        client.get(reverse("talent:start_talent_conversation", args=[team.report.pk])).status_code
        == 403
    )
    assert client.get(reverse("talent:show_talent_conversation", args=[talk.pk])).status_code == 403
    assert (
        client.get(reverse("talent:show_talent_record", args=[team.report.pk])).status_code == 403
    )


def test_reminders_go_once_to_the_person_and_their_manager(django_capture_on_commit_callbacks):
    team = make_team()
    team.report.last_name = "O'Connor"
    team.report.save(update_fields=["last_name"])
    talk = conversation(team)
    six = talk.reviews.get(months=6)

    def remind(today: dt.date) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            call_command("send_talent_review_reminders", today=today, stdout=io.StringIO())

    remind(six.due_on - dt.timedelta(days=30))
    assert len(mail.outbox) == 0
    remind(six.due_on - dt.timedelta(days=7))
    assert len(mail.outbox) == 1
    assert sorted(mail.outbox[0].to) == sorted([team.report_user.email, team.manager_user.email])
    assert "6-month review" in mail.outbox[0].body
    # Text and HTML, the name as written in the subject and text and escaped in the HTML.
    assert "Niamh O'Connor" in mail.outbox[0].subject
    assert "Niamh O'Connor" in mail.outbox[0].body
    ((html_body, kind),) = mail.outbox[0].alternatives
    assert kind == "text/html"
    assert "Niamh O&#39;Connor" in html_body
    remind(six.due_on)
    assert len(mail.outbox) == 1  # already reminded


def test_the_review_is_recorded_once_by_the_person_or_manager():
    team = make_team()
    talk = conversation(team)
    review = talk.reviews.get(months=6)
    client = team.client(team.manager_user)
    url = reverse("talent:record_talent_review", args=[review.pk])
    assert client.post(url, {"notes": "Still on track"}).status_code == 302
    review.refresh_from_db()
    assert (review.reviewed_by, review.notes) == (team.manager_user, "Still on track")
    with pytest.raises(actions.TalentError, match="already"):
        actions.record_review(review=review, notes="again", by=team.manager_user)
    assert team.client(team.peer_user).get(url).status_code == 403
    assert TalentReview.objects.filter(reviewed_at__isnull=True).count() == 1


# Calibration ---------------------------------------------------------------------------------


def test_a_lead_moves_someone_only_with_a_reason_and_the_history_is_kept():
    team = make_team()
    conversation(team, performance=2, potential=2)
    client = team.client(team.organisation_lead)
    url = reverse("talent:calibrate_talent_rating", args=[team.report.pk])
    response = client.post(url, {"box": "8", "reason": ""})
    assert "Give the reason for the move" in text(response)
    assert TalentRating.objects.get(person=team.report).box == 5
    assert (
        client.post(url, {"box": "8", "reason": "Led the trust's flu campaign"}).status_code == 302
    )
    assert TalentRating.objects.get(person=team.report).box == 8
    moves = list(TalentRatingChange.objects.filter(person=team.report).order_by("pk"))
    assert [(m.kind, m.from_box, m.to_box) for m in moves] == [
        ("conversation", None, 5),
        ("calibration", 5, 8),
    ]
    assert moves[1].reason == "Led the trust's flu campaign"
    assert moves[1].by == team.organisation_lead
    record = text(client.get(reverse("talent:show_talent_record", args=[team.report.pk])))
    assert "Led the trust's flu campaign" in record
    assert "From Potential leader to High potential (1-3 years)" in record


def test_line_managers_and_the_person_cannot_calibrate():
    team = make_team()
    conversation(team)
    url = reverse("talent:calibrate_talent_rating", args=[team.report.pk])
    assert team.client(team.manager_user).get(url).status_code == 403
    assert team.client(team.report_user).get(url).status_code == 403
    with pytest.raises(actions.TalentError, match="already in that box"):
        actions.calibrate(person=team.report, performance=2, potential=3, reason="x", by=SYSTEM)


# Grids -----------------------------------------------------------------------------------


def test_the_line_managers_grid_shows_their_people_in_their_boxes():
    team = make_team()
    conversation(team, performance=3, potential=3)
    page = text(team.client(team.manager_user).get(reverse("talent:show_team_grid")))
    assert "Niamh Okafor" in page
    assert team.client(team.peer_user).get(reverse("talent:show_team_grid")).status_code == 403


def test_a_lead_outside_the_region_cannot_see_the_regions_grid():
    team = make_team()
    conversation(team)
    region = team.region
    url = reverse("talent:show_region_grid", args=[region.code])
    inside = team.client(regional_lead(region)).get(url)
    assert inside.status_code == 200
    assert "Niamh Okafor" in text(inside)
    outside = regional_lead(other_region())
    assert team.client(outside).get(url).status_code == 403
    assert (
        team.client(outside)
        .get(reverse("talent:show_region_talent", args=[region.code]))
        .status_code
        == 403
    )
    assert team.client(team.organisation_lead).get(url).status_code == 403
    assert team.client(national_lead()).get(url).status_code == 200
    assert AuditEvent.objects.filter(action="talent.grid.viewed", kind="read").count() == 2


def test_a_lead_of_another_organisation_cannot_see_its_grid():
    team = make_team()
    other = make_team(organisation=OrganisationFactory())
    url = reverse("talent:show_organisation_grid", args=[team.organisation.code])
    assert team.client(team.organisation_lead).get(url).status_code == 200
    assert other.client(other.organisation_lead).get(url).status_code == 403


def test_the_grid_lists_everyone_in_a_box_on_request():
    team = make_team()
    conversation(team, performance=1, potential=1)
    page = text(
        team.client(team.organisation_lead).get(
            reverse("talent:show_organisation_grid", args=[team.organisation.code]) + "?box=1"
        )
    )
    assert "Needs support in role" in page
    assert page.count("Niamh Okafor") == 2  # in the box and in the list


def test_grid_pages_run_the_same_queries_however_many_people():
    team = make_team()
    conversation(team)
    client = team.client(regional_lead(team.region))
    url = reverse("talent:show_region_grid", args=[team.region.code])
    client.get(url)

    def count() -> int:
        with CaptureQueriesContext(connection) as ran:
            assert client.get(url).status_code == 200
        return len(ran)

    small = count()
    for n in range(15):
        person = PersonFactory(
            organisation=team.organisation, line_manager=team.manager, last_name=f"G{n}"
        )
        actions.start_conversation(
            person=person,
            by=SYSTEM,
            held_on=timezone.localdate(),
            aspirations=[],
            readiness="ready_now",
            performance=n % 3 + 1,
            potential=(n // 3) % 3 + 1,
        )
    assert count() == small
