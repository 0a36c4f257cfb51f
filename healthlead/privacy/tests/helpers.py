"""A person with something in every area Healthlead holds, made through the real actions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from healthlead.appraisal import actions as appraisal_actions
from healthlead.appraisal.models import Appraisal, Evidence, GoalAction, appraisal_year_for
from healthlead.feedback import actions as feedback_actions
from healthlead.feedback.models import FeedbackCycle
from healthlead.feedback.tests import factories as feedback_factories
from healthlead.feedback.tests.report_helpers import close, make_questionnaire, open_cycle, submit
from healthlead.people import actions as people_actions
from healthlead.programmes import actions as programme_actions
from healthlead.programmes.models import Application, PriorLearningClaim
from healthlead.programmes.tests.helpers import apply, complete, load_curriculum, open_intake
from healthlead.talent import actions as talent_actions
from tests.conftest import World

PDF = b"%PDF-1.4\n%evidence of leading a ward\n"


@dataclass
class Record:
    evidence: Evidence
    appraisal: Appraisal
    claim: PriorLearningClaim
    application: Application
    cycle: FeedbackCycle


def pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, "application/pdf")


def released_cycle(world: World, *, comment: str = "Calm under pressure.") -> FeedbackCycle:
    """A closed 360 cycle about the staff member, with no facilitator (so released at once)."""
    instrument = make_questionnaire(((1,),))
    cycle = open_cycle(instrument, subject_user=world.user("staff"))
    for n in range(3):
        submit(
            cycle,
            "peers",
            [4],
            instrument=instrument,
            comments={(0, "strength"): f"{comment} ({n})"},
        )
    return close(cycle)


def full_record(world: World) -> Record:
    """The staff member, with equality answers, a plan with a file, an appraisal, talent
    records, pool membership, a prior learning claim with a file, an application and a 360."""
    person, user, manager = world.staff_person, world.user("staff"), world.user("line_manager")
    people_actions.record_equality_answers(person=person, by=user, sex="female", ethnicity="asian")
    goal = appraisal_actions.create_goal(
        person=person, title="Lead the ward huddle", description="I want to lead.", by=user
    )
    action = appraisal_actions.add_goal_action(
        goal=goal, kind=GoalAction.Kind.READING, title="Read about huddles", by=user
    )
    evidence = appraisal_actions.add_evidence_file(
        action=action, upload=pdf("huddle notes.pdf"), by=user, note="My notes"
    )
    appraisal_actions.review_plan(person=person, kind="comment", text="A good start.", by=manager)
    appraisal = appraisal_actions.start_appraisal(
        appraisee=person, year=appraisal_year_for(timezone.localdate()), by=manager
    )
    appraisal = appraisal_actions.update_appraisal(
        appraisal=appraisal,
        changes={"reflection": "A hard year on the ward."},
        by=user,
        as_appraiser=False,
    )
    talent_actions.start_conversation(
        person=person,
        by=manager,
        held_on=timezone.localdate(),
        aspirations=["director_of_nursing"],
        readiness="one_to_two_years",
        performance=3,
        potential=3,
        notes="Ready for a bigger role soon.",
    )
    talent_actions.join_pool(
        person=person,
        by=user,
        consent=True,
        profession="nursing",
        statement="I want to be a director of nursing.",
    )
    load_curriculum()
    claim = programme_actions.claim_prior_learning(
        person=person,
        kind=PriorLearningClaim.Kind.DEGREE,
        title="BSc Nursing",
        upload=pdf("degree.pdf"),
        by=user,
        description="First class.",
    )
    complete(person, "Edward Jenner", timezone.localdate() - dt.timedelta(days=100))
    application = apply(open_intake("mary-seacole", region=world.region), person, by=user)
    cycle = released_cycle(world)
    return Record(evidence, appraisal, claim, application, cycle)


def rater_answers(world: World, rater_email: str, capture: Any) -> FeedbackCycle:
    """Someone else's cycle in which `rater_email` gives feedback (as one of three peers)."""
    cycle = feedback_factories.draft_cycle(subject_user=world.user("other_manager"))
    feedback_factories.invite(cycle, "peers", rater_email, "peer1@nhs.example", "peer2@nhs.example")
    with capture(execute=True):
        feedback_actions.launch_cycle(cycle=cycle, by=cycle.started_by)
    feedback_factories.respond(feedback_factories.tokens_in_outbox()[rater_email], rating=5)
    return cycle
