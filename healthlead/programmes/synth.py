"""Synthetic programmes data for `manage.py synth`: the curriculum, one finished intake per
competitive programme in each region in scope, and its applications, from the sift to accepted
places (docs/programmes.md, "Synthetic data").

Applications come with their outcome as allocation left it: gate results, moderated scores by
criterion, rank, the offers (including places declined and passed down the waiting list) and the
hand-offs to delivery. Panel members' individual score sheets are not made (they would need
accounts for synthetic people); the scores are drawn as the mean of three members' scores.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.utils import timezone

from healthlead.core import audit
from healthlead.demo.synth.clearing import delete_rows
from healthlead.demo.synth.registry import SynthContext, synth_stage
from healthlead.demo.synth.staff import GRADES, GROUPS, synthetic_people_sql
from healthlead.programmes import actions, allocation, facts, gates, scoring
from healthlead.programmes.models import (
    AllocationRun,
    Application,
    Endorsement,
    EnrolmentHandOff,
    FundingConfirmation,
    Intake,
    IntakeQuota,
    Offer,
    ProgrammeVersion,
    Statement,
)

SYNTH_LABEL = "system:synth"
# Applications a year per 10,000 staff, and the grades that apply (Healthlead's assumption,
# scaled from the national throughput of about 2015: 4,000 Mary Seacole places, 1,500 Elizabeth
# Garrett Anderson, 524 Nye Bevan; see docs/programmes.md).
APPLICATION_RATES: dict[str, tuple[float, set[str]]] = {
    "mary-seacole": (50.0, {"band_5", "band_6", "band_7", "st3", "st4", "specialty_doctor"}),
    "rosalind-franklin": (15.0, {"band_7", "band_8a", "band_8b", "consultant"}),
    "elizabeth-garrett-anderson": (10.0, {"band_7", "band_8a", "band_8b", "band_8c", "consultant"}),
    "nye-bevan": (3.0, {"band_8c", "band_8d", "band_9", "consultant", "vsm"}),
    "aspiring-chief-executive": (1.0, {"band_9", "vsm"}),
}
ELIGIBLE_SHARE = 0.85
PLACES_SHARE = 0.35
MINIMUM_SCORE = Decimal("2.50")
ACCEPT_SHARE = 0.9
DOCTORS_CAP_PERCENT = 30  # every Mary Seacole intake caps doctors' share of places

APPLICATION_COLUMNS = [
    "id",
    "intake_id",
    "person_id",
    "state",
    "leadership_years",
    "wants_bursary",
    "gate_results",
    "gates_checked_at",
    "submitted_at",
    "eligible",
    "shortlisted",
    "score",
    "criterion_scores",
    "rank",
    "explanation",
    "offered_at",
    "accepted_at",
    "created_at",
]


def clear_programmes(ctx: SynthContext) -> int:
    """Remove the intakes synth made, and everything in them."""
    intakes = 'SELECT id FROM "programmes_intake" WHERE "created_by_label" = %s'
    params = [SYNTH_LABEL]
    removed = 0
    for model, column in (
        (EnrolmentHandOff, "intake_id"),
        (Offer, "intake_id"),
        (Application, "intake_id"),
        (AllocationRun, "intake_id"),
    ):
        table = model._meta.db_table
        removed += delete_rows(
            model,
            f'SELECT id FROM "{table}" WHERE "{column}" IN ({intakes})',  # noqa: S608
            params,
            writer=ctx.writer,
        )
    # Applications of synthetic staff to other intakes go too: they point at people being removed.
    sql, people = synthetic_people_sql()
    for model in (EnrolmentHandOff, Application):
        table = model._meta.db_table
        removed += delete_rows(
            model,
            f'SELECT id FROM "{table}" WHERE "person_id" IN ({sql})',  # noqa: S608
            people,
            writer=ctx.writer,
        )
    removed += delete_rows(Intake, intakes, params, writer=ctx.writer)
    return removed


def _curriculum(ctx: SynthContext) -> dict[str, ProgrammeVersion]:
    from healthlead.frameworks import actions as framework_actions
    from healthlead.frameworks.models import Framework

    if not Framework.objects.exists():
        framework_actions.load_frameworks(by=ctx.by)
    actions.load_curriculum(by=ctx.by)
    return {
        v.programme.code: v
        for v in ProgrammeVersion.objects.published()
        .filter(programme__code__in=list(APPLICATION_RATES))
        .select_related("programme", "tier")
        .prefetch_related("criteria", "gates")
    }


def _gate_results(version: ProgrammeVersion, known: gates.Catalogue, failed: int | None) -> list:
    results = []
    for index, gate in enumerate(sorted(version.gates.all(), key=lambda g: (g.order, g.pk))):
        passed = index != failed
        results.append(
            {
                "rule": gate.rule,
                "description": gates.describe(gate.rule, gate.params, known),
                "status": gates.PASSED if passed else gates.FAILED,
                "reason": "Met when the application was sifted."
                if passed
                else "Not met when applications closed.",
            }
        )
    return results


@synth_stage("programmes", order=450, clear=clear_programmes)
def load_programmes(ctx: SynthContext) -> int:
    """The curriculum, one finished intake per competitive programme and region, applications."""
    staff = ctx.require_staff()
    rng = ctx.rng("programmes")
    versions = _curriculum(ctx)
    known = facts.catalogue()
    regions: dict[int, list[int]] = {}  # region id -> staff indexes
    plan_region = [p.region_id for p in ctx.plan]
    for index in range(len(staff)):
        region_id = plan_region[staff.organisation[index]]
        if region_id is not None:
            regions.setdefault(region_id, []).append(index)
    org_ids = [p.org_id for p in ctx.plan]
    opens = ctx.as_of - dt.timedelta(days=210)
    closes = opens + dt.timedelta(days=30)
    sifted = dt.datetime.combine(closes, dt.time(17, 0), tzinfo=dt.UTC)
    allocated = sifted + dt.timedelta(days=28)
    rows: list[tuple[Any, ...]] = []
    statements: list[tuple[int, int, str]] = []  # application, criterion, text
    endorsements: list[tuple[int, int, bool]] = []  # application, manager, endorsed
    fundings: list[tuple[int, int, int, bool]] = []  # application, organisation, amount, confirmed
    offers: list[tuple[int, int, int, str]] = []  # application, intake, run, state
    handoffs: list[tuple[int, int, int, int]] = []  # application, person, intake, version
    next_application = None
    count_by_intake: dict[int, int] = {}
    for region_id in sorted(regions):
        people = regions[region_id]
        for code, (rate, grades_wanted) in APPLICATION_RATES.items():
            version = versions.get(code)
            if version is None:
                continue
            pool = [i for i in people if GRADES[staff.grade[i]] in grades_wanted]
            wanted = min(len(pool), round(len(people) * rate / 10_000 * (0.8 + 0.4 * rng.random())))
            if wanted == 0:
                continue
            chosen = sorted(rng.sample(pool, wanted))
            places = max(1, math.ceil(wanted * PLACES_SHARE))
            intake = Intake.objects.create(
                version=version,
                name=f"{version.programme.name}, {ctx.as_of.year - 1} (synthetic)",
                region_id=region_id,
                opens_on=opens,
                closes_on=closes,
                places=places,
                budget=places * (version.cost_per_place or 0),
                minimum_score=MINIMUM_SCORE,
                state=Intake.State.FINISHED,
                created_by_label=SYNTH_LABEL,
            )
            quotas = allocation.Quotas()
            if code == "mary-seacole":
                IntakeQuota.objects.create(
                    intake=intake, kind="cap", staff_group="doctors", value=DOCTORS_CAP_PERCENT
                )
                quotas = allocation.Quotas(
                    caps={"doctors": allocation.cap_places(DOCTORS_CAP_PERCENT, places)}
                )
            criteria = list(version.criteria.all())
            weights = {c.pk: c.weight for c in criteria}
            order = [c.pk for c in sorted(criteria, key=lambda c: (-c.weight, c.order, c.pk))]
            uses = facts.rules_used(facts.gate_list(version))
            if next_application is None:
                next_application = ctx.writer.next_ids(Application, 0)
            made: list[dict[str, Any]] = []
            for i in chosen:
                pk = next_application
                next_application += 1
                eligible = rng.random() < ELIGIBLE_SHARE
                ability = rng.gauss(3.3, 0.7)
                values = {
                    c.pk: Fraction(
                        sum(max(1, min(5, round(ability + rng.gauss(0, 0.6)))) for _ in range(3)),
                        3,
                    )
                    for c in criteria
                }
                score = scoring.weighted_score(values, weights) if eligible else None
                made.append(
                    {
                        "pk": pk,
                        "index": i,
                        "eligible": eligible,
                        "score": score,
                        "values": scoring.shown(values) if eligible else {},
                        "failed": None
                        if eligible
                        else rng.randrange(max(1, len(version.gates.all()))),
                    }
                )
                for criterion in criteria:
                    statements.append(
                        (pk, criterion.pk, f"Synthetic statement on {criterion.title}.")
                    )
                manager = staff.manager[i]
                if "line_manager_endorsement" in uses and manager:
                    endorsements.append((pk, int(manager), True))
                if "employer_funding" in uses:
                    fundings.append(
                        (pk, org_ids[staff.organisation[i]], version.cost_per_place or 0, True)
                    )
            shortlisted = [m for m in made if m["eligible"] and m["score"] >= MINIMUM_SCORE]
            candidates = [
                allocation.Candidate(
                    key=m["pk"],
                    score=m["score"],
                    criteria=tuple(Decimal(m["values"][str(pk)]) for pk in order),
                    group=GROUPS[staff.group[m["index"]]],
                    # The intake's place in this run, not its id: ids differ between runs
                    # on PostgreSQL, and the seed alone must decide the data.
                    lottery=allocation.lottery(-len(count_by_intake) - 1, m["pk"]),
                )
                for m in shortlisted
            ]
            first = allocation.solve(candidates, places, quotas)
            declined = {key for key in first.selected if rng.random() > ACCEPT_SHARE}
            kept = [
                allocation.Candidate(
                    c.key, c.score, c.criteria, c.group, c.lottery, c.key in first.selected
                )
                for c in candidates
                if c.key not in declined
            ]
            second = allocation.solve(kept, places, quotas)
            runs = [
                AllocationRun.objects.create(
                    intake=intake,
                    kind=kind,
                    candidates=len(people_in),
                    places=places,
                    offers_made=offered,
                    solver_status=result.status,
                    objective=result.objective,
                    seconds=result.seconds,
                    by_label=SYNTH_LABEL,
                )
                for kind, people_in, offered, result in (
                    (AllocationRun.Kind.INITIAL, candidates, len(first.selected), first),
                    (
                        AllocationRun.Kind.CASCADE,
                        kept,
                        len(second.selected - first.selected),
                        second,
                    ),
                )
            ]
            ranked = allocation.rank(candidates)
            rank_of = {c.key: n for n, c in enumerate(ranked, start=1)}
            texts = allocation.explain(
                allocation.rank(kept),
                second.selected,
                places,
                quotas,
                {},
                positions=rank_of,
                total=len(ranked),
            )
            for m in made:
                key = m["pk"]
                person_id = staff.ids[m["index"]]
                if not m["eligible"]:
                    state, rank, explanation = Application.State.NOT_ELIGIBLE, None, ""
                elif m["score"] < MINIMUM_SCORE:
                    state, rank = Application.State.NOT_APPOINTABLE, None
                    explanation = f"Not appointable: your score of {m['score']:.2f} is below 2.50."
                elif key in declined:
                    state, rank, explanation = Application.State.DECLINED, rank_of[key], ""
                elif key in second.selected:
                    state, rank, explanation = Application.State.ACCEPTED, rank_of[key], texts[key]
                else:
                    state, rank, explanation = (
                        Application.State.UNSUCCESSFUL,
                        rank_of[key],
                        texts[key],
                    )
                offered = key in first.selected or key in second.selected
                if key in first.selected:
                    offers.append(
                        (key, intake.pk, runs[0].pk, "declined" if key in declined else "accepted")
                    )
                elif key in second.selected:
                    offers.append((key, intake.pk, runs[1].pk, "accepted"))
                if state == Application.State.ACCEPTED:
                    handoffs.append((key, person_id, intake.pk, version.pk))
                rows.append(
                    (
                        key,
                        intake.pk,
                        person_id,
                        state,
                        rng.randint(1, 15) if "leadership_years" in uses else None,
                        False,
                        _gate_results(version, known, m["failed"]),
                        sifted,
                        sifted - dt.timedelta(days=rng.randint(1, 25)),
                        m["eligible"],
                        m["eligible"] and m["score"] >= MINIMUM_SCORE,
                        m["score"],
                        m["values"],
                        rank,
                        explanation,
                        allocated if offered else None,
                        allocated + dt.timedelta(days=3)
                        if state == Application.State.ACCEPTED
                        else None,
                        sifted - dt.timedelta(days=30),
                    )
                )
            count_by_intake[intake.pk] = len(made)
    written = _write(ctx, rows, statements, endorsements, fundings, offers, handoffs, allocated)
    audit.record(
        "demo.synth.programmes_loaded",
        by=ctx.by,
        detail={"intakes": len(count_by_intake), "applications": len(rows), "rows": written},
    )
    return written


def _write(
    ctx: SynthContext,
    rows: list[tuple[Any, ...]],
    statements: list[tuple[int, int, str]],
    endorsements: list[tuple[int, int, bool]],
    fundings: list[tuple[int, int, int, bool]],
    offers: list[tuple[int, int, int, str]],
    handoffs: list[tuple[int, int, int, int]],
    allocated: dt.datetime,
) -> int:
    writer = ctx.writer
    now = timezone.now()
    if rows:
        writer.next_ids(Application, len(rows))
    written = writer.write(
        Application, APPLICATION_COLUMNS, iter(rows), label="applications", total=len(rows)
    )

    def numbered(model: Any, items: list[Any]) -> list[tuple[Any, ...]]:
        # Identifiers are reserved now, not lazily: no query may run during a COPY.
        first = writer.next_ids(model, len(items))
        return [(first + offset, *item) for offset, item in enumerate(items)]

    written += writer.write(
        Statement,
        ["id", "application_id", "criterion_id", "text", "updated_at"],
        ((pk, a, c, t, now) for pk, a, c, t in numbered(Statement, statements)),
        label="statements",
        total=len(statements),
    )
    written += writer.write(
        Endorsement,
        ["id", "application_id", "manager_id", "state", "comment", "requested_at", "decided_at"],
        (
            (pk, a, m, "endorsed" if ok else "declined", "", allocated, allocated)
            for pk, a, m, ok in numbered(Endorsement, endorsements)
        ),
        label="endorsements",
        total=len(endorsements),
    )
    written += writer.write(
        FundingConfirmation,
        [
            "id",
            "application_id",
            "organisation_id",
            "amount",
            "state",
            "reference",
            "comment",
            "requested_at",
            "decided_at",
        ],
        (
            (pk, a, o, amount, "confirmed" if ok else "refused", "", "", allocated, allocated)
            for pk, a, o, amount, ok in numbered(FundingConfirmation, fundings)
        ),
        label="funding confirmations",
        total=len(fundings),
    )
    deadline = (allocated + dt.timedelta(days=14)).date()
    written += writer.write(
        Offer,
        [
            "id",
            "application_id",
            "intake_id",
            "run_id",
            "state",
            "made_at",
            "deadline",
            "responded_at",
            "cascaded_at",
        ],
        (
            (
                pk,
                a,
                i,
                r,
                state,
                allocated,
                deadline,
                allocated,
                allocated if state == "declined" else None,
            )
            for pk, a, i, r, state in numbered(Offer, offers)
        ),
        label="offers",
        total=len(offers),
    )
    written += writer.write(
        EnrolmentHandOff,
        [
            "id",
            "application_id",
            "person_id",
            "intake_id",
            "version_id",
            "created_at",
            "delivery_reference",
        ],
        (
            (pk, a, p, i, v, allocated, "")
            for pk, a, p, i, v in numbered(EnrolmentHandOff, handoffs)
        ),
        label="places handed to delivery",
        total=len(handoffs),
    )
    return written
