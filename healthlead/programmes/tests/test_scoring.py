"""Moderated scores: disagreements of two points are flagged; agreed scores replace the mean."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from healthlead.programmes.scoring import (
    criterion_values,
    disagreements,
    shown,
    weighted_score,
)


def test_a_spread_of_two_points_or_more_is_flagged_and_one_point_is_not():
    flags = disagreements({1: [3, 4, 4], 2: [2, 4], 3: [1, 5, 3]})
    assert flags == [(2, 2, 4), (3, 1, 5)]


def test_an_agreed_score_replaces_the_mean_of_the_members_scores():
    values = criterion_values({1: [2, 4], 2: [3, 4]}, {1: 4})
    assert values == {1: Fraction(4), 2: Fraction(7, 2)}


def test_the_score_is_the_weighted_mean_to_three_places():
    values = {1: Fraction(4), 2: Fraction(7, 2), 3: Fraction(10, 3)}
    # (4*3 + 3.5*2 + 3.333*1) / 6 = 22.333 / 6 = 3.722
    assert weighted_score(values, {1: 3, 2: 2, 3: 1}) == Decimal("3.722")
    assert shown(values) == {"1": "4.000", "2": "3.500", "3": "3.333"}
