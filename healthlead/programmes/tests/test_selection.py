"""Selection: the eligibility sift, conflicts, blind scoring, moderation, the patient partner
rule, allocation into offers, and the cascade to the waiting list."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from healthlead.accounts.tests.factories import UserFactory
from healthlead.people import actions as people_actions
from healthlead.people.models import Grade, StaffGroup
from healthlead.people.tests.factories import OrganisationFactory, PersonFactory, RegionFactory
from healthlead.programmes import actions, application_actions, rules, selection_actions
from healthlead.programmes.actions import ProgrammeError
from healthlead.programmes.models import (
    AllocationRun,
    Application,
    ConflictDeclaration,
    EnrolmentHandOff,
    Intake,
    Moderation,
    Offer,
    Tier,
)
from healthlead.programmes.tests.helpers import (
    SYSTEM,
    apply,
    complete,
    evidence,
    load_curriculum,
    open_intake,
    score_all,
    version,
)


class Scene:
    """Applicants in two trusts of one region, their managers, and panel members."""

    def __init__(self) -> None:
        self.region = RegionFactory()
        self.trust_a = OrganisationFactory(region=self.region)
        self.trust_b = OrganisationFactory(region=self.region)
        self.elsewhere = OrganisationFactory()
        self.manager = PersonFactory(organisation=self.trust_a, grade=Grade.BAND_8A)
        self.manager_user = UserFactory(person=self.manager)
        self.applicants = []
        for i, (org, group) in enumerate(
            [
                (self.trust_a, StaffGroup.MIDWIVES),
                (self.trust_a, StaffGroup.NURSES),
                (self.trust_b, StaffGroup.DOCTORS),
                (self.trust_b, StaffGroup.DOCTORS),
                (self.trust_b, StaffGroup.NURSES),
            ]
        ):
            person = PersonFactory(
                organisation=org,
                staff_group=group,
                line_manager=self.manager,
                last_name=f"Applicant{i}",
            )
            complete(person, "Edward Jenner")
            self.applicants.append(person)
        self.users = [UserFactory(person=p) for p in self.applicants]
        # Panel: a member of staff in trust B (conflicted with trust B's applicants), one from
        # elsewhere, and a patient partner.
        self.staff_member = UserFactory(person=PersonFactory(organisation=self.trust_b))
        self.outsider = UserFactory(person=PersonFactory(organisation=self.elsewhere))
        partner = people_actions.create_partner(
            by=SYSTEM, consent=True, first_name="Pat", last_name="Partner", email="pat@example.org"
        )
        self.partner = UserFactory(person=None, partner=partner, email="pat@example.org")


@pytest.fixture
def scene(db: Any, settings: Any) -> Scene:
    load_curriculum()
    return Scene()


def _applied_intake(scene: Scene, *, places: int = 2, **kwargs: Any) -> Intake:
    intake = open_intake("mary-seacole", places=places, region=scene.region, **kwargs)
    for person, user in zip(scene.applicants, scene.users, strict=True):
        apply(intake, person, by=user)
    return intake


def _close(intake: Intake) -> Intake:
    selection_actions.close_applications(intake=intake, by=SYSTEM)
    intake.refresh_from_db()
    return intake


def test_the_sift_at_closing_marks_eligibility_and_pending_gates_fail(scene):
    intake = open_intake("mary-seacole", region=scene.region)
    apply(intake, scene.applicants[0], by=scene.users[0])
    apply(intake, scene.applicants[1], by=scene.users[1], endorse=False)  # never endorsed
    counts = selection_actions.close_applications(intake=intake, by=SYSTEM)
    assert counts["eligible"] == 1
    assert counts["not_eligible"] == 1
    late = Application.objects.get(person=scene.applicants[1])
    assert late.state == Application.State.NOT_ELIGIBLE
    assert late.eligible is False
    reasons = [r["reason"] for r in late.gate_results if r["status"] == "failed"]
    assert reasons == [
        "Your line manager had not endorsed your application when applications closed."
    ]


def test_the_manager_is_emailed_to_endorse_when_the_application_is_sent(
    scene, django_capture_on_commit_callbacks
):
    intake = open_intake("mary-seacole", region=scene.region)
    with django_capture_on_commit_callbacks(execute=True):
        application = application_actions.start_application(
            intake=intake, person=scene.applicants[0], by=scene.users[0]
        )
        from healthlead.programmes.tests.helpers import fill_and_send

        fill_and_send(application, by=scene.users[0])
    subjects = [m.subject for m in mail.outbox]
    assert (
        f"Please endorse {scene.applicants[0].full_name}'s application to Mary Seacole" in subjects
    )
    endorsement_mail = next(m for m in mail.outbox if m.subject.startswith("Please endorse"))
    assert endorsement_mail.to == [scene.manager.work_email]
    assert "/endorsements/" in endorsement_mail.body


def test_a_doctor_without_edward_jenner_cannot_start_an_application(scene):
    doctor = PersonFactory(
        organisation=scene.trust_a, staff_group=StaffGroup.DOCTORS, line_manager=scene.manager
    )
    intake = open_intake("mary-seacole", region=scene.region)
    with pytest.raises(ProgrammeError) as error:
        application_actions.start_application(intake=intake, person=doctor, by=SYSTEM)
    assert "You have not completed Edward Jenner" in error.value.message


def test_someone_outside_the_region_cannot_apply_to_a_regional_intake(scene):
    outsider = PersonFactory(organisation=scene.elsewhere, line_manager=scene.manager)
    complete(outsider, "Edward Jenner")
    intake = open_intake("mary-seacole", region=scene.region)
    with pytest.raises(ProgrammeError, match="This intake is for staff in"):
        application_actions.start_application(intake=intake, person=outsider, by=SYSTEM)


def test_conflicts_of_the_same_organisation_exclude_the_member_from_scoring(scene):
    intake = _applied_intake(scene)
    member = actions.add_panel_member(intake=intake, user=scene.staff_member, by=SYSTEM)
    actions.add_panel_member(intake=intake, user=scene.outsider, by=SYSTEM)
    _close(intake)
    conflicted = set(
        ConflictDeclaration.objects.filter(member=member).values_list(
            "application__person_id", flat=True
        )
    )
    assert conflicted == {p.pk for p in scene.applicants if p.organisation_id == scene.trust_b.pk}
    trust_b_application = Application.objects.get(person=scene.applicants[2])
    assert not rules.may_score(scene.staff_member, trust_b_application)
    assert rules.may_score(scene.outsider, trust_b_application)
    criteria = list(intake.version.criteria.all())
    with pytest.raises(ProgrammeError, match="conflict of interest"):
        selection_actions.submit_score_sheet(
            application=trust_b_application,
            member=member,
            scores={c.pk: (3, "") for c in criteria},
            by=scene.staff_member,
        )


def test_a_line_manager_on_the_panel_is_conflicted_with_their_team(scene):
    intake = _applied_intake(scene)
    member = actions.add_panel_member(intake=intake, user=scene.manager_user, by=SYSTEM)
    _close(intake)
    reasons = set(
        ConflictDeclaration.objects.filter(member=member).values_list("reason", flat=True)
    )
    assert reasons == {ConflictDeclaration.Reason.LINE_MANAGEMENT}
    assert ConflictDeclaration.objects.filter(member=member).count() == 5


def test_a_member_can_declare_a_conflict_themselves(scene):
    intake = _applied_intake(scene)
    member = actions.add_panel_member(intake=intake, user=scene.outsider, by=SYSTEM)
    _close(intake)
    application = Application.objects.get(person=scene.applicants[0])
    selection_actions.declare_conflict(
        member=member,
        application=application,
        reason="other",
        note="We trained together.",
        by=scene.outsider,
    )
    assert not rules.may_score(scene.outsider, application)


def test_disagreements_of_two_points_are_flagged_and_block_allocation_until_moderated(scene):
    intake = _applied_intake(scene)
    one = actions.add_panel_member(intake=intake, user=scene.outsider, by=SYSTEM)
    two = actions.add_panel_member(intake=intake, user=scene.partner, by=SYSTEM)
    _close(intake)
    first = Application.objects.get(person=scene.applicants[0])
    score_all(intake, scores={first.pk: {one.pk: 2, two.pk: 4}})
    flags = list(Moderation.objects.filter(application=first))
    assert len(flags) == intake.version.criteria.count()
    assert {(f.lowest, f.highest) for f in flags} == {(2, 4)}
    assert Moderation.objects.exclude(application=first).count() == 0
    with pytest.raises(ProgrammeError, match="waiting for moderation"):
        selection_actions.allocate_places(intake=intake, by=SYSTEM)
    for flag in flags:
        selection_actions.moderate(
            moderation=flag, agreed_score=4, reason="Strong evidence.", by=SYSTEM
        )
    selection_actions.allocate_places(intake=intake, by=SYSTEM)
    first.refresh_from_db()
    assert first.score == 4  # the agreed scores replace the mean of 3


def test_a_tier_three_panel_needs_a_patient_partner_before_ranking(scene):
    tier = Tier.objects.get(number=3)
    version = actions.create_programme(
        code="tier-three-test", name="Tier three test", tier=tier, by=SYSTEM
    )
    actions.add_criterion(version=version, title="Impact", by=SYSTEM)
    actions.publish_version(version=version, by=SYSTEM)
    intake = open_intake("tier-three-test", region=scene.region)
    application_actions.submit_application(application=_started(intake, scene), by=SYSTEM)
    actions.add_panel_member(intake=intake, user=scene.outsider, by=SYSTEM)
    _close(intake)
    score_all(intake)
    problems = selection_actions.readiness(intake)
    assert any("must include a patient or public partner" in p for p in problems)
    with pytest.raises(ProgrammeError, match="cannot move to ranking"):
        selection_actions.allocate_places(intake=intake, by=SYSTEM)
    actions.add_panel_member(intake=intake, user=scene.partner, by=SYSTEM)
    score_all(intake)
    assert selection_actions.readiness(intake) == []
    selection_actions.allocate_places(intake=intake, by=SYSTEM)


def _started(intake: Intake, scene: Scene) -> Application:
    application = application_actions.start_application(
        intake=intake, person=scene.applicants[0], by=SYSTEM
    )
    for criterion in intake.version.criteria.all():
        application_actions.save_statement(
            application=application, criterion=criterion, text="Yes.", by=SYSTEM
        )
    application_actions.save_bursary_choice(application=application, wants=False, by=SYSTEM)
    return application


def _allocated(scene: Scene, places: int = 2, **kwargs: Any) -> Intake:
    intake = _applied_intake(scene, places=places, **kwargs)
    outsider = actions.add_panel_member(intake=intake, user=scene.outsider, by=SYSTEM)
    _close(intake)
    # Scores 5, 4, 3, 2, 1 in applicant order.
    applications = {a.person_id: a for a in Application.objects.filter(intake=intake)}
    scores = {applications[p.pk].pk: {outsider.pk: 5 - i} for i, p in enumerate(scene.applicants)}
    score_all(intake, scores=scores)
    selection_actions.allocate_places(intake=intake, by=SYSTEM)
    intake.refresh_from_db()
    return intake


def _state(person: Any) -> str:
    return Application.objects.get(person=person).state


def test_places_go_to_the_highest_scores_with_offers_and_explanations(
    scene, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        intake = _allocated(scene)
    assert intake.state == Intake.State.OFFERS
    assert [_state(p) for p in scene.applicants] == [
        "offered",
        "offered",
        "waiting_list",
        "waiting_list",
        "waiting_list",
    ]
    first = Application.objects.get(person=scene.applicants[0])
    assert first.rank == 1
    assert first.shortlisted
    assert first.explanation.startswith("Allocated a place: ranked 1 of 5")
    third = Application.objects.get(person=scene.applicants[2])
    assert "You are number 1 on the waiting list" in third.explanation
    offer = Offer.objects.get(application=first)
    assert offer.deadline == timezone.localdate() + dt.timedelta(days=intake.offer_days)
    assert (
        sum(1 for m in mail.outbox if m.subject == "You have been offered a place on Mary Seacole")
        == 2
    )


def test_a_cap_on_doctors_and_a_reserve_for_midwives_are_met(scene):
    intake = _applied_intake(scene, places=3)
    actions.set_quota(intake=intake, kind="cap", staff_group=StaffGroup.NURSES, value=34, by=SYSTEM)
    outsider = actions.add_panel_member(intake=intake, user=scene.outsider, by=SYSTEM)
    _close(intake)
    applications = {a.person_id: a for a in Application.objects.filter(intake=intake)}
    # Nurses score highest: 5 (applicant 1) and 5 (applicant 4); the cap allows one of 3 places.
    order = {1: 5, 4: 5, 0: 2, 2: 4, 3: 3}
    scores = {applications[scene.applicants[i].pk].pk: {outsider.pk: s} for i, s in order.items()}
    score_all(intake, scores=scores)
    selection_actions.allocate_places(intake=intake, by=SYSTEM)
    offered = set(
        Application.objects.filter(intake=intake, state="offered").values_list(
            "person__staff_group", flat=True
        )
    )
    nurses_offered = Application.objects.filter(
        intake=intake, state="offered", person__staff_group="nurses"
    ).count()
    assert nurses_offered == 1
    assert offered == {"nurses", "doctors"}
    passed_over = Application.objects.get(
        intake=intake, state="waiting_list", person__staff_group="nurses"
    )
    assert (
        "Nurses and health visitors already hold the most places allowed (1 of 3)"
        in passed_over.explanation
    )


def test_accepting_an_offer_hands_the_place_to_delivery(scene):
    intake = _allocated(scene)
    first = Application.objects.get(person=scene.applicants[0])
    offer = Offer.objects.get(application=first)
    selection_actions.respond_to_offer(offer=offer, accept=True, by=scene.users[0])
    first.refresh_from_db()
    assert first.state == Application.State.ACCEPTED
    assert first.accepted_at is not None
    handoff = EnrolmentHandOff.objects.get(application=first)
    assert handoff.person_id == scene.applicants[0].pk
    assert handoff.version_id == intake.version_id


def test_modules_exempted_by_recognised_prior_learning_go_with_the_hand_off(scene):
    modules = list(version("mary-seacole").modules.all())
    person = scene.applicants[0]
    recognised = actions.claim_prior_learning(
        person=person,
        kind="professional_qualification",
        title="ILM Level 5",
        upload=evidence(),
        by=scene.users[0],
    )
    actions.decide_prior_learning(
        claim=recognised, outcome="partial", modules=modules[:1], reasons="Same content.", by=SYSTEM
    )
    # A second claim partly recognised, then not recognised on review: no exemption remains.
    reviewed = actions.claim_prior_learning(
        person=person, kind="experience", title="Ward manager", upload=evidence(), by=scene.users[0]
    )
    actions.decide_prior_learning(
        claim=reviewed, outcome="partial", modules=modules[1:2], reasons="First look.", by=SYSTEM
    )
    actions.decide_prior_learning(
        claim=reviewed, outcome="not_recognised", reasons="No evidence of outcomes.", by=SYSTEM
    )
    _allocated(scene)
    first = Application.objects.get(person=person)
    selection_actions.respond_to_offer(
        offer=Offer.objects.get(application=first), accept=True, by=scene.users[0]
    )
    handoff = EnrolmentHandOff.objects.get(application=first)
    assert list(handoff.exempt_modules.all()) == modules[:1]
    # Someone without recognised prior learning is exempt from nothing.
    second = Application.objects.get(person=scene.applicants[1])
    selection_actions.respond_to_offer(
        offer=Offer.objects.get(application=second), accept=True, by=scene.users[1]
    )
    assert not EnrolmentHandOff.objects.get(application=second).exempt_modules.exists()


def test_a_decline_cascades_the_place_to_the_top_of_the_waiting_list(scene):
    intake = _allocated(scene)
    second = Application.objects.get(person=scene.applicants[1])
    selection_actions.respond_to_offer(
        offer=Offer.objects.get(application=second), accept=False, by=scene.users[1]
    )
    assert _state(scene.applicants[1]) == "declined"
    assert _state(scene.applicants[2]) == "offered"
    assert _state(scene.applicants[3]) == "waiting_list"
    cascade = AllocationRun.objects.get(intake=intake, kind=AllocationRun.Kind.CASCADE)
    assert cascade.offers_made == 1
    assert Offer.objects.get(application=second).cascaded_at is not None
    third = Application.objects.get(person=scene.applicants[2])
    assert third.explanation.startswith("Allocated a place: ranked 3 of 5")


def test_lapsed_offers_cascade_when_the_command_runs_and_running_it_again_changes_nothing(scene):
    intake = _allocated(scene)
    later = (timezone.localdate() + dt.timedelta(days=intake.offer_days + 1)).isoformat()
    call_command("cascade_offers", today=dt.date.fromisoformat(later), stdout=io.StringIO())
    assert [_state(p) for p in scene.applicants] == [
        "lapsed",
        "lapsed",
        "offered",
        "offered",
        "waiting_list",
    ]
    offers = Offer.objects.count()
    runs = AllocationRun.objects.count()
    call_command("cascade_offers", today=dt.date.fromisoformat(later), stdout=io.StringIO())
    assert Offer.objects.count() == offers
    assert AllocationRun.objects.count() == runs


def test_a_late_answer_to_an_offer_is_refused(scene):
    intake = _allocated(scene)
    offer = Offer.objects.get(application__person=scene.applicants[0])
    late = timezone.localdate() + dt.timedelta(days=intake.offer_days + 1)
    with pytest.raises(ProgrammeError, match="deadline for this offer has passed"):
        selection_actions.respond_to_offer(offer=offer, accept=True, by=scene.users[0], today=late)


def test_withdrawing_with_an_offer_passes_the_place_on(scene):
    _allocated(scene)
    application = Application.objects.get(person=scene.applicants[0])
    application_actions.withdraw_application(application=application, by=scene.users[0])
    assert _state(scene.applicants[0]) == "withdrawn"
    assert _state(scene.applicants[2]) == "offered"


def test_below_the_minimum_score_an_applicant_is_not_appointable(scene):
    from decimal import Decimal

    _allocated(scene, minimum_score=Decimal("2.5"))
    assert _state(scene.applicants[3]) == "not_appointable"  # scored 2
    application = Application.objects.get(person=scene.applicants[3])
    assert application.shortlisted is False
    assert "below this intake's minimum of 2.50" in application.explanation


def test_finishing_an_intake_closes_the_waiting_list(scene):
    intake = _allocated(scene)
    for person, user in zip(scene.applicants[:2], scene.users[:2], strict=True):
        selection_actions.respond_to_offer(
            offer=Offer.objects.get(application__person=person), accept=True, by=user
        )
    selection_actions.finish_intake(intake=intake, by=SYSTEM)
    assert [_state(p) for p in scene.applicants[2:]] == ["unsuccessful"] * 3


def test_appeals_are_recorded_with_their_outcome(scene):
    _allocated(scene)
    application = Application.objects.get(person=scene.applicants[4])
    appeal = application_actions.lodge_appeal(
        application=application, grounds="My statement was not read fairly.", by=scene.users[4]
    )
    with pytest.raises(ProgrammeError, match="waiting for a decision"):
        application_actions.lodge_appeal(
            application=application, grounds="Again.", by=scene.users[4]
        )
    application_actions.decide_appeal(
        appeal=appeal, upheld=False, reason="The panel scored it fairly.", by=SYSTEM
    )
    appeal.refresh_from_db()
    assert appeal.state == "not_upheld"
    assert appeal.outcome_reason == "The panel scored it fairly."


def test_an_approved_bursary_counts_against_the_budget(scene):
    from healthlead.programmes import queries

    intake = open_intake("mary-seacole", region=scene.region, budget=5000)
    application = application_actions.start_application(
        intake=intake, person=scene.applicants[0], by=SYSTEM
    )
    for criterion in intake.version.criteria.all():
        application_actions.save_statement(
            application=application, criterion=criterion, text="Yes.", by=SYSTEM
        )
    application_actions.save_bursary_choice(
        application=application, wants=True, amount=800, reason="Childcare.", by=SYSTEM
    )
    application_actions.submit_application(application=application, by=SYSTEM)
    bursary = Application.objects.get(pk=application.pk).bursary
    with pytest.raises(ProgrammeError, match="Award from £1 to the £800"):
        application_actions.decide_bursary(bursary=bursary, approve=True, amount=900, by=SYSTEM)
    application_actions.decide_bursary(bursary=bursary, approve=True, amount=600, by=SYSTEM)
    money = queries.budget(intake)
    assert money.bursaries == 600
    assert money.remaining == 5000 - 600


def _taken_up(scene: Scene) -> EnrolmentHandOff:
    _allocated(scene)
    first = Application.objects.get(person=scene.applicants[0])
    offer = Offer.objects.get(application=first)
    selection_actions.respond_to_offer(offer=offer, accept=True, by=scene.users[0])
    return EnrolmentHandOff.objects.get(application=first)


def test_a_recorded_completion_becomes_evidence_in_the_development_plan(scene, client):
    from healthlead.accounts.models import Role
    from healthlead.accounts.tests.factories import user_with_role
    from healthlead.appraisal import actions as plan_actions
    from healthlead.appraisal.models import Evidence, GoalAction
    from healthlead.core.audit import AuditEvent

    enrolment = _taken_up(scene)
    person, user = scene.applicants[0], scene.users[0]
    goal = plan_actions.create_goal(person=person, title="Lead my first team well", by=user)
    plan_actions.add_goal_action(
        goal=goal,
        kind=GoalAction.Kind.PROGRAMME,
        title="Take the Mary Seacole programme",
        programme_name=enrolment.version.programme.name,
        by=user,
    )
    lead = user_with_role(Role.REGIONAL_LEAD, scene.region)
    client.force_login(lead)
    intake_page = client.get(reverse("programmes:show_intake", args=[enrolment.intake_id]))
    url = reverse("programmes:record_completion", args=[enrolment.pk])
    assert url in intake_page.content.decode()

    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    future = client.post(
        url,
        {
            "completed_on_day": tomorrow.day,
            "completed_on_month": tomorrow.month,
            "completed_on_year": tomorrow.year,
        },
    )
    assert future.status_code == 400
    assert "cannot be completed in the future" in future.content.decode()
    assert (
        client.post(url, {"completed_on_day": "31", "completed_on_month": "2"}).status_code == 400
    )

    today = timezone.localdate()
    done = client.post(
        url,
        {
            "completed_on_day": today.day,
            "completed_on_month": today.month,
            "completed_on_year": today.year,
        },
    )
    assert done.status_code == 302
    enrolment.refresh_from_db()
    assert enrolment.completed_on == today
    action = GoalAction.objects.get(goal=goal)
    assert action.status == GoalAction.Status.DONE
    assert Evidence.objects.filter(action=action, kind=Evidence.Kind.COMPLETION).count() == 1
    assert AuditEvent.objects.filter(action="programmes.enrolment.completed").count() == 1

    # The same day again changes nothing; a day before the place was accepted is refused.
    from healthlead.programmes import enrolment_actions

    enrolment_actions.record_completion(enrolment=enrolment, completed_on=today, by=lead)
    assert Evidence.objects.filter(action=action).count() == 1
    with pytest.raises(ProgrammeError, match="cannot have completed it before then"):
        enrolment_actions.record_completion(
            enrolment=enrolment, completed_on=today - dt.timedelta(days=1), by=lead
        )


def test_only_a_lead_running_the_intake_records_completions(scene, client):
    from healthlead.accounts.models import Role
    from healthlead.accounts.tests.factories import user_with_role

    enrolment = _taken_up(scene)
    url = reverse("programmes:record_completion", args=[enrolment.pk])
    client.force_login(user_with_role(Role.REGIONAL_LEAD, RegionFactory()))
    assert client.get(url).status_code == 403
    client.force_login(scene.users[0])
    assert client.get(url).status_code == 403
