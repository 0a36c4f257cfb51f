"""Every URL, visited as every role: allowed or denied exactly as the table below says.

The routes come from the root URL resolver (each app's urls, the JSON API's routers and
anything added later), so a new page without a line in EXPECTATIONS fails this test.

Allowed: a 2xx answer, or a redirect to somewhere other than sign-in.
Denied: 403 when signed in, a redirect to sign-in when anonymous; on the API, 401 without
credentials and 403 with them.

The world, every object a route needs and each person's signed-in session are made once for
the module; every request starts from them as made, since each actor's requests roll back.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse

from healthlead.people import actions as people_actions
from tests.conftest import (
    OTHER_ACTORS,
    ROLE_ACTORS,
    SYSTEM,
    TOKEN_ACTORS,
    World,
    make_person,
    sign_in,
    token_headers,
)

# Who is who (see tests/conftest.py for the world they live in) -------------------------------

PEOPLE_ACTORS = ROLE_ACTORS + OTHER_ACTORS
EVERYONE = frozenset(PEOPLE_ACTORS)
SIGNED_IN = EVERYONE - {"anonymous"}
NATIONAL = frozenset({"national_lead"})
# Leads of an organisation, a region or the nation, whichever they lead.
ANY_LEAD = frozenset(
    {
        "organisation_lead",
        "regional_lead",
        "national_lead",
        "other_organisation_lead",
        "other_regional_lead",
    }
)
ORGANISATION_LEADS = frozenset({"organisation_lead", "other_organisation_lead", "national_lead"})
# Those who may open the people directory: leads and line managers.
DIRECTORY = ANY_LEAD | {"line_manager", "other_manager"}
# Those who cover the target person (in trust A, in the line manager's team, in the region).
OVER_TARGET = frozenset({"line_manager", "organisation_lead", "regional_lead", "national_lead"})
# Those who cover trust A.
OVER_TRUST_A = frozenset({"organisation_lead", "regional_lead", "national_lead"})
# Everyone with a staff record (not the provider or the patient partner).
STAFF_RECORDS = SIGNED_IN - {"provider", "patient_partner"}
# The staff member owns the self-assessment, plan, appraisal and 360 cycle in the world.
SUBJECT = frozenset({"staff"})
SUBJECT_AND_MANAGER = frozenset({"staff", "line_manager"})
CYCLE_MANAGERS = SUBJECT_AND_MANAGER
CYCLE_VIEWERS = SUBJECT_AND_MANAGER | {"facilitator"}
# The feedback API is for people, not organisation tokens.
TOKENS_REFUSED = dict.fromkeys(TOKEN_ACTORS, "403")
# A staff import uploaded by trust A's organisation lead.
UPLOADER = frozenset({"organisation_lead", "national_lead"})
TOKENS = frozenset(TOKEN_ACTORS)
# Tokens that may read people and organisations: trust A's and trust B's full tokens.
FULL_TOKENS = frozenset({"token", "other_organisation_token"})

# Line managers in the world, and the leads who may search the talent pool.
LINE_MANAGERS = frozenset({"line_manager", "other_manager"})
POOL_SEARCHERS = frozenset({"regional_lead", "other_regional_lead", "national_lead"})
# Who keeps trust A's succession plans, and who sees the talent of trust A's region.
TRUST_A_PLANNERS = frozenset({"organisation_lead", "national_lead"})
OVER_REGION = frozenset({"regional_lead", "national_lead"})

# Programmes: who runs intakes (national and regional leads), and those over the world's region.
INTAKE_RUNNERS = frozenset({"regional_lead", "national_lead", "other_regional_lead"})
OVER_REGION = frozenset({"regional_lead", "national_lead"})
CLAIM_READERS = SUBJECT | OVER_REGION
PANEL = frozenset({"mentor", "patient_partner"})
NOT_FOUND = "404"
VERSION = "frameworks/<slug:code>/versions/<str:version>/"
ELEMENT = VERSION + "domains/<str:domain>/elements/<str:element>/"
PROGRAMME_VERSION = "programmes/<slug:code>/versions/<int:number>/"


@dataclass(frozen=True)
class Probe:
    """One request to a route and who may make it; everyone else must be refused.

    `kwargs` builds the URL arguments from the world; `status` names an answer everyone gets
    instead (e.g. "404" for a route that only exists to anchor others).
    """

    allow: frozenset[str]
    kwargs: Callable[[World], dict[str, Any]] = field(default=lambda world: {})
    method: str = "get"
    data: Callable[[World], dict[str, Any]] | None = None
    status: str | None = None
    # What an anonymous visitor gets when refused, if not a redirect to sign-in: public pages
    # that hide drafts answer 403 to everyone not allowed.
    anonymous: str = "sign-in"
    # What a signed-in caller gets when refused, if not 403: some answer 404 so as not to
    # say whether a private record exists.
    denied: str = "403"
    json: Callable[[World], dict[str, Any]] | None = None  # a JSON body to send
    # Particular actors' answers, where they differ from the rule above.
    overrides: dict[str, str] = field(default_factory=dict)


def _target(world: World) -> dict[str, Any]:
    return {"pk": world.target.pk}


def _trust_a(world: World) -> dict[str, Any]:
    return {"code": world.trust_a.code}


def _staff_import(world: World) -> dict[str, Any]:
    """A staff file uploaded (not yet checked) by trust A's organisation lead."""
    if "staff_import" not in world.extras:
        upload = SimpleUploadedFile("staff.csv", b"staff_number,first_name\n1,Ann\n")
        world.extras["staff_import"] = people_actions.start_staff_import(
            upload=upload, by=world.user("organisation_lead"), commit=False
        )
    return {"pk": world.extras["staff_import"].pk}


def _frameworks(world: World) -> dict[str, Any]:
    """The shipped frameworks, and a draft copy of MLCF 2010 with its first element."""
    if "frameworks" not in world.extras:
        from healthlead.frameworks import actions as framework_actions
        from healthlead.frameworks.models import Element, FrameworkVersion, Stage

        framework_actions.load_frameworks(by=SYSTEM)
        published = FrameworkVersion.objects.get(framework__code="MLCF2010")
        draft = framework_actions.create_draft_version(version=published, label="2026.1", by=SYSTEM)

        def first_element(version: FrameworkVersion) -> Element:
            element = (
                Element.objects.filter(domain__version=version)
                .select_related("domain")
                .order_by("domain__code", "code")
                .first()
            )
            assert element is not None
            return element

        element, draft_element = first_element(published), first_element(draft)
        stage = Stage.objects.filter(version=published).first()
        assert stage is not None
        world.extras["frameworks"] = {
            "code": "MLCF2010",
            "version": published.version,
            "draft": draft.version,
            "domain": element.domain.code,
            "element": element.code,
            "draft_domain": draft_element.domain.code,
            "draft_element": draft_element.code,
            "document": published.case_uuid,
            "item": element.case_uuid,
            "association": element.link_uuid,
            "concept": stage.case_uuid,
        }
    return world.extras["frameworks"]


def _framework(world: World) -> dict[str, Any]:
    return {"code": _frameworks(world)["code"]}


def _version(world: World) -> dict[str, Any]:
    return {"code": _frameworks(world)["code"], "version": _frameworks(world)["version"]}


def _draft(world: World) -> dict[str, Any]:
    return {"code": _frameworks(world)["code"], "version": _frameworks(world)["draft"]}


def _element(world: World) -> dict[str, Any]:
    f = _frameworks(world)
    return {**_version(world), "domain": f["domain"], "element": f["element"]}


def _draft_element(world: World) -> dict[str, Any]:
    f = _frameworks(world)
    return {**_draft(world), "domain": f["draft_domain"], "element": f["draft_element"]}


def _case(kind: str) -> Callable[[World], dict[str, Any]]:
    return lambda world: {"sourced_id": _frameworks(world)[kind]}


def _feedback(world: World) -> dict[str, Any]:
    """The staff member's self-assessment and 360 cycle (with a facilitator and one peer)."""
    if "feedback" not in world.extras:
        from healthlead.feedback import actions as feedback_actions
        from healthlead.feedback.models import RaterGroup
        from healthlead.frameworks.models import Domain, FrameworkVersion

        _frameworks(world)
        version = FrameworkVersion.objects.get(framework__code="LF2011")
        subject = world.user("staff")
        assessment = feedback_actions.start_self_assessment(
            person=world.staff_person, framework_version=version, by=subject
        )
        cycle = feedback_actions.start_cycle(
            subject=world.staff_person,
            questionnaire=feedback_actions.questionnaire_for(framework_version=version, by=SYSTEM),
            deadline=dt.date.today() + dt.timedelta(days=28),
            by=subject,
            facilitator=world.user("facilitator"),
        )
        invited = feedback_actions.invite_raters(
            cycle=cycle,
            group=RaterGroup.objects.get(code="peers"),
            raters=[feedback_actions.RaterEntry(email="peer@nhs.example")],
            by=subject,
        )
        domain = Domain.objects.filter(version=version).order_by("pk").first()
        assert domain is not None
        world.extras["feedback"] = {
            "version_id": version.pk,
            "self_assessment": assessment.pk,
            "cycle": cycle.pk,
            "invitation": invited.invitations[0].pk,
            "domain": domain.pk,
        }
    return world.extras["feedback"]


def _self_assessment(world: World) -> dict[str, Any]:
    return {"pk": _feedback(world)["self_assessment"]}


def _self_assessment_section(world: World) -> dict[str, Any]:
    return {**_self_assessment(world), "domain_id": _feedback(world)["domain"]}


def _cycle(world: World) -> dict[str, Any]:
    return {"pk": _feedback(world)["cycle"]}


def _cycle_section(world: World) -> dict[str, Any]:
    return {**_cycle(world), "domain_id": _feedback(world)["domain"]}


def _api_cycle(world: World) -> dict[str, Any]:
    return {"cycle_id": _feedback(world)["cycle"]}


def _rater(world: World) -> dict[str, Any]:
    return {"token": "not-a-real-token", "domain_id": 1}


def _plan(world: World) -> dict[str, Any]:
    """The staff member's development plan (a goal, an action, a file) and appraisal."""
    if "plan" not in world.extras:
        from healthlead.appraisal import actions as appraisal_actions

        owner = world.user("staff")
        goal = appraisal_actions.create_goal(
            person=world.staff_person, title="Lead a service change", by=owner
        )
        action = appraisal_actions.add_goal_action(
            goal=goal, kind="reading", title="Read about improvement", by=owner
        )
        upload = SimpleUploadedFile("notes.pdf", b"%PDF-1.4\n%evidence\n", "application/pdf")
        evidence = appraisal_actions.add_evidence_file(action=action, upload=upload, by=owner)
        appraisal = appraisal_actions.start_appraisal(
            appraisee=world.staff_person, year=dt.date.today().year, by=owner
        )
        world.extras["plan"] = {
            "goal": goal.pk,
            "action": action.pk,
            "evidence": evidence.pk,
            "appraisal": appraisal.pk,
        }
    return world.extras["plan"]


def _plan_object(kind: str) -> Callable[[World], dict[str, Any]]:
    return lambda world: {"pk": _plan(world)[kind]}


def _talent(world: World) -> dict[str, Any]:
    """A talent conversation about the staff member (in the pool), a regional lead's search and
    shortlist, and a succession plan for trust A with a candidate."""
    if "talent" not in world.extras:
        from healthlead.talent import actions as talent_actions

        conversation = talent_actions.start_conversation(
            person=world.staff_person,
            by=world.user("line_manager"),
            held_on=dt.date.today(),
            aspirations=["director_of_nursing"],
            readiness="one_to_two_years",
            performance=2,
            potential=3,
        )
        talent_actions.join_pool(
            person=world.staff_person,
            by=world.user("staff"),
            consent=True,
            profession="nursing",
            sharing={"share_role": True},
        )
        searcher = world.user("regional_lead")
        search = talent_actions.record_search(
            by=searcher, reason="Board search", filters=talent_actions.PoolFilters(), result_count=1
        )
        shortlist = talent_actions.create_shortlist(appointment="Chief nurse", by=searcher)
        entry = talent_actions.add_to_shortlist(
            shortlist=shortlist, entry=world.staff_person.pool_entry, by=searcher
        )
        plan = talent_actions.create_succession_plan(
            organisation=world.trust_a,
            role_title="Chief nurse",
            role_kind="executive_director",
            by=world.user("organisation_lead"),
        )
        candidate = talent_actions.add_succession_candidate(
            plan=plan,
            person=world.target,
            readiness="ready_now",
            by=world.user("organisation_lead"),
        )
        world.extras["talent"] = {
            "conversation": conversation.pk,
            "review": conversation.reviews.get(months=6).pk,
            "search": search.pk,
            "shortlist": shortlist.pk,
            "shortlist_entry": entry.pk,
            "plan": plan.pk,
            "candidate": candidate.pk,
        }
    return world.extras["talent"]


def _talent_object(kind: str) -> Callable[[World], dict[str, Any]]:
    return lambda world: {"pk": _talent(world)[kind]}


def _staff_talent(world: World) -> dict[str, Any]:
    _talent(world)
    return {"pk": world.staff_person.pk}


def _region(world: World) -> dict[str, Any]:
    return {"code": world.region.code}


def _trust_a_token(world: World) -> dict[str, Any]:
    from healthlead.accounts.models import ApiToken

    token = ApiToken.objects.filter(organisation=world.trust_a).order_by("pk").first()
    assert token is not None
    return {"pk": token.pk}


def _programmes(world: World) -> dict[str, Any]:
    """The curriculum; an intake in the world's region where the staff member was offered a
    place over the target (whose disagreeing scores were moderated), with a panel of the
    mentor (chair) and the patient partner; a second, open intake where the staff member's
    application is a draft; a prior learning claim; a draft version of Mary Seacole."""
    if "programmes" not in world.extras:
        from healthlead.programmes import actions as programme_actions
        from healthlead.programmes import application_actions, selection_actions
        from healthlead.programmes.models import Moderation, Programme, ProgrammeVersion
        from healthlead.programmes.tests.helpers import (
            apply,
            complete,
            evidence,
            open_intake,
            score_all,
        )

        _frameworks(world)
        programme_actions.load_curriculum(by=SYSTEM)
        staff, target = world.staff_person, world.target
        for person in (staff, target):
            complete(person, "Edward Jenner")
        intake = open_intake("mary-seacole", places=1, region=world.region)
        programme_actions.set_quota(
            intake=intake, kind="cap", staff_group="doctors", value=50, by=SYSTEM
        )
        mentor = programme_actions.add_panel_member(
            intake=intake, user=world.user("mentor"), chair=True, by=SYSTEM
        )
        partner = programme_actions.add_panel_member(
            intake=intake, user=world.user("patient_partner"), by=SYSTEM
        )
        mine = apply(intake, staff, by=world.user("staff"))
        theirs = application_actions.start_application(intake=intake, person=target, by=SYSTEM)
        for criterion in intake.version.criteria.all():
            application_actions.save_statement(
                application=theirs, criterion=criterion, text="My statement.", by=SYSTEM
            )
        application_actions.save_bursary_choice(
            application=theirs, wants=True, amount=500, reason="Travel.", by=SYSTEM
        )
        application_actions.submit_application(application=theirs, by=SYSTEM)
        theirs.refresh_from_db()
        application_actions.decide_endorsement(
            endorsement=theirs.endorsement, endorse=True, by=SYSTEM
        )
        application_actions.decide_funding(funding=theirs.funding, confirm=True, by=SYSTEM)
        # A third applicant, with whom the patient partner declares a conflict of interest.
        conflicted_person = make_person(
            world.trust_a, line_manager=world.manager, last_name="Conflicted"
        )
        complete(conflicted_person, "Edward Jenner")
        conflicted = apply(intake, conflicted_person)
        selection_actions.close_applications(intake=intake, by=SYSTEM)
        selection_actions.declare_conflict(
            member=partner, application=conflicted, reason="other", note="A friend.", by=SYSTEM
        )
        score_all(
            intake,
            scores={theirs.pk: {mentor.pk: 1, partner.pk: 5}, conflicted.pk: {mentor.pk: 2}},
            default=4,
        )
        moderation = Moderation.objects.filter(application=theirs).first()
        assert moderation is not None
        for flag in Moderation.objects.filter(application=theirs):
            selection_actions.moderate(moderation=flag, agreed_score=2, reason="Agreed.", by=SYSTEM)
        selection_actions.allocate_places(intake=intake, by=SYSTEM)
        theirs.refresh_from_db()
        appeal = application_actions.lodge_appeal(
            application=theirs, grounds="Please look again.", by=SYSTEM
        )
        # A place handed to delivery (as accepting an offer makes), to record its completion.
        from healthlead.programmes.models import EnrolmentHandOff

        enrolment = EnrolmentHandOff.objects.create(
            application=theirs, person=target, intake=intake, version=intake.version
        )
        other = open_intake("mary-seacole", places=3)
        draft_application = application_actions.start_application(
            intake=other, person=staff, by=world.user("staff")
        )
        claim = programme_actions.claim_prior_learning(
            person=staff, kind="degree", title="BSc Nursing", upload=evidence(), by=SYSTEM
        )
        draft = programme_actions.create_draft_version(
            programme=Programme.objects.get(code="mary-seacole"), by=SYSTEM
        )
        published = ProgrammeVersion.objects.get(
            programme__code="mary-seacole", state=ProgrammeVersion.State.PUBLISHED
        )
        world.extras["programmes"] = {
            "code": "mary-seacole",
            "published": published.number,
            "draft": draft.number,
            "gate": draft.gates.order_by("pk").first().pk,
            "intake": intake.pk,
            "open_intake": other.pk,
            "quota": intake.quotas.get().pk,
            "member": partner.pk,
            "application": mine.pk,
            "conflicted": conflicted.pk,
            "draft_application": draft_application.pk,
            "criterion": other.version.criteria.order_by("pk").first().pk,
            "offer": mine.offers.get().pk,
            "endorsement": theirs.endorsement.pk,
            "funding": theirs.funding.pk,
            "bursary": theirs.bursary.pk,
            "appeal": appeal.pk,
            "enrolment": enrolment.pk,
            "moderation": moderation.pk,
            "claim": claim.pk,
        }
    return world.extras["programmes"]


def _programme(kind: str, name: str = "pk") -> Callable[[World], dict[str, Any]]:
    return lambda world: {name: _programmes(world)[kind]}


def _programme_version(kind: str) -> Callable[[World], dict[str, Any]]:
    return lambda world: {"code": "mary-seacole", "number": _programmes(world)[kind]}


def _draft_gate(world: World) -> dict[str, Any]:
    return {**_programme_version("draft")(world), "gate_id": _programmes(world)["gate"]}


def _statement(world: World) -> dict[str, Any]:
    p = _programmes(world)
    return {"pk": p["draft_application"], "criterion_id": p["criterion"]}


# The table: route (as Django spells it) -> what each role gets. -------------------------------
# Pages: every actor in PEOPLE_ACTORS is tried. API routes (under api/v1/): tokens too.

EXPECTATIONS: dict[str, Probe | list[Probe]] = {
    # core
    "healthz": Probe(allow=EVERYONE),
    "privacy/": Probe(allow=EVERYONE),
    "accessibility/": Probe(allow=EVERYONE),
    # accounts
    "": Probe(allow=EVERYONE),
    "accounts/sign-in/": Probe(allow=EVERYONE),
    "accounts/sign-out/": Probe(allow=SIGNED_IN),
    "accounts/two-factor/": Probe(allow=SIGNED_IN),
    "accounts/reset-password/": Probe(allow=EVERYONE),
    "accounts/reset-password/sent/": Probe(allow=EVERYONE),
    "accounts/reset-password/done/": Probe(allow=EVERYONE),
    "accounts/reset-password/<uidb64>/<token>/": Probe(
        allow=EVERYONE, kwargs=lambda world: {"uidb64": "MQ", "token": "not-a-real-token"}
    ),
    # Single sign-on is off unless configured (tests/test_oidc.py turns it on).
    "accounts/oidc/start/": Probe(allow=frozenset(), status=NOT_FOUND),
    "accounts/oidc/callback/": Probe(allow=frozenset(), status=NOT_FOUND),
    "accounts/reset-two-factor/": Probe(allow=ORGANISATION_LEADS),
    "accounts/reset-two-factor/<int:pk>/": Probe(
        allow=frozenset({"organisation_lead", "national_lead"}),
        kwargs=lambda world: {"pk": world.user("staff").pk},
    ),
    "accounts/you/": Probe(allow=SIGNED_IN),
    "accounts/you/change-password/": Probe(allow=SIGNED_IN, method="post"),
    "api-tokens/": Probe(allow=ORGANISATION_LEADS),
    "api-tokens/new/": Probe(allow=ORGANISATION_LEADS),
    "api-tokens/<int:pk>/revoke/": Probe(
        allow=frozenset({"organisation_lead", "national_lead"}), kwargs=_trust_a_token
    ),
    # people
    "people/": Probe(allow=DIRECTORY),
    "people/<int:pk>/": Probe(allow=OVER_TARGET, kwargs=_target),
    "organisations/": Probe(allow=ANY_LEAD),
    "organisations/<str:code>/": Probe(allow=OVER_TRUST_A, kwargs=_trust_a),
    "staff-imports/new/": Probe(allow=ORGANISATION_LEADS),
    # A staff import: its uploader (trust A's lead) and national leads; not another lead.
    "staff-imports/<int:pk>/": Probe(allow=UPLOADER, kwargs=_staff_import),
    "staff-imports/<int:pk>/progress/": Probe(allow=UPLOADER, kwargs=_staff_import),
    "staff-imports/<int:pk>/problems.csv": Probe(allow=UPLOADER, kwargs=_staff_import),
    # frameworks: published content is public; drafts and changes are national leads' only
    "frameworks/": Probe(allow=EVERYONE),
    "framework-imports/new/": Probe(allow=NATIONAL),
    "frameworks/<slug:code>/": Probe(allow=EVERYONE, kwargs=_framework),
    "frameworks/<slug:code>/versions/": Probe(allow=EVERYONE, kwargs=_framework),
    "frameworks/<slug:code>/new-version/": Probe(allow=NATIONAL, kwargs=_framework),
    VERSION: [
        Probe(allow=EVERYONE, kwargs=_version),
        Probe(allow=NATIONAL, kwargs=_draft, anonymous="403"),
    ],
    VERSION + "case-package.json": [
        Probe(allow=EVERYONE, kwargs=_version),
        Probe(allow=NATIONAL, kwargs=_draft, anonymous="403"),
    ],
    VERSION + "publish/": Probe(allow=NATIONAL, kwargs=_draft),
    ELEMENT: [
        Probe(allow=EVERYONE, kwargs=_element),
        Probe(allow=NATIONAL, kwargs=_draft_element, anonymous="403"),
    ],
    ELEMENT + "edit/": Probe(allow=NATIONAL, kwargs=_draft_element),
    # IMS CASE 1.0: public and read-only, as in the standard
    "ims/case/v1p0/CFDocuments": Probe(allow=EVERYONE, kwargs=lambda w: _frameworks(w) and {}),
    "ims/case/v1p0/CFDocuments/<str:sourced_id>": Probe(allow=EVERYONE, kwargs=_case("document")),
    "ims/case/v1p0/CFPackages/<str:sourced_id>": Probe(allow=EVERYONE, kwargs=_case("document")),
    "ims/case/v1p0/CFItems/<str:sourced_id>": Probe(allow=EVERYONE, kwargs=_case("item")),
    "ims/case/v1p0/CFAssociations/<str:sourced_id>": Probe(
        allow=EVERYONE, kwargs=_case("association")
    ),
    "ims/case/v1p0/CFConcepts/<str:sourced_id>": Probe(allow=EVERYONE, kwargs=_case("concept")),
    # JSON API
    "api/v1/openapi.json": Probe(allow=EVERYONE | TOKENS),
    "api/v1/docs": Probe(allow=EVERYONE | TOKENS),
    "api/v1/": Probe(allow=frozenset(), status=NOT_FOUND),
    "api/v1/organisations/": Probe(allow=ANY_LEAD | FULL_TOKENS | {"organisations_only_token"}),
    "api/v1/organisations/<code>/": Probe(
        allow=ANY_LEAD | FULL_TOKENS | {"organisations_only_token"}, kwargs=_trust_a
    ),
    "api/v1/people/": Probe(allow=DIRECTORY | FULL_TOKENS),
    "api/v1/people/<person_id>/": Probe(
        allow=OVER_TARGET | {"token"}, kwargs=lambda world: {"person_id": world.target.pk}
    ),
    # 360 feedback: a cycle is for its subject, their line manager and its facilitator only.
    "feedback/": Probe(allow=STAFF_RECORDS),
    "feedback/self-assessments/new/": Probe(allow=STAFF_RECORDS),
    "feedback/self-assessments/<int:pk>/": Probe(allow=SUBJECT, kwargs=_self_assessment),
    "feedback/self-assessments/<int:pk>/sections/<int:domain_id>/": Probe(
        allow=SUBJECT, kwargs=_self_assessment_section
    ),
    "feedback/self-assessments/<int:pk>/finish/": Probe(allow=SUBJECT, kwargs=_self_assessment),
    "feedback/self-assessments/<int:pk>/start-cycle/": Probe(
        allow=SUBJECT, kwargs=_self_assessment
    ),
    "feedback/cycles/new/": Probe(allow=STAFF_RECORDS),
    "feedback/cycles/<int:pk>/": Probe(allow=CYCLE_VIEWERS, kwargs=_cycle),
    "feedback/cycles/<int:pk>/invite/": Probe(allow=CYCLE_MANAGERS, kwargs=_cycle),
    "feedback/cycles/<int:pk>/cards/": Probe(allow=CYCLE_MANAGERS, kwargs=_cycle),
    "feedback/cycles/<int:pk>/launch/": Probe(allow=CYCLE_MANAGERS, kwargs=_cycle),
    "feedback/cycles/<int:pk>/deadline/": Probe(allow=CYCLE_MANAGERS, kwargs=_cycle),
    "feedback/cycles/<int:pk>/close/": Probe(allow=CYCLE_VIEWERS, kwargs=_cycle),
    "feedback/cycles/<int:pk>/invitations/<int:invitation_id>/withdraw/": Probe(
        allow=CYCLE_MANAGERS,
        kwargs=lambda world: {**_cycle(world), "invitation_id": _feedback(world)["invitation"]},
    ),
    "feedback/cycles/<int:pk>/self/": Probe(allow=SUBJECT, kwargs=_cycle),
    "feedback/cycles/<int:pk>/self/sections/<int:domain_id>/": Probe(
        allow=SUBJECT, kwargs=_cycle_section
    ),
    "feedback/cycles/<int:pk>/self/check/": Probe(allow=SUBJECT, kwargs=_cycle),
    # Raters need no account: the emailed token is the key, so an unknown one is 404 for all.
    "feedback/respond/<str:token>/": Probe(allow=frozenset(), kwargs=_rater, status=NOT_FOUND),
    "feedback/respond/<str:token>/sections/<int:domain_id>/": Probe(
        allow=frozenset(), kwargs=_rater, status=NOT_FOUND
    ),
    "feedback/respond/<str:token>/check/": Probe(
        allow=frozenset(), kwargs=_rater, status=NOT_FOUND
    ),
    "feedback/thank-you/": Probe(allow=EVERYONE),
    "feedback/card/": Probe(allow=EVERYONE),
    # Reports: nobody sees one before the cycle closes (not even the subject or facilitator).
    "feedback/cycles/<int:pk>/report/": Probe(allow=frozenset(), kwargs=_cycle),
    "feedback/cycles/<int:pk>/report/pdf/": Probe(allow=frozenset(), kwargs=_cycle),
    "feedback/cycles/<int:pk>/report/csv/": Probe(allow=frozenset(), kwargs=_cycle),
    "feedback/cycles/<int:pk>/debrief/": Probe(allow=frozenset(), kwargs=_cycle),
    "feedback/cycles/<int:pk>/report/comments/<str:ref>/remove/": Probe(
        allow=frozenset(), kwargs=lambda world: {**_cycle(world), "ref": "c1"}, denied="404"
    ),
    "feedback/instrument/": Probe(allow=NATIONAL),
    # Development plans and appraisals: the owner, and their line manager where stated.
    "development-plan/": Probe(allow=STAFF_RECORDS),
    "development-plan/goals/new/": Probe(allow=STAFF_RECORDS),
    "development-plan/goals/<int:pk>/edit/": Probe(allow=SUBJECT, kwargs=_plan_object("goal")),
    "development-plan/goals/<int:pk>/actions/new/": Probe(
        allow=SUBJECT, kwargs=_plan_object("goal")
    ),
    "development-plan/actions/<int:pk>/edit/": Probe(allow=SUBJECT, kwargs=_plan_object("action")),
    "development-plan/actions/<int:pk>/evidence/new/": Probe(
        allow=SUBJECT, kwargs=_plan_object("action")
    ),
    "development-plan/evidence/<int:pk>/file/": Probe(
        allow=SUBJECT_AND_MANAGER, kwargs=_plan_object("evidence")
    ),
    "development-plans/<int:pk>/": Probe(
        allow=SUBJECT_AND_MANAGER, kwargs=lambda world: {"pk": world.staff_person.pk}
    ),
    "development-plans/<int:pk>/review/": Probe(
        allow=frozenset({"line_manager"}), kwargs=lambda world: {"pk": world.staff_person.pk}
    ),
    "appraisals/": Probe(allow=STAFF_RECORDS),
    "appraisals/new/": Probe(allow=STAFF_RECORDS),
    "appraisals/<int:pk>/": Probe(allow=SUBJECT_AND_MANAGER, kwargs=_plan_object("appraisal")),
    "appraisals/<int:pk>/edit/": Probe(allow=SUBJECT_AND_MANAGER, kwargs=_plan_object("appraisal")),
    "appraisals/<int:pk>/submit/": Probe(
        allow=frozenset({"line_manager"}), kwargs=_plan_object("appraisal")
    ),
    # Sign-off, reopening and addenda wait for a submitted or signed-off appraisal.
    "appraisals/<int:pk>/sign-off/": Probe(allow=frozenset(), kwargs=_plan_object("appraisal")),
    "appraisals/<int:pk>/reopen/": Probe(allow=frozenset(), kwargs=_plan_object("appraisal")),
    "appraisals/<int:pk>/addenda/new/": Probe(allow=frozenset(), kwargs=_plan_object("appraisal")),
    # Another appraiser is chosen by the line manager or the organisation's lead.
    "appraisals/<int:pk>/appraiser/": Probe(
        allow=frozenset({"line_manager", "organisation_lead"}), kwargs=_plan_object("appraisal")
    ),
    "organisations/<str:code>/appraisal-completion/": Probe(allow=OVER_TRUST_A, kwargs=_trust_a),
    # Talent: conversations and records (the person, their managers, leads over them), grids
    # (line managers; leads over the organisation or region), calibration by leads only.
    "talent/": Probe(allow=STAFF_RECORDS),
    "talent/people/<int:pk>/": Probe(allow=SUBJECT | OVER_TARGET, kwargs=_staff_talent),
    "talent/people/<int:pk>/conversations/new/": Probe(
        allow=SUBJECT_AND_MANAGER, kwargs=_staff_talent
    ),
    "talent/people/<int:pk>/calibrate/": Probe(allow=OVER_TRUST_A, kwargs=_staff_talent),
    "talent/conversations/<int:pk>/": Probe(
        allow=SUBJECT | OVER_TARGET, kwargs=_talent_object("conversation")
    ),
    "talent/reviews/<int:pk>/": Probe(allow=SUBJECT_AND_MANAGER, kwargs=_talent_object("review")),
    "talent/grid/": Probe(allow=LINE_MANAGERS),
    "talent/organisations/<str:code>/": Probe(allow=OVER_TRUST_A, kwargs=_trust_a),
    "talent/organisations/<str:code>/grid/": Probe(allow=OVER_TRUST_A, kwargs=_trust_a),
    "talent/regions/<str:code>/": Probe(allow=OVER_REGION, kwargs=_region),
    "talent/regions/<str:code>/grid/": Probe(allow=OVER_REGION, kwargs=_region),
    # The talent pool: anyone with a staff record manages their own membership; national and
    # regional leads search (their region only), each search and profile view with a reason.
    "talent-pool/you/": Probe(allow=STAFF_RECORDS),
    "talent-pool/you/join/": Probe(allow=STAFF_RECORDS),
    "talent-pool/you/sharing/": Probe(allow=STAFF_RECORDS),
    "talent-pool/you/withdraw/": Probe(allow=STAFF_RECORDS),
    "talent-pool/you/views/": Probe(allow=STAFF_RECORDS),
    "talent-pool/search/": Probe(allow=POOL_SEARCHERS),
    "talent-pool/searches/<int:pk>/": Probe(
        allow=frozenset({"regional_lead"}), kwargs=_talent_object("search")
    ),
    "talent-pool/people/<int:pk>/": Probe(allow=OVER_REGION, kwargs=_staff_talent),
    "talent-pool/shortlists/": Probe(allow=POOL_SEARCHERS),
    "talent-pool/shortlists/new/": Probe(allow=POOL_SEARCHERS),
    "talent-pool/shortlists/<int:pk>/": Probe(
        allow=frozenset({"regional_lead"}), kwargs=_talent_object("shortlist")
    ),
    "talent-pool/shortlist-candidates/new/": Probe(
        allow=POOL_SEARCHERS, method="post", data=lambda world: {"person": "0"}
    ),
    "talent-pool/shortlist-candidates/<int:pk>/remove/": Probe(
        allow=frozenset({"regional_lead"}), kwargs=_talent_object("shortlist_entry"), method="post"
    ),
    # Succession plans: trust A's lead and national leads keep them; leads over trust A see them.
    "succession/organisations/<str:code>/": Probe(allow=OVER_TRUST_A, kwargs=_trust_a),
    "succession/organisations/<str:code>/new/": Probe(allow=TRUST_A_PLANNERS, kwargs=_trust_a),
    "succession/plans/<int:pk>/": Probe(allow=OVER_TRUST_A, kwargs=_talent_object("plan")),
    "succession/plans/<int:pk>/candidates/new/": Probe(
        allow=TRUST_A_PLANNERS, kwargs=_talent_object("plan")
    ),
    "succession/candidates/<int:pk>/edit/": Probe(
        allow=TRUST_A_PLANNERS, kwargs=_talent_object("candidate")
    ),
    "api/v1/frameworks/": Probe(allow=SIGNED_IN | FULL_TOKENS),
    "api/v1/frameworks/<code>/": Probe(allow=SIGNED_IN | FULL_TOKENS, kwargs=_framework),
    # The feedback API answers 404 for a cycle the caller may not see.
    "api/v1/feedback/cycles/": Probe(
        allow=STAFF_RECORDS,
        method="post",
        json=lambda world: {
            "framework_version_id": _feedback(world)["version_id"],
            "deadline": (dt.date.today() + dt.timedelta(days=30)).isoformat(),
        },
    ),
    "api/v1/feedback/cycles/<cycle_id>/": Probe(
        allow=CYCLE_VIEWERS, kwargs=_api_cycle, denied="404", overrides=TOKENS_REFUSED
    ),
    "api/v1/feedback/cycles/<cycle_id>/invitations/": Probe(
        allow=CYCLE_MANAGERS,
        kwargs=_api_cycle,
        method="post",
        json=lambda world: {"group": "peers", "raters": [{"email": "colleague@nhs.example"}]},
        denied="404",
        overrides={**TOKENS_REFUSED, "facilitator": "403"},
    ),
    "api/v1/feedback/cycles/<cycle_id>/launch/": Probe(
        allow=CYCLE_MANAGERS,
        kwargs=_api_cycle,
        method="post",
        denied="404",
        overrides={**TOKENS_REFUSED, "facilitator": "403"},
    ),
    "api/v1/feedback/cycles/<cycle_id>/report/": Probe(
        allow=frozenset(), kwargs=_api_cycle, denied="404", overrides=TOKENS_REFUSED
    ),
    # Your own plan and appraisals (people only); the pool search for its searchers, with a reason.
    "api/v1/appraisal/plan/": Probe(allow=STAFF_RECORDS),
    "api/v1/appraisal/appraisals/": Probe(allow=STAFF_RECORDS),
    "api/v1/talent/pool/search/": Probe(
        allow=POOL_SEARCHERS, data=lambda world: {"reason": "Board search"}
    ),
    # Programmes: published content is public; drafts and changes are national leads' only.
    "programmes/": Probe(allow=EVERYONE),
    "programmes/new/": Probe(allow=NATIONAL),
    "programmes/fairness/": Probe(allow=NATIONAL),
    "programmes/<slug:code>/": Probe(
        allow=EVERYONE, kwargs=lambda w: _programmes(w) and {"code": "mary-seacole"}
    ),
    "programmes/<slug:code>/check/": Probe(
        allow=STAFF_RECORDS, kwargs=lambda w: _programmes(w) and {"code": "mary-seacole"}
    ),
    "programmes/<slug:code>/new-version/": Probe(
        allow=NATIONAL, kwargs=lambda w: _programmes(w) and {"code": "mary-seacole"}
    ),
    PROGRAMME_VERSION: [
        Probe(allow=EVERYONE, kwargs=_programme_version("published")),
        Probe(allow=NATIONAL, kwargs=_programme_version("draft"), anonymous="403"),
    ],
    PROGRAMME_VERSION + "edit/": Probe(allow=NATIONAL, kwargs=_programme_version("draft")),
    PROGRAMME_VERSION + "gates/new/": Probe(allow=NATIONAL, kwargs=_programme_version("draft")),
    PROGRAMME_VERSION + "gates/<int:gate_id>/remove/": Probe(allow=NATIONAL, kwargs=_draft_gate),
    PROGRAMME_VERSION + "outcomes/new/": Probe(allow=NATIONAL, kwargs=_programme_version("draft")),
    PROGRAMME_VERSION + "modules/new/": Probe(allow=NATIONAL, kwargs=_programme_version("draft")),
    PROGRAMME_VERSION + "criteria/new/": Probe(allow=NATIONAL, kwargs=_programme_version("draft")),
    PROGRAMME_VERSION + "publish/": Probe(allow=NATIONAL, kwargs=_programme_version("draft")),
    # Prior learning: the claimant, and assessors (national leads, the region's leads).
    "prior-learning/": Probe(allow=STAFF_RECORDS),
    "prior-learning/new/": Probe(allow=STAFF_RECORDS),
    "prior-learning/to-assess/": Probe(allow=INTAKE_RUNNERS),
    "prior-learning/<int:pk>/": Probe(allow=CLAIM_READERS, kwargs=_programme("claim")),
    "prior-learning/<int:pk>/evidence/": Probe(allow=CLAIM_READERS, kwargs=_programme("claim")),
    "prior-learning/<int:pk>/decide/": Probe(allow=OVER_REGION, kwargs=_programme("claim")),
    # Intakes: national leads, and regional leads for their own region.
    "intakes/": Probe(allow=INTAKE_RUNNERS),
    "intakes/new/": Probe(allow=INTAKE_RUNNERS),
    "intakes/<int:pk>/": Probe(allow=OVER_REGION, kwargs=_programme("intake")),
    "intakes/<int:pk>/open/": Probe(allow=OVER_REGION, kwargs=_programme("intake")),
    "intakes/<int:pk>/close/": Probe(allow=OVER_REGION, kwargs=_programme("intake")),
    "intakes/<int:pk>/allocate/": Probe(allow=OVER_REGION, kwargs=_programme("intake")),
    "intakes/<int:pk>/finish/": Probe(allow=OVER_REGION, kwargs=_programme("intake")),
    "intakes/<int:pk>/quotas/new/": Probe(allow=OVER_REGION, kwargs=_programme("intake")),
    "intakes/<int:pk>/quotas/<int:quota_id>/remove/": Probe(
        allow=OVER_REGION,
        kwargs=lambda w: {"pk": _programmes(w)["intake"], "quota_id": _programmes(w)["quota"]},
    ),
    "intakes/<int:pk>/panel/new/": Probe(allow=OVER_REGION, kwargs=_programme("intake")),
    "intakes/<int:pk>/panel/<int:member_id>/remove/": Probe(
        allow=OVER_REGION,
        kwargs=lambda w: {"pk": _programmes(w)["intake"], "member_id": _programmes(w)["member"]},
    ),
    "intakes/<int:pk>/applications/": Probe(allow=OVER_REGION, kwargs=_programme("intake")),
    "intakes/<int:pk>/ranking/": Probe(allow=OVER_REGION, kwargs=_programme("intake")),
    "intakes/<int:pk>/report/": Probe(allow=OVER_REGION, kwargs=_programme("intake")),
    "bursaries/<int:pk>/": Probe(allow=OVER_REGION, kwargs=_programme("bursary")),
    "appeals/<int:pk>/": Probe(allow=OVER_REGION, kwargs=_programme("appeal")),
    "enrolments/<int:pk>/completion/": Probe(allow=OVER_REGION, kwargs=_programme("enrolment")),
    # Applying: the applicant; the intake's runners see a sent application (audited).
    "applications/": Probe(allow=STAFF_RECORDS),
    "intakes/<int:pk>/apply/": Probe(allow=STAFF_RECORDS, kwargs=_programme("open_intake")),
    "applications/<int:pk>/": Probe(allow=SUBJECT | OVER_REGION, kwargs=_programme("application")),
    "applications/<int:pk>/leadership/": Probe(
        allow=SUBJECT, kwargs=_programme("draft_application")
    ),
    "applications/<int:pk>/statements/<int:criterion_id>/": Probe(allow=SUBJECT, kwargs=_statement),
    "applications/<int:pk>/line-manager/": Probe(
        allow=SUBJECT, kwargs=_programme("draft_application")
    ),
    "applications/<int:pk>/bursary/": Probe(allow=SUBJECT, kwargs=_programme("draft_application")),
    "applications/<int:pk>/bursary/details/": Probe(
        allow=SUBJECT, kwargs=_programme("draft_application")
    ),
    "applications/<int:pk>/check/": Probe(allow=SUBJECT, kwargs=_programme("draft_application")),
    "applications/<int:pk>/withdraw/": Probe(allow=SUBJECT, kwargs=_programme("application")),
    "applications/<int:pk>/appeal/": Probe(allow=SUBJECT, kwargs=_programme("application")),
    "offers/<int:pk>/": Probe(allow=SUBJECT, kwargs=_programme("offer")),
    "endorsements/": Probe(allow=STAFF_RECORDS),
    "endorsements/<int:pk>/": Probe(
        allow=frozenset({"line_manager"}), kwargs=_programme("endorsement")
    ),
    "funding-requests/": Probe(allow=frozenset({"organisation_lead", "other_organisation_lead"})),
    "funding-requests/<int:pk>/": Probe(
        allow=frozenset({"organisation_lead"}), kwargs=_programme("funding")
    ),
    # Selection panels: their members (the mentor chairs; the patient partner sits on it).
    "panels/": Probe(allow=PANEL, kwargs=lambda w: _programmes(w) and {}),
    "intakes/<int:pk>/scoring/": Probe(allow=PANEL, kwargs=_programme("intake")),
    # A member with a declared conflict is refused that application (the patient partner here).
    "scoring/<int:pk>/": [
        Probe(allow=PANEL, kwargs=_programme("application")),
        Probe(allow=frozenset({"mentor"}), kwargs=_programme("conflicted")),
    ],
    "scoring/<int:pk>/conflict/": [
        Probe(allow=PANEL, kwargs=_programme("application")),
        Probe(allow=frozenset({"mentor"}), kwargs=_programme("conflicted")),
    ],
    "intakes/<int:pk>/moderation/": Probe(
        allow=OVER_REGION | {"mentor"}, kwargs=_programme("intake")
    ),
    "moderation/<int:pk>/": Probe(allow=OVER_REGION | {"mentor"}, kwargs=_programme("moderation")),
    # Personal data: a person's organisation lead and national leads (export and erase).
    "people/<int:pk>/personal-data/": Probe(allow=TRUST_A_PLANNERS, kwargs=_target),
    "people/<int:pk>/personal-data/export/": Probe(allow=TRUST_A_PLANNERS, kwargs=_target),
    "people/<int:pk>/personal-data/erase/": Probe(allow=TRUST_A_PLANNERS, kwargs=_target),
    "api/v1/programmes/": Probe(allow=SIGNED_IN | TOKENS),
    "api/v1/programmes/<code>/": Probe(
        allow=SIGNED_IN | TOKENS, kwargs=lambda w: _programmes(w) and {"code": "mary-seacole"}
    ),
    "api/v1/programmes/<code>/gate-check/": Probe(
        allow=STAFF_RECORDS, kwargs=lambda w: _programmes(w) and {"code": "mary-seacole"}
    ),
    "api/v1/intakes/": Probe(allow=SIGNED_IN | TOKENS),
    "api/v1/intakes/<intake_id>/": Probe(
        allow=OVER_REGION, kwargs=_programme("intake", "intake_id"), denied="404"
    ),
    "api/v1/applications/": Probe(allow=STAFF_RECORDS),
    "api/v1/applications/<application_id>/": Probe(
        allow=SUBJECT, kwargs=_programme("application", "application_id"), denied="404"
    ),
}


# Walking the URL configuration ---------------------------------------------------------------


def _walk(patterns: list[Any], prefix: str = "") -> Iterator[str]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern)


def all_routes() -> list[str]:
    """Every route the site answers, from the root resolver down through every include."""
    return list(dict.fromkeys(_walk(get_resolver().url_patterns)))


ROUTES = all_routes()
_PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>")


def _url(route: str, kwargs: dict[str, Any]) -> str:
    return "/" + _PARAMETER.sub(lambda match: str(kwargs[match.group(1)]), route)


def _is_api(route: str) -> bool:
    return route.startswith("api/")


def _actors(route: str) -> list[str]:
    return PEOPLE_ACTORS + (TOKEN_ACTORS if _is_api(route) else [])


def _outcome(response: Any) -> str:
    """allowed, sign-in, two-factor, or the status code."""
    code = response.status_code
    if 300 <= code < 400:
        path = urlsplit(response["Location"]).path
        if path == reverse("accounts:sign_in"):
            return "sign-in"
        if path == reverse("accounts:two_factor"):
            return "two-factor"
        return "allowed"
    if 200 <= code < 300:
        return "allowed"
    return str(code)


def _expected(route: str, probe: Probe, actor: str) -> str:
    if actor in probe.overrides:
        return probe.overrides[actor]
    if probe.status is not None:
        return probe.status
    if actor in probe.allow:
        return "allowed"
    if _is_api(route):
        return "401" if actor == "anonymous" else probe.denied
    return probe.anonymous if actor == "anonymous" else probe.denied


def _sessions(world: World) -> dict[str, str]:
    """Each person signed in (past two-factor sign-in where their role needs it), once: the
    session key by actor. Every request starts from this session as it was just after sign-in,
    since each actor's requests are rolled back."""
    return {
        actor: sign_in(Client(), world.user(actor)).cookies[settings.SESSION_COOKIE_NAME].value
        for actor in PEOPLE_ACTORS
        if actor != "anonymous"
    }


def _request(
    world: World, route: str, probe: Probe, actor: str, kwargs: dict[str, Any], body: Any
) -> Any:
    client = Client()
    headers: dict[str, str] = {}
    if actor in TOKEN_ACTORS:
        headers = token_headers(world, actor)
    elif actor != "anonymous":
        client.cookies[settings.SESSION_COOKIE_NAME] = world.extras["sessions"][actor]
    url = _url(route, kwargs)
    send = getattr(client, probe.method)
    if body is not None:
        return url, send(
            url, data=json.dumps(body), content_type="application/json", headers=headers
        )
    data = probe.data(world) if probe.data else None
    return url, send(url, data=data, headers=headers)


# The tests -----------------------------------------------------------------------------------


def test_every_route_has_an_expectation_and_every_expectation_a_route():
    missing = [route for route in ROUTES if route not in EXPECTATIONS]
    stale = [route for route in EXPECTATIONS if route not in ROUTES]
    assert not missing, f"Add these routes to EXPECTATIONS in {__file__}: {missing}"
    assert not stale, f"These EXPECTATIONS entries match no route any more: {stale}"


def test_the_walk_finds_pages_and_api_routes():
    assert "people/<int:pk>/" in ROUTES
    assert "api/v1/people/" in ROUTES
    assert "api/v1/openapi.json" in ROUTES


@pytest.fixture(scope="module")
def uploads(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One temporary upload folder for the module: the shared world's files are kept there."""
    folder = tmp_path_factory.mktemp("uploads")
    with override_settings(MEDIA_ROOT=folder):
        yield folder


@pytest.fixture(autouse=True)
def _uploads_in_a_temporary_folder(settings, uploads):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = uploads


@pytest.fixture(scope="module")
def shared_world(shared_world: World, uploads: Path, django_db_blocker: Any) -> World:
    """The world with every object a probe asks for, made once for the module (the probes find
    them in `world.extras`); each test still starts from this world and rolls back after."""
    with django_db_blocker.unblock():
        for make in (_staff_import, _frameworks, _feedback, _plan, _talent, _programmes):
            make(shared_world)
        shared_world.extras["sessions"] = _sessions(shared_world)
    return shared_world


@pytest.mark.parametrize("route", ROUTES)
def test_every_role_gets_the_expected_answer(route, world):
    expectation = EXPECTATIONS.get(route)
    if expectation is None:
        pytest.fail(f"No expectation for /{route}: add it to EXPECTATIONS in {__file__}")
    probes = expectation if isinstance(expectation, list) else [expectation]
    wrong = []
    for probe in probes:
        # Objects the probe needs (made with the shared world), the same for every actor.
        kwargs = probe.kwargs(world)
        body = probe.json(world) if probe.json is not None else None
        for actor in _actors(route):
            # Each actor starts from the same world: their requests are rolled back after.
            with transaction.atomic():
                url, response = _request(world, route, probe, actor, kwargs, body)
                transaction.set_rollback(True)
            assert resolve(urlsplit(url).path).route == route, f"{url} is not {route}"
            got, want = _outcome(response), _expected(route, probe, actor)
            if got != want:
                wrong.append(f"{probe.method.upper()} {url} as {actor}: got {got}, expected {want}")
    assert not wrong, "\n".join(wrong)
