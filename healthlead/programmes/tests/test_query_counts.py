"""Programme pages and API routes run the same number of queries with ten times the data."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from healthlead.programmes import actions, application_actions, selection_actions
from healthlead.programmes.models import Application, Moderation, Programme
from healthlead.programmes.tests.helpers import (
    SYSTEM,
    apply,
    complete,
    evidence,
    load_curriculum,
    open_intake,
    score_all,
)
from tests.conftest import World, build_world, make_person

SMALL = 3


@pytest.fixture
def world(db: Any) -> World:
    built = build_world()
    load_curriculum()
    complete(built.staff_person, "Edward Jenner")
    built.extras["draft"] = actions.create_draft_version(
        programme=Programme.objects.get(code="mary-seacole"), by=SYSTEM
    )
    return built


def _with_bursary(intake: Any, person: Any) -> Application:
    """An application asking for an inclusion bursary, endorsed and funded."""
    application = application_actions.start_application(intake=intake, person=person, by=SYSTEM)
    for criterion in intake.version.criteria.all():
        application_actions.save_statement(
            application=application, criterion=criterion, text="My statement.", by=SYSTEM
        )
    application_actions.save_bursary_choice(
        application=application, wants=True, amount=500, reason="Travel.", by=SYSTEM
    )
    application_actions.submit_application(application=application, by=SYSTEM)
    application.refresh_from_db()
    application_actions.decide_endorsement(
        endorsement=application.endorsement, endorse=True, by=SYSTEM
    )
    application_actions.decide_funding(funding=application.funding, confirm=True, by=SYSTEM)
    return application


def scenario(world: World, applicants: int) -> dict[tuple[str, str], str]:
    """An allocated intake with `applicants` applicants besides the staff member (whose
    application scores highest and is offered a place), one asking for a bursary whose
    disagreeing scores were moderated, an appeal, a prior learning claim, a draft application
    of the staff member's to a second, open intake, and a third open intake."""
    intake = open_intake("mary-seacole", places=max(1, applicants // 2), region=world.region)
    quota = actions.set_quota(intake=intake, kind="cap", staff_group="doctors", value=50, by=SYSTEM)
    mentor = actions.add_panel_member(
        intake=intake, user=world.user("mentor"), chair=True, by=SYSTEM
    )
    partner = actions.add_panel_member(intake=intake, user=world.user("patient_partner"), by=SYSTEM)
    mine = apply(intake, world.staff_person, by=world.user("staff"))
    people = []
    for i in range(applicants):
        person = make_person(world.trust_a, line_manager=world.manager, last_name=f"Grow{i:03d}")
        complete(person, "Edward Jenner")
        people.append(person)
    bursary = _with_bursary(intake, people[0])
    for i, person in enumerate(people[1:]):
        apply(intake, person, endorse=i % 2 == 0)
    selection_actions.close_applications(intake=intake, by=SYSTEM)
    score_all(
        intake,
        scores={mine.pk: {mentor.pk: 5, partner.pk: 5}, bursary.pk: {mentor.pk: 1, partner.pk: 5}},
    )
    for flag in Moderation.objects.filter(application=bursary):
        selection_actions.moderate(moderation=flag, agreed_score=3, reason="Agreed.", by=SYSTEM)
    selection_actions.allocate_places(intake=intake, by=SYSTEM)
    mine.refresh_from_db()
    scored = Application.objects.filter(intake=intake, state="waiting_list").first()
    assert scored is not None
    appeal = application_actions.lodge_appeal(application=scored, grounds="Look again.", by=SYSTEM)
    other = open_intake("mary-seacole", places=3, region=world.region)
    draft = application_actions.start_application(
        intake=other, person=world.staff_person, by=world.user("staff")
    )
    fresh = open_intake("mary-seacole", places=3, region=world.region)
    criterion = other.version.criteria.order_by("pk").first()
    assert criterion is not None
    claim = actions.claim_prior_learning(
        person=world.staff_person,
        kind="degree",
        title="BSc Nursing",
        upload=evidence(),
        by=world.user("staff"),
    )
    version = world.extras["draft"]
    published = f"/programmes/mary-seacole/versions/{version.number - 1}/"
    drafted = f"/programmes/mary-seacole/versions/{version.number}/"
    gate = version.gates.order_by("pk").first()
    flag = Moderation.objects.filter(application=bursary).order_by("pk").first()
    assert gate is not None
    assert flag is not None
    return {
        ("programmes", "anonymous"): "/programmes/",
        ("new programme", "national_lead"): "/programmes/new/",
        ("programme", "staff"): "/programmes/mary-seacole/",
        ("published version", "anonymous"): published,
        ("draft version", "national_lead"): drafted,
        ("edit version", "national_lead"): drafted + "edit/",
        ("add gate", "national_lead"): drafted + "gates/new/",
        ("remove gate", "national_lead"): f"{drafted}gates/{gate.pk}/remove/",
        ("add outcome", "national_lead"): drafted + "outcomes/new/",
        ("add module", "national_lead"): drafted + "modules/new/",
        ("add criterion", "national_lead"): drafted + "criteria/new/",
        ("publish version", "national_lead"): drafted + "publish/",
        ("new version", "national_lead"): "/programmes/mary-seacole/new-version/",
        ("gate check", "staff"): "/programmes/mary-seacole/check/",
        ("prior learning", "staff"): "/prior-learning/",
        ("claim prior learning", "staff"): "/prior-learning/new/",
        ("claim", "staff"): f"/prior-learning/{claim.pk}/",
        ("evidence", "staff"): f"/prior-learning/{claim.pk}/evidence/",
        ("claims to assess", "national_lead"): "/prior-learning/to-assess/",
        ("decide claim", "regional_lead"): f"/prior-learning/{claim.pk}/decide/",
        ("intakes", "national_lead"): "/intakes/",
        ("new intake", "regional_lead"): "/intakes/new/",
        ("intake", "regional_lead"): f"/intakes/{intake.pk}/",
        ("open intake", "regional_lead"): f"/intakes/{intake.pk}/open/",
        ("allocate", "regional_lead"): f"/intakes/{intake.pk}/allocate/",
        ("set quota", "regional_lead"): f"/intakes/{intake.pk}/quotas/new/",
        ("remove quota", "regional_lead"): f"/intakes/{intake.pk}/quotas/{quota.pk}/remove/",
        ("remove member", "regional_lead"): f"/intakes/{intake.pk}/panel/{partner.pk}/remove/",
        ("add panel member", "regional_lead"): f"/intakes/{intake.pk}/panel/new/",
        ("close applications", "regional_lead"): f"/intakes/{other.pk}/close/",
        ("finish intake", "regional_lead"): f"/intakes/{intake.pk}/finish/",
        ("intake applications", "national_lead"): f"/intakes/{intake.pk}/applications/",
        ("ranking", "regional_lead"): f"/intakes/{intake.pk}/ranking/",
        ("intake report", "national_lead"): f"/intakes/{intake.pk}/report/",
        ("bursary", "regional_lead"): f"/bursaries/{bursary.bursary.pk}/",
        ("appeal", "regional_lead"): f"/appeals/{appeal.pk}/",
        ("national report", "national_lead"): "/programmes/fairness/",
        ("your applications", "staff"): "/applications/",
        ("apply", "staff"): f"/intakes/{fresh.pk}/apply/",
        ("application", "staff"): f"/applications/{mine.pk}/",
        ("application", "regional_lead"): f"/applications/{scored.pk}/",
        ("leadership years", "staff"): f"/applications/{draft.pk}/leadership/",
        ("statement", "staff"): f"/applications/{draft.pk}/statements/{criterion.pk}/",
        ("line manager", "staff"): f"/applications/{draft.pk}/line-manager/",
        ("bursary question", "staff"): f"/applications/{draft.pk}/bursary/",
        ("bursary details", "staff"): f"/applications/{draft.pk}/bursary/details/",
        ("check answers", "staff"): f"/applications/{draft.pk}/check/",
        ("withdraw", "staff"): f"/applications/{mine.pk}/withdraw/",
        ("lodge appeal", "staff"): f"/applications/{mine.pk}/appeal/",
        ("offer", "staff"): f"/offers/{mine.offers.get().pk}/",
        ("endorsements", "line_manager"): "/endorsements/",
        ("endorsement", "line_manager"): f"/endorsements/{bursary.endorsement.pk}/",
        ("funding requests", "organisation_lead"): "/funding-requests/",
        ("funding request", "organisation_lead"): f"/funding-requests/{bursary.funding.pk}/",
        ("panels", "mentor"): "/panels/",
        ("scoring list", "mentor"): f"/intakes/{intake.pk}/scoring/",
        ("score page", "mentor"): f"/scoring/{scored.pk}/",
        ("declare conflict", "mentor"): f"/scoring/{scored.pk}/conflict/",
        ("moderation", "regional_lead"): f"/intakes/{intake.pk}/moderation/",
        ("moderate", "mentor"): f"/moderation/{flag.pk}/",
        ("API programmes", "staff"): "/api/v1/programmes/",
        ("API programme", "staff"): "/api/v1/programmes/mary-seacole/",
        ("API gate check", "staff"): "/api/v1/programmes/mary-seacole/gate-check/",
        ("API intakes", "staff"): "/api/v1/intakes/",
        ("API intake", "regional_lead"): f"/api/v1/intakes/{intake.pk}/",
        ("API applications", "staff"): "/api/v1/applications/",
        ("API application", "staff"): f"/api/v1/applications/{mine.pk}/",
    }


def _count(world: World, actor: str, url: str, clients: dict[str, Client]) -> int | str:
    """Queries of a second load (the first does per-session work), one signed-in client each;
    or what went wrong, when a load does not answer 200."""
    if actor not in clients:
        clients[actor] = Client()
        if actor != "anonymous":
            clients[actor].force_login(world.user(actor))  # no second factor here
    client = clients[actor]
    first = client.get(url)
    if first.status_code != 200:
        return f"{url} answered {first.status_code}"
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    if response.status_code != 200:
        return f"{url} answered {response.status_code} the second time"
    return len(queries)


def test_programme_pages_query_counts_do_not_grow_with_the_data(world):
    clients: dict[str, Client] = {}
    small = {k: _count(world, k[1], url, clients) for k, url in scenario(world, SMALL).items()}
    large = {k: _count(world, k[1], url, clients) for k, url in scenario(world, SMALL * 10).items()}
    failed = [v for v in [*small.values(), *large.values()] if isinstance(v, str)]
    assert not failed, failed
    grew = {key: (small[key], large[key]) for key in small if large[key] != small[key]}
    assert not grew, f"query counts grew (small, large): {grew}"
