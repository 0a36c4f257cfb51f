"""Allocating an intake's places by moderated score, within fairness constraints, exactly.

The model (docs/adr/0004-offer-allocation.md):

- Candidates are the appointable applicants (eligible, scored, at or above the intake's minimum
  score), in one strict order: `rank()` sorts by moderated score, then the documented tie-break
  (the higher score on the criteria in order of weight, then a lottery fixed by the intake and
  application ids). Rank 1 is the best.
- Constraints per intake: at most `places` offers; per staff group, an optional cap (at most a
  share of the places, rounded down) and an optional reserve (at least so many places, or all
  of that group's candidates if fewer). People already holding an offer (open or accepted) stay
  in; people who declined, let an offer lapse or withdrew are out.
- Objective: fill as many places as the constraints allow (an exact count, `fillable()`), and
  among those allocations take the one that is best in rank order. CP-SAT maximises the sum of
  weights n + 1 - rank. Because caps and reserves are on one partition (staff groups), the
  feasible allocations of that size are the bases of a matroid; with distinct weights the best
  one is unique, and it is also the one with the highest total score. So the answer does not
  depend on the solver's search, and `greedy()` (the rank-order greedy algorithm) must agree with
  it: it is the benchmark's baseline and a cross-check in the tests.
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ortools.sat.python import cp_model

SOLVER_SECONDS = 30.0
SOLVER_WORKERS = 1  # one search worker: faster than two on a model this small


class AllocationError(Exception):
    """The allocation cannot be made; the message says why in plain English."""


@dataclass(frozen=True)
class Candidate:
    key: int  # the application's id
    score: Decimal  # moderated, weighted score (1 to 5)
    criteria: tuple[Decimal, ...]  # moderated criterion scores, heaviest weight first
    group: str  # staff group
    lottery: str  # hex digest: the last tie-break
    holds_offer: bool = False  # an open or accepted offer: stays in


@dataclass(frozen=True)
class Quotas:
    caps: dict[str, int] = field(default_factory=dict)  # group -> at most this many places
    reserves: dict[str, int] = field(default_factory=dict)  # group -> at least this many


@dataclass(frozen=True)
class Solution:
    selected: frozenset[int]  # candidate keys
    status: str
    objective: int
    seconds: float
    fillable: int


def lottery(intake_id: int, application_id: int) -> str:
    """The last tie-break: fixed for an application in an intake, unknowable in advance."""
    return hashlib.sha256(f"healthlead-intake:{intake_id}:{application_id}".encode()).hexdigest()


def sort_key(candidate: Candidate) -> tuple[object, ...]:
    return (-candidate.score, tuple(-c for c in candidate.criteria), candidate.lottery)


def rank(candidates: Iterable[Candidate]) -> list[Candidate]:
    """Candidates best first: score, then criteria by weight, then the lottery."""
    return sorted(candidates, key=sort_key)


def cap_places(percent: int, places: int) -> int:
    """The most places a group capped at `percent` of `places` may hold (rounded down)."""
    return (percent * places) // 100


def _bounds(ranked: list[Candidate], quotas: Quotas) -> tuple[Counter[str], dict[str, int]]:
    sizes = Counter(c.group for c in ranked)
    lower = {
        group: min(wanted, sizes.get(group, 0), quotas.caps.get(group, wanted))
        for group, wanted in quotas.reserves.items()
    }
    return sizes, lower


def fillable(ranked: list[Candidate], places: int, quotas: Quotas) -> int:
    """How many places can be filled: every candidate counts, up to each group's cap."""
    sizes, _ = _bounds(ranked, quotas)
    room = sum(min(size, quotas.caps.get(group, size)) for group, size in sizes.items())
    return min(places, room)


def check_quotas(places: int, quotas: Quotas) -> list[str]:
    """Problems with a set of constraints, before any candidate is known."""
    problems = []
    reserved = sum(quotas.reserves.values())
    if reserved > places:
        problems.append(f"The reserved places ({reserved}) are more than the {places} places.")
    for group, minimum in quotas.reserves.items():
        cap = quotas.caps.get(group)
        if cap is not None and minimum > cap:
            problems.append(
                f"The places reserved for {group} ({minimum}) are more than its cap allows ({cap})."
            )
    return problems


def _weights(ranked: list[Candidate]) -> dict[int, int]:
    n = len(ranked)
    return {c.key: n - index for index, c in enumerate(ranked)}


def _check(ranked: list[Candidate], places: int, quotas: Quotas) -> None:
    problems = check_quotas(places, quotas)
    if problems:
        raise AllocationError(" ".join(problems))
    held = [c for c in ranked if c.holds_offer]
    if len(held) > places:
        raise AllocationError(
            f"{len(held)} people hold offers, more than the {places} places: "
            "the number of places cannot be lowered below the offers already made."
        )
    for group, count in Counter(c.group for c in held).items():
        cap = quotas.caps.get(group)
        if cap is not None and count > cap:
            raise AllocationError(
                f"{count} people in {group} hold offers, more than its cap of {cap}."
            )


def _solved(solver: cp_model.CpSolver, status: Any, seconds: float) -> None:
    if status != cp_model.OPTIMAL:
        raise AllocationError(
            f"The allocation could not be proved best in {seconds:g} seconds "
            f"({solver.status_name(status)}). Nothing has changed; try again."
        )


def solve(
    candidates: Iterable[Candidate],
    places: int,
    quotas: Quotas,
    *,
    seconds: float = SOLVER_SECONDS,
    workers: int = SOLVER_WORKERS,
) -> Solution:
    """The best allocation, found exactly with OR-Tools CP-SAT: one yes/no variable per
    applicant, the number of places, each group's cap and reserve, and the rank weights.

    The model is small and its linear relaxation tight, so CP-SAT proves the optimum at once
    without presolve (which would take ten times longer than the search on 1,400 applicants).
    """
    ranked = rank(candidates)
    _check(ranked, places, quotas)
    target = fillable(ranked, places, quotas)
    _, lower = _bounds(ranked, quotas)
    started = time.perf_counter()
    model = cp_model.CpModel()
    chosen = [model.new_bool_var(f"x{c.key}") for c in ranked]
    for c, var in zip(ranked, chosen, strict=True):
        if c.holds_offer:
            model.add(var == 1)
    model.add(cp_model.LinearExpr.sum(chosen) == target)
    by_group: dict[str, list[cp_model.IntVar]] = {}
    for c, var in zip(ranked, chosen, strict=True):
        by_group.setdefault(c.group, []).append(var)
    for group, variables in by_group.items():
        if group in quotas.caps:
            model.add(cp_model.LinearExpr.sum(variables) <= quotas.caps[group])
        if lower.get(group):
            model.add(cp_model.LinearExpr.sum(variables) >= lower[group])
    weights = _weights(ranked)
    model.maximize(cp_model.LinearExpr.weighted_sum(chosen, [weights[c.key] for c in ranked]))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = seconds
    solver.parameters.num_workers = workers
    solver.parameters.cp_model_presolve = False
    status = solver.solve(model)
    _solved(solver, status, seconds)
    return Solution(
        selected=frozenset(
            c.key for c, var in zip(ranked, chosen, strict=True) if solver.value(var)
        ),
        status=solver.status_name(status),
        objective=int(solver.objective_value),
        seconds=time.perf_counter() - started,
        fillable=target,
    )


def greedy(candidates: Iterable[Candidate], places: int, quotas: Quotas) -> frozenset[int]:
    """The rank-order greedy allocation: take each candidate in turn unless a cap is full or
    taking them would leave too few places for the reserves still to be met."""
    ranked = rank(candidates)
    target = fillable(ranked, places, quotas)
    _, lower = _bounds(ranked, quotas)
    counts: Counter[str] = Counter()
    selected: set[int] = set()

    def deficit() -> int:
        return sum(max(0, minimum - counts[group]) for group, minimum in lower.items())

    for c in ranked:
        if c.holds_offer:
            selected.add(c.key)
            counts[c.group] += 1
    for c in ranked:
        if len(selected) >= target:
            break
        if c.key in selected:
            continue
        cap = quotas.caps.get(c.group)
        if cap is not None and counts[c.group] >= cap:
            continue
        helps = counts[c.group] < lower.get(c.group, 0)
        if deficit() - (1 if helps else 0) > target - len(selected) - 1:
            continue
        selected.add(c.key)
        counts[c.group] += 1
    return frozenset(selected)


def explain(
    ranked: list[Candidate],
    selected: frozenset[int],
    places: int,
    quotas: Quotas,
    group_labels: dict[str, str],
    *,
    positions: dict[int, int] | None = None,
    total: int | None = None,
) -> dict[int, str]:
    """Why each candidate was or was not allocated a place, in plain English.

    `positions` and `total` give each candidate's rank in the first allocation, so that a
    cascade (where some have dropped out) still speaks of the original ranking.
    """
    n = total if total is not None else len(ranked)
    counts = Counter(c.group for c in ranked if c.key in selected)
    worst_selected = max((i for i, c in enumerate(ranked) if c.key in selected), default=-1)
    _, lower = _bounds(ranked, quotas)
    texts: dict[int, str] = {}
    waiting = 0
    passed_over = False  # someone ranked above this candidate has no place
    for index, c in enumerate(ranked):
        place = (positions or {}).get(c.key, index + 1)
        position = f"ranked {place} of {n} appointable applicants, with a score of {c.score:.2f}"
        label = group_labels.get(c.group, c.group)
        if c.key in selected:
            if passed_over and lower.get(c.group):
                texts[c.key] = (
                    f"Allocated a place: {position}. At least {lower[c.group]} places are "
                    f"reserved for {label.lower()}, so this place went to you ahead of some "
                    "applicants ranked higher."
                )
            else:
                texts[c.key] = f"Allocated a place: {position}."
            continue
        waiting += 1
        passed_over = True
        cap = quotas.caps.get(c.group)
        if index < worst_selected and cap is not None and counts[c.group] >= cap:
            reason = (
                f"{label} already hold the most places allowed ({cap} of {places}), so the "
                "place went to the next applicant from another staff group"
            )
        elif index < worst_selected:
            reason = "places reserved for other staff groups went to applicants ranked below you"
        else:
            reason = f"the {len(selected)} places went to applicants ranked higher"
        texts[c.key] = (
            f"Not allocated a place yet: {position}; {reason}. You are number {waiting} on the "
            "waiting list."
        )
    return texts
