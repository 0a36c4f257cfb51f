"""The annual appraisal: start, record, sign-off by both, lock, addenda, reopen, reassign;
the inputs shown beside it; who may see it; completion rates for organisation leads."""

from __future__ import annotations

import html

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from healthlead.appraisal import actions, queries
from healthlead.appraisal.models import Appraisal, AppraisalSignOff, AppraisalStateChange
from healthlead.appraisal.tests.helpers import (
    SYSTEM,
    make_team,
    person_with_account,
    regional_lead,
)
from healthlead.core.models import AuditEvent
from healthlead.feedback.models import FeedbackCycle
from healthlead.feedback.tests.report_helpers import close, make_questionnaire, open_cycle, submit
from healthlead.people.models import StaffGroup
from healthlead.people.tests.factories import OrganisationFactory, PersonFactory

pytestmark = pytest.mark.django_db


def text(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(response.content.decode())


def started(team):  # type: ignore[no-untyped-def]
    return actions.start_appraisal(
        appraisee=team.report, year=queries.current_year(), by=team.manager_user
    )


def recorded(team):  # type: ignore[no-untyped-def]
    appraisal = started(team)
    actions.update_appraisal(
        appraisal=appraisal,
        changes={"objectives": "Lead the ward huddle", "performance": 3, "potential": 2},
        by=team.manager_user,
        as_appraiser=True,
    )
    return appraisal


def submitted(team):  # type: ignore[no-untyped-def]
    appraisal = recorded(team)
    return actions.submit_appraisal(appraisal=appraisal, by=team.manager_user)


# Starting -------------------------------------------------------------------------------


def test_the_line_manager_is_the_appraiser_by_default_and_the_start_is_recorded():
    team = make_team()
    response = team.client(team.report_user).post(
        reverse("appraisal:start_appraisal"),
        {"appraisee": str(team.report.pk), "year": str(queries.current_year())},
    )
    assert response.status_code == 302
    appraisal = Appraisal.objects.get()
    assert (appraisal.appraisee, appraisal.appraiser) == (team.report, team.manager)
    change = AppraisalStateChange.objects.get()
    assert (change.from_state, change.to_state, change.by) == ("", "in_progress", team.report_user)


def test_someone_with_no_line_manager_needs_an_appraiser_assigned():
    person, _ = person_with_account()
    with pytest.raises(actions.AppraisalError, match="no line manager"):
        actions.start_appraisal(appraisee=person, year=queries.current_year(), by=SYSTEM)


def test_one_appraisal_a_year():
    team = make_team()
    started(team)
    with pytest.raises(actions.AppraisalError, match="already has an appraisal"):
        started(team)


def test_a_manager_cannot_start_an_appraisal_for_someone_outside_their_team():
    team = make_team()
    _, other_user = person_with_account(organisation=team.organisation)
    response = team.client(other_user).post(
        reverse("appraisal:start_appraisal"),
        {"appraisee": str(team.report.pk), "year": str(queries.current_year())},
    )
    assert response.status_code == 200
    assert "Choose one of the people listed" in text(response)
    assert not Appraisal.objects.exists()


# Recording and the transition guard --------------------------------------------------------


def test_the_appraisee_writes_their_preparation_but_cannot_rate_themselves():
    team = make_team()
    appraisal = started(team)
    client = team.client(team.report_user)
    url = reverse("appraisal:edit_appraisal", args=[appraisal.pk])
    page = text(client.get(url))
    assert "Your preparation and reflection" in page
    assert "Performance in the current role" not in page
    client.post(url, {"reflection": "A hard winter", "objectives": "", "performance": "3"})
    appraisal.refresh_from_db()
    assert appraisal.reflection == "A hard winter"
    assert appraisal.performance is None
    with pytest.raises(actions.AppraisalError, match="cannot change performance"):
        actions.update_appraisal(
            appraisal=appraisal, changes={"performance": 3}, by=team.report_user, as_appraiser=False
        )


def test_sign_off_needs_objectives_and_both_ratings_first():
    team = make_team()
    appraisal = started(team)
    response = team.client(team.manager_user).post(
        reverse("appraisal:submit_appraisal", args=[appraisal.pk])
    )
    assert response.status_code == 200
    assert (
        "record the objectives for the coming year, a performance rating and a potential rating"
        in text(response)
    )
    appraisal.refresh_from_db()
    assert appraisal.state == "in_progress"


def test_an_appraisal_cannot_be_signed_off_before_it_is_put_for_sign_off():
    team = make_team()
    appraisal = recorded(team)
    with pytest.raises(actions.AppraisalError, match="waiting for sign-off"):
        actions.sign_off_appraisal(appraisal=appraisal, by=team.report_user)
    with pytest.raises(actions.AppraisalError, match="in progress cannot become signed off"):
        actions._move(appraisal, Appraisal.State.SIGNED_OFF, by=SYSTEM)


def test_both_sign_off_then_it_is_locked_with_the_agreed_plan_recorded():
    team = make_team()
    actions.create_goal(person=team.report, title="Lead a quality project", by=team.report_user)
    appraisal = submitted(team)
    report = team.client(team.report_user)
    manager = team.client(team.manager_user)
    assert (
        report.post(reverse("appraisal:sign_off_appraisal", args=[appraisal.pk])).status_code == 302
    )
    appraisal.refresh_from_db()
    assert appraisal.state == "awaiting_sign_off"
    # Signing twice is refused: the sign-off page is no longer offered to them.
    assert (
        report.get(reverse("appraisal:sign_off_appraisal", args=[appraisal.pk])).status_code == 200
    )
    with pytest.raises(actions.AppraisalError, match="already signed"):
        actions.sign_off_appraisal(appraisal=appraisal, by=team.report_user)
    assert (
        manager.post(reverse("appraisal:sign_off_appraisal", args=[appraisal.pk])).status_code
        == 302
    )
    appraisal.refresh_from_db()
    assert appraisal.state == "signed_off"
    assert appraisal.signed_off_at is not None
    assert [g["title"] for g in appraisal.agreed_plan] == ["Lead a quality project"]
    assert [c.to_state for c in appraisal.state_changes.order_by("pk")] == [
        "in_progress",
        "awaiting_sign_off",
        "signed_off",
    ]
    assert {s.role for s in AppraisalSignOff.objects.all()} == {"appraisee", "appraiser"}
    # Locked: no edits, only addenda.
    assert report.get(reverse("appraisal:edit_appraisal", args=[appraisal.pk])).status_code == 403
    with pytest.raises(actions.AppraisalError, match="signed off"):
        actions.update_appraisal(
            appraisal=appraisal,
            changes={"objectives": "x"},
            by=team.manager_user,
            as_appraiser=True,
        )
    response = report.post(
        reverse("appraisal:add_appraisal_addendum", args=[appraisal.pk]),
        {"text": "My new objective from June"},
    )
    assert response.status_code == 302
    page = text(report.get(reverse("appraisal:show_appraisal", args=[appraisal.pk])))
    assert "My new objective from June" in page
    assert "The appraisal is locked" in page


def test_reopening_needs_a_reason_and_the_earlier_sign_off_no_longer_counts():
    team = make_team()
    appraisal = submitted(team)
    actions.sign_off_appraisal(appraisal=appraisal, by=team.report_user)
    client = team.client(team.report_user)
    url = reverse("appraisal:reopen_appraisal", args=[appraisal.pk])
    assert "Say what needs to change" in text(client.post(url, {"note": ""}))
    assert client.post(url, {"note": "The objectives are wrong"}).status_code == 302
    appraisal.refresh_from_db()
    assert appraisal.state == "in_progress"
    assert AppraisalSignOff.objects.get().superseded_at is not None
    change = appraisal.state_changes.order_by("-pk").first()
    assert (change.to_state, change.note) == ("in_progress", "The objectives are wrong")


def test_a_different_appraiser_can_be_assigned_by_the_line_manager():
    team = make_team()
    appraisal = started(team)
    colleague, _ = person_with_account(organisation=team.organisation, staff_number="7770001")
    response = team.client(team.manager_user).post(
        reverse("appraisal:assign_appraiser", args=[appraisal.pk]),
        {"staff_number": "7770001", "note": "Priya is on leave"},
    )
    assert response.status_code == 302
    appraisal.refresh_from_db()
    assert appraisal.appraiser == colleague
    assert (
        team.client(team.report_user)
        .get(reverse("appraisal:assign_appraiser", args=[appraisal.pk]))
        .status_code
        == 403
    )


def test_an_appraiser_without_an_account_is_refused():
    team = make_team()
    appraisal = started(team)
    PersonFactory(organisation=team.organisation, staff_number="7770002")
    response = team.client(team.manager_user).post(
        reverse("appraisal:assign_appraiser", args=[appraisal.pk]), {"staff_number": "7770002"}
    )
    assert "has no Healthlead account" in text(response)


# Doctors and revalidation ----------------------------------------------------------------


def test_a_doctors_appraisal_supports_revalidation_with_the_checklist():
    team = make_team(report_group=StaffGroup.DOCTORS)
    appraisal = started(team)
    client = team.client(team.report_user)
    response = client.post(
        reverse("appraisal:edit_appraisal", args=[appraisal.pk]),
        {
            "reflection": "",
            "objectives": "",
            "supports_revalidation": "on",
            "revalidation_checklist": ["has_cpd", "has_patient_feedback"],
            "revalidation_notes": "",
        },
    )
    assert response.status_code == 302
    appraisal.refresh_from_db()
    assert appraisal.supports_revalidation
    assert (
        appraisal.has_cpd,
        appraisal.has_patient_feedback,
        appraisal.has_significant_events,
    ) == (
        True,
        True,
        False,
    )
    page = text(client.get(reverse("appraisal:show_appraisal", args=[appraisal.pk])))
    assert "Continuing professional development" in page
    assert "Compliments and complaints" in page


def test_only_a_doctors_appraisal_can_support_revalidation():
    team = make_team()
    appraisal = started(team)
    with pytest.raises(actions.AppraisalError, match="Only a doctor"):
        actions.update_appraisal(
            appraisal=appraisal,
            changes={"supports_revalidation": True},
            by=team.manager_user,
            as_appraiser=True,
        )


# Who may see it --------------------------------------------------------------------------


def test_a_peer_cannot_see_anothers_appraisal():
    team = make_team()
    appraisal = started(team)
    url = reverse("appraisal:show_appraisal", args=[appraisal.pk])
    assert team.client(team.peer_user).get(url).status_code == 403
    assert (
        team.client(team.peer_user)
        .get(reverse("appraisal:edit_appraisal", args=[appraisal.pk]))
        .status_code
        == 403
    )


def test_leads_see_completion_rates_but_not_an_appraisals_content():
    team = make_team()
    appraisal = started(team)
    url = reverse("appraisal:show_appraisal", args=[appraisal.pk])
    lead = team.client(team.organisation_lead)
    assert lead.get(url).status_code == 403
    assert team.client(regional_lead(team.region)).get(url).status_code == 403
    completion = reverse("appraisal:show_appraisal_completion", args=[team.organisation.code])
    assert lead.get(completion).status_code == 200


def test_reads_by_the_appraiser_are_audited_and_the_appraisees_are_not():
    team = make_team()
    appraisal = started(team)
    team.client(team.report_user).get(reverse("appraisal:show_appraisal", args=[appraisal.pk]))
    assert not AuditEvent.objects.filter(action="appraisal.appraisal.viewed").exists()
    team.client(team.manager_user).get(reverse("appraisal:show_appraisal", args=[appraisal.pk]))
    assert AuditEvent.objects.filter(action="appraisal.appraisal.viewed", kind="read").count() == 1


# Inputs side by side -----------------------------------------------------------------------


def _released_report(team, *, facilitator=None):  # type: ignore[no-untyped-def]
    instrument = make_questionnaire(((2,), (2,)))
    cycle = open_cycle(instrument, subject_user=team.report_user, facilitator=facilitator)
    ratings = {"self": [5, 5, 4, 4], "line_manager": [4, 4, 3, 3]}
    for group, values in ratings.items():
        submit(cycle, group, values, instrument=instrument)
    for _ in range(3):
        submit(
            cycle,
            "peers",
            [4, 4, 2, 2],
            instrument=instrument,
            comments={(0, "strength"): "SECRET PEER COMMENT"},
        )
    return close(cycle)


def test_the_appraisal_shows_the_latest_360_summary_as_the_subject_sees_it_without_comments():
    team = make_team()
    _released_report(team)
    appraisal = started(team)
    page = text(
        team.client(team.manager_user).get(reverse("appraisal:show_appraisal", args=[appraisal.pk]))
    )
    assert "Domain 1" in page
    assert "4.00" in page  # all others' mean for domain 1: line manager 4 and peers 4
    assert "SECRET PEER COMMENT" not in page


def test_a_report_still_waiting_for_its_debrief_is_not_shown():
    from healthlead.feedback.tests.report_helpers import facilitator_user

    team = make_team()
    cycle = _released_report(team, facilitator=facilitator_user())
    assert cycle.state == FeedbackCycle.State.CLOSED
    appraisal = started(team)
    page = text(
        team.client(team.manager_user).get(reverse("appraisal:show_appraisal", args=[appraisal.pk]))
    )
    assert "No 360 feedback report that the appraisee has seen" in page


def test_the_appraisal_shows_last_years_objectives_and_completions():
    team = make_team()
    last = actions.start_appraisal(
        appraisee=team.report, year=queries.current_year() - 1, by=team.manager_user
    )
    actions.update_appraisal(
        appraisal=last,
        changes={"objectives": "Run the falls audit", "performance": 2, "potential": 2},
        by=team.manager_user,
        as_appraiser=True,
    )
    actions.submit_appraisal(appraisal=last, by=team.manager_user)
    actions.sign_off_appraisal(appraisal=last, by=team.report_user)
    actions.sign_off_appraisal(appraisal=last, by=team.manager_user)
    from django.utils import timezone

    actions.record_completion_evidence(
        person=team.report,
        programme_name="Mary Seacole",
        completed_on=timezone.localdate(),
        by=SYSTEM,
    )
    appraisal = started(team)
    page = text(
        team.client(team.report_user).get(reverse("appraisal:show_appraisal", args=[appraisal.pk]))
    )
    assert "Run the falls audit" in page
    assert "Mary Seacole" in page


def test_the_appraisal_page_runs_the_same_queries_however_big_the_plan():
    team = make_team()
    appraisal = started(team)
    client = team.client(team.manager_user)
    url = reverse("appraisal:show_appraisal", args=[appraisal.pk])
    client.get(url)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries_run:
            assert client.get(url).status_code == 200
        return len(queries_run)

    goal = actions.create_goal(person=team.report, title="One", by=team.report_user)
    actions.add_goal_action(goal=goal, kind="reading", title="Read", by=team.report_user)
    small = count()
    for n in range(10):
        goal = actions.create_goal(person=team.report, title=f"Goal {n}", by=team.report_user)
        actions.add_goal_action(goal=goal, kind="reading", title="Read", by=team.report_user)
    assert count() == small


# Completion rates ------------------------------------------------------------------------


def test_completion_rates_by_team_and_staff_group_for_the_organisation_lead():
    team = make_team()
    appraisal = submitted(team)
    actions.sign_off_appraisal(appraisal=appraisal, by=team.report_user)
    actions.sign_off_appraisal(appraisal=appraisal, by=team.manager_user)
    actions.start_appraisal(appraisee=team.peer, year=queries.current_year(), by=team.manager_user)
    rows = {
        r.key: r
        for r in queries.completion_by_staff_group(team.organisation, queries.current_year())
    }
    nurses = rows[StaffGroup.NURSES]
    assert (nurses.staff, nurses.signed_off, nurses.in_progress) == (4, 1, 1)
    page = text(
        team.client(team.organisation_lead).get(
            reverse("appraisal:show_appraisal_completion", args=[team.organisation.code])
        )
    )
    assert "Priya Iqbal's team" in page
    assert "50%" in page  # her team: one of two signed off
    assert "Niamh" not in page  # totals only, never a person's appraisal


def test_a_lead_of_another_organisation_cannot_see_its_completion_rates():
    team = make_team()
    other = make_team(organisation=OrganisationFactory())
    url = reverse("appraisal:show_appraisal_completion", args=[team.organisation.code])
    assert other.client(other.organisation_lead).get(url).status_code == 403
    assert team.client(team.manager_user).get(url).status_code == 403


def test_the_completion_page_runs_the_same_queries_however_many_staff():
    team = make_team()
    client = team.client(team.organisation_lead)
    url = reverse("appraisal:show_appraisal_completion", args=[team.organisation.code])
    client.get(url)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries_run:
            assert client.get(url).status_code == 200
        return len(queries_run)

    small = count()
    for n in range(12):
        manager = PersonFactory(organisation=team.organisation, staff_group=StaffGroup.DOCTORS)
        PersonFactory(organisation=team.organisation, line_manager=manager, last_name=f"Grow{n}")
    assert count() == small


def test_the_appraisals_list_shows_your_own_those_you_lead_and_reports_to_start():
    team = make_team()
    started(team)
    page = text(team.client(team.manager_user).get(reverse("appraisal:list_appraisals")))
    assert "Appraisals you are leading" in page
    assert "Niamh Okafor" in page
    assert "Start Tom Walker's appraisal" in page
    own = text(team.client(team.report_user).get(reverse("appraisal:list_appraisals")))
    assert "Priya Iqbal" in own


def test_an_unknown_appraiser_staff_number_is_explained():
    team = make_team()
    appraisal = started(team)
    response = team.client(team.manager_user).post(
        reverse("appraisal:assign_appraiser", args=[appraisal.pk]), {"staff_number": "NOPE"}
    )
    assert response.status_code == 200
    assert "No one you can choose has that staff number" in text(response)
