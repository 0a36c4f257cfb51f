"""Each area of the subject access export, and the registry that keeps it complete."""

from __future__ import annotations

import json

import pytest
from django.apps import apps
from django.conf import settings
from django.db import models

from healthlead.people.models import Person
from healthlead.privacy.archive import to_json
from healthlead.privacy.collectors import COLLECTORS, NOT_EXPORTED, safe_name
from healthlead.privacy.tests.helpers import full_record, released_cycle
from healthlead.talent import actions as talent_actions
from tests.conftest import make_person

pytestmark = pytest.mark.django_db


def _pointers() -> set[str]:
    """Every field in Healthlead's apps that points at a staff record, or a user as `user`."""
    found = set()
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    for model in apps.get_models():
        if not model.__module__.startswith("healthlead."):
            continue
        for field in model._meta.concrete_fields:
            if not isinstance(field, models.ForeignKey):
                continue
            if field.related_model is Person or (
                field.related_model is user_model and field.name in {"user", "person"}
            ):
                found.add(f"{model._meta.label}.{field.name}")
    return found


def test_every_field_pointing_at_a_person_is_exported_or_left_out_with_a_reason():
    covered = {name for c in COLLECTORS.values() for name in c.covers}
    pointers = _pointers()
    unaccounted = pointers - covered - set(NOT_EXPORTED)
    assert not unaccounted, (
        "Add these to a collector's covers (and export them), or to NOT_EXPORTED with a "
        f"reason: {sorted(unaccounted)}"
    )
    assert not (covered | set(NOT_EXPORTED)) - pointers, "covers names a field that is gone"


def test_the_registry_has_one_collector_per_area_with_its_sources():
    assert list(COLLECTORS) == [
        "staff_record",
        "account",
        "development_plan",
        "appraisals",
        "talent",
        "feedback",
        "programmes",
        "audit",
    ]
    for collector in COLLECTORS.values():
        assert collector.sources
        assert collector.description


@pytest.mark.parametrize("key", list(COLLECTORS))
def test_each_collector_gives_json_for_someone_with_nothing_recorded(world, key):
    person = make_person(world.trust_b)
    section = COLLECTORS[key].collect(person)
    assert json.loads(to_json(section.data)) is not None
    assert section.files == []


def test_staff_record_and_account_hold_equality_answers_but_never_the_password_hash(world):
    full_record(world)
    record = COLLECTORS["staff_record"].collect(world.staff_person).data
    assert record["staff_number"] == world.staff_person.staff_number
    assert record["line_manager"] == world.manager.full_name
    assert record["equality_answers"]["ethnicity"] == "asian"
    account = COLLECTORS["account"].collect(world.staff_person).data
    assert account["user"]["email"] == "staff@nhs.example"
    text = to_json(account)
    assert "password" not in json.loads(text)["user"]
    assert world.user("staff").password not in text


def test_development_plan_and_appraisals_hold_what_was_written_and_the_file(world):
    record = full_record(world)
    section = COLLECTORS["development_plan"].collect(world.staff_person)
    goal = section.data["goals"][0]
    assert goal["title"] == "Lead the ward huddle"
    evidence = goal["actions"][0]["evidence"][0]
    assert evidence["archive_path"] == f"files/evidence/{record.evidence.pk}-huddle notes.pdf"
    assert [f.stored_path for f in section.files] == [record.evidence.stored_path]
    assert section.data["reviews"][0]["text"] == "A good start."
    appraisals = COLLECTORS["appraisals"].collect(world.staff_person).data
    assert appraisals[0]["reflection"] == "A hard year on the ward."
    assert appraisals[0]["appraiser"] == world.manager.full_name


def test_talent_holds_conversations_grid_place_and_pool_consent(world):
    full_record(world)
    data = COLLECTORS["talent"].collect(world.staff_person).data
    assert data["conversations"][0]["notes"] == "Ready for a bigger role soon."
    assert data["grid_place"]["box"] == 9
    assert data["talent_pool"]["statement"] == "I want to be a director of nursing."
    assert [r["kind"] for r in data["talent_pool"]["consent_records"]] == ["given"]
    assert data["pool_entry"]["full_name"] == world.staff_person.full_name
    talent_actions.withdraw_from_pool(
        profile=world.staff_person.talent_profile, by=world.user("staff")
    )
    data = COLLECTORS["talent"].collect(world.staff_person).data
    assert data["pool_entry"] is None
    assert {r["kind"] for r in data["talent_pool"]["consent_records"]} == {"given", "withdrawn"}


def test_feedback_holds_the_report_as_the_subject_sees_it_and_no_rater(world):
    cycle = released_cycle(world, comment="Listens well.")
    data = COLLECTORS["feedback"].collect(world.staff_person).data
    report = data["cycles"][0]["report"]
    assert report is not None
    comments = [c["text"] for d in report["domains"] for b in d["comments"] for c in b["comments"]]
    assert sorted(comments) == ["Listens well. (0)", "Listens well. (1)", "Listens well. (2)"]
    text = to_json(data)
    for key in ("invitation", "token", "response_id", "email"):
        assert key not in text
    assert cycle.responses.count() == 3


def test_feedback_leaves_out_a_report_not_yet_released_to_the_subject(world):
    from healthlead.feedback.models import FeedbackCycle

    cycle = released_cycle(world)
    FeedbackCycle.objects.filter(pk=cycle.pk).update(
        facilitator=world.user("facilitator"), state=FeedbackCycle.State.CLOSED
    )
    data = COLLECTORS["feedback"].collect(world.staff_person).data
    assert data["cycles"][0]["state"] == "closed"
    assert data["cycles"][0]["report"] is None


def test_programmes_hold_the_application_and_the_prior_learning_file(world):
    record = full_record(world)
    section = COLLECTORS["programmes"].collect(world.staff_person)
    application = section.data["applications"][0]
    assert application["state"] == record.application.state
    assert application["statements"][0]["text"].startswith("My statement on ")
    assert application["endorsement"]["state"] == "endorsed"
    claim = section.data["prior_learning"][0]
    assert claim["archive_path"] == f"files/prior-learning/{record.claim.pk}-degree.pdf"
    assert [f.stored_path for f in section.files] == [record.claim.stored_path]


def test_audit_holds_events_about_the_person_and_by_them(world):
    full_record(world)
    data = COLLECTORS["audit"].collect(world.staff_person).data
    assert "people.equality.recorded" in {e["action"] for e in data["about_you"]}
    assert "appraisal.goal.created" in {e["action"] for e in data["by_you"]}


@pytest.mark.parametrize(
    ("stored", "safe"),
    [("notes.pdf", "notes.pdf"), ("../../etc/passwd", "_.._etc_passwd"), ("", "file")],
)
def test_file_names_in_the_archive_stay_in_their_folder(stored, safe):
    assert safe_name(stored) == safe
