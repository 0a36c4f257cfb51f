"""The 9-box talent grid: box numbers, labels and colours.

Performance (1-3, from the appraisal) runs left to right, potential (1-3) bottom to top. A box
is numbered 1 (bottom left) to 9 (top right): box = (potential - 1) * 3 + performance. The row
and box labels come from data/talent_grid.yaml (see docs/data-sources.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

GRID_FILE = Path(__file__).resolve().parent / "data" / "talent_grid.yaml"
LEVELS = (1, 2, 3)
BOXES = tuple(range(1, 10))

PERFORMANCE_LABELS = {
    1: "Not yet meeting expectations",
    2: "Meeting expectations",
    3: "Exceeding expectations",
}
POTENTIAL_LABELS = {
    1: "Limited potential for a bigger role at present",
    2: "Potential for a bigger role",
    3: "High potential for a senior role",
}
PERFORMANCE_SHORT = {1: "Lower performance", 2: "Moderate performance", 3: "Higher performance"}
POTENTIAL_SHORT = {1: "Lower potential", 2: "Moderate potential", 3: "Higher potential"}


class GridError(ValueError):
    """A performance or potential outside 1 to 3."""


@cache
def grid_facts() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(GRID_FILE.read_text())
    for row in ("top_row", "middle_row", "bottom_row"):
        if len(data[row]) != 3:
            raise GridError(f"{GRID_FILE.name}: {row} must name three boxes.")
    return data


def box_for(performance: int, potential: int) -> int:
    """The box number (1-9) for a performance and a potential (each 1-3)."""
    if performance not in LEVELS or potential not in LEVELS:
        raise GridError("Performance and potential must each be 1, 2 or 3.")
    return (potential - 1) * 3 + performance


def place_of(box: int) -> tuple[int, int]:
    """(performance, potential) for a box number."""
    if not 1 <= box <= 9:
        raise GridError("A box is numbered 1 to 9.")
    return (box - 1) % 3 + 1, (box - 1) // 3 + 1


def box_label(box: int) -> str:
    performance, potential = place_of(box)
    row = {3: "top_row", 2: "middle_row", 1: "bottom_row"}[potential]
    return str(grid_facts()[row][performance - 1])


def box_colour(box: int) -> str:
    """Green for the top category (ready or nearly), amber in between, grey at the bottom."""
    performance, potential = place_of(box)
    score = performance + potential
    if score >= 5:
        return "green"
    if score >= 4:
        return "yellow"
    return "grey"


def box_description(box: int) -> str:
    performance, potential = place_of(box)
    return f"{box_label(box)} ({PERFORMANCE_SHORT[performance]}, {POTENTIAL_SHORT[potential]})"


def box_choices() -> list[tuple[int, str]]:
    return [(box, box_description(box)) for box in range(9, 0, -1)]


@dataclass(frozen=True)
class GridCell:
    box: int
    label: str
    colour: str
    count: int
    names: list[dict[str, Any]]
    more: int


def grid_rows(
    counts: dict[int, int], names: dict[int, list[dict[str, Any]]]
) -> list[tuple[str, list[GridCell]]]:
    """Rows of the grid for a table, top (highest potential) first."""
    rows = []
    for potential in (3, 2, 1):
        cells = []
        for performance in LEVELS:
            box = box_for(performance, potential)
            listed = names.get(box, [])
            count = counts.get(box, 0)
            cells.append(
                GridCell(
                    box=box,
                    label=box_label(box),
                    colour=box_colour(box),
                    count=count,
                    names=listed,
                    more=max(0, count - len(listed)),
                )
            )
        rows.append((POTENTIAL_SHORT[potential], cells))
    return rows
