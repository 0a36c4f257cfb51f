"""Panel scores into one moderated score per application (pure functions).

Each panel member scores every criterion from 1 to 5 on their own. Where members' scores on a
criterion differ by two points or more, the criterion is flagged for moderation and the panel
agrees one score, with a reason. A criterion's value is the agreed score where there is one,
otherwise the mean of the members' scores; the application's score is the weighted mean of its
criterion values, rounded to three decimal places (equal rounded scores are ties, broken by the
rule in allocation.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

DISAGREEMENT = 2  # points between the lowest and highest score that need moderation
PLACES = Decimal("0.001")


def disagreements(scores: Mapping[int, Sequence[int]]) -> list[tuple[int, int, int]]:
    """(criterion id, lowest, highest) for each criterion whose scores differ by 2 or more."""
    return [
        (criterion, min(values), max(values))
        for criterion, values in sorted(scores.items())
        if values and max(values) - min(values) >= DISAGREEMENT
    ]


def _decimal(value: Fraction) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
        PLACES, rounding=ROUND_HALF_UP
    )


def criterion_values(
    scores: Mapping[int, Sequence[int]], agreed: Mapping[int, int]
) -> dict[int, Fraction]:
    """Criterion id -> the agreed score, or the mean of the members' scores (exact)."""
    values: dict[int, Fraction] = {}
    for criterion, given in scores.items():
        if criterion in agreed:
            values[criterion] = Fraction(agreed[criterion])
        elif given:
            values[criterion] = Fraction(sum(given), len(given))
    return values


def weighted_score(values: Mapping[int, Fraction], weights: Mapping[int, int]) -> Decimal:
    """The weighted mean of criterion values, to three decimal places."""
    total_weight = sum(weights[c] for c in values)
    if not total_weight:
        return Decimal(0).quantize(PLACES)
    weighted = sum((values[c] * weights[c] for c in values), Fraction(0))
    return _decimal(weighted / total_weight)


def shown(values: Mapping[int, Fraction]) -> dict[str, str]:
    """Criterion values as stored on the application (strings, three decimal places)."""
    return {str(criterion): str(_decimal(value)) for criterion, value in values.items()}
