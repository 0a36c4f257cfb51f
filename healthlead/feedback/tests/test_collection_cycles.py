"""Starting, inviting, launching, withdrawing and closing 360 cycles; the cycle page."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from healthlead.accounts.tests.factories import UserFactory
from healthlead.core.models import AuditEvent
from healthlead.feedback import actions
from healthlead.feedback.models import (
    CycleGroupMinimum,
    CycleStateChange,
    FeedbackCycle,
    Invitation,
    RaterGroup,
    Report,
    Response,
)
from healthlead.feedback.tests.factories import (
    answer_everything,
    draft_cycle,
    facilitator_user,
    group,
    in_days,
    invite,
    launched_cycle,
    respond,
    small_framework,
    staff_user,
)
from healthlead.people.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


# Starting ---------------------------------------------------------------------------------


def test_starting_a_cycle_makes_a_draft_with_the_subjects_own_invitation_and_a_record():
    cycle = draft_cycle()
    assert cycle.state == FeedbackCycle.State.DRAFT
    own = cycle.invitations.get()
    assert own.channel == Invitation.Channel.SELF
    assert own.group.is_self
    change = CycleStateChange.objects.get(cycle=cycle)
    assert (change.from_state, change.to_state) == ("", "draft")
    assert change.by == cycle.started_by


def test_a_deadline_in_the_past_or_today_is_refused_with_a_clear_message():
    with pytest.raises(actions.FeedbackError, match="deadline must be in the future"):
        draft_cycle(deadline_days=0)
    with pytest.raises(actions.FeedbackError, match="deadline must be in the future"):
        draft_cycle(deadline_days=-3)
    with pytest.raises(actions.FeedbackError, match="within a year"):
        draft_cycle(deadline_days=400)


def test_the_start_page_explains_a_past_deadline_in_plain_words():
    small_framework()
    user = staff_user()
    client = signed_in(user)
    version_id = actions.FrameworkVersion.objects.get().pk
    past = in_days(-1)
    response = client.post(
        reverse("feedback:start_cycle"),
        {
            "subject": str(user.person_id),
            "framework_version": str(version_id),
            "deadline_day": past.day,
            "deadline_month": past.month,
            "deadline_year": past.year,
        },
    )
    assert response.status_code == 400
    assert b"The deadline must be in the future" in response.content
    assert not FeedbackCycle.objects.exists()


def test_the_start_page_refuses_a_date_that_does_not_exist():
    small_framework()
    user = staff_user()
    response = signed_in(user).post(
        reverse("feedback:start_cycle"),
        {
            "subject": str(user.person_id),
            "framework_version": str(actions.FrameworkVersion.objects.get().pk),
            "deadline_day": "31",
            "deadline_month": "2",
            "deadline_year": "2030",
        },
    )
    assert response.status_code == 400
    assert b"Enter a real date" in response.content


def test_a_person_starts_a_cycle_from_the_page_with_a_facilitator():
    small_framework()
    user = staff_user()
    facilitator = facilitator_user()
    future = in_days(20)
    response = signed_in(user).post(
        reverse("feedback:start_cycle"),
        {
            "subject": str(user.person_id),
            "framework_version": str(actions.FrameworkVersion.objects.get().pk),
            "deadline_day": future.day,
            "deadline_month": future.month,
            "deadline_year": future.year,
            "facilitator": str(facilitator.pk),
        },
    )
    cycle = FeedbackCycle.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("feedback:show_cycle", args=[cycle.pk])
    assert cycle.facilitator == facilitator
    assert cycle.subject_id == user.person_id
    assert cycle.deadline == future


def test_a_line_manager_starts_a_cycle_for_someone_they_manage():
    manager = staff_user()
    report = PersonFactory(line_manager=manager.person)
    small_framework()
    future = in_days(20)
    response = signed_in(manager).post(
        reverse("feedback:start_cycle"),
        {
            "subject": str(report.pk),
            "framework_version": str(actions.FrameworkVersion.objects.get().pk),
            "deadline_day": future.day,
            "deadline_month": future.month,
            "deadline_year": future.year,
        },
    )
    assert response.status_code == 302
    cycle = FeedbackCycle.objects.get()
    assert cycle.subject == report
    assert cycle.started_by == manager


def test_nobody_can_start_a_cycle_for_someone_they_do_not_manage():
    user = staff_user()
    stranger = PersonFactory()
    small_framework()
    future = in_days(20)
    response = signed_in(user).post(
        reverse("feedback:start_cycle"),
        {
            "subject": str(stranger.pk),
            "framework_version": str(actions.FrameworkVersion.objects.get().pk),
            "deadline_day": future.day,
            "deadline_month": future.month,
            "deadline_year": future.year,
        },
    )
    assert response.status_code == 400
    assert not FeedbackCycle.objects.exists()


def test_a_facilitator_must_hold_the_facilitator_role():
    not_a_facilitator = UserFactory()
    with pytest.raises(actions.FeedbackError, match="not a 360 feedback facilitator"):
        draft_cycle(facilitator=not_a_facilitator)


# Inviting ---------------------------------------------------------------------------------


def test_inviting_checks_every_row_and_invites_nobody_if_any_is_wrong():
    cycle = draft_cycle()
    subject_email = cycle.subject.work_email
    with pytest.raises(actions.FeedbackError) as refusal:
        actions.invite_raters(
            cycle=cycle,
            group=group("peers"),
            raters=[
                actions.RaterEntry("good@nhs.example"),
                actions.RaterEntry("not-an-email"),
                actions.RaterEntry("good@nhs.example"),
                actions.RaterEntry(subject_email.upper()),
            ],
            by=cycle.started_by,
        )
    problems = refusal.value.errors
    assert "Person 2: not-an-email is not an email address." in problems
    assert "Person 3: good@nhs.example is entered more than once." in problems
    assert any("the subject's own address" in p for p in problems)
    assert cycle.invitations.exclude(channel=Invitation.Channel.SELF).count() == 0


def test_an_address_can_be_invited_only_once_per_cycle():
    cycle = draft_cycle()
    invite(cycle, "peers", "sam@nhs.example")
    with pytest.raises(actions.FeedbackError) as refusal:
        invite(cycle, "other_colleagues", "SAM@nhs.example")
    assert "already been invited" in refusal.value.errors[0]


def test_colleague_emails_outside_the_staff_records_are_accepted_with_a_warning():
    cycle = draft_cycle()
    colleague = PersonFactory(work_email="Real.Colleague@nhs.example")
    result = actions.invite_raters(
        cycle=cycle,
        group=group("peers"),
        raters=[
            actions.RaterEntry(colleague.work_email.lower()),
            actions.RaterEntry("friend@gmail.example"),
        ],
        by=cycle.started_by,
    )
    assert len(result.invitations) == 2
    assert len(result.warnings) == 1
    assert "friend@gmail.example" in result.warnings[0]
    assert "real.colleague" not in result.warnings[0]


def test_patients_are_not_invited_by_email_and_self_cannot_be_invited():
    cycle = draft_cycle()
    with pytest.raises(actions.FeedbackError, match="printed cards"):
        invite(cycle, "patients_carers", "patient@example.org")
    with pytest.raises(actions.FeedbackError, match="cannot invite self"):
        invite(cycle, "self", "me@example.org")


def test_the_invite_page_reads_names_and_emails_one_per_line():
    cycle = draft_cycle()
    client = signed_in(cycle.started_by)
    response = client.post(
        reverse("feedback:invite_raters", args=[cycle.pk]),
        {"group": "peers", "raters": "Sam Jones, sam@nhs.example\nKit <kit@nhs.example>\n\n"},
    )
    assert response.status_code == 302
    names = dict(cycle.invitations.filter(group__code="peers").values_list("email", "name"))
    assert names == {"sam@nhs.example": "Sam Jones", "kit@nhs.example": "Kit"}
    assert not mail.outbox  # sent at launch


def test_the_invite_page_names_the_line_with_no_email():
    cycle = draft_cycle()
    response = signed_in(cycle.started_by).post(
        reverse("feedback:invite_raters", args=[cycle.pk]),
        {"group": "peers", "raters": "sam@nhs.example\nKit Jones"},
    )
    assert response.status_code == 400
    assert b"Line 2: enter an email address." in response.content
    assert cycle.invitations.count() == 1


def test_the_invite_page_refuses_an_unknown_group():
    cycle = draft_cycle()
    response = signed_in(cycle.started_by).post(
        reverse("feedback:invite_raters", args=[cycle.pk]),
        {"group": "patients_carers", "raters": "sam@nhs.example"},
    )
    assert response.status_code == 400
    assert b"Choose one of the groups shown" in response.content


# Launching --------------------------------------------------------------------------------


def test_a_cycle_with_no_raters_cannot_be_launched():
    cycle = draft_cycle()
    with pytest.raises(actions.FeedbackError, match="A cycle with no raters"):
        actions.launch_cycle(cycle=cycle, by=cycle.started_by)
    response = signed_in(cycle.started_by).post(reverse("feedback:launch_cycle", args=[cycle.pk]))
    assert response.status_code == 400
    assert b"A cycle with no raters cannot be launched" in response.content
    cycle.refresh_from_db()
    assert cycle.state == FeedbackCycle.State.DRAFT


def test_launch_fixes_every_groups_minimum_records_who_launched_and_emails_raters(
    django_capture_on_commit_callbacks,
):
    cycle, tokens = launched_cycle(django_capture_on_commit_callbacks, peers=3)
    assert cycle.state == FeedbackCycle.State.OPEN
    assert cycle.launched_at is not None
    assert cycle.all_others_minimum == 3
    minimums = dict(
        CycleGroupMinimum.objects.filter(cycle=cycle).values_list("group__code", "minimum")
    )
    assert minimums == {
        "self": 1,
        "line_manager": 1,
        "peers": 3,
        "direct_reports": 3,
        "other_colleagues": 3,
        "patients_carers": 3,
    }
    launch = CycleStateChange.objects.get(cycle=cycle, to_state="open")
    assert launch.from_state == "draft"
    assert launch.by == cycle.started_by
    assert set(tokens) == {
        "manager@nhs.example",
        "peer1@nhs.example",
        "peer2@nhs.example",
        "peer3@nhs.example",
    }
    assert Invitation.objects.filter(cycle=cycle, sent_at__isnull=False).count() == 4


def test_changing_a_default_minimum_later_does_not_change_a_launched_cycle(
    django_capture_on_commit_callbacks,
):
    cycle, _ = launched_cycle(django_capture_on_commit_callbacks)
    RaterGroup.objects.filter(code="peers").update(default_minimum=5)
    assert CycleGroupMinimum.objects.get(cycle=cycle, group__code="peers").minimum == 3


def test_raters_invited_while_open_are_emailed_at_once(django_capture_on_commit_callbacks):
    cycle, _ = launched_cycle(django_capture_on_commit_callbacks)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        invite(cycle, "direct_reports", "report@nhs.example")
    assert [m.to for m in mail.outbox] == [["report@nhs.example"]]


def test_a_cycle_cannot_be_launched_twice(django_capture_on_commit_callbacks):
    cycle, _ = launched_cycle(django_capture_on_commit_callbacks)
    with pytest.raises(actions.FeedbackError, match="cannot be launched"):
        actions.launch_cycle(cycle=cycle, by=cycle.started_by)


# Withdrawing ------------------------------------------------------------------------------


def test_withdrawing_stops_the_link_and_deletes_draft_answers(django_capture_on_commit_callbacks):
    cycle, tokens = launched_cycle(django_capture_on_commit_callbacks)
    invitation = actions.invitation_for_token(tokens["peer1@nhs.example"])
    answer_everything(invitation)
    assert Response.objects.filter(cycle=cycle).count() == 1
    actions.withdraw_invitation(invitation=invitation, by=cycle.started_by)
    invitation.refresh_from_db()
    assert invitation.state == Invitation.State.WITHDRAWN
    assert not Response.objects.filter(cycle=cycle).exists()


def test_withdrawing_after_submission_keeps_the_answers_and_says_the_same(
    django_capture_on_commit_callbacks,
):
    cycle, tokens = launched_cycle(django_capture_on_commit_callbacks)
    respond(tokens["peer1@nhs.example"])
    invitation = Invitation.objects.get(cycle=cycle, email="peer1@nhs.example")
    client = signed_in(cycle.started_by)
    url = reverse("feedback:withdraw_invitation", args=[cycle.pk, invitation.pk])
    page = client.get(url)
    assert b"If they have already sent their feedback, it still counts" in page.content
    response = client.post(url, follow=True)
    assert b"The invitation to peer1@nhs.example is withdrawn." in response.content
    assert Response.objects.filter(cycle=cycle, state=Response.State.SUBMITTED).count() == 1


def test_the_subjects_own_invitation_cannot_be_withdrawn():
    cycle = draft_cycle()
    with pytest.raises(actions.FeedbackError, match="cannot be withdrawn"):
        actions.withdraw_invitation(invitation=cycle.invitations.get(), by=cycle.started_by)


# The cycle page ---------------------------------------------------------------------------


def test_the_cycle_page_shows_only_whether_each_group_reached_its_minimum(
    django_capture_on_commit_callbacks,
):
    cycle, tokens = launched_cycle(django_capture_on_commit_callbacks, peers=4)
    respond(tokens["manager@nhs.example"])
    for n in (1, 2, 3):
        respond(tokens[f"peer{n}@nhs.example"])
    page = signed_in(cycle.started_by).get(reverse("feedback:show_cycle", args=[cycle.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Peers" in html
    assert html.count("Minimum reached") == 3  # line manager, peers, all others
    assert "Nobody invited" in html  # direct reports, other colleagues, patients
    # No counts of answers and no word of who answered.
    for word in ("submitted", "answered:", "responded", "Started", "4 of", "3 of"):
        assert word not in html
    assert html.count("Withdraw") == 5  # every invitation alike, answered or not


def test_groups_below_their_minimum_are_not_yet_reached(django_capture_on_commit_callbacks):
    cycle, tokens = launched_cycle(django_capture_on_commit_callbacks, peers=3)
    respond(tokens["peer1@nhs.example"])
    page = signed_in(cycle.started_by).get(reverse("feedback:show_cycle", args=[cycle.pk]))
    html = page.content.decode()
    assert html.count("Not yet reached") == 3  # line manager, peers, all others


def test_the_line_manager_and_facilitator_see_the_cycle_page_and_nobody_else(
    settings, django_capture_on_commit_callbacks
):
    settings.TWO_FACTOR_REQUIRED = False
    manager = staff_user()
    subject = staff_user(line_manager=manager.person)
    facilitator = facilitator_user()
    cycle = draft_cycle(subject_user=subject, facilitator=facilitator)
    url = reverse("feedback:show_cycle", args=[cycle.pk])
    assert signed_in(subject).get(url).status_code == 200
    assert signed_in(manager).get(url).status_code == 200
    assert signed_in(facilitator).get(url).status_code == 200
    assert signed_in(staff_user()).get(url).status_code == 403
    assert Client().get(url).status_code == 302
    reads = AuditEvent.objects.filter(action="feedback.cycle.viewed")
    assert reads.count() == 2  # the manager's and the facilitator's views are audited


def test_the_facilitator_cannot_invite_or_withdraw_but_can_close(
    settings, django_capture_on_commit_callbacks
):
    settings.TWO_FACTOR_REQUIRED = False
    facilitator = facilitator_user()
    cycle, _ = launched_cycle(django_capture_on_commit_callbacks, facilitator=facilitator)
    client = signed_in(facilitator)
    assert client.get(reverse("feedback:invite_raters", args=[cycle.pk])).status_code == 403
    assert client.get(reverse("feedback:close_cycle", args=[cycle.pk])).status_code == 200


def test_cycle_page_queries_do_not_grow_with_raters(
    django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    small, small_tokens = launched_cycle(django_capture_on_commit_callbacks, peers=3)
    big, big_tokens = launched_cycle(django_capture_on_commit_callbacks, peers=20)
    for token in list(small_tokens.values())[:3]:
        respond(token)
    client = signed_in(small.started_by)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(reverse("feedback:show_cycle", args=[small.pk]))
    for email, token in big_tokens.items():
        if email.startswith("peer") and email in {f"peer{n}@nhs.example" for n in range(1, 16)}:
            respond(token)
    big_client = signed_in(big.started_by)
    with CaptureQueriesContext(connection) as many:
        big_client.get(reverse("feedback:show_cycle", args=[big.pk]))
    assert len(many) == len(few)


# Closing ----------------------------------------------------------------------------------


def test_closing_freezes_the_report_deletes_unsent_drafts_and_records_who_closed(
    django_capture_on_commit_callbacks,
):
    cycle, tokens = launched_cycle(django_capture_on_commit_callbacks)
    for email in ("peer1@nhs.example", "peer2@nhs.example", "peer3@nhs.example"):
        respond(tokens[email])
    answer_everything(actions.invitation_for_token(tokens["manager@nhs.example"]))
    with django_capture_on_commit_callbacks(execute=True):
        actions.close_cycle(cycle=cycle, by=cycle.started_by)
    cycle.refresh_from_db()
    assert cycle.state == FeedbackCycle.State.CLOSED
    assert Report.objects.filter(cycle=cycle).exists()
    assert not Response.objects.filter(cycle=cycle, state=Response.State.DRAFT).exists()
    assert Response.objects.filter(cycle=cycle, state=Response.State.SUBMITTED).count() == 3
    closing = CycleStateChange.objects.get(cycle=cycle, to_state="closed")
    assert closing.by == cycle.started_by
    with pytest.raises(actions.FeedbackError, match="cannot be closed"):
        actions.close_cycle(cycle=cycle, by=cycle.started_by)


def test_closing_early_from_the_page(django_capture_on_commit_callbacks):
    cycle, _ = launched_cycle(django_capture_on_commit_callbacks)
    client = signed_in(cycle.started_by)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("feedback:close_cycle", args=[cycle.pk]))
    assert response.status_code == 302
    cycle.refresh_from_db()
    assert cycle.state == FeedbackCycle.State.CLOSED


def test_a_stranger_cannot_close_a_cycle(django_capture_on_commit_callbacks):
    cycle, _ = launched_cycle(django_capture_on_commit_callbacks)
    response = signed_in(staff_user()).post(reverse("feedback:close_cycle", args=[cycle.pk]))
    assert response.status_code == 403
    cycle.refresh_from_db()
    assert cycle.state == FeedbackCycle.State.OPEN


def test_changing_the_deadline_must_still_be_in_the_future():
    cycle = draft_cycle()
    with pytest.raises(actions.FeedbackError, match="in the future"):
        actions.change_deadline(cycle=cycle, deadline=in_days(-1), by=cycle.started_by)
    actions.change_deadline(cycle=cycle, deadline=in_days(40), by=cycle.started_by)
    cycle.refresh_from_db()
    assert cycle.deadline == in_days(40)


def test_the_feedback_home_lists_your_self_assessments_cycles_and_your_teams():
    manager = staff_user()
    subject = staff_user(line_manager=manager.person)
    own = draft_cycle(subject_user=manager)
    theirs = draft_cycle(subject_user=subject)
    html = signed_in(manager).get(reverse("feedback:list_feedback")).content.decode()
    assert reverse("feedback:show_cycle", args=[own.pk]) in html
    assert reverse("feedback:show_cycle", args=[theirs.pk]) in html
    assert "Cycles for people you line manage" in html
    other = signed_in(staff_user()).get(reverse("feedback:list_feedback")).content.decode()
    assert reverse("feedback:show_cycle", args=[theirs.pk]) not in other


def test_a_user_without_a_staff_record_or_facilitator_role_cannot_use_feedback():
    user = UserFactory(person=None)
    assert signed_in(user).get(reverse("feedback:list_feedback")).status_code == 403
    assert signed_in(user).get(reverse("feedback:start_cycle")).status_code == 403
