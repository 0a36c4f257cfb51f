"""What programme pages show, shaped from models: gate results, applications, intakes, scores,
budgets and the fairness tables (small numbers never reach a template)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.urls import reverse
from markupsafe import Markup

from healthlead.core.formatting import nhs_date
from healthlead.people.models import EqualityAnswers, StaffGroup
from healthlead.programmes import fairness, gates, queries
from healthlead.programmes.models import Application, Intake, ProgrammeVersion

STATUS_TAGS = {
    gates.PASSED: ("Met", "nhsuk-tag--green"),
    gates.FAILED: ("Not met", "nhsuk-tag--red"),
    gates.PENDING: ("Waiting", "nhsuk-tag--yellow"),
}
STATE_TAG_CLASSES = {
    Application.State.DRAFT: "nhsuk-tag--grey",
    Application.State.SUBMITTED: "nhsuk-tag--blue",
    Application.State.ELIGIBLE: "nhsuk-tag--blue",
    Application.State.NOT_ELIGIBLE: "nhsuk-tag--red",
    Application.State.NOT_APPOINTABLE: "nhsuk-tag--red",
    Application.State.WAITING_LIST: "nhsuk-tag--yellow",
    Application.State.OFFERED: "nhsuk-tag--green",
    Application.State.ACCEPTED: "nhsuk-tag--green",
    Application.State.DECLINED: "nhsuk-tag--grey",
    Application.State.LAPSED: "nhsuk-tag--grey",
    Application.State.UNSUCCESSFUL: "nhsuk-tag--grey",
    Application.State.WITHDRAWN: "nhsuk-tag--grey",
}
# Once places are allocated, applicants see their scores by criterion.
SCORES_SHOWN = {
    Application.State.NOT_APPOINTABLE,
    Application.State.WAITING_LIST,
    Application.State.OFFERED,
    Application.State.ACCEPTED,
    Application.State.DECLINED,
    Application.State.LAPSED,
    Application.State.UNSUCCESSFUL,
}


def money(value: int | None, empty: str = "Not published") -> str:
    return empty if value is None else f"£{value:,}"


def _tag(text: str, classes: str) -> Markup:
    return Markup('<strong class="nhsuk-tag {}">{}</strong>').format(classes, text)


def state_tag(application: Application) -> Markup:
    classes = STATE_TAG_CLASSES.get(Application.State(application.state), "")
    return _tag(application.get_state_display(), classes)


def gate_rows(results: list[dict[str, str]]) -> list[dict[str, Any]]:
    """Summary-list rows: what each gate asks, whether it is met, and why."""
    rows = []
    for result in results:
        text, classes = STATUS_TAGS.get(result["status"], ("Not known", "nhsuk-tag--grey"))
        value = Markup(
            '{}<p class="nhsuk-body-s nhsuk-u-margin-top-2 nhsuk-u-margin-bottom-0">{}</p>'
        ).format(_tag(text, classes), result["reason"])
        rows.append({"key": {"text": result["description"]}, "value": {"html": value}})
    return rows


def version_rows(version: ProgrammeVersion) -> list[dict[str, Any]]:
    rows = [
        ("Tier", f"{version.tier.number}: {version.tier.name}"),
        ("Who it is for", version.audience or "Not stated"),
        ("Length", version.duration_text or "Not stated"),
        ("How it is delivered", version.get_delivery_mode_display()),
        ("Cost per place", money(version.cost_per_place)),
        ("Award", version.award or "None"),
    ]
    if version.assessment:
        rows.append(("Assessment", version.assessment))
    if version.cohort_size:
        rows.append(("Cohort size", str(version.cohort_size)))
    if version.completion_rules:
        rows.append(("To complete it", version.completion_rules))
    if version.description:
        rows.append(("Also", version.description))
    return [{"key": {"text": k}, "value": {"text": v}} for k, v in rows]


def gate_descriptions(version: ProgrammeVersion, known: gates.Catalogue) -> list[dict[str, Any]]:
    return [
        {
            "id": g.pk,
            "rule": g.rule,
            "params": g.params,
            "text": gates.describe(g.rule, g.params, known),
        }
        for g in sorted(version.gates.all(), key=lambda g: (g.order, g.pk))
    ]


def outcome_items(version: ProgrammeVersion) -> list[dict[str, Any]]:
    items = []
    for outcome in version.outcomes.all():
        elements = [
            f"{e.name} ({e.domain.version.framework.name})"
            for e in sorted(
                outcome.elements.all(), key=lambda e: (e.domain.version.framework.code, e.pk)
            )
        ]
        items.append({"text": outcome.text, "elements": elements})
    return items


def application_answer_rows(
    application: Application, needed: dict[str, bool], *, editable: bool
) -> list[dict[str, Any]]:
    """Check-your-answers rows, each with a change link while the application is a draft."""
    rows: list[dict[str, Any]] = []

    def row(key: str, value: str, href: str | None, hidden: str) -> None:
        item: dict[str, Any] = {"key": {"text": key}, "value": {"text": value}}
        if editable and href:
            item["actions"] = {
                "items": [{"href": href, "text": "Change", "visuallyHiddenText": hidden}]
            }
        rows.append(item)

    pk = application.pk
    if needed.get("leadership_years"):
        years = application.leadership_years
        row(
            "Years leading people or services",
            "Not answered" if years is None else str(years),
            reverse("programmes:edit_leadership_years", args=[pk]),
            "years leading people",
        )
    statements = {s.criterion_id: s.text for s in application.statements.all()}
    for criterion in application.intake.version.criteria.all():
        row(
            criterion.title,
            statements.get(criterion.pk, "Not written"),
            reverse("programmes:edit_statement", args=[pk, criterion.pk]),
            criterion.title.lower(),
        )
    if needed.get("endorsement"):
        manager = application.person.line_manager
        row(
            "Line manager who will endorse it",
            manager.full_name if manager else "None on your staff record",
            reverse("programmes:confirm_line_manager", args=[pk]),
            "line manager",
        )
    bursary = getattr(application, "bursary", None)
    wants = application.wants_bursary
    text = "Not answered" if wants is None else ("No" if not wants else "Yes")
    if wants and bursary is not None:
        text = f"Yes: {money(bursary.amount_requested)}. {bursary.reason}"
    row(
        "Inclusion bursary",
        text,
        reverse("programmes:edit_bursary", args=[pk]),
        "inclusion bursary",
    )
    return rows


def current_gate_results(application: Application) -> list[dict[str, str]]:
    """Gate results as they stand: worked out afresh while a sent application waits for the
    sift (an endorsement or funding may have come in), else as last recorded."""
    if application.state != Application.State.SUBMITTED:
        return list(application.gate_results)
    from django.utils import timezone

    from healthlead.programmes import facts

    results = facts.check_person(
        application.person,
        application.intake.version,
        today=timezone.localdate(),
        application=application,
    )
    return [r.as_dict() for r in results]


def criterion_scores(application: Application) -> list[dict[str, Any]]:
    """The moderated score on each criterion, for the applicant once places are allocated."""
    if application.state not in SCORES_SHOWN or not application.criterion_scores:
        return []
    values = application.criterion_scores
    return [
        {
            "title": c.title,
            "weight": c.weight,
            "score": Decimal(values[str(c.pk)]).quantize(Decimal("0.01")),
        }
        for c in application.intake.version.criteria.all()
        if str(c.pk) in values
    ]


def intake_rows(intake: Intake) -> list[dict[str, Any]]:
    rows = [
        ("Programme", f"{intake.version.programme.name} (version {intake.version.number})"),
        (
            "Who can apply",
            f"Staff in {intake.region}" if intake.region else "Staff anywhere in England",
        ),
        ("Applications", f"{nhs_date(intake.opens_on)} to {nhs_date(intake.closes_on)}"),
        ("Places", f"{intake.places:,}"),
        ("Budget", money(intake.budget)),
        ("Days to accept an offer", str(intake.offer_days)),
        (
            "Minimum score",
            "None" if intake.minimum_score is None else f"{intake.minimum_score:.2f} of 5",
        ),
        ("State", intake.get_state_display()),
    ]
    return [{"key": {"text": k}, "value": {"text": v}} for k, v in rows]


def budget_rows(budget: queries.Budget) -> list[dict[str, Any]]:
    cost = budget.cost_per_place
    committed = (
        f"{money(budget.committed)} ({budget.accepted} accepted places at {money(cost)} each)"
        if cost is not None
        else "Not known: this programme's cost per place is not published"
    )
    rows = [
        ("Budget", money(budget.budget)),
        ("Committed", committed),
        ("Bursaries approved", money(budget.bursaries)),
        ("Bursaries waiting for a decision", str(budget.bursaries_waiting)),
        ("Remaining", money(budget.remaining)),
    ]
    return [{"key": {"text": k}, "value": {"text": v}} for k, v in rows]


def audit_lines(changes: list[Any]) -> list[str]:
    return [
        f"{nhs_date(c.at)}: {c.from_state or 'new'} to {c.to_state}, by {c.by_label}"
        + (f" ({c.note})" if c.note else "")
        for c in changes
    ]


# Fairness reports -----------------------------------------------------------------------------


def _labels(dimension: str) -> dict[str, str]:
    if dimension == "staff_group":
        return {str(v): str(label) for v, label in StaffGroup.choices}
    if dimension == "sex":
        return {
            **{str(v): str(label) for v, label in EqualityAnswers.Sex.choices},
            "": "Not answered",
        }
    if dimension == "ethnicity":
        return {
            **{str(v): str(label) for v, label in EqualityAnswers.Ethnicity.choices},
            "": "Not answered",
        }
    if dimension == "disability":
        return {
            **{str(v): str(label) for v, label in EqualityAnswers.Disability.choices},
            "": "Not answered",
        }
    return {}


def _order(dimension: str, keys: set[str]) -> list[str]:
    labels = _labels(dimension)
    if labels:
        return [k for k in labels if k in keys] + sorted(keys - set(labels))
    if dimension == "band":
        known = list(dict.fromkeys(queries.BAND_GROUPS.values()))
        return [k for k in known if k in keys] + sorted(keys - set(known))
    return sorted(keys)


def _row_key(dimension: str, value: str) -> str:
    return (
        "not_answered" if dimension in {"sex", "ethnicity", "disability"} and not value else value
    )


def _rows(
    dimension: str, counts: dict[str, dict[str, int]]
) -> list[tuple[str, str, dict[str, int]]]:
    labels = _labels(dimension)
    return [
        (_row_key(dimension, key), labels.get(key, key or "Not known"), counts[key])
        for key in _order(dimension, set(counts))
    ]


def intake_tables(intake: Intake) -> list[fairness.FunnelTable]:
    """The intake's funnel by each group, suppressed (one query per breakdown)."""
    tables = []
    for dimension, (title, _) in queries.DIMENSIONS.items():
        counts = queries.funnel_counts([intake.pk], dimension).get(intake.pk, {})
        tables.append(fairness.build_table(dimension, title, _rows(dimension, counts)))
    return tables


@dataclass
class NationalReport:
    intakes: list[dict[str, Any]]
    totals: dict[str, int]
    tables: list[fairness.FunnelTable]
    budget: dict[str, int]


def national_report() -> NationalReport:
    """Every intake's headline funnel and budget, and the national funnel by each group: a
    national cell is hidden wherever any intake hides it (a fixed number of queries)."""
    intakes = queries.reported_intakes()
    ids = [i.pk for i in intakes]
    funnels = queries.national_funnel(ids)
    spend = queries.national_budget(ids)
    rows = []
    totals = dict.fromkeys(fairness.STAGES, 0)
    money_totals = {"budget": 0, "committed": 0, "bursaries": 0}
    for intake in intakes:
        stages = funnels.get(intake.pk, dict.fromkeys(fairness.STAGES, 0))
        for stage in fairness.STAGES:
            totals[stage] += stages[stage]
        used = spend.get(intake.pk, {"accepted": 0, "bursaries": 0})
        committed = (intake.version.cost_per_place or 0) * used["accepted"]
        money_totals["budget"] += intake.budget
        money_totals["committed"] += committed
        money_totals["bursaries"] += used["bursaries"]
        rows.append(
            {
                "intake": intake,
                "stages": stages,
                "budget": money(intake.budget),
                "committed": money(committed)
                if intake.version.cost_per_place is not None
                else "Cost not published",
                "bursaries": money(used["bursaries"]),
                "remaining": money(intake.budget - committed - used["bursaries"]),
            }
        )
    tables = []
    for dimension, (title, _) in queries.DIMENSIONS.items():
        by_intake = queries.funnel_counts(ids, dimension)
        intake_tables = [
            fairness.build_table(dimension, title, _rows(dimension, counts))
            for counts in by_intake.values()
        ]
        summed: dict[str, dict[str, int]] = {}
        for counts in by_intake.values():
            for key, stages in counts.items():
                mine = summed.setdefault(key, dict.fromkeys(fairness.STAGES, 0))
                for stage, value in stages.items():
                    mine[stage] += value
        tables.append(
            fairness.build_table(
                dimension,
                title,
                _rows(dimension, summed),
                forced=fairness.national_forced(intake_tables),
            )
        )
    money_totals["remaining"] = (
        money_totals["budget"] - money_totals["committed"] - money_totals["bursaries"]
    )
    return NationalReport(rows, totals, tables, money_totals)


def rule_rows() -> list[dict[str, Any]]:
    """The gate vocabulary, each rule with an example, for the gate form."""
    return [
        {
            "key": {"text": rule.name},
            "value": {
                "html": Markup("{}. For example: <code>{}</code>").format(
                    rule.summary, json.dumps(rule.example)
                )
            },
        }
        for rule in gates.RULES.values()
    ]


def add_home_steps(scope: Any, sections: list[Any]) -> None:
    """Programme steps for the home page, added to each role's section (two queries at most)."""
    from healthlead.accounts.models import Role
    from healthlead.accounts.presenters import HomeSection, NextStep
    from healthlead.programmes.rules import on_panel

    user = scope.user
    by_role = {section.role: section for section in sections}
    staff = by_role.get(Role.STAFF.label)
    if staff is not None:
        staff.steps.append(
            NextStep(
                "Leadership programmes",
                "The programmes in each tier, whether you meet their entry gates, and how to "
                "apply.",
                reverse("programmes:list_programmes"),
            )
        )
        staff.steps.append(
            NextStep(
                "Your applications and prior learning",
                "Where your applications are, offers to answer, and prior learning to claim.",
                reverse("programmes:list_applications"),
            )
        )
    manager = by_role.get(Role.LINE_MANAGER.label)
    if manager is not None and scope.person is not None:
        waiting = queries.pending_endorsements(scope.person)
        manager.steps.append(
            NextStep(
                "Applications to endorse",
                f"{waiting} waiting for your answer."
                if waiting
                else "None waiting for your answer.",
                reverse("programmes:list_endorsements"),
            )
        )
    leads = [
        s
        for s in sections
        if s.role
        in {Role.NATIONAL_LEAD.label, Role.REGIONAL_LEAD.label, Role.ORGANISATION_LEAD.label}
    ]
    if leads:
        lead = leads[0]
        if scope.national or scope.region_ids:
            lead.steps.append(
                NextStep(
                    "Programme intakes",
                    "Set up intakes, their panels and fairness constraints; allocate places.",
                    reverse("programmes:list_intakes"),
                )
            )
            lead.steps.append(
                NextStep(
                    "Prior learning to assess",
                    "Decide claims of prior learning, with reasons.",
                    reverse("programmes:list_claims_to_assess"),
                )
            )
        if scope.organisation_ids:
            lead.steps.append(
                NextStep(
                    "Funding to confirm",
                    "Confirm whether your organisation funds its staff's places.",
                    reverse("programmes:list_funding_requests"),
                )
            )
    if user.is_authenticated and (Role.PATIENT_PARTNER in scope.roles or on_panel(user, None)):
        step = NextStep(
            "Your selection panels",
            "Score applications to the programmes you help select for.",
            reverse("programmes:list_panels"),
        )
        section = by_role.get(Role.PATIENT_PARTNER.label) or staff
        if section is None:
            section = HomeSection(Role.PATIENT_PARTNER.label)
            sections.append(section)
        section.steps.append(step)
