"""The gate rule vocabulary: what each rule means, how its parameters are checked, and how it is
evaluated for an applicant, with the reason in plain English.

A gate is `{"rule": <name>, "params": {...}}`. `validate()` refuses unknown rules and bad
parameters with messages a national lead can act on; `describe()` says what a gate asks for;
`evaluate()` decides it from an applicant's facts (facts.py) and says why. Every rule and its
parameters are documented, with examples, in docs/programmes.md.

A gate's result is passed, failed, or pending (waiting for something that comes after the
application is sent: the line manager's endorsement, the employer's funding, an assessor's
decision on prior learning). When applications close (`final=True`), pending counts as failed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from healthlead.core.formatting import nhs_date
from healthlead.people.models import StaffGroup

PASSED = "passed"
FAILED = "failed"
PENDING = "pending"

# The kinds of prior learning a qualification gate can ask for (PriorLearningClaim.Kind).
QUALIFICATION_KINDS = {
    "degree": "a degree (2:2 or above)",
    "masters": "a masters degree",
    "mba": "an MBA",
    "doctorate": "a doctorate",
    "professional_qualification": "a professional qualification or registration",
    "other_programme": "another leadership programme",
    "experience": "recognised experience of leading people or services",
}
POTENTIAL_LABELS = {
    1: "limited potential for a bigger role at present",
    2: "potential for a bigger role",
    3: "high potential for a senior role",
}
BOX_LABELS = {
    1: "box 1 (low performance, limited potential)",
    2: "box 2 (meeting expectations, limited potential)",
    3: "box 3 (high performance, limited potential)",
    4: "box 4 (low performance, some potential)",
    5: "box 5 (meeting expectations, some potential)",
    6: "box 6 (high performance, some potential)",
    7: "box 7 (low performance, high potential)",
    8: "box 8 (meeting expectations, high potential)",
    9: "box 9 (high performance, high potential)",
}
TIER_NAMES = {
    0: "NHS induction",
    1: "generic NHS training",
    2: "first-line leaders",
    3: "mid-level leaders",
    4: "senior leaders",
    5: "executive and board",
}


class GateError(Exception):
    """A gate definition is not valid; `problems` lists every reason in plain English."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(" ".join(problems))


# The facts a gate is decided on ------------------------------------------------------------------


@dataclass(frozen=True)
class ProgrammeRef:
    code: str
    name: str
    key: str  # the name normalised for matching completions
    tier: int


@dataclass(frozen=True)
class Catalogue:
    """The programmes gates can name: by code, with each one's tier (of its current version)."""

    programmes: dict[str, ProgrammeRef] = field(default_factory=dict)
    # "<framework code>/<domain code>" -> (framework name, domain name) for published frameworks
    domains: dict[str, tuple[str, str]] = field(default_factory=dict)

    def by_key(self) -> dict[str, ProgrammeRef]:
        return {p.key: p for p in self.programmes.values()}

    def in_tier(self, tier: int) -> list[ProgrammeRef]:
        return sorted((p for p in self.programmes.values() if p.tier == tier), key=lambda p: p.name)


@dataclass(frozen=True)
class FeedbackFact:
    """The latest 360 report the person can see on one framework: its frozen domain means."""

    frozen_on: dt.date
    means: dict[str, float | None]  # domain code -> all-others mean (None: not shown)


@dataclass
class ApplicantFacts:
    """Everything gates are decided on for one person (and their application, if any)."""

    person_id: int
    staff_group: str
    completions: dict[str, dt.date] = field(default_factory=dict)  # programme key -> latest day
    equivalents: dict[str, str] = field(default_factory=dict)  # programme code -> claim title
    recognised_kinds: dict[str, str] = field(default_factory=dict)  # claim kind -> claim title
    pending_kinds: set[str] = field(default_factory=set)  # kinds of claims awaiting a decision
    pending_programmes: set[str] = field(default_factory=set)  # codes claimed, awaiting decision
    potential: tuple[int, dt.date] | None = None  # latest signed-off appraisal: value, day
    box: int | None = None  # current 9-box place
    feedback: dict[str, FeedbackFact] = field(default_factory=dict)  # framework code -> latest
    # From the application (None before there is one):
    has_application: bool = False
    submitted: bool = False
    leadership_years: int | None = None
    endorsement: str | None = None  # requested, endorsed, declined
    endorsement_confirms_years: bool | None = None
    has_line_manager: bool = True
    funding: str | None = None  # requested, confirmed, refused


@dataclass(frozen=True)
class GateResult:
    rule: str
    description: str
    status: str  # passed, failed, pending
    reason: str

    @property
    def passed(self) -> bool:
        return self.status == PASSED

    def as_dict(self) -> dict[str, str]:
        return {
            "rule": self.rule,
            "description": self.description,
            "status": self.status,
            "reason": self.reason,
        }


# Parameter checking ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Param:
    name: str
    kind: str  # programme, tier, int, number, framework_domain, boxes, kinds, staff_groups, gates
    hint: str
    required: bool = True
    minimum: float | None = None
    maximum: float | None = None


def _as_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return None


def _as_number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _check_param(
    rule: str, param: Param, value: Any, catalogue: Catalogue, depth: int
) -> list[str]:
    where = f"{rule}: {param.name}"
    bounds = ""
    if param.minimum is not None and param.maximum is not None:
        bounds = f" from {param.minimum:g} to {param.maximum:g}"
    if param.kind in {"int", "tier"}:
        number = _as_int(value)
        low = param.minimum if param.minimum is not None else float("-inf")
        high = param.maximum if param.maximum is not None else float("inf")
        if number is None or not low <= number <= high:
            return [f"{where} must be a whole number{bounds} ({param.hint})."]
        return []
    if param.kind == "number":
        decimal = _as_number(value)
        if (
            decimal is None
            or (param.minimum is not None and decimal < Decimal(str(param.minimum)))
            or (param.maximum is not None and decimal > Decimal(str(param.maximum)))
        ):
            return [f"{where} must be a number{bounds} ({param.hint})."]
        return []
    if param.kind == "programme":
        if not isinstance(value, str) or not value.strip():
            return [f"{where} must be a programme code ({param.hint})."]
        if catalogue.programmes and value not in catalogue.programmes:
            known = ", ".join(sorted(catalogue.programmes))
            return [f"{where}: no programme has the code {value!r}. Known codes: {known}."]
        return []
    if param.kind == "framework_domain":
        if not isinstance(value, str) or value.count("/") != 1:
            return [f"{where} must be written framework/domain ({param.hint})."]
        if catalogue.domains and value not in catalogue.domains:
            return [f"{where}: no published framework has the domain {value!r} ({param.hint})."]
        return []
    if param.kind == "boxes":
        if (
            not isinstance(value, list)
            or not value
            or any(_as_int(v) is None or not 1 <= int(v) <= 9 for v in value)
        ):
            return [f"{where} must be a list of boxes from 1 to 9 ({param.hint})."]
        if len({int(v) for v in value}) != len(value):
            return [f"{where} names a box twice."]
        return []
    if param.kind == "kinds":
        if not isinstance(value, list) or not value:
            return [f"{where} must be a list of kinds of prior learning ({param.hint})."]
        unknown = [v for v in value if v not in QUALIFICATION_KINDS]
        if unknown:
            kinds = ", ".join(QUALIFICATION_KINDS)
            return [f"{where}: {unknown[0]!r} is not a kind of prior learning. Use: {kinds}."]
        return []
    if param.kind == "staff_groups":
        if not isinstance(value, list) or not value:
            return [f"{where} must be a list of staff groups ({param.hint})."]
        unknown = [v for v in value if v not in StaffGroup.values]
        if unknown:
            groups = ", ".join(StaffGroup.values)
            return [f"{where}: {unknown[0]!r} is not a staff group. Use: {groups}."]
        return []
    if param.kind == "gates":
        if depth > 0:
            return [f"{where}: an any_of gate cannot hold another any_of gate."]
        if not isinstance(value, list) or len(value) < 2:
            return [f"{where} must be a list of at least two gates ({param.hint})."]
        problems: list[str] = []
        for number, inner in enumerate(value, start=1):
            if (
                not isinstance(inner, dict)
                or set(inner) - {"rule", "params"}
                or "rule" not in inner
            ):
                problems.append(
                    f"{where}: gate {number} must be written {{'rule': ..., 'params': {{...}}}}."
                )
                continue
            problems += [
                f"any_of, gate {number}: {problem}"
                for problem in _validate(
                    str(inner["rule"]), inner.get("params", {}), catalogue, depth + 1
                )
            ]
        return problems
    raise AssertionError(f"unknown parameter kind {param.kind}")  # pragma: no cover


# The rules ---------------------------------------------------------------------------------------


Describe = Callable[[dict[str, Any], Catalogue], str]
Evaluate = Callable[[dict[str, Any], "ApplicantFacts", Catalogue, dt.date, bool], tuple[str, str]]


@dataclass(frozen=True)
class Rule:
    name: str
    summary: str  # for the documentation and the gate form
    params: tuple[Param, ...]
    describe: Describe
    evaluate: Evaluate
    example: dict[str, Any]
    # Decided after the application is sent (by someone other than the applicant).
    decided_later: bool = False


def _programme_name(code: str, catalogue: Catalogue) -> str:
    ref = catalogue.programmes.get(code)
    return ref.name if ref else code


def _completed(programmes: list[ProgrammeRef], facts: ApplicantFacts) -> tuple[str, str] | None:
    """(how, when) for the first of these programmes the person completed or had recognised."""
    for programme in programmes:
        day = facts.completions.get(programme.key)
        if day is not None:
            return f"You completed {programme.name} on {nhs_date(day)}.", programme.code
    for programme in programmes:
        title = facts.equivalents.get(programme.code)
        if title is not None:
            return (
                f"Your prior learning ({title}) is recognised as equivalent to {programme.name}.",
                programme.code,
            )
    return None


def _describe_completed(params: dict[str, Any], catalogue: Catalogue) -> str:
    name = _programme_name(params["programme"], catalogue)
    return f"Completed {name}, or had prior learning recognised as equivalent to it"


def _evaluate_completed(
    params: dict[str, Any], facts: ApplicantFacts, catalogue: Catalogue, today: dt.date, final: bool
) -> tuple[str, str]:
    code = params["programme"]
    ref = catalogue.programmes.get(code) or ProgrammeRef(code, code, code, -1)
    found = _completed([ref], facts)
    if found:
        return PASSED, found[0]
    if code in facts.pending_programmes and not final:
        return PENDING, (
            f"You have not completed {ref.name}. An assessor has not yet decided your claim "
            "that your prior learning is equivalent to it."
        )
    return FAILED, (
        f"You have not completed {ref.name}, and no prior learning of yours is recognised as "
        "equivalent to it."
    )


def _describe_tier(params: dict[str, Any], catalogue: Catalogue) -> str:
    tier = int(params["tier"])
    return (
        f"Completed a tier {tier} programme ({TIER_NAMES.get(tier, 'tier ' + str(tier))}), "
        "or had prior learning recognised as equivalent to one"
    )


def _evaluate_tier(
    params: dict[str, Any], facts: ApplicantFacts, catalogue: Catalogue, today: dt.date, final: bool
) -> tuple[str, str]:
    tier = int(params["tier"])
    programmes = catalogue.in_tier(tier)
    found = _completed(programmes, facts)
    if found:
        return PASSED, found[0]
    names = " or ".join(p.name for p in programmes) or f"any tier {tier} programme"
    if not final and any(p.code in facts.pending_programmes for p in programmes):
        return PENDING, (
            f"You have not completed {names}. An assessor has not yet decided your claim of "
            "equivalent prior learning."
        )
    return FAILED, f"You have not completed a tier {tier} programme ({names})."


def _months_ago(today: dt.date, months: int) -> dt.date:
    month = today.month - months
    year = today.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    day = min(today.day, 28)
    return dt.date(year, month, day)


def _describe_feedback(params: dict[str, Any], catalogue: Catalogue) -> str:
    framework, domain = catalogue.domains.get(params["domain"], ("", params["domain"]))
    on = f" on the {framework}" if framework else ""
    return (
        f"Your latest 360 feedback{on}, from the last {int(params['within_months'])} months, "
        f"scores you at least {_as_number(params['at_least'])} on {domain} "
        "(the mean of all your raters other than you)"
    )


def _evaluate_feedback(
    params: dict[str, Any], facts: ApplicantFacts, catalogue: Catalogue, today: dt.date, final: bool
) -> tuple[str, str]:
    framework_code, domain_code = params["domain"].split("/", 1)
    framework, domain = catalogue.domains.get(params["domain"], (framework_code, domain_code))
    months = int(params["within_months"])
    at_least = _as_number(params["at_least"]) or Decimal(0)
    fact = facts.feedback.get(framework_code)
    if fact is None:
        return FAILED, f"You have no 360 feedback report on the {framework} that you can see."
    if fact.frozen_on < _months_ago(today, months):
        return FAILED, (
            f"Your latest 360 feedback report on the {framework} is from "
            f"{nhs_date(fact.frozen_on)}, more than {months} months ago."
        )
    mean = fact.means.get(domain_code)
    if mean is None:
        return FAILED, (
            f"Your 360 feedback report of {nhs_date(fact.frozen_on)} does not show a score for "
            f"{domain}: too few raters answered for it to be shown."
        )
    shown = Decimal(str(round(mean, 2)))
    if Decimal(str(mean)) >= at_least:
        return PASSED, (
            f"Your raters scored you {shown} on {domain} (report of {nhs_date(fact.frozen_on)}); "
            f"at least {at_least} is needed."
        )
    return FAILED, (
        f"Your raters scored you {shown} on {domain} (report of {nhs_date(fact.frozen_on)}); "
        f"at least {at_least} is needed."
    )


def _describe_potential(params: dict[str, Any], catalogue: Catalogue) -> str:
    level = int(params["at_least"])
    months = int(params.get("within_months", 24))
    return (
        f"Your latest signed-off appraisal, from the last {months} months, rates your potential "
        f"at least '{POTENTIAL_LABELS[level]}'"
    )


def _evaluate_potential(
    params: dict[str, Any], facts: ApplicantFacts, catalogue: Catalogue, today: dt.date, final: bool
) -> tuple[str, str]:
    level = int(params["at_least"])
    months = int(params.get("within_months", 24))
    if facts.potential is None:
        return FAILED, "You have no signed-off appraisal with a rating of your potential."
    value, day = facts.potential
    if day < _months_ago(today, months):
        return FAILED, (
            f"Your latest signed-off appraisal was signed off on {nhs_date(day)}, more than "
            f"{months} months ago."
        )
    said = f"Your appraisal of {nhs_date(day)} rates your potential '{POTENTIAL_LABELS[value]}'"
    if value >= level:
        return PASSED, f"{said}."
    return FAILED, f"{said}; at least '{POTENTIAL_LABELS[level]}' is needed."


def _describe_box(params: dict[str, Any], catalogue: Catalogue) -> str:
    boxes = ", ".join(str(int(b)) for b in sorted(int(b) for b in params["boxes"]))
    return f"Your place on the talent grid (9-box) is box {boxes}"


def _evaluate_box(
    params: dict[str, Any], facts: ApplicantFacts, catalogue: Catalogue, today: dt.date, final: bool
) -> tuple[str, str]:
    boxes = {int(b) for b in params["boxes"]}
    if facts.box is None:
        return (
            FAILED,
            "You have no place on the talent grid yet: it comes from a talent conversation.",
        )
    if facts.box in boxes:
        return PASSED, f"You are in {BOX_LABELS[facts.box]}."
    wanted = " or ".join(str(b) for b in sorted(boxes))
    return FAILED, f"You are in {BOX_LABELS[facts.box]}; box {wanted} is needed."


def _describe_endorsement(params: dict[str, Any], catalogue: Catalogue) -> str:
    return "Your line manager endorses your application"


def _evaluate_endorsement(
    params: dict[str, Any], facts: ApplicantFacts, catalogue: Catalogue, today: dt.date, final: bool
) -> tuple[str, str]:
    if not facts.has_line_manager:
        return FAILED, "Your staff record has no line manager to endorse your application."
    if facts.endorsement == "endorsed":
        return PASSED, "Your line manager endorsed your application."
    if facts.endorsement == "declined":
        return FAILED, "Your line manager did not endorse your application."
    if final:
        return (
            FAILED,
            "Your line manager had not endorsed your application when applications closed.",
        )
    if facts.endorsement == "requested":
        return PENDING, "We have asked your line manager to endorse your application."
    return PENDING, "We will ask your line manager to endorse your application when you send it."


def _describe_funding(params: dict[str, Any], catalogue: Catalogue) -> str:
    return "Your employer confirms it will fund your place"


def _evaluate_funding(
    params: dict[str, Any], facts: ApplicantFacts, catalogue: Catalogue, today: dt.date, final: bool
) -> tuple[str, str]:
    if facts.funding == "confirmed":
        return PASSED, "Your employer confirmed it will fund your place."
    if facts.funding == "refused":
        return FAILED, "Your employer did not confirm funding for your place."
    if final:
        return FAILED, "Your employer had not confirmed funding when applications closed."
    if facts.funding == "requested":
        return PENDING, "We have asked your employer to confirm funding for your place."
    return PENDING, "We will ask your employer to confirm funding when you send your application."


def _describe_years(params: dict[str, Any], catalogue: Catalogue) -> str:
    years = int(params["at_least"])
    return (
        f"You have led people or services for at least {years} years (your line manager "
        "confirms it)"
    )


def _evaluate_years(
    params: dict[str, Any], facts: ApplicantFacts, catalogue: Catalogue, today: dt.date, final: bool
) -> tuple[str, str]:
    years = int(params["at_least"])
    if facts.leadership_years is None:
        if final or facts.submitted:
            return FAILED, "You did not say how many years you have led people or services."
        return PENDING, "You will be asked how many years you have led people or services."
    if facts.leadership_years < years:
        return FAILED, (
            f"You have led people or services for {facts.leadership_years} years; at least "
            f"{years} are needed."
        )
    if facts.endorsement_confirms_years is True:
        return PASSED, (
            f"You have led people or services for {facts.leadership_years} years, and your "
            "line manager confirmed it."
        )
    if facts.endorsement_confirms_years is False:
        return FAILED, "Your line manager did not confirm your years of leading people."
    if final:
        return FAILED, "Your line manager had not confirmed your years of leading people."
    return PENDING, (
        f"You say you have led people or services for {facts.leadership_years} years; your "
        "line manager will be asked to confirm it."
    )


def _kinds_text(kinds: list[str]) -> str:
    names = [QUALIFICATION_KINDS[k] for k in kinds]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def _describe_qualification(params: dict[str, Any], catalogue: Catalogue) -> str:
    return (
        f"You hold {_kinds_text(list(params['any_of']))}, recognised by an assessor from the "
        "evidence you send as prior learning"
    )


def _evaluate_qualification(
    params: dict[str, Any], facts: ApplicantFacts, catalogue: Catalogue, today: dt.date, final: bool
) -> tuple[str, str]:
    kinds = list(params["any_of"])
    for kind in kinds:
        title = facts.recognised_kinds.get(kind)
        if title is not None:
            return PASSED, f"An assessor recognised your {title}."
    if not final and any(kind in facts.pending_kinds for kind in kinds):
        return PENDING, "An assessor has not yet decided your claim of prior learning."
    return FAILED, (
        f"No assessor has recognised {_kinds_text(kinds)} of yours. Claim it as prior learning, "
        "with evidence."
    )


def _describe_staff_group(params: dict[str, Any], catalogue: Catalogue) -> str:
    labels = [StaffGroup(g).label.lower() for g in params["any_of"]]
    return "You are in one of these staff groups: " + ", ".join(labels)


def _evaluate_staff_group(
    params: dict[str, Any], facts: ApplicantFacts, catalogue: Catalogue, today: dt.date, final: bool
) -> tuple[str, str]:
    groups = list(params["any_of"])
    label = (
        StaffGroup(facts.staff_group).label
        if facts.staff_group in StaffGroup.values
        else facts.staff_group
    )
    if facts.staff_group in groups:
        return PASSED, f"Your staff record says you are in {label.lower()}."
    return FAILED, (
        f"Your staff record says you are in {label.lower()}; this programme is for "
        + ", ".join(StaffGroup(g).label.lower() for g in groups)
        + "."
    )


def _describe_any(params: dict[str, Any], catalogue: Catalogue) -> str:
    parts = [describe(g["rule"], g.get("params", {}), catalogue) for g in params["gates"]]
    return "At least one of: " + "; or ".join(p[0].lower() + p[1:] for p in parts)


def _evaluate_any(
    params: dict[str, Any], facts: ApplicantFacts, catalogue: Catalogue, today: dt.date, final: bool
) -> tuple[str, str]:
    results = [
        evaluate_one(g["rule"], g.get("params", {}), facts, catalogue, today=today, final=final)
        for g in params["gates"]
    ]
    for result in results:
        if result.passed:
            return PASSED, result.reason
    if any(r.status == PENDING for r in results):
        return PENDING, " ".join(r.reason for r in results if r.status == PENDING)
    return FAILED, "None of these is met. " + " ".join(r.reason for r in results)


RULES: dict[str, Rule] = {
    rule.name: rule
    for rule in [
        Rule(
            "completed_programme",
            "Completed a named programme (or prior learning recognised as equivalent to it)",
            (Param("programme", "programme", "the programme's code, e.g. edward-jenner"),),
            _describe_completed,
            _evaluate_completed,
            {"programme": "edward-jenner"},
        ),
        Rule(
            "completed_any_of_tier",
            "Completed any programme of a tier (or prior learning recognised as equivalent)",
            (Param("tier", "tier", "a tier from 0 to 5", minimum=0, maximum=5),),
            _describe_tier,
            _evaluate_tier,
            {"tier": 2},
        ),
        Rule(
            "feedback_domain_mean",
            "Latest 360 mean on a framework domain at least a value, within some months",
            (
                Param(
                    "domain",
                    "framework_domain",
                    "framework code and domain code, e.g. HLM2013/2",
                ),
                Param("at_least", "number", "the lowest mean, e.g. 3.5", minimum=1, maximum=5),
                Param(
                    "within_months", "int", "how recent the report must be", minimum=1, maximum=120
                ),
            ),
            _describe_feedback,
            _evaluate_feedback,
            {"domain": "HLM2013/2", "at_least": 3.5, "within_months": 24},
        ),
        Rule(
            "appraisal_potential",
            "Potential in the latest signed-off appraisal at least a level (1 to 3)",
            (
                Param("at_least", "int", "1 limited, 2 some, 3 high", minimum=1, maximum=3),
                Param(
                    "within_months",
                    "int",
                    "how recent the appraisal must be; 24 if left out",
                    required=False,
                    minimum=1,
                    maximum=120,
                ),
            ),
            _describe_potential,
            _evaluate_potential,
            {"at_least": 2, "within_months": 24},
        ),
        Rule(
            "talent_box",
            "Place on the 9-box talent grid is one of a set of boxes",
            (Param("boxes", "boxes", "e.g. [6, 8, 9] for the top-right boxes"),),
            _describe_box,
            _evaluate_box,
            {"boxes": [6, 8, 9]},
        ),
        Rule(
            "line_manager_endorsement",
            "The applicant's line manager endorses the application",
            (),
            _describe_endorsement,
            _evaluate_endorsement,
            {},
            decided_later=True,
        ),
        Rule(
            "employer_funding",
            "The applicant's employer confirms funding for the place",
            (),
            _describe_funding,
            _evaluate_funding,
            {},
            decided_later=True,
        ),
        Rule(
            "leadership_years",
            "Years in a leadership role (declared, and confirmed by the line manager)",
            (Param("at_least", "int", "years, e.g. 3", minimum=1, maximum=40),),
            _describe_years,
            _evaluate_years,
            {"at_least": 3},
            decided_later=True,
        ),
        Rule(
            "qualification",
            "A qualification recognised from evidence by an assessor (prior learning)",
            (Param("any_of", "kinds", "e.g. ['degree', 'professional_qualification']"),),
            _describe_qualification,
            _evaluate_qualification,
            {"any_of": ["degree", "professional_qualification"]},
        ),
        Rule(
            "staff_group",
            "The applicant's staff group is one of a set (for targeted programmes)",
            (Param("any_of", "staff_groups", "e.g. ['nurses', 'midwives']"),),
            _describe_staff_group,
            _evaluate_staff_group,
            {"any_of": ["nurses", "midwives"]},
        ),
        Rule(
            "any_of",
            "At least one of two or more other gates",
            (Param("gates", "gates", "a list of {'rule': ..., 'params': {...}}"),),
            _describe_any,
            _evaluate_any,
            {
                "gates": [
                    {"rule": "qualification", "params": {"any_of": ["degree"]}},
                    {"rule": "leadership_years", "params": {"at_least": 3}},
                ]
            },
        ),
    ]
}


def _validate(rule: str, params: Any, catalogue: Catalogue, depth: int) -> list[str]:
    spec = RULES.get(rule)
    if spec is None:
        return [f"{rule!r} is not a gate rule. Use one of: {', '.join(RULES)}."]
    if not isinstance(params, dict):
        return [f"{rule}: the parameters must be written as {{name: value, ...}}."]
    known = {p.name for p in spec.params}
    problems = [
        f"{rule} does not take {name!r}"
        + (f" (it takes {', '.join(sorted(known))})." if known else " (it takes no parameters).")
        for name in params
        if name not in known
    ]
    for param in spec.params:
        if param.name not in params:
            if param.required:
                problems.append(f"{rule} needs {param.name!r}: {param.hint}.")
            continue
        problems += _check_param(rule, param, params[param.name], catalogue, depth)
    return problems


def validate(rule: str, params: Any, catalogue: Catalogue) -> list[str]:
    """Every problem with a gate definition, in plain English (empty when it is valid)."""
    return _validate(rule, params, catalogue, 0)


def clean_params(rule: str, params: dict[str, Any]) -> dict[str, Any]:
    """Parameters as stored: whole numbers as int, numbers as float, lists sorted."""
    spec = RULES[rule]
    cleaned: dict[str, Any] = {}
    for param in spec.params:
        if param.name not in params:
            continue
        value = params[param.name]
        if param.kind in {"int", "tier"}:
            cleaned[param.name] = int(value)
        elif param.kind == "number":
            cleaned[param.name] = float(Decimal(str(value)))
        elif param.kind == "boxes":
            cleaned[param.name] = sorted(int(v) for v in value)
        elif param.kind == "gates":
            cleaned[param.name] = [
                {"rule": g["rule"], "params": clean_params(g["rule"], g.get("params", {}))}
                for g in value
            ]
        else:
            cleaned[param.name] = value
    return cleaned


def describe(rule: str, params: dict[str, Any], catalogue: Catalogue) -> str:
    """What the gate asks of an applicant, in plain English."""
    spec = RULES.get(rule)
    if spec is None or validate(rule, params, Catalogue()):
        return f"An unrecognised gate ({rule})"
    return spec.describe(params, catalogue)


def evaluate_one(
    rule: str,
    params: dict[str, Any],
    facts: ApplicantFacts,
    catalogue: Catalogue,
    *,
    today: dt.date,
    final: bool = False,
) -> GateResult:
    """Decide one gate for one applicant, with the reason in plain English."""
    spec = RULES.get(rule)
    description = describe(rule, params, catalogue)
    if spec is None or validate(rule, params, Catalogue()):
        return GateResult(rule, description, FAILED, "This gate is not understood by Healthlead.")
    status, reason = spec.evaluate(params, facts, catalogue, today, final)
    return GateResult(rule, description, status, reason)


def evaluate(
    gates: list[tuple[str, dict[str, Any]]],
    facts: ApplicantFacts,
    catalogue: Catalogue,
    *,
    today: dt.date,
    final: bool = False,
) -> list[GateResult]:
    """Decide every gate of a programme version for one applicant, in order."""
    return [
        evaluate_one(rule, params, facts, catalogue, today=today, final=final)
        for rule, params in gates
    ]


def overall(results: list[GateResult]) -> str:
    """failed if any gate failed; else pending if any is pending; else passed."""
    statuses = {r.status for r in results}
    if FAILED in statuses:
        return FAILED
    if PENDING in statuses:
        return PENDING
    return PASSED


def decided_later(rule: str, params: dict[str, Any]) -> bool:
    """Whether a gate can only be decided after the application is sent."""
    spec = RULES.get(rule)
    if spec is None:
        return False
    if rule == "any_of":
        return any(decided_later(g["rule"], g.get("params", {})) for g in params.get("gates", []))
    return spec.decided_later


def mentions(rule: str, params: dict[str, Any], name: str) -> bool:
    """Whether a gate (or any gate inside an any_of) uses the rule `name`."""
    if rule == name:
        return True
    if rule == "any_of":
        return any(
            mentions(g.get("rule", ""), g.get("params", {}), name)
            for g in params.get("gates", [])
            if isinstance(g, dict)
        )
    return False
