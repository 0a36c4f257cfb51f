"""Each gate rule, one by one: what it checks, its reason in plain English, and the
parameters it refuses."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from healthlead.accounts.tests.factories import UserFactory
from healthlead.appraisal import actions as appraisal_actions
from healthlead.people.models import Grade, StaffGroup
from healthlead.people.tests.factories import PersonFactory
from healthlead.programmes import actions, application_actions, facts, gates
from healthlead.programmes.models import PriorLearningDecision, Programme
from healthlead.programmes.tests.helpers import SYSTEM, complete, evidence

TODAY = dt.date(2026, 6, 1)


@pytest.fixture
def ladder(db: Any) -> dict[str, Programme]:
    """Three programmes in tiers 1 and 2, published (no frameworks needed)."""
    one = actions.save_tier(number=1, name="Generic NHS training", by=SYSTEM)
    two = actions.save_tier(number=2, name="First-line leaders", competitive=True, by=SYSTEM)
    made = {}
    for code, name, tier in [
        ("jenner", "Edward Jenner", one),
        ("seacole", "Mary Seacole", two),
        ("other-two", "Team Leader Programme", two),
    ]:
        version = actions.create_programme(code=code, name=name, tier=tier, by=SYSTEM)
        if tier.competitive:
            actions.add_criterion(version=version, title="Motivation", by=SYSTEM)
            actions.add_module(version=version, title="Leading a team", by=SYSTEM)
        actions.publish_version(version=version, by=SYSTEM)
        made[code] = version.programme
    return made


@pytest.fixture
def person(db: Any) -> Any:
    manager = PersonFactory(grade=Grade.BAND_7)
    return PersonFactory(line_manager=manager, staff_group=StaffGroup.MIDWIVES)


def check(
    person: Any,
    rule: str,
    params: dict[str, Any],
    *,
    application: Any = None,
    final: bool = False,
    today: dt.date = TODAY,
) -> gates.GateResult:
    gate_defs = [(rule, params)]
    found = facts.facts_for(
        [person], gate_defs, applications={person.pk: application} if application else None
    )[person.pk]
    return gates.evaluate(gate_defs, found, facts.catalogue(), today=today, final=final)[0]


# completed_programme / completed_any_of_tier ------------------------------------------------


def test_completed_programme_fails_until_the_programme_is_completed(ladder, person):
    result = check(person, "completed_programme", {"programme": "jenner"})
    assert result.status == gates.FAILED
    assert result.reason == (
        "You have not completed Edward Jenner, and no prior learning of yours is recognised as "
        "equivalent to it."
    )
    assert result.description == (
        "Completed Edward Jenner, or had prior learning recognised as equivalent to it"
    )
    complete(person, "EDWARD  jenner", dt.date(2025, 3, 4))  # matched ignoring case and spaces
    result = check(person, "completed_programme", {"programme": "jenner"})
    assert result.status == gates.PASSED
    assert result.reason == "You completed Edward Jenner on 4 March 2025."


def test_completed_programme_passes_with_prior_learning_recognised_as_equivalent(ladder, person):
    claim = actions.claim_prior_learning(
        person=person,
        kind="other_programme",
        title="Trust foundations in leadership",
        upload=evidence(),
        programme=ladder["jenner"],
        by=SYSTEM,
    )
    pending = check(person, "completed_programme", {"programme": "jenner"})
    assert pending.status == gates.PENDING
    assert "An assessor has not yet decided" in pending.reason
    assert (
        check(person, "completed_programme", {"programme": "jenner"}, final=True).status
        == gates.FAILED
    )
    actions.decide_prior_learning(
        claim=claim,
        outcome=PriorLearningDecision.Outcome.EQUIVALENT,
        programme=ladder["jenner"],
        reasons="Same outcomes, assessed at the same level.",
        by=SYSTEM,
    )
    result = check(person, "completed_programme", {"programme": "jenner"})
    assert result.status == gates.PASSED
    assert "recognised as equivalent to Edward Jenner" in result.reason


def test_completed_any_of_tier_passes_with_any_programme_of_that_tier(ladder, person):
    failed = check(person, "completed_any_of_tier", {"tier": 2})
    assert failed.status == gates.FAILED
    assert failed.reason == (
        "You have not completed a tier 2 programme (Mary Seacole or Team Leader Programme)."
    )
    complete(person, "Team Leader Programme")
    assert check(person, "completed_any_of_tier", {"tier": 2}).status == gates.PASSED
    assert check(person, "completed_any_of_tier", {"tier": 1}).status == gates.FAILED


# feedback_domain_mean ------------------------------------------------------------------------


def _closed_cycle(person: Any, rating: int, *, raters: int = 3, facilitated: bool = False) -> Any:
    from healthlead.feedback.tests.report_helpers import (
        close,
        facilitator_user,
        make_questionnaire,
        open_cycle,
        submit,
    )

    instrument = make_questionnaire(((2,), (2,)), code="GATE360")
    user = UserFactory(person=person)
    cycle = open_cycle(
        instrument,
        subject_user=user,
        facilitator=facilitator_user() if facilitated else None,
        minimums={"peers": 3},
    )
    for _ in range(raters):
        submit(cycle, "peers", [rating, rating, 2, 2], instrument=instrument)
    return close(cycle)


def test_feedback_mean_reads_the_frozen_report_and_compares_it(db, person):
    _closed_cycle(person, 4)
    today = timezone.localdate()
    params = {"domain": "GATE360/D1", "at_least": 3.5, "within_months": 24}
    result = check(person, "feedback_domain_mean", params, today=today)
    assert result.status == gates.PASSED
    assert result.reason.startswith("Your raters scored you 4.0 on Domain 1")
    low = check(person, "feedback_domain_mean", {**params, "domain": "GATE360/D2"}, today=today)
    assert low.status == gates.FAILED
    assert "scored you 2.0 on Domain 2" in low.reason
    assert "at least 3.5 is needed" in low.reason


def test_feedback_mean_fails_when_the_report_is_too_old(db, person):
    _closed_cycle(person, 5)
    later = timezone.localdate() + dt.timedelta(days=800)
    result = check(
        person,
        "feedback_domain_mean",
        {"domain": "GATE360/D1", "at_least": 3, "within_months": 24},
        today=later,
    )
    assert result.status == gates.FAILED
    assert "more than 24 months ago" in result.reason


def test_feedback_mean_ignores_a_report_the_subject_cannot_see_yet(db, person):
    _closed_cycle(person, 5, facilitated=True)  # closed, waiting for the facilitator's debrief
    result = check(
        person,
        "feedback_domain_mean",
        {"domain": "GATE360/D1", "at_least": 3, "within_months": 24},
        today=timezone.localdate(),
    )
    assert result.status == gates.FAILED
    assert result.reason.startswith("You have no 360 feedback report on the")


def test_feedback_mean_fails_when_too_few_raters_answered_for_a_score(db, person):
    _closed_cycle(person, 5, raters=2)  # below the all-others minimum of 3: nothing shown
    result = check(
        person,
        "feedback_domain_mean",
        {"domain": "GATE360/D1", "at_least": 3, "within_months": 24},
        today=timezone.localdate(),
    )
    assert result.status == gates.FAILED
    assert "too few raters answered" in result.reason


# appraisal_potential and talent_box ---------------------------------------------------------


def _signed_off_appraisal(person: Any, potential: int) -> None:
    appraisee = UserFactory(person=person)
    appraiser = UserFactory(person=person.line_manager)
    appraisal = appraisal_actions.start_appraisal(
        appraisee=person, year=timezone.localdate().year, by=appraisee
    )
    appraisal_actions.update_appraisal(
        appraisal=appraisal,
        changes={
            "performance": 2,
            "potential": potential,
            "discussion": "Good year.",
            "objectives": "Lead the unit.",
        },
        by=appraiser,
        as_appraiser=True,
    )
    appraisal_actions.submit_appraisal(appraisal=appraisal, by=appraiser)
    appraisal_actions.sign_off_appraisal(appraisal=appraisal, by=appraisee)
    appraisal_actions.sign_off_appraisal(appraisal=appraisal, by=appraiser)


def test_appraisal_potential_uses_the_latest_signed_off_appraisal(db, person):
    today = timezone.localdate()
    none = check(person, "appraisal_potential", {"at_least": 2}, today=today)
    assert none.reason == "You have no signed-off appraisal with a rating of your potential."
    _signed_off_appraisal(person, potential=2)
    passed = check(person, "appraisal_potential", {"at_least": 2}, today=today)
    assert passed.status == gates.PASSED
    assert "rates your potential 'potential for a bigger role'" in passed.reason
    high = check(person, "appraisal_potential", {"at_least": 3}, today=today)
    assert high.status == gates.FAILED
    assert "at least 'high potential for a senior role' is needed" in high.reason


def test_talent_box_passes_only_in_the_named_boxes(db, person):
    from healthlead.talent import actions as talent_actions

    assert check(person, "talent_box", {"boxes": [9]}).status == gates.FAILED
    talent_actions.start_conversation(
        person=person,
        by=SYSTEM,
        held_on=timezone.localdate(),
        aspirations=[],
        readiness="ready_now",
        potential=3,
        performance=3,
    )
    assert check(person, "talent_box", {"boxes": [6, 8, 9]}).status == gates.PASSED
    low = check(person, "talent_box", {"boxes": [6]})
    assert low.status == gates.FAILED
    assert low.reason == "You are in box 9 (high performance, high potential); box 6 is needed."


# Decided after the application is sent -------------------------------------------------------


def _sent_application(
    ladder: dict[str, Programme], person: Any, gate_list: list[tuple[str, dict]]
) -> Any:
    """An application to a tier 2 programme whose only gates are `gate_list`."""
    from healthlead.programmes.models import ProgrammeVersion

    draft = actions.create_draft_version(programme=ladder["seacole"], by=SYSTEM)
    for rule, params in gate_list:
        actions.add_gate(version=draft, rule=rule, params=params, by=SYSTEM)
    actions.update_version(version=draft, cost_per_place=900, by=SYSTEM)
    actions.publish_version(version=draft, by=SYSTEM)
    today = timezone.localdate()
    intake = actions.create_intake(
        version=ProgrammeVersion.objects.get(pk=draft.pk),
        name="Test intake",
        region=None,
        opens_on=today,
        closes_on=today + dt.timedelta(days=10),
        places=3,
        by=SYSTEM,
    )
    actions.open_intake(intake=intake, by=SYSTEM)
    from healthlead.programmes.tests.helpers import fill_and_send

    application = application_actions.start_application(intake=intake, person=person, by=SYSTEM)
    return fill_and_send(application, by=SYSTEM, years=4)


def _reloaded(application: Any) -> Any:
    from healthlead.programmes.models import Application

    return Application.objects.select_related("endorsement", "funding").get(pk=application.pk)


def test_line_manager_endorsement_is_pending_then_decided(ladder, person):
    application = _sent_application(ladder, person, [("line_manager_endorsement", {})])
    before = check(person, "line_manager_endorsement", {}, application=_reloaded(application))
    assert before.status == gates.PENDING
    assert before.reason == "We have asked your line manager to endorse your application."
    final = check(
        person, "line_manager_endorsement", {}, application=_reloaded(application), final=True
    )
    assert final.reason == (
        "Your line manager had not endorsed your application when applications closed."
    )
    application_actions.decide_endorsement(
        endorsement=_reloaded(application).endorsement,
        endorse=False,
        comment="Not this year.",
        by=SYSTEM,
    )
    declined = check(person, "line_manager_endorsement", {}, application=_reloaded(application))
    assert declined.status == gates.FAILED


def test_employer_funding_passes_once_the_employer_confirms(ladder, person):
    application = _sent_application(ladder, person, [("employer_funding", {})])
    assert (
        check(person, "employer_funding", {}, application=_reloaded(application)).status
        == gates.PENDING
    )
    application_actions.decide_funding(
        funding=_reloaded(application).funding, confirm=True, reference="PO 77", by=SYSTEM
    )
    result = check(person, "employer_funding", {}, application=_reloaded(application))
    assert result.status == gates.PASSED
    assert result.reason == "Your employer confirmed it will fund your place."


def test_leadership_years_are_declared_and_confirmed_by_the_line_manager(ladder, person):
    assert check(person, "leadership_years", {"at_least": 3}).status == gates.PENDING
    application = _sent_application(
        ladder, person, [("leadership_years", {"at_least": 3}), ("line_manager_endorsement", {})]
    )
    pending = check(person, "leadership_years", {"at_least": 3}, application=_reloaded(application))
    assert pending.status == gates.PENDING
    assert "line manager will be asked to confirm it" in pending.reason
    assert check(
        person, "leadership_years", {"at_least": 5}, application=_reloaded(application)
    ).reason == ("You have led people or services for 4 years; at least 5 are needed.")
    application_actions.decide_endorsement(
        endorsement=_reloaded(application).endorsement, endorse=True, confirms_years=True, by=SYSTEM
    )
    assert (
        check(
            person, "leadership_years", {"at_least": 3}, application=_reloaded(application)
        ).status
        == gates.PASSED
    )


# qualification, staff_group, any_of -----------------------------------------------------------


def test_qualification_needs_an_assessor_to_recognise_the_evidence(ladder, person):
    failed = check(person, "qualification", {"any_of": ["degree", "masters"]})
    assert failed.reason == (
        "No assessor has recognised a degree (2:2 or above) or a masters degree of yours. "
        "Claim it as prior learning, with evidence."
    )
    claim = actions.claim_prior_learning(
        person=person, kind="degree", title="BSc Midwifery", upload=evidence(), by=SYSTEM
    )
    assert check(person, "qualification", {"any_of": ["degree"]}).status == gates.PENDING
    actions.decide_prior_learning(
        claim=claim, outcome="not_recognised", reasons="The certificate is unreadable.", by=SYSTEM
    )
    assert check(person, "qualification", {"any_of": ["degree"]}).status == gates.FAILED
    actions.decide_prior_learning(
        claim=claim,
        outcome="partial",
        modules=list(ladder["seacole"].versions.get().modules.all()),
        reasons="Verified with the university.",
        by=SYSTEM,
    )
    passed = check(person, "qualification", {"any_of": ["degree"]})
    assert passed.status == gates.PASSED
    assert passed.reason == "An assessor recognised your BSc Midwifery."


def test_staff_group_passes_only_for_the_named_groups(db, person):
    assert check(person, "staff_group", {"any_of": ["midwives", "nurses"]}).status == gates.PASSED
    result = check(person, "staff_group", {"any_of": ["doctors"]})
    assert result.status == gates.FAILED
    assert (
        result.reason
        == "Your staff record says you are in midwives; this programme is for doctors."
    )


def test_any_of_passes_when_one_of_its_gates_passes(db, person):
    params = {
        "gates": [
            {"rule": "staff_group", "params": {"any_of": ["doctors"]}},
            {"rule": "staff_group", "params": {"any_of": ["midwives"]}},
        ]
    }
    assert check(person, "any_of", params).status == gates.PASSED
    params["gates"][1]["params"] = {"any_of": ["nurses"]}
    failed = check(person, "any_of", params)
    assert failed.status == gates.FAILED
    assert failed.reason.startswith("None of these is met.")
    assert failed.description.startswith("At least one of: you are in one of these staff groups")


# Validation: unknown rules and bad parameters are refused with a clear message -----------------


@pytest.mark.parametrize(
    ("rule", "params", "message"),
    [
        ("magic", {}, "'magic' is not a gate rule. Use one of: completed_programme"),
        ("completed_programme", {}, "completed_programme needs 'programme': the programme's code"),
        ("completed_programme", {"programme": "jenner", "extra": 1}, "does not take 'extra'"),
        ("completed_any_of_tier", {"tier": 7}, "tier must be a whole number from 0 to 5"),
        ("completed_any_of_tier", {"tier": "two"}, "tier must be a whole number from 0 to 5"),
        (
            "feedback_domain_mean",
            {"domain": "HLM2013", "at_least": 3, "within_months": 12},
            "domain must be written framework/domain",
        ),
        (
            "feedback_domain_mean",
            {"domain": "A/B", "at_least": 6, "within_months": 12},
            "at_least must be a number from 1 to 5",
        ),
        ("appraisal_potential", {"at_least": 0}, "at_least must be a whole number from 1 to 3"),
        ("talent_box", {"boxes": [10]}, "boxes must be a list of boxes from 1 to 9"),
        ("talent_box", {"boxes": [9, 9]}, "names a box twice"),
        ("line_manager_endorsement", {"who": "x"}, "it takes no parameters"),
        ("leadership_years", {"at_least": 41}, "at_least must be a whole number from 1 to 40"),
        ("qualification", {"any_of": ["phd"]}, "'phd' is not a kind of prior learning"),
        ("staff_group", {"any_of": ["wizards"]}, "'wizards' is not a staff group"),
        (
            "any_of",
            {"gates": [{"rule": "staff_group", "params": {"any_of": ["nurses"]}}]},
            "must be a list of at least two gates",
        ),
        (
            "any_of",
            {"gates": [{"rule": "any_of", "params": {}}, {"rule": "magic"}]},
            "'magic' is not a gate rule",
        ),
        ("staff_group", ["nurses"], "the parameters must be written as {name: value, ...}"),
    ],
)
def test_bad_gates_are_refused_with_a_clear_message(rule, params, message):
    problems = gates.validate(rule, params, gates.Catalogue())
    assert problems, f"{rule} {params} was accepted"
    assert any(message in p for p in problems), problems


def test_every_rule_has_a_valid_documented_example():
    for rule in gates.RULES.values():
        assert gates.validate(rule.name, rule.example, gates.Catalogue()) == [], rule.name
        assert gates.describe(rule.name, rule.example, gates.Catalogue())
