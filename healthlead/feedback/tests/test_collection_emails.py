"""Invitation, reminder and report-ready emails: real messages with text and HTML parts."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client

from healthlead.feedback import actions, emails
from healthlead.feedback.tests.factories import (
    LINK,
    facilitator_user,
    launched_cycle,
    respond,
)

pytestmark = pytest.mark.django_db


def test_invitations_have_text_and_html_parts_from_the_service_address(
    settings, django_capture_on_commit_callbacks
):
    cycle, _tokens = launched_cycle(django_capture_on_commit_callbacks, peers=1)
    message = next(m for m in mail.outbox if m.to == ["peer1@nhs.example"])
    assert message.from_email == settings.DEFAULT_FROM_EMAIL
    assert message.subject == f"{cycle.subject.full_name} would like your feedback"
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert "<a href=" in html
    assert "/feedback/respond/" in message.body
    assert "<p>" not in message.body
    assert "one of their peers" in message.body
    assert "Your answers are anonymous" in message.body
    # The link in the email works.
    token = LINK.search(message.body).group(1)
    assert Client().get(f"/feedback/respond/{token}/").status_code == 200
    assert f"{settings.SITE_URL}/feedback/respond/{token}/" in html


def test_the_line_managers_invitation_says_it_is_not_anonymous(django_capture_on_commit_callbacks):
    launched_cycle(django_capture_on_commit_callbacks, peers=0)
    message = next(m for m in mail.outbox if m.to == ["manager@nhs.example"])
    assert "their line manager" in message.body
    assert "not anonymous" in message.body


def test_names_are_not_html_escaped_in_the_text_part(django_capture_on_commit_callbacks):
    cycle, _ = launched_cycle(django_capture_on_commit_callbacks, peers=1, line_manager=False)
    actions.invite_raters(
        cycle=cycle,
        group=actions.RaterGroup.objects.get(code="peers"),
        raters=[actions.RaterEntry(email="o.brien@nhs.example", name="Siobhan O'Brien & co")],
        by=cycle.started_by,
    )
    with django_capture_on_commit_callbacks(execute=True):
        pass
    invitation = cycle.invitations.get(email="o.brien@nhs.example")
    message = emails.rater_message(invitation, "T" * 43)
    assert "Dear Siobhan O'Brien & co," in message.body
    assert "Siobhan O&#39;Brien &amp; co" in message.alternatives[0][0]


def test_report_ready_goes_to_the_facilitator_first_when_there_is_one(
    settings, django_capture_on_commit_callbacks
):
    facilitator = facilitator_user()
    cycle, tokens = launched_cycle(django_capture_on_commit_callbacks, facilitator=facilitator)
    for email in ("peer1@nhs.example", "peer2@nhs.example", "peer3@nhs.example"):
        respond(tokens[email])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        actions.close_cycle(cycle=cycle, by=cycle.started_by)
    assert [m.to for m in mail.outbox] == [[facilitator.email]]
    message = mail.outbox[0]
    assert "ready for you to review" in message.subject
    assert message.alternatives[0][1] == "text/html"
    assert message.from_email == settings.DEFAULT_FROM_EMAIL


def test_report_ready_goes_to_the_subject_when_there_is_no_facilitator(
    django_capture_on_commit_callbacks,
):
    cycle, _ = launched_cycle(django_capture_on_commit_callbacks)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        actions.close_cycle(cycle=cycle, by=cycle.started_by)
    assert [m.to for m in mail.outbox] == [[cycle.started_by.email]]
    assert mail.outbox[0].subject == "Your 360 feedback report is ready"
    assert "<h1" in mail.outbox[0].alternatives[0][0]


def test_the_subject_is_emailed_when_the_debrief_releases_the_report(
    settings, django_capture_on_commit_callbacks
):
    from django.utils import timezone

    from healthlead.feedback import report_actions

    facilitator = facilitator_user()
    cycle, tokens = launched_cycle(django_capture_on_commit_callbacks, facilitator=facilitator)
    for email in ("peer1@nhs.example", "peer2@nhs.example", "peer3@nhs.example"):
        respond(tokens[email])
    with django_capture_on_commit_callbacks(execute=True):
        actions.close_cycle(cycle=cycle, by=cycle.started_by)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        report_actions.record_debrief(cycle=cycle, held_on=timezone.localdate(), by=facilitator)
    assert [m.to for m in mail.outbox] == [[cycle.started_by.email]]
    message = mail.outbox[0]
    assert message.subject == "Your 360 feedback report is ready"
    assert message.from_email == settings.DEFAULT_FROM_EMAIL
    assert f"{facilitator.display_name} has recorded your feedback session" in message.body
    link = f"{settings.SITE_URL}/feedback/cycles/{cycle.pk}/report/"
    assert link in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert f'href="{link}"' in html
    assert "<p>" not in message.body


def test_no_release_email_when_the_debrief_is_refused(django_capture_on_commit_callbacks):
    from django.utils import timezone

    from healthlead.feedback import report_actions
    from healthlead.feedback.report import ReportError

    facilitator = facilitator_user()
    cycle, _ = launched_cycle(django_capture_on_commit_callbacks, facilitator=facilitator)
    mail.outbox.clear()
    with pytest.raises(ReportError), django_capture_on_commit_callbacks(execute=True):
        report_actions.record_debrief(cycle=cycle, held_on=timezone.localdate(), by=facilitator)
    assert mail.outbox == []


def test_a_mail_server_failure_is_logged_not_shown(
    monkeypatch, caplog, django_capture_on_commit_callbacks
):
    cycle, _ = launched_cycle(django_capture_on_commit_callbacks)

    def broken(self, fail_silently=False):  # type: ignore[no-untyped-def]
        raise OSError("mail server down")

    monkeypatch.setattr(mail.EmailMultiAlternatives, "send", broken)
    assert emails.send_report_ready(cycle) is False
    assert "Could not send the email" in caplog.text
