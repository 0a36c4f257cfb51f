"""manage.py send_feedback_reminders: reminders once per window, and closing after the deadline."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client

from healthlead.feedback.models import CycleStateChange, FeedbackCycle, Invitation, Report
from healthlead.feedback.tests.factories import LINK, launched_cycle, respond

pytestmark = pytest.mark.django_db


def run(today: dt.date, callbacks) -> str:  # type: ignore[no-untyped-def]
    out = io.StringIO()
    with callbacks(execute=True):
        call_command("send_feedback_reminders", today=today, stdout=out)
    return out.getvalue()


def sent_before(days_ago: int) -> None:
    Invitation.objects.update(sent_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=days_ago))


def test_reminders_go_once_per_window_and_a_second_run_sends_nothing(
    django_capture_on_commit_callbacks,
):
    cycle, tokens = launched_cycle(django_capture_on_commit_callbacks, peers=3, deadline_days=20)
    respond(tokens["peer1@nhs.example"])
    sent_before(14)
    mail.outbox.clear()
    seven_before = cycle.deadline - dt.timedelta(days=7)
    assert "Sent 3 reminders" in run(seven_before, django_capture_on_commit_callbacks)
    assert sorted(m.to[0] for m in mail.outbox) == [
        "manager@nhs.example",
        "peer2@nhs.example",
        "peer3@nhs.example",
    ]
    assert all(m.subject.startswith("Reminder:") for m in mail.outbox)
    mail.outbox.clear()
    assert "Sent 0 reminders" in run(seven_before, django_capture_on_commit_callbacks)
    assert "Sent 0 reminders" in run(
        seven_before + dt.timedelta(days=1), django_capture_on_commit_callbacks
    )
    assert mail.outbox == []
    assert "Sent 3 reminders" in run(
        cycle.deadline - dt.timedelta(days=2), django_capture_on_commit_callbacks
    )
    assert "Sent 0 reminders" in run(
        cycle.deadline - dt.timedelta(days=1), django_capture_on_commit_callbacks
    )
    assert Invitation.objects.get(email="peer2@nhs.example").reminders_sent == 2


def test_a_reminder_carries_a_fresh_link_and_the_old_one_stops(django_capture_on_commit_callbacks):
    cycle, tokens = launched_cycle(django_capture_on_commit_callbacks, peers=1, deadline_days=10)
    sent_before(5)
    mail.outbox.clear()
    run(cycle.deadline - dt.timedelta(days=7), django_capture_on_commit_callbacks)
    reminder = next(m for m in mail.outbox if m.to == ["peer1@nhs.example"])
    new = LINK.search(reminder.body).group(1)
    assert new != tokens["peer1@nhs.example"]
    assert "Links in earlier emails no longer work" in reminder.body
    assert Client().get(f"/feedback/respond/{new}/").status_code == 200
    assert Client().get(f"/feedback/respond/{tokens['peer1@nhs.example']}/").status_code == 404


def test_nobody_is_reminded_just_after_being_invited(django_capture_on_commit_callbacks):
    cycle, _ = launched_cycle(django_capture_on_commit_callbacks, peers=2, deadline_days=6)
    mail.outbox.clear()
    assert "Sent 0 reminders" in run(
        cycle.deadline - dt.timedelta(days=6), django_capture_on_commit_callbacks
    )
    assert mail.outbox == []
    # The window has been dealt with: it is not sent later either.
    sent_before(3)
    assert "Sent 0 reminders" in run(
        cycle.deadline - dt.timedelta(days=5), django_capture_on_commit_callbacks
    )


def test_withdrawn_and_answered_invitations_are_not_reminded(django_capture_on_commit_callbacks):
    from healthlead.feedback import actions

    cycle, tokens = launched_cycle(django_capture_on_commit_callbacks, peers=2, deadline_days=9)
    respond(tokens["peer1@nhs.example"])
    actions.withdraw_invitation(
        invitation=Invitation.objects.get(email="peer2@nhs.example"), by=cycle.started_by
    )
    sent_before(5)
    mail.outbox.clear()
    run(cycle.deadline - dt.timedelta(days=7), django_capture_on_commit_callbacks)
    assert [m.to for m in mail.outbox] == [["manager@nhs.example"]]


def test_cycles_past_their_deadline_are_closed_once(django_capture_on_commit_callbacks):
    cycle, tokens = launched_cycle(django_capture_on_commit_callbacks, peers=3, deadline_days=5)
    for email in ("peer1@nhs.example", "peer2@nhs.example", "peer3@nhs.example"):
        respond(tokens[email])
    day_after = cycle.deadline + dt.timedelta(days=1)
    assert "Closed 0 cycles" in run(cycle.deadline, django_capture_on_commit_callbacks)
    assert "Closed 1 cycles" in run(day_after, django_capture_on_commit_callbacks)
    cycle.refresh_from_db()
    assert cycle.state == FeedbackCycle.State.CLOSED
    assert Report.objects.filter(cycle=cycle).count() == 1
    change = CycleStateChange.objects.get(cycle=cycle, to_state="closed")
    assert change.by is None
    assert change.by_label == "system:send_feedback_reminders"
    assert "Closed 0 cycles" in run(day_after, django_capture_on_commit_callbacks)
