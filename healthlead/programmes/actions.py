"""Every write to the curriculum (tiers, programmes, versions, gates), prior learning, intakes
and panels. Applications are written in application_actions.py; selection and offers in
selection_actions.py.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from healthlead.appraisal.actions import (
    EVIDENCE_TYPES,
    actor_label,
    clean_file_name,
    evidence_file_problem,
)
from healthlead.core import audit
from healthlead.core.actors import Actor
from healthlead.people.models import Person, Region, StaffGroup
from healthlead.programmes import facts, gates
from healthlead.programmes.models import (
    Application,
    ConflictDeclaration,
    Gate,
    Intake,
    IntakeQuota,
    IntakeStateChange,
    LearningOutcome,
    Module,
    Panel,
    PanelMember,
    PriorLearningClaim,
    PriorLearningDecision,
    Programme,
    ProgrammeVersion,
    SelectionCriterion,
    Tier,
)

DATA_DIR = Path(__file__).resolve().parent / "data"
CURRICULUM_FILE = DATA_DIR / "curriculum.yaml"
LADDER_FILE = DATA_DIR / "ladder.yaml"
EVIDENCE_DIR = "prior-learning"
RESERVED_CODES = {"new", "fairness"}  # programmes/new/ and programmes/fairness/ are pages


class ProgrammeError(Exception):
    """A change to programmes, intakes or applications cannot be made; says why in plain English."""

    def __init__(self, message: str, problems: list[str] | None = None):
        self.message = message
        self.problems = problems or []
        super().__init__(message)


def _user(by: Actor) -> Any:
    return by if getattr(by, "is_authenticated", False) else None


def _text(value: str | None, *, limit: int, what: str, required: bool = False) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ProgrammeError(f"Enter {what}.")
    if len(text) > limit:
        raise ProgrammeError(f"{what[0].upper() + what[1:]} must be {limit:,} characters or fewer.")
    if any(ord(ch) < 32 and ch not in "\n\r\t" for ch in text):
        raise ProgrammeError(f"{what[0].upper() + what[1:]} holds characters that cannot be kept.")
    return text


# The curriculum -------------------------------------------------------------------------------


def _draft(version: ProgrammeVersion) -> ProgrammeVersion:
    if not version.is_draft:
        raise ProgrammeError(
            "This version is published, so it cannot change. Make a new version to change it."
        )
    return version


@transaction.atomic
def save_tier(
    *,
    number: int,
    name: str,
    by: Actor,
    description: str = "",
    competitive: bool = False,
    panel_needs_partner: bool = False,
) -> Tier:
    """Create or update a tier of the curriculum."""
    if not 0 <= number <= 9:
        raise ProgrammeError("A tier's number must be from 0 to 9.")
    tier, created = Tier.objects.update_or_create(
        number=number,
        defaults={
            "name": _text(name, limit=100, what="the tier's name", required=True),
            "description": description,
            "competitive": competitive,
            "panel_needs_partner": panel_needs_partner,
        },
    )
    audit.record(
        "programmes.tier.saved",
        by=by,
        target=tier,
        detail={"number": number, "created": created, "competitive": competitive},
    )
    return tier


VERSION_FIELDS = {
    "summary",
    "audience",
    "description",
    "duration_text",
    "duration_months",
    "delivery_mode",
    "cost_per_place",
    "award",
    "assessment",
    "completion_rules",
    "cohort_size",
}


def _version_values(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - VERSION_FIELDS
    if unknown:
        raise ProgrammeError(f"A programme version has no {', '.join(sorted(unknown))}.")
    values = dict(fields)
    if "summary" in values:
        values["summary"] = _text(values["summary"], limit=300, what="a summary", required=True)
    if "delivery_mode" in values and values["delivery_mode"] not in (
        ProgrammeVersion.DeliveryMode.values
    ):
        raise ProgrammeError("Choose how the programme is delivered.")
    for name in ("cost_per_place", "duration_months", "cohort_size"):
        value = values.get(name)
        if value is not None and (not isinstance(value, int) or value < 0):
            raise ProgrammeError(f"The {name.replace('_', ' ')} must be a whole number, 0 or more.")
    return values


@transaction.atomic
def create_programme(
    *, code: str, name: str, tier: Tier, by: Actor, **fields: Any
) -> ProgrammeVersion:
    """A new programme with its first version, as a draft."""
    code = _text(code, limit=60, what="a code", required=True).lower()
    if not all(ch.isalnum() or ch == "-" for ch in code):
        raise ProgrammeError("A programme code may hold only letters, digits and hyphens.")
    if code in RESERVED_CODES:
        raise ProgrammeError(
            f"{code} is a word Healthlead uses in its addresses: choose another code."
        )
    if Programme.objects.filter(code=code).exists():
        raise ProgrammeError(f"A programme already has the code {code}.")
    programme = Programme.objects.create(
        code=code, name=_text(name, limit=200, what="a name", required=True)
    )
    values = _version_values(fields)
    values.setdefault("delivery_mode", ProgrammeVersion.DeliveryMode.BLENDED)
    values.setdefault("summary", programme.name)
    version = ProgrammeVersion.objects.create(programme=programme, number=1, tier=tier, **values)
    audit.record(
        "programmes.programme.created",
        by=by,
        target=version,
        detail={"code": code, "tier": tier.number},
    )
    return version


@transaction.atomic
def update_version(
    *, version: ProgrammeVersion, by: Actor, tier: Tier | None = None, **fields: Any
) -> ProgrammeVersion:
    """Change a draft version's details."""
    _draft(version)
    values = _version_values(fields)
    before = {name: getattr(version, name) for name in values}
    for name, value in values.items():
        setattr(version, name, value)
    if tier is not None:
        version.tier = tier
    version.save()
    audit.record(
        "programmes.version.changed",
        by=by,
        target=version,
        detail={"before": before, "after": values, "tier": version.tier.number},
    )
    return version


def _next_order(queryset: Any) -> int:
    return (queryset.aggregate(top=Max("order"))["top"] or 0) + 1


@transaction.atomic
def add_outcome(
    *, version: ProgrammeVersion, text: str, by: Actor, elements: list[Any] | None = None
) -> LearningOutcome:
    """Add a learning outcome to a draft, mapped to framework elements."""
    _draft(version)
    outcome = LearningOutcome.objects.create(
        version=version,
        order=_next_order(version.outcomes.all()),
        text=_text(text, limit=500, what="the outcome", required=True),
    )
    if elements:
        outcome.elements.set(elements)
    audit.record(
        "programmes.outcome.added",
        by=by,
        target=outcome,
        detail={"version": version.pk, "elements": [e.pk for e in elements or []]},
    )
    return outcome


@transaction.atomic
def add_module(
    *,
    version: ProgrammeVersion,
    title: str,
    by: Actor,
    description: str = "",
    hours: int | None = None,
) -> Module:
    """Add a module to a draft."""
    _draft(version)
    module = Module.objects.create(
        version=version,
        order=_next_order(version.modules.all()),
        title=_text(title, limit=200, what="the module's title", required=True),
        description=description,
        hours=hours,
    )
    audit.record("programmes.module.added", by=by, target=module, detail={"version": version.pk})
    return module


@transaction.atomic
def add_criterion(
    *, version: ProgrammeVersion, title: str, by: Actor, guidance: str = "", weight: int = 1
) -> SelectionCriterion:
    """Add a selection criterion (weight 1 to 10) to a draft."""
    _draft(version)
    if not isinstance(weight, int) or not 1 <= weight <= 10:
        raise ProgrammeError("A criterion's weight must be a whole number from 1 to 10.")
    criterion = SelectionCriterion.objects.create(
        version=version,
        order=_next_order(version.criteria.all()),
        title=_text(title, limit=200, what="the criterion", required=True),
        guidance=guidance,
        weight=weight,
    )
    audit.record(
        "programmes.criterion.added",
        by=by,
        target=criterion,
        detail={"version": version.pk, "weight": weight},
    )
    return criterion


def check_gate(rule: str, params: Any, catalogue: gates.Catalogue | None = None) -> dict[str, Any]:
    """The gate's parameters as stored, or ProgrammeError listing every problem."""
    rule = (rule or "").strip()
    problems = gates.validate(rule, params, catalogue or facts.catalogue())
    if problems:
        raise ProgrammeError("This gate cannot be saved: " + problems[0], problems)
    return gates.clean_params(rule, params)


@transaction.atomic
def add_gate(
    *,
    version: ProgrammeVersion,
    rule: str,
    params: Any,
    by: Actor,
    catalogue: gates.Catalogue | None = None,
) -> Gate:
    """Add an entry gate to a draft. An unknown rule or bad parameters are refused."""
    _draft(version)
    cleaned = check_gate(rule, params, catalogue)
    gate = Gate.objects.create(
        version=version, order=_next_order(version.gates.all()), rule=rule.strip(), params=cleaned
    )
    audit.record(
        "programmes.gate.added",
        by=by,
        target=gate,
        detail={"version": version.pk, "rule": gate.rule, "params": cleaned},
    )
    return gate


@transaction.atomic
def remove_gate(*, gate: Gate, by: Actor) -> None:
    """Remove an entry gate from a draft."""
    version = _draft(gate.version)
    detail = {"version": version.pk, "rule": gate.rule, "params": gate.params}
    audit.record("programmes.gate.removed", by=by, target=gate, detail=detail)
    gate.delete()


@transaction.atomic
def publish_version(*, version: ProgrammeVersion, by: Actor) -> ProgrammeVersion:
    """Publish a draft (it cannot change after this); the version it replaces is retired."""
    version = (
        ProgrammeVersion.objects.select_for_update(of=("self",))
        .select_related("tier")
        .get(pk=version.pk)
    )
    _draft(version)
    known = facts.catalogue()
    problems = []
    for gate in version.gates.order_by("order", "pk"):
        problems += gates.validate(gate.rule, gate.params, known)
    if version.tier.competitive and not version.criteria.exists():
        problems.append("A programme in a competitive tier needs at least one selection criterion.")
    if problems:
        raise ProgrammeError("This version cannot be published: " + problems[0], problems)
    retired = list(
        ProgrammeVersion.objects.select_for_update(of=("self",))
        .filter(programme_id=version.programme_id, state=ProgrammeVersion.State.PUBLISHED)
        .values_list("pk", flat=True)
    )
    ProgrammeVersion.objects.filter(pk__in=retired).update(state=ProgrammeVersion.State.RETIRED)
    version.state = ProgrammeVersion.State.PUBLISHED
    version.published_at = timezone.now()
    version.published_by_label = actor_label(by)
    version.save(update_fields=["state", "published_at", "published_by_label"])
    audit.record(
        "programmes.version.published",
        by=by,
        target=version,
        detail={"programme": version.programme.code, "number": version.number, "retired": retired},
    )
    return version


@transaction.atomic
def create_draft_version(*, programme: Programme, by: Actor) -> ProgrammeVersion:
    """A new draft copied from the latest version: outcomes, modules, criteria and gates."""
    if programme.versions.filter(state=ProgrammeVersion.State.DRAFT).exists():
        raise ProgrammeError("This programme already has a draft version. Change that one.")
    latest = programme.versions.order_by("-number").first()
    if latest is None:
        raise ProgrammeError("This programme has no version to copy.")
    copy = ProgrammeVersion.objects.create(
        programme=programme,
        number=latest.number + 1,
        tier=latest.tier,
        **{name: getattr(latest, name) for name in VERSION_FIELDS},
    )
    for outcome in latest.outcomes.prefetch_related("elements"):
        new = LearningOutcome.objects.create(version=copy, order=outcome.order, text=outcome.text)
        new.elements.set(outcome.elements.all())
    Module.objects.bulk_create(
        Module(version=copy, order=m.order, title=m.title, description=m.description, hours=m.hours)
        for m in latest.modules.all()
    )
    SelectionCriterion.objects.bulk_create(
        SelectionCriterion(
            version=copy, order=c.order, title=c.title, guidance=c.guidance, weight=c.weight
        )
        for c in latest.criteria.all()
    )
    Gate.objects.bulk_create(
        Gate(version=copy, order=g.order, rule=g.rule, params=g.params) for g in latest.gates.all()
    )
    audit.record(
        "programmes.version.drafted",
        by=by,
        target=copy,
        detail={"programme": programme.code, "from": latest.number, "number": copy.number},
    )
    return copy


# Loading the shipped curriculum -------------------------------------------------------------


@dataclass
class LoadResult:
    tiers: int = 0
    created: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)


def _ladder_facts(entry: dict[str, Any]) -> dict[str, Any]:
    """The version fields a ladder entry gives (name, audience, length, cost, award...)."""
    values: dict[str, Any] = {"audience": str(entry.get("for") or entry.get("level") or "")[:300]}
    if entry.get("length"):
        values["duration_text"] = str(entry["length"])[:200]
    if entry.get("cost_gbp") is not None:
        values["cost_per_place"] = int(entry["cost_gbp"])
    if entry.get("award"):
        values["award"] = str(entry["award"])[:200]
    if entry.get("assessment"):
        values["assessment"] = str(entry["assessment"])[:300]
    if entry.get("cohort_size"):
        values["cohort_size"] = int(entry["cohort_size"])
    notes = [str(entry[key]) for key in ("requires", "selection") if entry.get(key)]
    if notes:
        values["description"] = " ".join(f"{note[0].upper()}{note[1:]}." for note in notes)
    return values


def _elements_by_ref() -> dict[str, Any]:
    from healthlead.frameworks.models import Element, FrameworkVersion

    rows = Element.objects.filter(
        domain__version__state=FrameworkVersion.State.PUBLISHED
    ).select_related("domain__version__framework")
    return {f"{e.domain.version.framework.code}/{e.domain.code}/{e.code}": e for e in rows}


@transaction.atomic
def load_curriculum(
    *, by: Actor, path: Path = CURRICULUM_FILE, ladder_path: Path = LADDER_FILE
) -> LoadResult:
    """Load the tiers and the demo programmes (published). All or nothing.

    A programme that already exists is kept as it is: published content never changes, and a
    changed definition is made in Healthlead as a new version.
    """
    data = yaml.safe_load(path.read_text())
    ladder = {p["name"]: p for p in yaml.safe_load(ladder_path.read_text())["programmes"]}
    result = LoadResult()
    tiers = {}
    for tier_data in data["tiers"]:
        tiers[tier_data["number"]] = save_tier(
            number=tier_data["number"],
            name=tier_data["name"],
            description=tier_data.get("description", ""),
            competitive=bool(tier_data.get("competitive")),
            panel_needs_partner=bool(tier_data.get("panel_needs_partner")),
            by=by,
        )
        result.tiers += 1
    elements = _elements_by_ref()
    missing = sorted(
        {
            ref
            for p in data["programmes"]
            for o in p.get("outcomes", [])
            for ref in o.get("elements", [])
            if ref not in elements
        }
    )
    if missing:
        raise ProgrammeError(
            "The curriculum maps outcomes to framework elements that are not loaded: "
            f"{', '.join(missing[:5])}. Run manage.py load_frameworks first."
        )
    for spec in data["programmes"]:
        if Programme.objects.filter(code=spec["code"]).exists():
            result.kept.append(spec["code"])
            continue
        source = ladder.get(spec.get("ladder", ""), {})
        if spec.get("ladder") and not source:
            raise ProgrammeError(f"{spec['ladder']} is not in the programme ladder file.")
        fields = _ladder_facts(source) if source else {}
        for name in VERSION_FIELDS:
            if name in spec:
                fields[name] = spec[name]
        version = create_programme(
            code=spec["code"],
            name=spec.get("name") or source["name"],
            tier=tiers[spec["tier"]],
            by=by,
            **fields,
        )
        for outcome in spec.get("outcomes", []):
            add_outcome(
                version=version,
                text=outcome["text"],
                elements=[elements[ref] for ref in outcome.get("elements", [])],
                by=by,
            )
        for module in spec.get("modules", []):
            add_module(
                version=version,
                title=module["title"],
                description=module.get("description", ""),
                hours=module.get("hours"),
                by=by,
            )
        for criterion in spec.get("criteria", []):
            add_criterion(
                version=version,
                title=criterion["title"],
                guidance=criterion.get("guidance", ""),
                weight=int(criterion.get("weight", 1)),
                by=by,
            )
        result.created.append(spec["code"])
    # Gates may name programmes loaded later in the file, so they come after every programme.
    known = facts.catalogue()
    for spec in data["programmes"]:
        if spec["code"] not in result.created:
            continue
        version = ProgrammeVersion.objects.get(programme__code=spec["code"], number=1)
        for gate in spec.get("gates", []):
            add_gate(
                version=version,
                rule=gate["rule"],
                params=gate.get("params", {}),
                by=by,
                catalogue=known,
            )
        publish_version(version=version, by=by)
    audit.record(
        "programmes.curriculum.loaded",
        by=by,
        detail={"tiers": result.tiers, "created": result.created, "kept": result.kept},
    )
    return result


# Recognition of prior learning ----------------------------------------------------------------


@transaction.atomic
def claim_prior_learning(
    *,
    person: Person,
    kind: str,
    title: str,
    upload: Any,
    by: Actor,
    provider: str = "",
    completed_year: int | None = None,
    description: str = "",
    programme: Programme | None = None,
) -> PriorLearningClaim:
    """Claim prior learning with an evidence file (checked for size and type, stored under a
    random name outside the web root)."""
    if kind not in PriorLearningClaim.Kind.values:
        raise ProgrammeError("Choose what kind of prior learning this is.")
    title = _text(
        title, limit=200, what="the name of the qualification or programme", required=True
    )
    provider = _text(provider, limit=200, what="who awarded it")
    description = _text(description, limit=3000, what="your description")
    this_year = timezone.localdate().year
    if completed_year is not None and not 1950 <= completed_year <= this_year:
        raise ProgrammeError(f"The year must be from 1950 to {this_year}.")
    if upload is None:
        raise ProgrammeError("Choose a file that shows your prior learning.")
    name = clean_file_name(upload.name or "")
    head = upload.read(2048)
    upload.seek(0)
    problem = evidence_file_problem(name, upload.size or 0, head)
    if problem:
        raise ProgrammeError(problem)
    extension = "." + name.rsplit(".", 1)[-1].lower()
    content_type, _ = EVIDENCE_TYPES[extension]
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    stored = default_storage.save(f"{EVIDENCE_DIR}/{secrets.token_hex(16)}{extension}", upload)
    try:
        claim = PriorLearningClaim.objects.create(
            person=person,
            kind=kind,
            title=title,
            provider=provider,
            completed_year=completed_year,
            description=description,
            programme=programme,
            file_name=name,
            stored_path=stored,
            content_type=content_type,
            size=upload.size or 0,
            sha256=digest.hexdigest(),
        )
        audit.record(
            "programmes.prior_learning.claimed",
            by=by,
            target=claim,
            detail={
                "kind": kind,
                "programme": programme.code if programme else None,
                "file_name": name,
                "bytes": claim.size,
                "sha256": claim.sha256,
            },
        )
    except Exception:
        default_storage.delete(stored)
        raise
    return claim


@transaction.atomic
def decide_prior_learning(
    *,
    claim: PriorLearningClaim,
    outcome: str,
    reasons: str,
    by: Actor,
    programme: Programme | None = None,
    modules: list[Module] | None = None,
) -> PriorLearningDecision:
    """An assessor's decision on a claim, with reasons. A later decision replaces it."""
    if outcome not in PriorLearningDecision.Outcome.values:
        raise ProgrammeError("Choose a decision.")
    reasons = _text(reasons, limit=3000, what="the reasons for your decision", required=True)
    if getattr(by, "person_id", None) == claim.person_id:
        raise ProgrammeError("You cannot decide your own claim.")
    modules = list(modules or [])
    if outcome == PriorLearningDecision.Outcome.EQUIVALENT and programme is None:
        raise ProgrammeError("Choose the programme this is equivalent to.")
    if outcome == PriorLearningDecision.Outcome.PARTIAL and not modules:
        raise ProgrammeError("Choose the modules this exempts the person from.")
    if outcome == PriorLearningDecision.Outcome.NOT_RECOGNISED:
        programme, modules = None, []
    decision = PriorLearningDecision.objects.create(
        claim=claim,
        outcome=outcome,
        programme=programme,
        reasons=reasons,
        decided_by=_user(by),
        decided_by_label=actor_label(by),
    )
    if modules:
        decision.modules.set(modules)
    claim.state = PriorLearningClaim.State.DECIDED
    claim.save(update_fields=["state"])
    audit.record(
        "programmes.prior_learning.decided",
        by=by,
        target=claim,
        detail={
            "outcome": outcome,
            "programme": programme.code if programme else None,
            "modules": [m.pk for m in modules],
        },
    )
    return decision


# Intakes and their panels ---------------------------------------------------------------------


def move_intake(intake: Intake, to_state: str, *, by: Actor, note: str = "") -> None:
    """Change an intake's state and record who did it."""
    before = intake.state
    intake.state = to_state
    intake.save(update_fields=["state"])
    IntakeStateChange.objects.create(
        intake=intake,
        from_state=before,
        to_state=to_state,
        by=_user(by),
        by_label=actor_label(by),
        note=note,
    )


def _intake_values(
    *,
    name: str,
    opens_on: dt.date,
    closes_on: dt.date,
    places: int,
    budget: int,
    offer_days: int,
    minimum_score: Decimal | None,
) -> dict[str, Any]:
    if closes_on < opens_on:
        raise ProgrammeError("The closing date must be on or after the opening date.")
    if not 1 <= places <= 100_000:
        raise ProgrammeError("The number of places must be from 1 to 100,000.")
    if budget < 0:
        raise ProgrammeError("The budget must be 0 or more.")
    if not 1 <= offer_days <= 90:
        raise ProgrammeError("The days to accept an offer must be from 1 to 90.")
    if minimum_score is not None and not Decimal(1) <= minimum_score <= Decimal(5):
        raise ProgrammeError("The minimum score must be from 1 to 5.")
    return {
        "name": _text(name, limit=200, what="the intake's name", required=True),
        "opens_on": opens_on,
        "closes_on": closes_on,
        "places": places,
        "budget": budget,
        "offer_days": offer_days,
        "minimum_score": minimum_score,
    }


@transaction.atomic
def create_intake(
    *,
    version: ProgrammeVersion,
    name: str,
    region: Region | None,
    opens_on: dt.date,
    closes_on: dt.date,
    places: int,
    by: Actor,
    budget: int = 0,
    offer_days: int = 14,
    minimum_score: Decimal | None = None,
) -> Intake:
    """A new intake (being set up) for a published version, with its (empty) panel."""
    if version.state != ProgrammeVersion.State.PUBLISHED:
        raise ProgrammeError("Intakes are for published programmes only.")
    if not version.tier.competitive:
        raise ProgrammeError(
            f"{version.programme.name} is open to everyone: it has no intakes or selection."
        )
    values = _intake_values(
        name=name,
        opens_on=opens_on,
        closes_on=closes_on,
        places=places,
        budget=budget,
        offer_days=offer_days,
        minimum_score=minimum_score,
    )
    intake = Intake.objects.create(
        version=version, region=region, created_by_label=actor_label(by), **values
    )
    Panel.objects.create(intake=intake)
    IntakeStateChange.objects.create(
        intake=intake, to_state=intake.state, by=_user(by), by_label=actor_label(by)
    )
    audit.record(
        "programmes.intake.created",
        by=by,
        target=intake,
        detail={
            "version": version.pk,
            "region": region.code if region else None,
            "places": places,
            "budget": budget,
        },
    )
    return intake


def _quotas_problems(intake: Intake, quotas: list[tuple[str, str, int]]) -> list[str]:
    from healthlead.programmes.allocation import Quotas, cap_places, check_quotas

    caps = {g: cap_places(v, intake.places) for kind, g, v in quotas if kind == "cap"}
    reserves = {g: v for kind, g, v in quotas if kind == "reserve"}
    return check_quotas(intake.places, Quotas(caps=caps, reserves=reserves))


@transaction.atomic
def set_quota(*, intake: Intake, kind: str, staff_group: str, value: int, by: Actor) -> IntakeQuota:
    """Add or change a fairness constraint, before places are allocated."""
    if intake.state not in {Intake.State.DRAFT, Intake.State.OPEN, Intake.State.SCORING}:
        raise ProgrammeError("Places have been allocated: the constraints can no longer change.")
    if kind not in IntakeQuota.Kind.values:
        raise ProgrammeError("Choose a cap or a reserve.")
    if staff_group not in StaffGroup.values:
        raise ProgrammeError("Choose a staff group.")
    if kind == IntakeQuota.Kind.CAP and not 1 <= value <= 100:
        raise ProgrammeError("A cap is a share of the places: from 1 to 100 per cent.")
    if kind == IntakeQuota.Kind.RESERVE and not 1 <= value <= intake.places:
        raise ProgrammeError(f"Reserve from 1 to {intake.places} places.")
    others = [
        (q.kind, q.staff_group, q.value)
        for q in intake.quotas.all()
        if (q.kind, q.staff_group) != (kind, staff_group)
    ]
    problems = _quotas_problems(intake, [*others, (kind, staff_group, value)])
    if problems:
        raise ProgrammeError(problems[0], problems)
    quota, _ = IntakeQuota.objects.update_or_create(
        intake=intake, kind=kind, staff_group=staff_group, defaults={"value": value}
    )
    audit.record(
        "programmes.intake.quota_set",
        by=by,
        target=intake,
        detail={"kind": kind, "staff_group": staff_group, "value": value},
    )
    return quota


@transaction.atomic
def remove_quota(*, quota: IntakeQuota, by: Actor) -> None:
    """Remove a fairness constraint, before places are allocated."""
    intake = quota.intake
    if intake.state not in {Intake.State.DRAFT, Intake.State.OPEN, Intake.State.SCORING}:
        raise ProgrammeError("Places have been allocated: the constraints can no longer change.")
    audit.record(
        "programmes.intake.quota_removed",
        by=by,
        target=intake,
        detail={"kind": quota.kind, "staff_group": quota.staff_group, "value": quota.value},
    )
    quota.delete()


@transaction.atomic
def open_intake(*, intake: Intake, by: Actor) -> Intake:
    """Open an intake for applications (within its window)."""
    intake = Intake.objects.select_for_update(of=("self",)).get(pk=intake.pk)
    if intake.state != Intake.State.DRAFT:
        raise ProgrammeError(
            f"This intake is {intake.get_state_display().lower()}: it is not being set up."
        )
    if intake.closes_on < timezone.localdate():
        raise ProgrammeError("The closing date has passed. Change the dates first.")
    move_intake(intake, Intake.State.OPEN, by=by)
    audit.record("programmes.intake.opened", by=by, target=intake)
    return intake


def conflict_reason(member_person: Person | None, applicant: Person) -> str | None:
    """Why a panel member (a staff record) is conflicted with an applicant, if they are."""
    if member_person is None:
        return None
    if member_person.pk == applicant.pk:
        return ConflictDeclaration.Reason.OTHER
    if applicant.manager_path.startswith(
        member_person.team_path
    ) or member_person.manager_path.startswith(applicant.team_path):
        return ConflictDeclaration.Reason.LINE_MANAGEMENT
    if member_person.organisation_id == applicant.organisation_id:
        return ConflictDeclaration.Reason.SAME_ORGANISATION
    return None


def declare_detected_conflicts(
    intake: Intake, *, by: Actor, members: list[PanelMember] | None = None
) -> int:
    """Record the conflicts Healthlead can see itself (same organisation, line management)
    between panel members and the intake's sent applications. Returns how many were new."""
    members = (
        members
        if members is not None
        else list(PanelMember.objects.filter(panel__intake=intake).select_related("user__person"))
    )
    applications = list(
        Application.objects.filter(intake=intake, submitted_at__isnull=False)
        .exclude(state=Application.State.WITHDRAWN)
        .select_related("person")
    )
    existing = set(
        ConflictDeclaration.objects.filter(member__in=members).values_list(
            "member_id", "application_id"
        )
    )
    new = []
    for member in members:
        person = getattr(member.user, "person", None)
        for application in applications:
            if (member.pk, application.pk) in existing:
                continue
            reason = conflict_reason(person, application.person)
            if reason is not None:
                new.append(
                    ConflictDeclaration(
                        member=member,
                        application=application,
                        reason=reason,
                        note=(
                            "The panel member is the applicant."
                            if person is not None and person.pk == application.person_id
                            else "Found from the staff records."
                        ),
                        declared_by_label=actor_label(by),
                    )
                )
    ConflictDeclaration.objects.bulk_create(new)
    return len(new)


@transaction.atomic
def add_panel_member(*, intake: Intake, user: Any, by: Actor, chair: bool = False) -> PanelMember:
    """Add someone (a member of staff or a patient or public partner) to an intake's panel."""
    if intake.state in {Intake.State.OFFERS, Intake.State.FINISHED}:
        raise ProgrammeError("Places have been allocated: the panel can no longer change.")
    panel = Panel.objects.get(intake=intake)
    if panel.members.filter(user=user).exists():
        raise ProgrammeError(f"{user.display_name} is already on this panel.")
    if getattr(user, "person_id", None) is None and getattr(user, "partner_id", None) is None:
        raise ProgrammeError("Panel members need a staff record or a partner record.")
    partner = getattr(user, "partner", None)
    if partner is not None and not partner.has_consent:
        raise ProgrammeError(f"{user.display_name} has not agreed to take part as a partner.")
    member = PanelMember.objects.create(
        panel=panel,
        user=user,
        role=PanelMember.Role.CHAIR if chair else PanelMember.Role.MEMBER,
        is_partner=partner is not None,
        name=user.display_name,
        added_by_label=actor_label(by),
    )
    conflicts = 0
    if intake.state == Intake.State.SCORING:
        conflicts = declare_detected_conflicts(intake, by=by, members=[member])
    audit.record(
        "programmes.panel.member_added",
        by=by,
        target=intake,
        detail={
            "member": member.pk,
            "user": user.pk,
            "partner": member.is_partner,
            "chair": chair,
            "conflicts": conflicts,
        },
    )
    return member


@transaction.atomic
def remove_panel_member(*, member: PanelMember, by: Actor) -> None:
    """Take someone off a panel, if they have not scored anything yet."""
    intake = member.panel.intake
    if member.score_sheets.exists():
        raise ProgrammeError(f"{member.name} has already scored applications and must stay.")
    if intake.state in {Intake.State.OFFERS, Intake.State.FINISHED}:
        raise ProgrammeError("Places have been allocated: the panel can no longer change.")
    audit.record(
        "programmes.panel.member_removed",
        by=by,
        target=intake,
        detail={"member": member.pk, "user": member.user_id},
    )
    member.delete()
