"""Freezing, releasing and showing 360 reports: page, PDF, CSV, API, goals."""

from __future__ import annotations

import csv
import io
import json
import re
import zlib

import pytest
from django.urls import reverse

from healthlead.accounts.models import Role
from healthlead.accounts.tests.factories import UserFactory
from healthlead.appraisal.models import Goal
from healthlead.core.models import AuditEvent
from healthlead.feedback import report_actions
from healthlead.feedback.models import (
    Comment,
    CycleStateChange,
    FeedbackCycle,
    Report,
    Response,
)
from healthlead.feedback.report import ReportError, freeze_report
from healthlead.feedback.tests.report_helpers import (
    close,
    facilitator_user,
    make_questionnaire,
    open_cycle,
    submit,
)

pytestmark = pytest.mark.django_db

SECRET_COMMENT = "Ask Dr Example on ward 7 about the incident"


@pytest.fixture(autouse=True)
def _no_second_factor(settings):
    """Facilitators sign in with a second factor; that is tested with sign-in itself."""
    settings.TWO_FACTOR_REQUIRED = False
    settings.AXES_ENABLED = False  # force_login has no client address for the lockout log


@pytest.fixture
def instrument():
    return make_questionnaire(((2, 2), (2,)))  # 2 domains, 3 elements, 6 items


def _login(client, user):
    client.force_login(user)
    return client


def _closed_cycle(instrument, *, facilitator=None, subject_user=None):
    """Self, a line manager, three peers (one comment) and two patients (below minimum)."""
    cycle = open_cycle(instrument, facilitator=facilitator, subject_user=subject_user)
    submit(cycle, "self", [5, 5, 5, 5, 4, 4], instrument=instrument)
    submit(
        cycle,
        "line_manager",
        [4, 4, 3, 3, 4, 4],
        importance=[5, 4],
        comments={(0, "strength"): "Calm under pressure"},
        instrument=instrument,
    )
    for n, ratings in enumerate([[3, 4, 3, 2, 4, 5], [4, 4, 2, 3, 5, 4], [3, 3, 3, 2, 4, None]]):
        submit(
            cycle,
            "peers",
            ratings,
            importance=[4, 3],
            comments={(0, "suggestion"): SECRET_COMMENT} if n == 0 else None,
            instrument=instrument,
        )
    for _ in range(2):
        submit(
            cycle,
            "patients_carers",
            [1, 1, 1, 1, 1, 1],
            comments={(1, "strength"): "Patient comment never shown"},
            instrument=instrument,
        )
    return close(cycle)


# Freezing ---------------------------------------------------------------------------------


def test_closing_a_cycle_freezes_a_report_without_raw_answers(instrument):
    cycle = _closed_cycle(instrument)
    report = Report.objects.get(cycle=cycle)
    assert report.rule_version == "1"
    text = json.dumps(report.data)
    assert "ratings" not in text
    assert "Patient comment never shown" not in text
    assert [g["code"] for g in report.data["groups"] if g["visible"]] == [
        "self",
        "line_manager",
        "peers",
    ]
    # All others = line manager + 3 peers; patients (2 < 3) are in no figure.
    first = report.data["items"][0]
    assert first["all_others"] == pytest.approx((4 + 3 + 4 + 3) / 4)
    assert report.data["all_others"]["responses"] == 4
    assert AuditEvent.objects.filter(action="feedback.report.frozen").count() == 1


def test_freezing_twice_returns_the_same_report_and_late_answers_never_reach_it(instrument):
    cycle = _closed_cycle(instrument)
    before = Report.objects.get(cycle=cycle).data
    submit(cycle, "peers", [1, 1, 1, 1, 1, 1], instrument=instrument)  # arrives after closing
    again = freeze_report(cycle)
    assert again.data == before
    assert Report.objects.filter(cycle=cycle).count() == 1


def test_draft_responses_are_not_in_the_report(instrument):
    cycle = open_cycle(instrument)
    for _ in range(3):
        submit(cycle, "peers", [3, 3, 3, 3, 3, 3], instrument=instrument)
    submit(
        cycle,
        "peers",
        [1, 1, 1, 1, 1, 1],
        instrument=instrument,
        state=Response.State.DRAFT,
    )
    cycle = close(cycle)
    assert cycle.report.data["items"][0]["all_others"] == 3.0


def test_a_draft_cycle_cannot_be_frozen(instrument):
    cycle = open_cycle(instrument)
    cycle.state = FeedbackCycle.State.DRAFT
    cycle.save()
    with pytest.raises(ReportError, match="no report"):
        freeze_report(cycle)


# Release ----------------------------------------------------------------------------------


def test_facilitator_sees_the_report_first_and_the_subject_after_the_debrief(client, instrument):
    facilitator = facilitator_user()
    subject = UserFactory()
    cycle = _closed_cycle(instrument, facilitator=facilitator, subject_user=subject)
    url = reverse("feedback:show_report", args=[cycle.pk])

    assert _login(client, subject).get(url).status_code == 403
    page = _login(client, facilitator).get(url)
    assert page.status_code == 200
    assert "Not yet released" in page.content.decode()
    assert AuditEvent.objects.filter(action="feedback.report.viewed").exists()

    response = client.post(
        reverse("feedback:record_debrief", args=[cycle.pk]),
        {"held_on_day": "1", "held_on_month": "1", "held_on_year": "2099", "notes": ""},
    )
    assert "today or in the past" in response.content.decode()
    cycle.refresh_from_db()
    assert cycle.state == FeedbackCycle.State.CLOSED

    today = cycle.closed_at.date()
    response = client.post(
        reverse("feedback:record_debrief", args=[cycle.pk]),
        {
            "held_on_day": str(today.day),
            "held_on_month": str(today.month),
            "held_on_year": str(today.year),
            "notes": "Talked through blind spots",
        },
    )
    assert response.status_code == 302
    cycle.refresh_from_db()
    assert cycle.state == FeedbackCycle.State.RELEASED
    assert cycle.debrief.facilitator == facilitator
    change = CycleStateChange.objects.filter(cycle=cycle).last()
    assert (change.from_state, change.to_state, change.by) == ("closed", "released", facilitator)
    assert _login(client, subject).get(url).status_code == 200


def test_subject_sees_the_report_at_once_when_there_is_no_facilitator(client, instrument):
    subject = UserFactory()
    cycle = _closed_cycle(instrument, subject_user=subject)
    page = _login(client, subject).get(reverse("feedback:show_report", args=[cycle.pk]))
    assert page.status_code == 200
    assert subject.person.full_name in page.content.decode()


def test_line_manager_and_national_lead_never_see_the_report(client, instrument):
    manager = UserFactory()
    subject = UserFactory(person__line_manager=manager.person)
    national = UserFactory(roles=[(Role.NATIONAL_LEAD, None)])
    cycle = _closed_cycle(instrument, subject_user=subject)
    for viewer in (manager, national):
        for name in ("show_report", "download_report_pdf", "download_report_csv"):
            assert (
                _login(client, viewer).get(reverse(f"feedback:{name}", args=[cycle.pk])).status_code
                == 403
            )


def test_only_the_facilitator_can_record_the_debrief(instrument):
    facilitator = facilitator_user()
    cycle = _closed_cycle(instrument, facilitator=facilitator)
    with pytest.raises(ReportError, match="facilitator"):
        report_actions.record_debrief(cycle=cycle, held_on=cycle.closed_at.date(), by=UserFactory())


# Page, charts, PDF, CSV, API ----------------------------------------------------------------


def test_every_chart_is_followed_by_its_data_table(client, instrument):
    subject = UserFactory()
    cycle = _closed_cycle(instrument, subject_user=subject)
    html = (
        _login(client, subject)
        .get(reverse("feedback:show_report", args=[cycle.pk]))
        .content.decode()
    )
    charts = re.findall(r"<svg [^>]*class=\"hl-chart\"", html)
    assert len(charts) == 1 + len(instrument.domains)
    followed = re.findall(r"</svg>\s*<table", html)
    assert len(followed) == len(charts)
    assert "style=" not in "".join(re.findall(r"<svg.*?</svg>", html, flags=re.DOTALL))


def test_page_shows_hidden_groups_only_as_below_minimum(client, instrument):
    subject = UserFactory()
    cycle = _closed_cycle(instrument, subject_user=subject)
    html = (
        _login(client, subject)
        .get(reverse("feedback:show_report", args=[cycle.pk]))
        .content.decode()
    )
    assert "Fewer than 3: not shown" in html
    assert "Patient comment never shown" not in html
    assert "Calm under pressure" in html
    assert "From: Line manager" in html
    assert SECRET_COMMENT in html


def test_pdf_is_a_pdf_of_the_same_report_without_hidden_inputs(client, instrument):
    subject = UserFactory(person__first_name="Zephyrine", person__last_name="Quarrington")
    cycle = _closed_cycle(instrument, subject_user=subject)
    response = _login(client, subject).get(reverse("feedback:download_report_pdf", args=[cycle.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    body = response.content
    assert body.startswith(b"%PDF")
    assert "Zephyrine Quarrington" in _pdf_strings(body)
    assert b"csrfmiddlewaretoken" not in body
    # The HTML the PDF is made from has no form fields at all.
    from django.template.loader import render_to_string

    from healthlead.feedback import charts, report_presenters

    view = report_presenters.present_report(cycle.report)
    html = render_to_string(
        "feedback/print_report.jinja",
        {
            "view": view,
            "charts": charts.report_charts(view),
            "cycle": cycle,
            "score": report_presenters.score,
            "signed": report_presenters.signed,
            "page_title": f"360 feedback report: {subject.person.full_name}",
        },
    )
    assert "<input" not in html
    assert "Zephyrine Quarrington" in html


def test_pdf_charts_are_titled_png_images_that_the_pdf_draws(client, instrument):
    from healthlead.feedback import charts, report_presenters

    subject = UserFactory()
    cycle = _closed_cycle(instrument, subject_user=subject)
    view = report_presenters.present_report(cycle.report)
    printed = charts.report_charts(view, for_print=True)
    html = str(printed["overview"]) + "".join(str(c) for c in printed["domains"].values())
    images = re.findall(r'<img class="hl-chart" alt="([^"]+)" src="data:image/png;base64,', html)
    assert images[0] == "Self and all others, by domain"
    assert len(images) == 1 + len(instrument.domains)
    assert "<svg" not in html
    body = _login(client, subject).get(reverse("feedback:download_report_pdf", args=[cycle.pk]))
    # Each chart is drawn in the PDF (a refused image would be silently left out).
    assert body.content.count(b"/Subtype /Image") >= len(images)


def _pdf_strings(body: bytes) -> str:
    """The PDF's inflated streams and literal strings (titles may be UTF-16), as text."""
    chunks = [body]
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", body, flags=re.DOTALL):
        try:
            chunks.append(zlib.decompress(match.group(1)))
        except zlib.error:
            continue
    text = []
    for chunk in chunks:
        text.append(chunk.decode("latin-1"))
        for hexa in re.findall(rb"<FEFF([0-9A-Fa-f]+)>", chunk):
            text.append(bytes.fromhex(hexa.decode()).decode("utf-16-be", errors="ignore"))
        for raw in re.findall(rb"\(\xfe\xff((?:[^\\)]|\\.)*)\)", chunk, flags=re.DOTALL):
            text.append(raw.decode("utf-16-be", errors="ignore"))
    return "\n".join(text)


def test_csv_export_has_the_page_figures_and_no_hidden_group(client, instrument):
    subject = UserFactory()
    cycle = _closed_cycle(instrument, subject_user=subject)
    response = _login(client, subject).get(reverse("feedback:download_report_csv", args=[cycle.pk]))
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:7] == ["Level", "Domain", "Element", "Item", "Self", "Line manager", "Peers"]
    assert "Patients and carers" not in rows[0]
    levels = [r[0] for r in rows[1:]]
    assert levels.count("Domain") == 2
    assert levels.count("Element") == 3
    assert levels.count("Item") == 6


def test_api_report_matches_the_page_and_is_refused_before_release(client, instrument):
    facilitator = facilitator_user()
    subject = UserFactory()
    cycle = _closed_cycle(instrument, facilitator=facilitator, subject_user=subject)
    url = f"/api/v1/feedback/cycles/{cycle.pk}/report/"
    assert _login(client, subject).get(url).status_code == 404
    data = _login(client, facilitator).get(url).json()
    assert [c["key"] for c in data["columns"]] == ["self", "line_manager", "peers", "all_others"]
    assert data["domains"][0]["elements"][0]["items"][0]["values"]["all_others"] == 3.5
    assert "comment_id" not in json.dumps(data)


# Comments ---------------------------------------------------------------------------------


def test_comment_order_is_fixed_when_the_report_freezes(client, instrument):
    subject = UserFactory()
    cycle = _closed_cycle(instrument, subject_user=subject)
    url = reverse("feedback:show_report", args=[cycle.pk])
    first = _login(client, subject).get(url).content.decode()
    second = client.get(url).content.decode()
    order = [first.index("Calm under pressure"), first.index(SECRET_COMMENT)]
    assert order == [second.index("Calm under pressure"), second.index(SECRET_COMMENT)]


def test_facilitator_removes_a_comment_and_its_text_is_gone_everywhere(client, instrument):
    facilitator = facilitator_user()
    cycle = _closed_cycle(instrument, facilitator=facilitator)
    ref = next(c["ref"] for c in cycle.report.data["comments"] if c["text"] == SECRET_COMMENT)
    url = reverse("feedback:redact_comment", args=[cycle.pk, ref])
    page = _login(client, facilitator).get(url)
    assert SECRET_COMMENT in page.content.decode()
    assert "Say why" in client.post(url, {"reason": ""}).content.decode()
    response = client.post(url, {"reason": "Names a doctor"})
    assert response.status_code == 302

    cycle.report.refresh_from_db()
    assert SECRET_COMMENT not in json.dumps(cycle.report.data)
    comment = Comment.objects.get(redacted_at__isnull=False)
    assert comment.text == ""
    assert comment.redacted_by == facilitator
    assert comment.redaction_reason == "Names a doctor"
    event = AuditEvent.objects.get(action="feedback.comment.redacted")
    assert event.reason == "Names a doctor"
    html = client.get(reverse("feedback:show_report", args=[cycle.pk])).content.decode()
    assert SECRET_COMMENT not in html
    assert "removed this comment" in html
    api = client.get(f"/api/v1/feedback/cycles/{cycle.pk}/report/").content.decode()
    assert SECRET_COMMENT not in api
    assert client.get(url).status_code == 404  # already removed


# Goals ------------------------------------------------------------------------------------


def test_subject_creates_a_goal_linked_to_an_element_from_the_report(client, instrument):
    subject = UserFactory()
    cycle = _closed_cycle(instrument, subject_user=subject)
    html = (
        _login(client, subject)
        .get(reverse("feedback:show_report", args=[cycle.pk]))
        .content.decode()
    )
    element = instrument.elements[1]
    link = f"{reverse('appraisal:add_goal')}?element={element.pk}&amp;source=360+report"
    assert link in html
    form = client.get(link.replace("&amp;", "&"))
    assert form.status_code == 200
    response = client.post(
        reverse("appraisal:add_goal"),
        {
            "title": "Ask my team for feedback every month",
            "element": str(element.pk),
            "description": "",
            "due_on_day": "",
            "due_on_month": "",
            "due_on_year": "",
            "source": "360 report",
        },
    )
    assert response.status_code == 302
    goal = Goal.objects.get()
    assert (goal.plan.person, goal.element, goal.source) == (subject.person, element, "360 report")
    listing = client.get(reverse("appraisal:list_goals")).content.decode()
    assert "Ask my team for feedback every month" in listing
    assert element.name in listing


def test_a_goal_needs_a_title_and_a_real_due_date(client, instrument):
    user = UserFactory()
    response = _login(client, user).post(
        reverse("appraisal:add_goal"),
        {"title": "", "due_on_day": "31", "due_on_month": "2", "due_on_year": "2030"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Enter your goal." in page
    assert "Enter a real date" in page
    assert not Goal.objects.exists()
