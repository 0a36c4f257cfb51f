"""Retention: what is past its period goes, nothing else does, and a second run does nothing."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.contrib.sessions.models import Session
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from healthlead.core.models import AuditEvent
from healthlead.feedback import actions as feedback_actions
from healthlead.feedback.models import Invitation
from healthlead.feedback.tests import factories as feedback_factories
from healthlead.people import actions as people_actions
from healthlead.people.models import Person, StaffImport
from healthlead.privacy import actions
from healthlead.privacy.models import Erasure
from tests.conftest import SYSTEM, make_person, sign_in

pytestmark = pytest.mark.django_db

ACTOR = actions.RETENTION_ACTOR


def _left(world, years_ago: int) -> Person:  # type: ignore[no-untyped-def]
    day = timezone.localdate() - dt.timedelta(days=round(365.25 * years_ago) + 2)
    return make_person(world.trust_a, status=Person.Status.LEFT, left_on=day)


def _closed_cycle_with_raters(capture):  # type: ignore[no-untyped-def]
    cycle = feedback_factories.draft_cycle()
    feedback_factories.invite(cycle, "peers", "p1@nhs.example", "p2@nhs.example", "p3@nhs.example")
    with capture(execute=True):
        feedback_actions.launch_cycle(cycle=cycle, by=cycle.started_by)
    feedback_actions.create_cards(cycle=cycle, count=2, by=cycle.started_by)
    feedback_factories.respond(feedback_factories.tokens_in_outbox()["p1@nhs.example"])
    with capture(execute=True):
        feedback_actions.close_cycle(cycle=cycle, by=SYSTEM)
    return cycle


def _staff_import(world) -> StaffImport:  # type: ignore[no-untyped-def]
    upload = SimpleUploadedFile("staff.csv", b"staff_number,first_name\n1,Ann\n")
    return people_actions.start_staff_import(
        upload=upload, by=world.user("organisation_lead"), commit=False
    )


def test_staff_who_left_longer_ago_than_the_period_are_anonymised_and_no_one_else(world, settings):
    settings.RETENTION_STAFF_LEFT_YEARS = 6
    old, recent = _left(world, 7), _left(world, 5)
    result = actions.apply_retention(by=ACTOR)
    assert result.staff_erased == 1
    assert Erasure.objects.get().person == old
    assert Erasure.objects.get().source == Erasure.Source.RETENTION
    assert Person.objects.get(pk=old.pk).first_name == "Erased person"
    assert Person.objects.get(pk=recent.pk).first_name == recent.first_name
    assert Person.objects.get(pk=world.staff_person.pk).first_name == world.staff_person.first_name


def test_rater_details_and_unused_cards_go_after_the_period_and_answers_stay(
    world, settings, django_capture_on_commit_callbacks
):
    settings.RETENTION_RATER_INVITATION_DAYS = 90
    cycle = _closed_cycle_with_raters(django_capture_on_commit_callbacks)
    hashes = set(cycle.invitations.values_list("token_hash", flat=True))
    responses = cycle.responses.count()
    soon = actions.apply_retention(by=ACTOR, now=timezone.now() + dt.timedelta(days=89))
    assert (soon.rater_invitations_cleared, soon.unused_card_codes_deleted) == (0, 0)
    later = timezone.now() + dt.timedelta(days=91)
    result = actions.apply_retention(by=ACTOR, now=later)
    assert result.rater_invitations_cleared == 4  # three raters and the subject's own
    assert result.unused_card_codes_deleted == 2
    assert not cycle.invitations.filter(channel=Invitation.Channel.CARD).exists()
    assert set(cycle.invitations.values_list("email", "name")) == {("", "")}
    assert not hashes & set(cycle.invitations.values_list("token_hash", flat=True))
    assert cycle.responses.count() == responses


def test_staff_import_files_go_after_the_period(
    world, settings, django_capture_on_commit_callbacks
):
    settings.RETENTION_STAFF_IMPORT_DAYS = 30
    staff_import = _staff_import(world)
    path = staff_import.stored_path
    assert actions.apply_retention(by=ACTOR).staff_import_files_deleted == 0
    with django_capture_on_commit_callbacks(execute=True):
        result = actions.apply_retention(by=ACTOR, now=timezone.now() + dt.timedelta(days=31))
    assert result.staff_import_files_deleted == 1
    assert not default_storage.exists(path)
    staff_import.refresh_from_db()
    assert staff_import.stored_path == ""
    assert staff_import.file_name == "staff.csv"  # the record of the upload stays


def test_expired_sessions_are_deleted(world):
    sign_in(Client(), world.user("staff"))
    assert Session.objects.count() == 1
    assert actions.apply_retention(by=ACTOR).expired_sessions_deleted == 0
    far = timezone.now() + dt.timedelta(days=2)
    assert actions.apply_retention(by=ACTOR, now=far).expired_sessions_deleted == 1
    assert not Session.objects.exists()


def test_a_dry_run_counts_what_a_real_run_removes_and_changes_nothing(
    world, django_capture_on_commit_callbacks
):
    _left(world, 7)
    _closed_cycle_with_raters(django_capture_on_commit_callbacks)
    _staff_import(world)
    later = timezone.now() + dt.timedelta(days=400)
    events = AuditEvent.objects.count()
    dry = actions.apply_retention(by=ACTOR, dry_run=True, now=later)
    assert AuditEvent.objects.count() == events
    assert not Erasure.objects.exists()
    assert dry.as_dict() == {
        "staff_erased": 1,
        "rater_invitations_cleared": 4,
        "unused_card_codes_deleted": 2,
        "staff_import_files_deleted": 1,
        "expired_sessions_deleted": 0,
    }
    with django_capture_on_commit_callbacks(execute=True):
        real = actions.apply_retention(by=ACTOR, now=later)
    assert real == dry


def test_running_it_again_removes_nothing_more(world, django_capture_on_commit_callbacks):
    _left(world, 7)
    _closed_cycle_with_raters(django_capture_on_commit_callbacks)
    _staff_import(world)
    later = timezone.now() + dt.timedelta(days=400)
    with django_capture_on_commit_callbacks(execute=True):
        first = actions.apply_retention(by=ACTOR, now=later)
    assert sum(first.as_dict().values()) > 0
    second = actions.apply_retention(by=ACTOR, now=later)
    assert set(second.as_dict().values()) == {0}
    event = AuditEvent.objects.filter(action="privacy.retention.applied").order_by("sequence")
    assert [e.detail["staff_erased"] for e in event] == [1, 0]


def test_the_command_prints_counts_and_a_dry_run_says_so(world):
    _left(world, 7)
    out = io.StringIO()
    call_command("apply_retention", "--dry-run", stdout=out)
    assert "Would remove (dry run):" in out.getvalue()
    assert "Staff who left more than 6 years ago, anonymised: 1" in out.getvalue()
    assert not Erasure.objects.exists()
    out = io.StringIO()
    call_command("apply_retention", stdout=out)
    assert "Removed:" in out.getvalue()
    assert "anonymised: 1" in out.getvalue()
    assert Erasure.objects.count() == 1
