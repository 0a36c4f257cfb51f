"""The living development plan: goals, actions, evidence (notes, files, completions), and the
line manager's comments and agreement."""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from healthlead.appraisal import actions
from healthlead.appraisal.models import Completion, Evidence, GoalAction, PlanReview
from healthlead.appraisal.tests.helpers import SYSTEM, make_team
from healthlead.core.models import AuditEvent

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _goal(team, title="Chair a service improvement project"):  # type: ignore[no-untyped-def]
    return actions.create_goal(person=team.report, title=title, by=team.report_user)


def _action(team, goal=None, **kwargs):  # type: ignore[no-untyped-def]
    goal = goal or _goal(team)
    values = {"kind": GoalAction.Kind.MENTORING, "title": "Meet a mentor monthly"}
    values.update(kwargs)
    return actions.add_goal_action(goal=goal, by=team.report_user, **values)


def test_the_person_adds_an_action_towards_a_goal_from_their_plan_page():
    team = make_team()
    goal = _goal(team)
    client = team.client(team.report_user)
    response = client.post(
        reverse("appraisal:add_goal_action", args=[goal.pk]),
        {
            "kind": "placement",
            "title": "Two weeks shadowing the divisional director",
            "programme_name": "",
            "due_on_day": "",
            "due_on_month": "",
            "due_on_year": "",
        },
    )
    assert response.status_code == 302
    action = goal.actions.get()
    assert (action.kind, action.status) == ("placement", "planned")
    page = client.get(reverse("appraisal:list_goals")).content.decode()
    assert "Two weeks shadowing the divisional director" in page
    assert "0 of 1 actions done" in page


def test_a_programme_action_needs_the_programmes_name_and_says_so():
    team = make_team()
    goal = _goal(team)
    response = team.client(team.report_user).post(
        reverse("appraisal:add_goal_action", args=[goal.pk]),
        {"kind": "programme", "title": "Do the Mary Seacole programme", "programme_name": ""},
    )
    assert response.status_code == 200
    assert "Enter the programme's name." in html.unescape(response.content.decode())
    assert not GoalAction.objects.exists()


def test_someone_else_cannot_change_a_persons_plan():
    team = make_team()
    goal = _goal(team)
    for user in (team.peer_user, team.manager_user, team.organisation_lead):
        client = team.client(user)
        assert client.get(reverse("appraisal:edit_goal", args=[goal.pk])).status_code == 403
        assert client.get(reverse("appraisal:add_goal_action", args=[goal.pk])).status_code == 403


def test_the_person_updates_a_goal_and_an_action_and_done_records_the_day():
    team = make_team()
    action = _action(team)
    client = team.client(team.report_user)
    response = client.post(
        reverse("appraisal:edit_goal_action", args=[action.pk]),
        {"status": "done", "due_on_day": "", "due_on_month": "", "due_on_year": ""},
    )
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.status == "done"
    assert action.completed_on == timezone.localdate()
    response = client.post(
        reverse("appraisal:edit_goal", args=[action.goal.pk]),
        {
            "title": "Chair the improvement project",
            "element": "",
            "description": "",
            "status": "achieved",
            "due_on_day": "",
            "due_on_month": "",
            "due_on_year": "",
        },
    )
    assert response.status_code == 302
    action.goal.refresh_from_db()
    assert (action.goal.title, action.goal.status) == ("Chair the improvement project", "achieved")


def test_a_file_is_kept_outside_the_web_root_under_a_random_name_with_its_name_cleaned():
    team = make_team()
    action = _action(team)
    upload = SimpleUploadedFile("../../etc/My report\x07 (final).pdf", PDF, "application/pdf")
    response = team.client(team.report_user).post(
        reverse("appraisal:add_evidence", args=[action.pk]),
        {"note": "The project report", "file": upload},
    )
    assert response.status_code == 302
    evidence = Evidence.objects.get()
    assert evidence.file_name == "My report (final).pdf"
    stored = Path(settings.MEDIA_ROOT) / evidence.stored_path
    assert stored.read_bytes() == PDF
    assert "My report" not in evidence.stored_path
    assert not str(stored.resolve()).startswith(str(Path(settings.STATIC_ROOT).resolve()))


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("notes.exe", b"MZ\x90\x00", "must be a PDF, Word"),
        ("fake.pdf", b"<html><script>alert(1)</script>", "not really a PDF file"),
        ("empty.pdf", b"", "The selected file is empty"),
        ("binary.txt", b"hello\x00world", "holds binary data"),
    ],
)
def test_an_unsuitable_file_is_refused_with_a_plain_reason(name, content, message):
    team = make_team()
    action = _action(team)
    response = team.client(team.report_user).post(
        reverse("appraisal:add_evidence", args=[action.pk]),
        {"note": "", "file": SimpleUploadedFile(name, content)},
    )
    assert response.status_code == 200
    assert message in html.unescape(response.content.decode())
    assert not Evidence.objects.exists()


def test_a_file_over_the_size_limit_is_refused(settings):
    settings.MAX_UPLOAD_BYTES = 1024
    team = make_team()
    action = _action(team)
    big = SimpleUploadedFile("big.pdf", PDF + b"0" * 2048)
    with pytest.raises(actions.PlanError, match="smaller than"):
        actions.add_evidence_file(action=action, upload=big, by=team.report_user)
    assert not Evidence.objects.exists()


def test_evidence_files_download_only_for_the_person_and_their_line_manager():
    team = make_team()
    action = _action(team)
    evidence = actions.add_evidence_file(
        action=action, upload=SimpleUploadedFile("r.pdf", PDF), by=team.report_user
    )
    url = reverse("appraisal:download_evidence", args=[evidence.pk])
    own = team.client(team.report_user).get(url)
    assert own.status_code == 200
    assert own["Content-Disposition"].startswith("attachment")
    assert own["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in own["Content-Security-Policy"]
    assert own.content == PDF
    assert team.client(team.manager_user).get(url).status_code == 200
    assert AuditEvent.objects.filter(action="appraisal.evidence.downloaded").count() == 1
    assert team.client(team.peer_user).get(url).status_code == 403
    assert team.client(team.organisation_lead).get(url).status_code == 403


def test_the_line_manager_comments_and_agrees_and_each_is_attributed():
    team = make_team()
    _goal(team)
    client = team.client(team.manager_user)
    url = reverse("appraisal:review_development_plan", args=[team.report.pk])
    assert client.post(url, {"kind": "comment", "text": ""}).status_code == 200  # needs text
    assert client.post(url, {"kind": "comment", "text": "Add a date"}).status_code == 302
    assert client.post(url, {"kind": "agreed", "text": ""}).status_code == 302
    reviews = list(PlanReview.objects.order_by("at", "pk"))
    assert [(r.kind, r.by, r.by_label) for r in reviews] == [
        ("comment", team.manager_user, "Priya Iqbal"),
        ("agreed", team.manager_user, "Priya Iqbal"),
    ]
    own_page = team.client(team.report_user).get(reverse("appraisal:list_goals")).content.decode()
    assert "Agreed by Priya Iqbal" in own_page
    assert "Add a date" in own_page


def test_a_peer_cannot_see_or_review_anothers_plan():
    team = make_team()
    _goal(team)
    client = team.client(team.peer_user)
    assert (
        client.get(reverse("appraisal:show_development_plan", args=[team.report.pk])).status_code
        == 403
    )
    assert (
        client.get(reverse("appraisal:review_development_plan", args=[team.report.pk])).status_code
        == 403
    )


def test_the_line_managers_view_of_a_plan_is_audited():
    team = make_team()
    _goal(team, "Lead the ward huddle")
    page = team.client(team.manager_user).get(
        reverse("appraisal:show_development_plan", args=[team.report.pk])
    )
    assert "Lead the ward huddle" in page.content.decode()
    assert AuditEvent.objects.filter(action="appraisal.plan.viewed", kind="read").count() == 1


# Completions from programmes ----------------------------------------------------------------


def test_a_completion_is_added_to_actions_naming_the_programme_and_marks_them_done():
    team = make_team()
    action = _action(
        team, kind=GoalAction.Kind.PROGRAMME, title="Do it", programme_name="Mary Seacole"
    )
    other = _action(team, kind=GoalAction.Kind.READING, title="Read The Bevan papers")
    day = timezone.localdate() - dt.timedelta(days=3)
    result = actions.record_completion_evidence(
        person=team.report, programme_name="  mary SEACOLE ", completed_on=day, by=SYSTEM
    )
    assert (result.created, result.actions_evidenced) == (True, 1)
    action.refresh_from_db()
    other.refresh_from_db()
    assert (action.status, action.completed_on) == ("done", day)
    assert other.status == "planned"
    evidence = action.evidence.get()
    assert evidence.kind == Evidence.Kind.COMPLETION
    assert "Completed" in evidence.note


def test_recording_the_same_completion_twice_changes_nothing():
    team = make_team()
    _action(team, kind=GoalAction.Kind.PROGRAMME, title="Do it", programme_name="Nye Bevan")
    day = timezone.localdate()
    actions.record_completion_evidence(
        person=team.report, programme_name="Nye Bevan", completed_on=day, by=SYSTEM
    )
    again = actions.record_completion_evidence(
        person=team.report, programme_name="Nye Bevan", completed_on=day, by=SYSTEM
    )
    assert (again.created, again.actions_evidenced) == (False, 0)
    assert Completion.objects.count() == 1
    assert Evidence.objects.count() == 1


def test_a_programme_completed_before_the_action_was_planned_counts_at_once():
    team = make_team()
    actions.record_completion_evidence(
        person=team.report,
        programme_name="Edward Jenner",
        completed_on=timezone.localdate(),
        by=SYSTEM,
    )
    action = _action(
        team, kind=GoalAction.Kind.PROGRAMME, title="Foundations", programme_name="Edward Jenner"
    )
    action.refresh_from_db()
    assert action.status == "done"
    assert action.evidence.get().kind == "completion"


def test_a_completion_in_the_future_or_without_a_name_is_refused():
    team = make_team()
    with pytest.raises(actions.PlanError, match="future"):
        actions.record_completion_evidence(
            person=team.report,
            programme_name="Nye Bevan",
            completed_on=timezone.localdate() + dt.timedelta(days=1),
            by=SYSTEM,
        )
    with pytest.raises(actions.PlanError, match="name"):
        actions.record_completion_evidence(
            person=team.report, programme_name=" ", completed_on=timezone.localdate(), by=SYSTEM
        )


def test_a_note_is_added_as_evidence_and_an_empty_form_is_explained():
    team = make_team()
    action = _action(team)
    client = team.client(team.report_user)
    url = reverse("appraisal:add_evidence", args=[action.pk])
    assert "Write a note or choose a file" in html.unescape(
        client.post(url, {"note": ""}).content.decode()
    )
    assert client.post(url, {"note": "Met my mentor twice"}).status_code == 302
    assert Evidence.objects.get().note == "Met my mentor twice"
    page = client.get(reverse("appraisal:edit_goal", args=[action.goal.pk]))
    assert "Change a goal" in page.content.decode()
