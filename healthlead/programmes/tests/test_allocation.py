"""The allocation: quotas are met, and the answer is the best one, checked by brute force."""

from __future__ import annotations

import itertools
import random
from decimal import Decimal

import pytest

from healthlead.programmes.allocation import (
    AllocationError,
    Candidate,
    Quotas,
    cap_places,
    explain,
    fillable,
    greedy,
    lottery,
    rank,
    solve,
)

GROUPS = ["nurses", "doctors", "midwives"]


def candidate(
    key: int, score: str, group: str = "nurses", *, holds: bool = False, crit=()
) -> Candidate:
    return Candidate(
        key=key,
        score=Decimal(score),
        criteria=tuple(Decimal(c) for c in crit),
        group=group,
        lottery=lottery(1, key),
        holds_offer=holds,
    )


def feasible(chosen: set[int], people: list[Candidate], places: int, quotas: Quotas) -> bool:
    if len(chosen) > places:
        return False
    if not {c.key for c in people if c.holds_offer} <= chosen:
        return False
    sizes = {g: sum(1 for c in people if c.group == g) for g in GROUPS}
    for group in GROUPS:
        count = sum(1 for c in people if c.key in chosen and c.group == group)
        if group in quotas.caps and count > quotas.caps[group]:
            return False
        wanted = min(quotas.reserves.get(group, 0), sizes[group], quotas.caps.get(group, places))
        if count < wanted:
            return False
    return True


def brute_force(
    people: list[Candidate], places: int, quotas: Quotas
) -> tuple[int, set[frozenset[int]]]:
    """The most places any allocation fills, and every allocation of that size with the highest
    total score."""
    keys = [c.key for c in people]
    best_size, best_total, best = -1, Decimal(-1), set()
    for size in range(min(places, len(keys)), -1, -1):
        for chosen in itertools.combinations(keys, size):
            chosen_set = set(chosen)
            if not feasible(chosen_set, people, places, quotas):
                continue
            total = sum(c.score for c in people if c.key in chosen_set)
            if size > best_size or (size == best_size and total > best_total):
                best_size, best_total, best = size, total, {frozenset(chosen_set)}
            elif size == best_size and total == best_total:
                best.add(frozenset(chosen_set))
        if best_size >= 0:
            break
    return best_size, best


def lexicographic_best(people: list[Candidate], allocations: set[frozenset[int]]) -> frozenset[int]:
    order = [c.key for c in rank(people)]
    return max(allocations, key=lambda chosen: [key in chosen for key in order])


def test_without_constraints_the_highest_scores_get_the_places():
    people = [candidate(i, s) for i, s in enumerate(["3.2", "4.8", "2.0", "4.1", "3.9"], start=1)]
    solution = solve(people, 3, Quotas())
    assert solution.selected == {2, 4, 5}
    assert solution.status == "OPTIMAL"


def test_a_cap_stops_one_staff_group_taking_more_than_its_share():
    people = [
        candidate(1, "5.0", "doctors"),
        candidate(2, "4.9", "doctors"),
        candidate(3, "4.8", "doctors"),
        candidate(4, "3.0", "nurses"),
        candidate(5, "2.5", "midwives"),
    ]
    quotas = Quotas(caps={"doctors": cap_places(50, 4)})  # at most 2 of 4 places
    solution = solve(people, 4, quotas)
    assert solution.selected == {1, 2, 4, 5}
    assert sum(1 for c in people if c.key in solution.selected and c.group == "doctors") == 2


def test_reserved_places_go_to_the_group_even_below_higher_scorers():
    people = [
        candidate(1, "5.0", "doctors"),
        candidate(2, "4.9", "doctors"),
        candidate(3, "4.8", "nurses"),
        candidate(4, "2.0", "midwives"),
        candidate(5, "1.5", "midwives"),
    ]
    solution = solve(people, 3, Quotas(reserves={"midwives": 1}))
    assert solution.selected == {1, 2, 4}


def test_a_reserve_larger_than_the_group_takes_everyone_in_it_and_fills_the_rest():
    people = [
        candidate(1, "5.0", "doctors"),
        candidate(2, "4.0", "doctors"),
        candidate(3, "1.0", "midwives"),
    ]
    solution = solve(people, 3, Quotas(reserves={"midwives": 2}))
    assert solution.selected == {1, 2, 3}


def test_places_stay_empty_rather_than_break_a_cap():
    people = [candidate(i, "4.0", "doctors") for i in range(1, 6)]
    solution = solve(people, 4, Quotas(caps={"doctors": 2}))
    assert len(solution.selected) == 2
    assert solution.fillable == 2


def test_people_holding_offers_keep_them():
    people = [candidate(1, "1.0", "nurses", holds=True), candidate(2, "5.0"), candidate(3, "4.0")]
    solution = solve(people, 2, Quotas())
    assert solution.selected == {1, 2}


def test_reserves_larger_than_the_places_are_refused():
    with pytest.raises(AllocationError, match="reserved places"):
        solve([candidate(1, "3.0")], 2, Quotas(reserves={"nurses": 2, "doctors": 1}))


def test_ties_are_broken_by_the_heaviest_criterion_then_the_lottery():
    a = candidate(1, "4.000", crit=("4.000", "4.000"))
    b = candidate(2, "4.000", crit=("5.000", "3.000"))
    c = candidate(3, "4.000", crit=("4.000", "4.000"))
    order = [x.key for x in rank([a, b, c])]
    assert order[0] == 2  # the higher score on the heaviest criterion
    assert order[1:] == sorted([1, 3], key=lambda key: lottery(1, key))
    assert solve([a, b, c], 2, Quotas()).selected == {2, order[1]}


def test_the_lottery_is_fixed_for_an_application_and_differs_between_intakes():
    assert lottery(7, 42) == lottery(7, 42)
    assert lottery(7, 42) != lottery(8, 42)


@pytest.mark.parametrize("seed", range(60))
def test_allocation_is_optimal_and_unique_on_small_cases_checked_by_brute_force(seed):
    rng = random.Random(seed)
    n = rng.randint(1, 10)
    scores = [f"{rng.randint(2, 10) / 2:.3f}" for _ in range(n)]  # many ties
    people = [
        candidate(
            i + 1,
            scores[i],
            rng.choice(GROUPS),
            holds=False,
            crit=(f"{rng.randint(1, 5)}.000",),
        )
        for i in range(n)
    ]
    places = rng.randint(1, 6)
    caps, reserves = {}, {}
    if rng.random() < 0.6:
        caps[rng.choice(GROUPS)] = cap_places(rng.choice([20, 34, 50, 67]), places)
    if rng.random() < 0.6:
        group = rng.choice(GROUPS)
        reserves[group] = min(rng.randint(1, 3), places, caps.get(group, places))
    quotas = Quotas(caps=caps, reserves=reserves)
    size, best = brute_force(people, places, quotas)
    solution = solve(people, places, quotas)
    assert len(solution.selected) == size == fillable(rank(people), places, quotas)
    assert solution.selected in best, "the allocation does not have the highest total score"
    assert solution.selected == lexicographic_best(people, best)
    assert feasible(set(solution.selected), people, places, quotas)
    assert greedy(people, places, quotas) == solution.selected


@pytest.mark.parametrize("seed", range(20))
def test_allocation_with_offers_already_held_is_optimal_by_brute_force(seed):
    rng = random.Random(1000 + seed)
    n = rng.randint(3, 10)
    people = [
        candidate(i + 1, f"{rng.randint(2, 10) / 2:.3f}", rng.choice(GROUPS)) for i in range(n)
    ]
    places = rng.randint(2, 5)
    quotas = Quotas(caps={"doctors": cap_places(50, places)}, reserves={"midwives": 1})
    first = solve(people, places, quotas).selected
    # Someone declines: they leave, the others keep their offers, and the cascade fills the gap.
    leaver = rng.choice(sorted(first))
    rest = [
        Candidate(c.key, c.score, c.criteria, c.group, c.lottery, holds_offer=c.key in first)
        for c in people
        if c.key != leaver
    ]
    size, best = brute_force(rest, places, quotas)
    solution = solve(rest, places, quotas)
    assert first - {leaver} <= solution.selected
    assert len(solution.selected) == size
    assert solution.selected == lexicographic_best(rest, best)
    assert greedy(rest, places, quotas) == solution.selected


def test_explanations_say_why_a_higher_ranked_applicant_was_passed_over():
    people = [
        candidate(1, "5.0", "doctors"),
        candidate(2, "4.9", "doctors"),
        candidate(3, "4.0", "nurses"),
    ]
    quotas = Quotas(caps={"doctors": 1})
    solution = solve(people, 2, quotas)
    texts = explain(rank(people), solution.selected, 2, quotas, {"doctors": "Doctors"})
    assert texts[1].startswith("Allocated a place: ranked 1 of 3")
    assert "Doctors already hold the most places allowed (1 of 2)" in texts[2]
    assert "number 1 on the waiting list" in texts[2]
    assert texts[3].startswith("Allocated a place: ranked 3 of 3")


def test_explanations_name_a_reserved_place():
    people = [
        candidate(1, "5.0", "doctors"),
        candidate(2, "4.9", "doctors"),
        candidate(3, "2.0", "midwives"),
    ]
    quotas = Quotas(reserves={"midwives": 1})
    solution = solve(people, 2, quotas)
    texts = explain(rank(people), solution.selected, 2, quotas, {"midwives": "Midwives"})
    assert "reserved for midwives" in texts[3]
    assert "places reserved for other staff groups" in texts[2]
