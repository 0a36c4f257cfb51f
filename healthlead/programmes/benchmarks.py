"""Benchmark: ranking and allocating 10,000 applications across 7 regional intakes with
staff-group quotas (target: under 10 s on 2 cores).

Everything is built inside one transaction that is rolled back: 10,000 staff in seven trusts
(one per region), a Mary Seacole intake in each region (3 criteria; doctors capped at 30% of the
places, 5% of the places reserved for midwives) with a panel of three, every application
eligible and scored by every member (90,000 scores, within one point of each other so that none
needs moderation). Each timed run allocates all seven intakes with `allocate_places` (reading the
scores, moderating, ranking, solving with CP-SAT, writing ranks, explanations, state changes and
offers) inside a savepoint that is then rolled back, so every run starts from the same data.

Figures: that whole allocation; and the solver alone on the same candidates against the
rank-order greedy allocation (the baseline, which must give the same places).
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections import Counter
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from healthlead.core.actors import System
from healthlead.core.benchmarks import BenchContext, Measurement, benchmark, median_of
from healthlead.people.models import CareerStage, Grade, Organisation, Person, Region, StaffGroup

APPLICATIONS = 10_000
INTAKES = 7
MEMBERS = 3
PLACES_SHARE = 0.3
SYSTEM = System("bench")
GROUP_MIX = [
    (StaffGroup.NURSES, 40),
    (StaffGroup.DOCTORS, 20),
    (StaffGroup.MIDWIVES, 5),
    (StaffGroup.SCIENTIFIC, 15),
    (StaffGroup.CENTRAL, 10),
    (StaffGroup.MANAGERS, 10),
]


def _regions() -> list[Region]:
    from healthlead.people import actions as people_actions

    regions = list(Region.objects.filter(region_set__code=settings.HEALTHLEAD_REGION_SET))
    if len(regions) < INTAKES:
        people_actions.load_regions(by=SYSTEM)
        regions = list(Region.objects.filter(region_set__code=settings.HEALTHLEAD_REGION_SET))
    return sorted(regions, key=lambda r: r.code)[:INTAKES]


def _build(rng: random.Random) -> list[Any]:
    """The seven scored intakes, ready for allocation."""
    from healthlead.accounts.models import User
    from healthlead.frameworks import actions as framework_actions
    from healthlead.frameworks.models import Framework
    from healthlead.programmes import actions
    from healthlead.programmes.models import (
        Application,
        Intake,
        Panel,
        PanelMember,
        PanelScore,
        ProgrammeVersion,
        ScoreSheet,
    )

    if not Framework.objects.exists():
        framework_actions.load_frameworks(by=SYSTEM)
    actions.load_curriculum(by=SYSTEM)
    version = ProgrammeVersion.objects.get(
        programme__code="mary-seacole", state=ProgrammeVersion.State.PUBLISHED
    )
    criteria = list(version.criteria.all())
    stamp = f"{rng.randrange(10**8):08d}"
    regions = _regions()
    organisations = Organisation.objects.bulk_create(
        Organisation(
            code=f"B{stamp[:4]}{n}",
            name=f"BENCHMARK TRUST {n} NHS TRUST",
            kind=Organisation.Kind.TRUST,
            region=region,
        )
        for n, region in enumerate(regions)
    )
    groups = [g for g, share in GROUP_MIX for _ in range(share)]
    people = Person.objects.bulk_create(
        (
            Person(
                staff_number=f"BN{stamp}{i:06d}",
                first_name="Bench",
                last_name=f"Applicant{i}",
                organisation=organisations[i % INTAKES],
                staff_group=rng.choice(groups),
                grade=Grade.BAND_6,
                career_stage=CareerStage.ESTABLISHED,
                start_date=dt.date(2015, 1, 1),
            )
            for i in range(APPLICATIONS)
        ),
        batch_size=2000,
    )
    judges = User.objects.bulk_create(
        User(username=f"judge{stamp}{n}", email=f"judge{stamp}{n}@bench.example")
        for n in range(INTAKES * MEMBERS)
    )
    today = timezone.localdate()
    intakes = []
    for n, region in enumerate(regions):
        places = int(APPLICATIONS / INTAKES * PLACES_SHARE)
        intake = Intake.objects.create(
            version=version,
            name=f"Benchmark intake {n}",
            region=region,
            opens_on=today - dt.timedelta(days=40),
            closes_on=today - dt.timedelta(days=10),
            places=places,
            state=Intake.State.SCORING,
            created_by_label="system:bench",
        )
        actions.set_quota(intake=intake, kind="cap", staff_group="doctors", value=30, by=SYSTEM)
        actions.set_quota(
            intake=intake, kind="reserve", staff_group="midwives", value=places // 20, by=SYSTEM
        )
        panel = Panel.objects.create(intake=intake)
        PanelMember.objects.bulk_create(
            PanelMember(panel=panel, user=judges[n * MEMBERS + m], name=f"Judge {m}")
            for m in range(MEMBERS)
        )
        intakes.append(intake)
    members: dict[int, list[Any]] = {intake.pk: [] for intake in intakes}
    for member in PanelMember.objects.filter(panel__intake__in=intakes).select_related("panel"):
        members[member.panel.intake_id].append(member)
    now = timezone.now()
    applications = Application.objects.bulk_create(
        (
            Application(
                intake=intakes[i % INTAKES],
                person=person,
                state=Application.State.ELIGIBLE,
                submitted_at=now,
                eligible=True,
            )
            for i, person in enumerate(people)
        ),
        batch_size=2000,
    )
    sheets = ScoreSheet.objects.bulk_create(
        (
            ScoreSheet(application=application, member=member)
            for application in applications
            for member in members[application.intake_id]
        ),
        batch_size=5000,
    )
    levels: dict[int, int] = {a.pk: rng.randint(1, 4) for a in applications}
    PanelScore.objects.bulk_create(
        (
            PanelScore(
                sheet=sheet,
                criterion=criterion,
                score=levels[sheet.application_id] + rng.randint(0, 1),
            )
            for sheet in sheets
            for criterion in criteria
        ),
        batch_size=10_000,
    )
    return intakes


def _candidates(intakes: list[Any]) -> list[tuple[Any, list[Any]]]:
    """Each intake's candidates as allocate_places would rank them (for the solver alone)."""
    from healthlead.programmes import allocation, scoring
    from healthlead.programmes.models import Application, PanelScore

    found = []
    for intake in intakes:
        weights = {c.pk: c.weight for c in intake.version.criteria.all()}
        order = sorted(weights, key=lambda pk: -weights[pk])
        given: dict[int, dict[int, list[int]]] = {}
        for application_id, criterion_id, value in PanelScore.objects.filter(
            sheet__application__intake=intake
        ).values_list("sheet__application_id", "criterion_id", "score"):
            given.setdefault(application_id, {}).setdefault(criterion_id, []).append(value)
        groups = dict(
            Application.objects.filter(intake=intake).values_list("pk", "person__staff_group")
        )
        candidates = []
        for pk, scores in given.items():
            values = scoring.criterion_values(scores, {})
            shown = scoring.shown(values)
            candidates.append(
                allocation.Candidate(
                    key=pk,
                    score=scoring.weighted_score(values, weights),
                    criteria=tuple(Decimal(shown[str(c)]) for c in order),
                    group=groups[pk],
                    lottery=allocation.lottery(intake.pk, pk),
                )
            )
        found.append((intake, candidates))
    return found


@benchmark(
    "programmes_allocation_10k",
    target="rank and allocate 10,000 applications in 7 regional intakes under 10 s",
)
def programmes_allocation_10k(ctx: BenchContext) -> list[Measurement]:
    from healthlead.programmes import allocation, selection_actions
    from healthlead.programmes.models import Application, Intake, Offer

    rng = random.Random(ctx.seed)  # noqa: S311 (benchmark data, not secrets)
    measurements: list[Measurement] = []
    with transaction.atomic():
        started = time.perf_counter()
        intakes = _build(rng)
        built = time.perf_counter() - started
        ctx.log(f"built 7 intakes and 10,000 scored applications in {built:.1f} s")
        checks: dict[str, Any] = {}

        def allocate_all() -> float:
            point = transaction.savepoint()
            began = time.perf_counter()
            for intake in intakes:
                selection_actions.allocate_places(intake=intake, by=SYSTEM)
            elapsed = time.perf_counter() - began
            offers = Offer.objects.filter(intake__in=intakes).count()
            doctors = Counter(
                Application.objects.filter(intake__in=intakes, state="offered").values_list(
                    "intake_id", "person__staff_group"
                )
            )
            checks["offers"] = offers
            checks["quotas met"] = all(
                doctors[(i.pk, "doctors")] <= i.places * 30 // 100
                and doctors[(i.pk, "midwives")] >= min(i.places // 20, 1)
                for i in intakes
            )
            transaction.savepoint_rollback(point)
            for intake in intakes:
                intake.state = Intake.State.SCORING
            return elapsed

        whole = median_of(ctx.repeats, allocate_all)
        measurements.append(
            Measurement(
                "rank and allocate 10,000 applications in 7 intakes (allocate_places, "
                "scores read from the database, offers written)",
                whole,
                "s",
                target="under 10 s",
                target_value=10.0,
                extra={
                    "offers made": checks.get("offers", 0),
                    "quotas met": "yes" if checks.get("quotas met") else "no",
                },
            )
        )
        per_intake = _candidates(intakes)
        quotas = {intake.pk: selection_actions.quotas_of(intake) for intake, _ in per_intake}
        statuses: set[str] = set()
        agree = all(
            allocation.solve(candidates, intake.places, quotas[intake.pk]).selected
            == allocation.greedy(candidates, intake.places, quotas[intake.pk])
            for intake, candidates in per_intake
        )

        def solve_all() -> float:
            began = time.perf_counter()
            for intake, candidates in per_intake:
                solution = allocation.solve(candidates, intake.places, quotas[intake.pk])
                statuses.add(solution.status)
            return time.perf_counter() - began

        def greedy_all() -> float:
            began = time.perf_counter()
            for intake, candidates in per_intake:
                allocation.greedy(candidates, intake.places, quotas[intake.pk])
            return time.perf_counter() - began

        greedy_seconds = median_of(ctx.repeats, greedy_all)
        solver_seconds = median_of(ctx.repeats, solve_all)
        measurements.append(
            Measurement(
                "CP-SAT solve alone, 7 intakes of about 1,430 candidates each",
                solver_seconds,
                "s",
                baseline=greedy_seconds,
                baseline_name="rank-order greedy",
                extra={
                    "solver status": ", ".join(sorted(statuses)),
                    "same places as greedy": "yes" if agree else "no",
                },
            )
        )
        transaction.set_rollback(True)
    return measurements
