"""The facts gates are decided on, read in bulk: a fixed number of queries for any number of
applicants, and only the queries the gates in question need.

Other capabilities' data is read here and nowhere else in this app, each through one small
function, so that a change in their models touches one place:

- completed programmes: `appraisal.Completion` (every completion, reported by delivery or by
  another system, lands there);
- appraisal potential: the latest signed-off `appraisal.Appraisal` (`potential`, 1 to 3);
- 9-box: `talent.TalentRating.box` (1 to 9);
- 360 feedback: the frozen `feedback.Report` of the person's latest cycle on the framework that
  they can see themselves (released, or closed with no facilitator), and only its domain means
  for all others, which the anonymity rule already suppressed where too few answered.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import Q

from healthlead.appraisal.actions import programme_key
from healthlead.programmes import gates
from healthlead.programmes.models import (
    Application,
    PriorLearningClaim,
    PriorLearningDecision,
    ProgrammeVersion,
)


def catalogue() -> gates.Catalogue:
    """The programmes gates may name, with their current tier, and published framework domains.

    Two queries.
    """
    from healthlead.frameworks.models import Domain, FrameworkVersion

    refs: dict[str, gates.ProgrammeRef] = {}
    rows = (
        ProgrammeVersion.objects.exclude(state=ProgrammeVersion.State.RETIRED)
        .order_by("programme_id", "state", "-number")
        .values_list("programme__code", "programme__name", "tier__number", "state")
    )
    for code, name, tier, state in rows:
        # The published version's tier wins over a draft's ("draft" sorts before "published").
        if code not in refs or state == ProgrammeVersion.State.PUBLISHED:
            refs[code] = gates.ProgrammeRef(code, name, programme_key(name), tier)
    domains = {
        f"{framework_code}/{code}": (framework_name, name)
        for framework_code, framework_name, code, name in Domain.objects.filter(
            version__state=FrameworkVersion.State.PUBLISHED
        ).values_list("version__framework__code", "version__framework__name", "code", "name")
    }
    return gates.Catalogue(programmes=refs, domains=domains)


def gate_list(version: ProgrammeVersion) -> list[tuple[str, dict[str, Any]]]:
    """A version's gates as (rule, params), in order (uses a prefetch if there is one)."""
    return [(g.rule, g.params) for g in sorted(version.gates.all(), key=lambda g: (g.order, g.pk))]


def rules_used(gate_defs: Iterable[tuple[str, dict[str, Any]]]) -> set[str]:
    """Every rule name the gates use, including those inside any_of."""
    used: set[str] = set()
    for rule, params in gate_defs:
        used.add(rule)
        if rule == "any_of":
            used |= rules_used(
                (g.get("rule", ""), g.get("params", {}))
                for g in params.get("gates", [])
                if isinstance(g, dict)
            )
    return used


def _frameworks_used(gate_defs: Iterable[tuple[str, dict[str, Any]]]) -> set[str]:
    codes: set[str] = set()
    for rule, params in gate_defs:
        if rule == "feedback_domain_mean" and isinstance(params.get("domain"), str):
            codes.add(params["domain"].split("/", 1)[0])
        if rule == "any_of":
            codes |= _frameworks_used(
                (g.get("rule", ""), g.get("params", {}))
                for g in params.get("gates", [])
                if isinstance(g, dict)
            )
    return codes


# One small function per other capability's data --------------------------------------------------


def completions_of(person_ids: list[int]) -> dict[int, dict[str, dt.date]]:
    """person -> programme key -> the latest day they completed it (appraisal.Completion)."""
    from healthlead.appraisal.models import Completion

    found: dict[int, dict[str, dt.date]] = {}
    rows = Completion.objects.filter(person_id__in=person_ids).values_list(
        "person_id", "programme_key", "completed_on"
    )
    for person_id, key, day in rows:
        mine = found.setdefault(person_id, {})
        if key not in mine or day > mine[key]:
            mine[key] = day
    return found


def latest_potentials(person_ids: list[int]) -> dict[int, tuple[int, dt.date]]:
    """person -> (potential 1 to 3, day signed off) from their latest signed-off appraisal."""
    from healthlead.appraisal.models import Appraisal

    found: dict[int, tuple[int, dt.date]] = {}
    rows = (
        Appraisal.objects.signed_off()
        .filter(appraisee_id__in=person_ids, potential__isnull=False)
        .order_by("appraisee_id", "-year", "-signed_off_at")
        .values_list("appraisee_id", "potential", "signed_off_at")
    )
    for person_id, potential, signed_off_at in rows:
        if person_id not in found and signed_off_at is not None and potential is not None:
            found[person_id] = (int(potential), signed_off_at.date())
    return found


def talent_boxes(person_ids: list[int]) -> dict[int, int]:
    """person -> their current 9-box place (talent.TalentRating)."""
    from healthlead.talent.models import TalentRating

    return dict(
        TalentRating.objects.filter(person_id__in=person_ids).values_list("person_id", "box")
    )


def latest_feedback(
    person_ids: list[int], framework_codes: set[str]
) -> dict[int, dict[str, gates.FeedbackFact]]:
    """person -> framework code -> the frozen domain means of their latest report on it that
    they can see. Reads only the report's `domains` and `cycle` parts, never answers."""
    from healthlead.feedback.models import FeedbackCycle

    if not framework_codes:
        return {}
    visible = Q(state=FeedbackCycle.State.RELEASED) | Q(
        state=FeedbackCycle.State.CLOSED, facilitator__isnull=True
    )
    rows = (
        FeedbackCycle.objects.filter(visible, subject_id__in=person_ids, report__isnull=False)
        .filter(questionnaire__framework_version__framework__code__in=sorted(framework_codes))
        .order_by("subject_id", "-closed_at", "-pk")
        .values_list(
            "subject_id",
            "questionnaire__framework_version__framework__code",
            "closed_at",
            "report__data__domains",
            "report__data__cycle__frozen_on",
        )
    )
    found: dict[int, dict[str, gates.FeedbackFact]] = {}
    for person_id, code, closed_at, domains, frozen_on in rows:
        mine = found.setdefault(person_id, {})
        if code in mine:
            continue
        try:
            day = dt.date.fromisoformat(str(frozen_on))
        except ValueError:
            day = closed_at.date() if closed_at else dt.date.min
        means = {
            str(d.get("code")): d.get("all_others") for d in (domains or []) if isinstance(d, dict)
        }
        mine[code] = gates.FeedbackFact(frozen_on=day, means=means)
    return found


def prior_learning_of(person_ids: list[int]) -> dict[int, list[PriorLearningClaim]]:
    """person -> their claims, each with `latest` set to the decision in force (or None)."""
    claims = list(
        PriorLearningClaim.objects.filter(person_id__in=person_ids)
        .select_related("programme")
        .order_by("person_id", "pk")
    )
    latest: dict[int, PriorLearningDecision] = {}
    for decision in (
        PriorLearningDecision.objects.filter(claim__in=claims)
        .select_related("programme")
        .order_by("claim_id", "-decided_at", "-pk")
    ):
        latest.setdefault(decision.claim_id, decision)
    found: dict[int, list[PriorLearningClaim]] = {}
    for claim in claims:
        claim.latest = latest.get(claim.pk)  # type: ignore[attr-defined]
        found.setdefault(claim.person_id, []).append(claim)
    return found


# Putting them together ---------------------------------------------------------------------------


def facts_for(
    people: list[Any],
    gate_defs: list[tuple[str, dict[str, Any]]],
    *,
    applications: dict[int, Application] | None = None,
) -> dict[int, gates.ApplicantFacts]:
    """Facts for each person (staff records), reading only what the gates need.

    `applications` (person id -> application, with endorsement and funding loaded) adds the
    facts that come from an application.
    """
    person_ids = [p.pk for p in people]
    used = rules_used(gate_defs)
    completions = (
        completions_of(person_ids)
        if used & {"completed_programme", "completed_any_of_tier"}
        else {}
    )
    claims = (
        prior_learning_of(person_ids)
        if used & {"completed_programme", "completed_any_of_tier", "qualification"}
        else {}
    )
    potentials = latest_potentials(person_ids) if "appraisal_potential" in used else {}
    boxes = talent_boxes(person_ids) if "talent_box" in used else {}
    feedback = (
        latest_feedback(person_ids, _frameworks_used(gate_defs))
        if "feedback_domain_mean" in used
        else {}
    )
    result: dict[int, gates.ApplicantFacts] = {}
    for person in people:
        facts = gates.ApplicantFacts(
            person_id=person.pk,
            staff_group=person.staff_group,
            completions=completions.get(person.pk, {}),
            potential=potentials.get(person.pk),
            box=boxes.get(person.pk),
            feedback=feedback.get(person.pk, {}),
            has_line_manager=person.line_manager_id is not None,
        )
        for claim in claims.get(person.pk, []):
            decision = claim.latest  # type: ignore[attr-defined]
            if decision is None:
                facts.pending_kinds.add(claim.kind)
                if claim.programme is not None:
                    facts.pending_programmes.add(claim.programme.code)
                continue
            if decision.outcome == PriorLearningDecision.Outcome.NOT_RECOGNISED:
                continue
            facts.recognised_kinds.setdefault(claim.kind, claim.title)
            if (
                decision.outcome == PriorLearningDecision.Outcome.EQUIVALENT
                and decision.programme is not None
            ):
                facts.equivalents.setdefault(decision.programme.code, claim.title)
        application = (applications or {}).get(person.pk)
        if application is not None:
            _add_application_facts(facts, application)
        result[person.pk] = facts
    return result


def _add_application_facts(facts: gates.ApplicantFacts, application: Application) -> None:
    facts.has_application = True
    facts.submitted = application.submitted_at is not None
    facts.leadership_years = application.leadership_years
    endorsement = getattr(application, "endorsement", None)
    if endorsement is not None:
        facts.endorsement = endorsement.state
        facts.endorsement_confirms_years = endorsement.confirms_leadership_years
    funding = getattr(application, "funding", None)
    if funding is not None:
        facts.funding = funding.state


def check_person(
    person: Any,
    version: ProgrammeVersion,
    *,
    today: dt.date,
    application: Application | None = None,
    final: bool = False,
    known: gates.Catalogue | None = None,
) -> list[gates.GateResult]:
    """Every gate of a version for one person, with reasons."""
    gate_defs = gate_list(version)
    facts = facts_for(
        [person], gate_defs, applications={person.pk: application} if application else None
    )[person.pk]
    return gates.evaluate(gate_defs, facts, known or catalogue(), today=today, final=final)
