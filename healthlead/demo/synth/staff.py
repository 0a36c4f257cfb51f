"""The staff stage: everyone in each planned organisation, with a line-management tree.

Each organisation gets a board at the top: a chair (who reports to nobody), non-executive
directors and a chief executive reporting to the chair, and executive directors reporting to the
chief executive. Every other member of staff belongs to one executive's directorate (nurses,
midwives and clinical support staff to the chief nurse; doctors to the medical director; and so
on). Within a directorate, staff are ranked by grade and the tree is built from the top: a
manager's most senior people become their direct reports, and the rest are shared round-robin
among those reports, so each team mixes grades the way the directorate does. Every manager has
5 to 15 direct reports; nobody is junior to their own reports. The chair has the chief executive
and non-executive directors (6 to 8); the chief executive has the executive directors (6 to 8).
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from healthlead.core import audit
from healthlead.demo.synth import facts, names
from healthlead.demo.synth.clearing import delete_rows
from healthlead.demo.synth.plan import OrgPlan
from healthlead.demo.synth.registry import SynthContext, SynthError, synth_stage
from healthlead.people.models import CareerStage, Grade, Person, StaffGroup

STAFF_NUMBER_PREFIX = "SY"  # synthetic staff numbers: SY0000001 ...
EMAIL_DOMAIN = "nhs.example"  # work emails: first.last@rgt.nhs.example (a reserved domain)
MIN_SPAN = 5
MAX_SPAN = 15

GROUPS: list[str] = [g.value for g in StaffGroup]
GRADES: list[str] = [g.value for g in Grade]
GROUP_INDEX = {g: i for i, g in enumerate(GROUPS)}
GRADE_INDEX = {g: i for i, g in enumerate(GRADES)}

COLUMNS = [
    "id",
    "staff_number",
    "first_name",
    "last_name",
    "work_email",
    "organisation_id",
    "staff_group",
    "occupation",
    "grade",
    "career_stage",
    "line_manager_id",
    "manager_path",
    "start_date",
    "status",
    "left_on",
    "created_at",
    "updated_at",
]

G = StaffGroup


@dataclass(frozen=True)
class Directorate:
    title: str  # the executive director's title
    group: str  # the executive's own staff group
    shares: dict[str, float]  # staff group -> share of that group in this directorate


TRUST_DIRECTORATES = [
    Directorate(
        "Chief operating officer",
        G.SENIOR_MANAGERS,
        {G.SCIENTIFIC: 1, G.AMBULANCE: 1, G.OTHER: 1},
    ),
    Directorate("Chief nurse", G.NURSES, {G.NURSES: 1, G.MIDWIVES: 1, G.SUPPORT_CLINICAL: 1}),
    Directorate("Medical director", G.DOCTORS, {G.DOCTORS: 1}),
    Directorate("Chief finance officer", G.SENIOR_MANAGERS, {G.CENTRAL: 0.3}),
    Directorate("Chief people officer", G.SENIOR_MANAGERS, {G.CENTRAL: 0.25}),
    Directorate("Chief digital information officer", G.SENIOR_MANAGERS, {G.CENTRAL: 0.2}),
    Directorate("Director of strategy and partnerships", G.SENIOR_MANAGERS, {G.CENTRAL: 0.25}),
    Directorate("Director of estates and facilities", G.SENIOR_MANAGERS, {G.ESTATES: 1}),
]
ICB_DIRECTORATES = [
    Directorate("Chief finance officer", G.SENIOR_MANAGERS, {G.CENTRAL: 0.35}),
    Directorate("Chief nursing officer", G.NURSES, {G.NURSES: 1, G.SUPPORT_CLINICAL: 1}),
    Directorate("Chief medical officer", G.DOCTORS, {G.DOCTORS: 1, G.SCIENTIFIC: 1}),
    Directorate("Chief people officer", G.SENIOR_MANAGERS, {G.CENTRAL: 0.2}),
    Directorate(
        "Director of strategy and transformation", G.SENIOR_MANAGERS, {G.CENTRAL: 0.25, G.OTHER: 1}
    ),
    Directorate("Director of performance and delivery", G.SENIOR_MANAGERS, {G.CENTRAL: 0.2}),
]
# Managers and senior managers are shared among directorates by size (not clinical ones led by
# doctors, whose senior people are consultants).
SPREAD_GROUPS = (G.MANAGERS, G.SENIOR_MANAGERS)
BOARD_TITLES = ("Chair", "Chief executive")
NON_EXECUTIVE_TITLE = {True: "Non-executive member", False: "Non-executive director"}


@dataclass
class StaffIndex:
    """Compact columns of every synthetic person, for later stages (equality, 360 cycles...)."""

    ids: array = field(default_factory=lambda: array("q"))
    organisation: array = field(default_factory=lambda: array("l"))  # index into ctx.plan
    manager: array = field(default_factory=lambda: array("q"))  # 0: no line manager
    group: array = field(default_factory=lambda: array("b"))  # index into GROUPS
    grade: array = field(default_factory=lambda: array("b"))  # index into GRADES
    female: array = field(default_factory=lambda: array("b"))  # the sex drawn for the name

    def __len__(self) -> int:
        return len(self.ids)


@dataclass
class _Org:
    """One organisation's people while they are being made (parallel lists, local indexes)."""

    group: list[str] = field(default_factory=list)
    grade: list[str] = field(default_factory=list)
    title: list[str | None] = field(default_factory=list)  # board titles; None for everyone else
    manager: list[int] = field(default_factory=list)  # local index, -1 for nobody
    order: list[int] = field(default_factory=list)  # top-down order (managers first)
    manages_managers: set[int] = field(default_factory=set)

    def add(self, group: str, grade: str, title: str | None = None) -> int:
        self.group.append(group)
        self.grade.append(grade)
        self.title.append(title)
        self.manager.append(-1)
        return len(self.group) - 1


def _cumulative(shares: dict[str, float]) -> tuple[list[str], list[float]]:
    keys = list(shares)
    return keys, list(itertools.accumulate(shares[k] for k in keys))


def _place(org: _Org, manager: int, pool: list[int], rng: random.Random) -> None:
    """Put everyone in `pool` (most senior first) under `manager`, 5 to 15 reports each.

    Small pools become one team. A pool that fits in two levels gets about one sub-manager per
    8-12 people, topped up to five direct reports where needed; larger pools get 8-12
    sub-managers, each with a share large enough to split again without tiny teams.
    """
    n = len(pool)
    if n <= MAX_SPAN:
        for person in pool:
            org.manager[person] = manager
            org.order.append(person)
        return
    team = rng.randint(8, 12)
    if n <= MAX_SPAN * (MAX_SPAN + 1):
        managers = min(MAX_SPAN, max(1, round(n / (team + 1))))
    else:
        managers = min(team, max(MIN_SPAN, n // (4 * (MAX_SPAN - 1))))
    directs_wanted = max(0, MIN_SPAN - managers)
    subs, rest = pool[:managers], pool[managers:]
    directs: list[int] = []
    if directs_wanted:
        picked = set(rng.sample(range(len(rest)), directs_wanted))
        directs = [p for i, p in enumerate(rest) if i in picked]
        rest = [p for i, p in enumerate(rest) if i not in picked]
    org.manages_managers.add(manager)
    for person in subs + directs:
        org.manager[person] = manager
        org.order.append(person)
    for number, sub in enumerate(subs):
        _place(org, sub, rest[number::managers], rng)


def build_tree(plan: OrgPlan, rng: random.Random) -> _Org:
    """Staff groups, grades and the line-management tree of one organisation."""
    org = _Org()
    is_icb = plan.kind == facts.ICB
    directorates = ICB_DIRECTORATES if is_icb else TRUST_DIRECTORATES
    chair = org.add(G.SENIOR_MANAGERS, Grade.VSM, "Chair")
    org.order.append(chair)
    board = [org.add(G.SENIOR_MANAGERS, Grade.VSM, "Chief executive")]
    for _ in range(rng.randint(4, 5) if is_icb else rng.randint(5, 7)):
        board.append(org.add(G.SENIOR_MANAGERS, Grade.VSM, NON_EXECUTIVE_TITLE[is_icb]))
    for person in board:
        org.manager[person] = chair
        org.order.append(person)
    org.manages_managers.add(chair)
    chief_executive = board[0]
    executives = []
    for directorate in directorates:
        executive = org.add(directorate.group, Grade.VSM, directorate.title)
        org.manager[executive] = chief_executive
        org.order.append(executive)
        executives.append(executive)
    org.manages_managers.add(chief_executive)

    count = plan.headcount - len(org.group)
    if count < MIN_SPAN * len(directorates):
        raise SynthError(f"{plan.code} is too small for a board and directorates.")
    keys, cumulative = _cumulative(facts.mix_for(plan.kind))
    drawn = rng.choices(keys, cum_weights=cumulative, k=count)
    by_group: dict[str, list[int]] = {}
    for group in drawn:
        by_group.setdefault(group, []).append(org.add(group, ""))
    for group in sorted(by_group):
        people = by_group[group]
        grade_keys, grade_cumulative = _cumulative(facts.GRADE_SHARES[group])
        for person, grade in zip(
            people,
            rng.choices(grade_keys, cum_weights=grade_cumulative, k=len(people)),
            strict=True,
        ):
            org.grade[person] = grade

    pools: list[list[int]] = [[] for _ in directorates]
    for group in sorted(by_group):
        if group in SPREAD_GROUPS:
            continue
        homes = [(i, d.shares[group]) for i, d in enumerate(directorates) if group in d.shares]
        if not homes:
            homes = [(0, 1.0)]
        if len(homes) == 1:
            pools[homes[0][0]].extend(by_group[group])
            continue
        indexes, weights = zip(*homes, strict=True)
        for person, home in zip(
            by_group[group],
            rng.choices(indexes, weights=weights, k=len(by_group[group])),
            strict=True,
        ):
            pools[home].append(person)
    sizes = [
        0 if directorates[i].group == G.DOCTORS else len(pool) + 1 for i, pool in enumerate(pools)
    ]
    for group in SPREAD_GROUPS:
        people = by_group.get(group, [])
        for person, home in zip(
            people, rng.choices(range(len(pools)), weights=sizes, k=len(people)), strict=True
        ):
            pools[home].append(person)
    # A directorate too small to be a team joins the largest one.
    largest = max(range(len(pools)), key=lambda i: len(pools[i]))
    for i, pool in enumerate(pools):
        if 0 < len(pool) < MIN_SPAN and i != largest:
            pools[largest].extend(pool)
            pool.clear()

    rank = [facts.RANK[grade] for grade in org.grade]
    for executive, pool in zip(executives, pools, strict=True):
        rng.shuffle(pool)
        pool.sort(key=rank.__getitem__, reverse=True)
        _place(org, executive, pool, rng)
    return org


def _august_start(as_of: dt.date) -> dt.date:
    """The first Wednesday of August on or before as_of: when doctors in training change posts."""
    year = as_of.year if as_of >= dt.date(as_of.year, 8, 7) else as_of.year - 1
    first = dt.date(year, 8, 1)
    return first + dt.timedelta(days=(2 - first.weekday()) % 7)


class StaffMaker:
    """Turns each organisation's tree into Person rows, numbering people across the run."""

    def __init__(self, ctx: SynthContext, first_id: int):
        self.ctx = ctx
        self.next_id = first_id
        self.next_number = 1
        self.index = StaffIndex()
        self.now = timezone.now()
        # Doctors in training rotate posts each August, so all started here at the last rotation.
        self.rotation = _august_start(ctx.as_of)

    def rows(self, plan_index: int, plan: OrgPlan) -> Iterator[tuple[Any, ...]]:
        ctx = self.ctx
        rng = ctx.rng("staff", plan.code)
        org = build_tree(plan, rng)
        domain = f"{plan.code.lower()}.{EMAIL_DOMAIN}"
        ids = [0] * len(org.group)
        paths = [""] * len(org.group)
        emails: dict[str, int] = {}
        index = self.index
        for person in org.order:
            pk = self.next_id
            self.next_id += 1
            ids[person] = pk
            number = f"{STAFF_NUMBER_PREFIX}{self.next_number:07d}"
            self.next_number += 1
            group, grade = org.group[person], org.grade[person]
            manager = org.manager[person]
            manager_id = ids[manager] if manager >= 0 else None
            if manager >= 0:
                paths[person] = f"{paths[manager] or '/'}{ids[manager]}/"
            female = rng.random() < facts.FEMALE_SHARE[group]
            first = rng.choice(names.FEMALE if female else names.MALE)
            last = rng.choice(names.SURNAMES)
            local = f"{names.plain(first)}.{names.plain(last)}"
            seen = emails.get(local, 0) + 1
            emails[local] = seen
            email = f"{local}{seen if seen > 1 else ''}@{domain}"
            title = org.title[person]
            stage, start = self._stage_and_start(grade, person in org.manages_managers, rng)
            if title is None:
                title = _occupation(group, grade, rng)
            index.ids.append(pk)
            index.organisation.append(plan_index)
            index.manager.append(manager_id or 0)
            index.group.append(GROUP_INDEX[group])
            index.grade.append(GRADE_INDEX[grade])
            index.female.append(1 if female else 0)
            yield (
                pk,
                number,
                first,
                last,
                email,
                plan.org_id,
                group,
                title,
                grade,
                stage,
                manager_id,
                paths[person],
                start,
                Person.Status.ACTIVE,
                None,
                self.now,
                self.now,
            )

    def _stage_and_start(
        self, grade: str, manages_managers: bool, rng: random.Random
    ) -> tuple[str, dt.date]:
        as_of = self.ctx.as_of
        if grade in facts.TRAINING_YEAR:
            stage = next(iter(facts.STAGES_FOR_GRADE[grade]))
            return stage, self.rotation
        if grade == Grade.VSM:
            years = min(15.0, 0.5 + rng.expovariate(1 / 4))
            stage = CareerStage.EXECUTIVE
        elif grade == Grade.CONSULTANT:
            years = min(35.0, rng.expovariate(1 / 9))
            stage = CareerStage.SENIOR if manages_managers else CareerStage.ESTABLISHED
        elif grade in (Grade.BAND_1, Grade.BAND_2, Grade.BAND_3, Grade.BAND_4, Grade.BAND_5):
            years = min(40.0, rng.expovariate(1 / 6))
            early = years < facts.EARLY_CAREER_YEARS
            stage = CareerStage.EARLY_CAREER if early else CareerStage.ESTABLISHED
        else:
            allowed = facts.STAGES_FOR_GRADE[grade]
            stage = CareerStage.SENIOR if CareerStage.SENIOR in allowed else next(iter(allowed))
            base = 3.0 if stage == CareerStage.ESTABLISHED else 6.0
            years = min(40.0, base + rng.expovariate(1 / 8))
        return stage, as_of - dt.timedelta(days=int(years * 365.25))


_OCCUPATION_TIERS = {
    group: [(float(rank), titles) for rank, titles in tiers]
    for group, tiers in facts.OCCUPATIONS.items()
}


def _occupation(group: str, grade: str, rng: random.Random) -> str:
    rank = facts.RANK[grade]
    tiers = _OCCUPATION_TIERS.get(group)
    if not tiers:
        return StaffGroup(group).label
    titles = tiers[0][1]
    for lowest, tier_titles in tiers:
        if rank >= lowest:
            titles = tier_titles
    title = rng.choice(titles)
    if group == G.DOCTORS and grade not in (Grade.FY1, Grade.FY2):
        return f"{title} in {rng.choice(facts.SPECIALTIES).lower()}"
    return title


def synthetic_people_sql() -> tuple[str, list[str]]:
    """SQL selecting the ids of synthetic staff records, with its parameters."""
    return (
        'SELECT id FROM "people_person" WHERE "staff_number" LIKE %s',
        [STAFF_NUMBER_PREFIX + "%"],
    )


def clear_staff(ctx: SynthContext) -> int:
    """Remove earlier synthetic staff (staff numbers SY...), and what hangs off them."""
    sql, params = synthetic_people_sql()
    removed = delete_rows(Person, sql, params, writer=ctx.writer)
    if removed:
        audit.record("demo.synth.staff_removed", by=ctx.by, detail={"staff": removed})
    return removed


@synth_stage("staff", order=200, clear=clear_staff)
def load_staff(ctx: SynthContext) -> int:
    """Staff records with line-management trees, boards at the top."""
    total = sum(plan.headcount for plan in ctx.plan)
    maker = StaffMaker(ctx, ctx.writer.next_ids(Person, total))

    def rows() -> Iterator[tuple[Any, ...]]:
        for plan_index, plan in enumerate(ctx.plan):
            yield from maker.rows(plan_index, plan)

    written = ctx.writer.write(Person, COLUMNS, rows(), label="staff", total=total)
    ctx.staff = maker.index
    audit.record(
        "demo.synth.staff_loaded",
        by=ctx.by,
        detail={"staff": written, "organisations": len(ctx.plan), "seed": ctx.seed},
    )
    return written
