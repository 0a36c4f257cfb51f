"""Erasure: a person's identity and what was written about them go; anonymous figures stay."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage
from django.db import IntegrityError
from django.test import Client

from healthlead.accounts.models import RoleAssignment
from healthlead.accounts.tests.factories import UserFactory
from healthlead.appraisal.models import Appraisal, Evidence, Goal
from healthlead.core.audit import verify_chain
from healthlead.core.models import AuditEvent
from healthlead.feedback import norms
from healthlead.feedback.models import Answer, Invitation, NormTable, Report
from healthlead.feedback.tests.report_helpers import close, make_questionnaire, open_cycle, submit
from healthlead.people.models import EqualityAnswers, Person
from healthlead.privacy import actions
from healthlead.privacy.models import Erasure
from healthlead.privacy.tests.helpers import full_record, rater_answers
from healthlead.programmes.models import Application, PriorLearningClaim
from healthlead.talent.models import PoolEntry, TalentProfile
from tests.conftest import SYSTEM, make_person, sign_in

pytestmark = pytest.mark.django_db


def _erase(world, capture, actor="organisation_lead"):  # type: ignore[no-untyped-def]
    with capture(execute=True):
        return actions.erase_person(
            person=world.staff_person, reason="Erasure request ER-0031", by=world.user(actor)
        )


def test_names_addresses_and_staff_number_become_a_stable_pseudonym(
    world, django_capture_on_commit_callbacks
):
    full_record(world)
    code = actions.pseudonym_code(world.staff_person)
    assert code == actions.pseudonym_code(Person.objects.get(pk=world.staff_person.pk))
    erasure = _erase(world, django_capture_on_commit_callbacks)
    person = Person.objects.get(pk=world.staff_person.pk)
    assert erasure.pseudonym == code
    assert person.staff_number == f"ERASED-{code}"
    assert person.full_name == f"Erased person {code}"
    assert person.work_email == ""
    assert person.occupation == ""
    # What anonymous totals are made of stays.
    assert (person.staff_group, person.grade, person.organisation) == (
        world.staff_person.staff_group,
        world.staff_person.grade,
        world.trust_a,
    )
    assert EqualityAnswers.objects.filter(person=person).exists()


def test_free_text_is_cleared_files_deleted_and_the_pool_left(
    world, django_capture_on_commit_callbacks
):
    record = full_record(world)
    evidence_path, claim_path = record.evidence.stored_path, record.claim.stored_path
    assert default_storage.exists(evidence_path)
    assert default_storage.exists(claim_path)
    _erase(world, django_capture_on_commit_callbacks)
    assert not default_storage.exists(evidence_path)
    assert not default_storage.exists(claim_path)
    assert not Evidence.objects.filter(pk=record.evidence.pk).exists()
    assert Goal.objects.get(plan__person=world.staff_person).title == actions.REMOVED
    assert Appraisal.objects.get(pk=record.appraisal.pk).reflection == ""
    claim = PriorLearningClaim.objects.get(pk=record.claim.pk)
    assert (claim.stored_path, claim.description) == ("", "")
    profile = TalentProfile.objects.get(person=world.staff_person)
    assert profile.withdrawn_at is not None
    assert profile.statement == ""
    assert not PoolEntry.objects.filter(person=world.staff_person).exists()
    report = Report.objects.get(pk=record.cycle.report.pk)
    assert report.data["subject"]["name"].startswith("Erased person ")
    assert all(c["text"] is None for c in report.data["comments"])
    statements = Application.objects.get(pk=record.application.pk).statements.all()
    assert {s.text for s in statements} == {""}


def test_the_account_is_closed_for_good(world, django_capture_on_commit_callbacks):
    client = sign_in(Client(), world.user("staff"))
    assert client.get("/accounts/you/").status_code == 200
    _erase(world, django_capture_on_commit_callbacks)
    user = world.user("staff")
    user.refresh_from_db()
    assert not user.is_active
    assert not user.has_usable_password()
    assert user.email.endswith("@erased.invalid")
    response = client.get("/accounts/you/")
    assert response.status_code == 302
    assert "/accounts/sign-in/" in response["Location"]
    assert not RoleAssignment.objects.current().filter(user=user).exists()


def test_labels_naming_the_person_elsewhere_now_name_the_pseudonym(
    world, django_capture_on_commit_callbacks
):
    full_record(world)  # the staff member added goals and evidence, labelled with their name
    erasure = _erase(world, django_capture_on_commit_callbacks)
    consent = TalentProfile.objects.get(person=world.staff_person).records.order_by("at").first()
    assert consent is not None
    assert consent.by_label == f"Erased person {erasure.pseudonym}"


def test_erasure_is_audited_and_the_audit_chain_stays_intact(
    world, django_capture_on_commit_callbacks
):
    full_record(world)
    erasure = _erase(world, django_capture_on_commit_callbacks)
    event = AuditEvent.objects.get(action="privacy.person.erased")
    assert event.reason == "Erasure request ER-0031"
    assert event.detail["pseudonym"] == erasure.pseudonym
    assert world.staff_person.first_name not in str(event.detail)
    assert list(verify_chain()) == []


def _closed_cycles(instrument, users, *, offset=0):  # type: ignore[no-untyped-def]
    for n, user in enumerate(users):
        cycle = open_cycle(instrument, subject_user=user)
        for _ in range(3):
            submit(
                cycle,
                "peers",
                [1 + (n + offset) % 5] * len(instrument.items),
                instrument=instrument,
            )
        close(cycle)


def test_norms_and_the_answers_given_as_a_rater_are_the_same_before_and_after(
    world, django_capture_on_commit_callbacks
):
    instrument = make_questionnaire(((1,),))
    subjects = [UserFactory() for _ in range(29)] + [world.user("staff")]
    _closed_cycles(instrument, subjects)
    rated = rater_answers(world, world.staff_person.work_email, django_capture_on_commit_callbacks)
    answers = sorted(Answer.objects.filter(response__cycle=rated).values_list("item", "rating"))
    before = norms.compute_norms()
    assert before, "the test needs norms to compare"
    assert norms.refresh_norms(by=SYSTEM) == 6
    stored_before = sorted(NormTable.objects.values_list("subjects", "percentiles"))

    _erase(world, django_capture_on_commit_callbacks)

    assert norms.compute_norms() == before
    norms.refresh_norms(by=SYSTEM)
    assert sorted(NormTable.objects.values_list("subjects", "percentiles")) == stored_before
    assert sorted(Answer.objects.filter(response__cycle=rated).values_list("item", "rating")) == (
        answers
    )
    assert not Invitation.objects.filter(email=world.staff_person.work_email).exists()


def test_counts_in_fairness_reports_stay(world, django_capture_on_commit_callbacks):
    record = full_record(world)
    intake = record.application.intake
    before = list(
        Application.objects.filter(intake=intake).values_list("state", "eligible", "shortlisted")
    )
    _erase(world, django_capture_on_commit_callbacks)
    after = list(
        Application.objects.filter(intake=intake).values_list("state", "eligible", "shortlisted")
    )
    assert after == before
    assert Person.objects.get(pk=world.staff_person.pk).equality.ethnicity == "asian"


def test_all_or_nothing_a_failure_part_way_leaves_everything_as_it_was(
    world, django_capture_on_commit_callbacks
):
    record = full_record(world)
    # Someone already holds the staff number the pseudonym needs: the last step fails.
    make_person(world.trust_b, staff_number=f"ERASED-{actions.pseudonym_code(world.staff_person)}")
    with pytest.raises(IntegrityError):
        _erase(world, django_capture_on_commit_callbacks)
    person = Person.objects.get(pk=world.staff_person.pk)
    assert person.first_name == world.staff_person.first_name
    assert TalentProfile.objects.get(person=person).in_pool
    assert Goal.objects.get(plan__person=person).title == "Lead the ward huddle"
    assert default_storage.exists(record.evidence.stored_path)
    assert world.user("staff").__class__.objects.get(pk=world.user("staff").pk).is_active
    assert not Erasure.objects.exists()
    assert not AuditEvent.objects.filter(action="privacy.person.erased").exists()


def test_a_person_is_erased_once_and_nobody_erases_themselves(
    world, django_capture_on_commit_callbacks
):
    lead = world.user("organisation_lead")
    with pytest.raises(actions.PrivacyError, match="your own record"):
        actions.erase_person(person=lead.person, reason="Testing", by=lead)
    _erase(world, django_capture_on_commit_callbacks)
    with pytest.raises(actions.PrivacyError, match="already been erased"):
        _erase(world, django_capture_on_commit_callbacks)


# The pages -------------------------------------------------------------------------------------


def _post(world, actor, client=None, **data):  # type: ignore[no-untyped-def]
    client = client or sign_in(Client(), world.user(actor))
    return client.post(f"/people/{world.staff_person.pk}/personal-data/erase/", data)


def test_a_wrong_typed_confirmation_erases_nothing(world):
    response = _post(world, "organisation_lead", reason="ER-1", confirmation="123")
    assert response.status_code == 200
    assert "does not match. Nothing has been erased." in response.content.decode()
    assert not Erasure.objects.exists()


def test_the_right_typed_confirmation_erases_and_returns_to_the_summary(world):
    client = sign_in(Client(), world.user("national_lead"))
    response = _post(
        world,
        "national_lead",
        client,
        reason="ER-2",
        confirmation=world.staff_person.staff_number,
    )
    assert response.status_code == 302
    assert response["Location"] == f"/people/{world.staff_person.pk}/personal-data/"
    assert Erasure.objects.get().by == world.user("national_lead")
    again = client.get(f"/people/{world.staff_person.pk}/personal-data/erase/")
    assert "There is nothing more to erase" in again.content.decode()


def test_a_lead_of_another_organisation_cannot_erase(world):
    response = _post(
        world,
        "other_organisation_lead",
        reason="ER-3",
        confirmation=world.staff_person.staff_number,
    )
    assert response.status_code == 403
    assert not Erasure.objects.exists()
