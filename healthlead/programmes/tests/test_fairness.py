"""Fairness reports: counts under 5 suppressed, and never recoverable from the totals."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from healthlead.programmes.fairness import (
    STAGES,
    build_table,
    hidden_in_column,
    national_forced,
)


def rows(*counts: tuple[str, dict[str, int]]) -> list[tuple[str, str, dict[str, int]]]:
    return [(key, key.title(), values) for key, values in counts]


def determined(values: list[int], hidden: set[int], total_hidden: bool) -> bool:
    """Whether an observer who sees the shown cells and the total can work out a hidden cell:
    the hidden cells' sum is known, and each hidden cell is 1 or more (zeros are shown)."""
    if total_hidden or not hidden:
        return False
    known_sum = sum(values[i] for i in hidden)
    return len(hidden) == 1 or known_sum == len(hidden)


def test_counts_from_1_to_4_are_hidden_and_zero_and_5_are_shown():
    hidden, total_hidden = hidden_in_column([0, 3, 5, 12, 20])
    assert 1 in hidden
    assert 0 not in hidden
    assert not total_hidden


def test_a_single_small_cell_takes_the_next_smallest_with_it():
    hidden, _ = hidden_in_column([3, 40, 9, 25])
    assert hidden == {0, 2}  # 3 alone would be total - (40 + 9 + 25)


def test_hidden_ones_that_would_be_given_away_by_their_sum_take_another_cell():
    hidden, _ = hidden_in_column([1, 1, 30, 8])
    assert hidden == {0, 1, 3}


def test_a_small_cell_with_nothing_else_to_hide_hides_the_total():
    hidden, total_hidden = hidden_in_column([0, 2, 0])
    assert hidden == {1}
    assert total_hidden


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=30), min_size=1, max_size=8))
def test_no_hidden_cell_can_be_recovered_from_the_column_total(values):
    hidden, total_hidden = hidden_in_column(values)
    assert {i for i, v in enumerate(values) if 0 < v < 5} <= hidden
    assert not determined(values, hidden, total_hidden)


def test_a_table_shows_stars_for_hidden_cells_and_keeps_totals():
    table = build_table(
        "staff_group",
        "Staff group",
        rows(
            (
                "nurses",
                {"applied": 40, "eligible": 30, "shortlisted": 20, "offered": 10, "accepted": 8},
            ),
            (
                "doctors",
                {"applied": 3, "eligible": 3, "shortlisted": 2, "offered": 1, "accepted": 1},
            ),
            (
                "midwives",
                {"applied": 12, "eligible": 10, "shortlisted": 9, "offered": 6, "accepted": 6},
            ),
        ),
    )
    doctors = next(r for r in table.rows if r.key == "doctors")
    assert all(cell.text == "*" for cell in doctors.cells.values())
    midwives = next(r for r in table.rows if r.key == "midwives")
    assert midwives.cells["applied"].text == "*"  # the complement of the doctors' 3
    assert table.totals["applied"].text == "55"


def test_a_national_cell_is_hidden_when_any_intake_hides_it():
    intake = build_table(
        "staff_group",
        "Staff group",
        rows(
            ("nurses", {"applied": 30}), ("doctors", {"applied": 2}), ("midwives", {"applied": 9})
        ),
    )
    other = build_table(
        "staff_group",
        "Staff group",
        rows(
            ("nurses", {"applied": 20}), ("doctors", {"applied": 40}), ("midwives", {"applied": 11})
        ),
    )
    national = build_table(
        "staff_group",
        "Staff group",
        rows(
            ("nurses", {"applied": 50}), ("doctors", {"applied": 42}), ("midwives", {"applied": 20})
        ),
        forced=national_forced([intake, other]),
    )
    shown = {r.key: r.cells["applied"].shown for r in national.rows}
    # Without the rule, 42 - 40 would give intake 1's hidden doctors.
    assert shown == {"nurses": True, "doctors": False, "midwives": False}


def _random_intake(rng: random.Random) -> list[tuple[str, str, dict[str, int]]]:
    return [
        (g, g, {s: rng.choice([0, 0, 1, 2, 3, 4, 5, 7, 12, 30]) for s in STAGES})
        for g in ("a", "b", "c", "d")
    ]


@pytest.mark.parametrize("seed", range(40))
def test_no_hidden_intake_cell_is_the_national_figure_less_the_other_intakes(seed):
    rng = random.Random(seed)
    intakes = [_random_intake(rng) for _ in range(rng.randint(2, 4))]
    tables = [build_table("g", "G", r) for r in intakes]
    summed = [
        (g, g, {s: sum({k: v for k, _, v in r}[g][s] for r in intakes) for s in STAGES})
        for g in ("a", "b", "c", "d")
    ]
    national = build_table("g", "G", summed, forced=national_forced(tables))
    for index, table in enumerate(tables):
        for row in table.rows:
            for stage, cell in row.cells.items():
                if cell.shown:
                    continue
                n_cell = next(r for r in national.rows if r.key == row.key).cells[stage]
                others_shown = all(
                    next(r for r in t.rows if r.key == row.key).cells[stage].shown
                    for i, t in enumerate(tables)
                    if i != index
                )
                assert not (n_cell.shown and others_shown), (row.key, stage)
        for stage in STAGES:
            values = [r.cells[stage].value for r in national.rows]
            hidden = {i for i, r in enumerate(national.rows) if not r.cells[stage].shown}
            assert not determined(values, hidden, not national.totals[stage].shown)


def test_relative_likelihood_follows_the_wres_formula():
    table = build_table(
        "ethnicity",
        "Ethnicity",
        rows(
            ("white", {"shortlisted": 40, "offered": 20}),
            ("asian", {"shortlisted": 20, "offered": 5}),
            ("black", {"shortlisted": 10, "offered": 5}),
        ),
    )
    wres = table.likelihoods[0]
    assert wres.label.startswith("White applicants compared with Black and minority ethnic")
    # (20 / 40) / ((5 + 5) / (20 + 10)) = 0.5 / 0.333 = 1.5
    assert wres.ratio == Decimal("1.50")


def test_relative_likelihood_is_not_shown_when_a_count_it_needs_is_hidden():
    table = build_table(
        "ethnicity",
        "Ethnicity",
        rows(
            ("white", {"shortlisted": 40, "offered": 20}),
            ("black", {"shortlisted": 6, "offered": 2}),
            ("asian", {"shortlisted": 20, "offered": 9}),
        ),
    )
    assert table.likelihoods[0].ratio is None
    black = next(item for item in table.likelihoods if item.label.startswith("Black"))
    assert black.ratio is None
