"""The anonymity rule: what a 360 report may show (docs/adr/0002-360-anonymity.md).

This module is pure: it takes the submitted answers of one cycle as plain data and
returns the figures a frozen report holds. Nothing else turns answers into figures
for display, so every output (page, PDF, CSV, API, norms) inherits the rule.

The rule, in short:

1. A rater group is *visible* when its submitted responses reach the minimum fixed
   at launch. Responses from anonymous groups that are not visible are dropped before
   anything is computed, so they are in no figure at all.
2. The atomic figure is a *cell*: one visible group's ratings of one item. A cell is
   shown only when at least the group's minimum raters rated the item (not observed
   does not count). Every other figure (element and domain means, "all others",
   distributions, spreads) is built only from shown cells, so every published figure
   is a sum over whole shown cells and no difference of figures can isolate fewer
   raters than a group's minimum.
3. "All others" pools the visible groups other than self (the line manager
   included) and is shown only with at least `all_others_minimum` responses (per
   item: contributors). Distributions exist only for "all others".
4. Comments come only from visible groups, in an order shuffled once at freezing,
   labelled by role only for the line manager and self.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

RULE_VERSION = "1"
GAP_THRESHOLD = 1.0  # self minus others, on the 5-point scale, for blind spots / hidden strengths
EXTREME_ITEMS = 5  # how many highest and lowest rated items the report lists
SCALE = (1, 2, 3, 4, 5)


@dataclass(frozen=True)
class GroupSpec:
    """A rater group as it stands in one cycle (its minimum fixed at launch)."""

    code: str
    name: str
    minimum: int
    anonymous: bool
    is_self: bool = False
    order: int = 0


@dataclass(frozen=True)
class DomainSpec:
    id: int
    code: str
    name: str
    order: int = 0


@dataclass(frozen=True)
class ElementSpec:
    id: int
    domain_id: int
    code: str
    name: str
    order: int = 0


@dataclass(frozen=True)
class ItemSpec:
    id: int
    element_id: int
    text: str
    order: int = 0


@dataclass(frozen=True)
class CommentInput:
    comment_id: int
    domain_id: int
    kind: str
    text: str
    redacted: bool = False


@dataclass(frozen=True)
class RaterResponse:
    """One submitted response: item id -> 1-5 or None ('not observed')."""

    group_code: str
    ratings: dict[int, int | None]
    importance: dict[int, int] = field(default_factory=dict)
    comments: tuple[CommentInput, ...] = ()


@dataclass(frozen=True)
class CycleData:
    groups: Sequence[GroupSpec]
    domains: Sequence[DomainSpec]
    elements: Sequence[ElementSpec]
    items: Sequence[ItemSpec]
    responses: Sequence[RaterResponse]
    all_others_minimum: int


def mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def sample_sd(values: Sequence[float]) -> float | None:
    """Sample standard deviation (n - 1); None for fewer than two values."""
    if len(values) < 2:
        return None
    centre = sum(values) / len(values)
    return math.sqrt(sum((v - centre) ** 2 for v in values) / (len(values) - 1))


@dataclass
class _Cell:
    """The ratings of one item from one group (or from the 'all others' pool)."""

    ratings: list[int]
    shown: bool

    @property
    def mean(self) -> float | None:
        return mean(self.ratings) if self.shown else None


def visible_groups(data: CycleData) -> dict[str, bool]:
    """Each group's visibility: submitted responses at or above its launch minimum."""
    counts = {g.code: 0 for g in data.groups}
    for response in data.responses:
        counts[response.group_code] = counts.get(response.group_code, 0) + 1
    return {g.code: counts[g.code] >= g.minimum and counts[g.code] > 0 for g in data.groups}


def compute(data: CycleData, *, rng: random.Random) -> dict[str, Any]:
    """The figures a frozen report may hold, and nothing else (see the module docstring)."""
    groups = sorted(data.groups, key=lambda g: g.order)
    by_code = {g.code: g for g in groups}
    visible = visible_groups(data)
    # Step 1: drop every response from a group that is not visible.
    responses = [r for r in data.responses if visible.get(r.group_code, False)]
    self_codes = {g.code for g in groups if g.is_self}
    other_groups = [g for g in groups if not g.is_self and visible[g.code]]
    self_responses = [r for r in responses if r.group_code in self_codes]
    others = [r for r in responses if r.group_code not in self_codes]
    all_others_shown = len(others) >= data.all_others_minimum
    ao_min = data.all_others_minimum

    items = sorted(data.items, key=lambda i: i.order)
    elements = sorted(data.elements, key=lambda e: (e.order, e.id))
    domains = sorted(data.domains, key=lambda d: (d.order, d.id))

    # Step 2: cells. A group's cell for an item is shown only with >= minimum raters.
    cells: dict[tuple[str, int], _Cell] = {}
    ao_cells: dict[int, _Cell] = {}
    for item in items:
        pool: list[int] = []
        for group in other_groups:
            ratings = [
                rating
                for r in others
                if r.group_code == group.code and (rating := r.ratings.get(item.id)) is not None
            ]
            cell = _Cell(ratings, shown=len(ratings) >= group.minimum and len(ratings) > 0)
            cells[(group.code, item.id)] = cell
            if cell.shown:
                pool.extend(ratings)
        ao_cells[item.id] = _Cell(pool, shown=all_others_shown and len(pool) >= ao_min)

    self_item: dict[int, float | None] = {}
    for item in items:
        ratings = [rating for r in self_responses if (rating := r.ratings.get(item.id)) is not None]
        self_item[item.id] = mean(ratings)

    item_rows: list[dict[str, Any]] = []
    for item in items:
        ao = ao_cells[item.id]
        item_rows.append(
            {
                "id": item.id,
                "element_id": item.element_id,
                "text": item.text,
                "self": self_item[item.id],
                "groups": {g.code: cells[(g.code, item.id)].mean for g in other_groups},
                "all_others": ao.mean,
                "distribution": [ao.ratings.count(v) for v in SCALE] if ao.shown else None,
            }
        )

    # Step 3: elements from shown cells only (mean of shown item means; spread of the
    # ratings in those cells).
    items_by_element: dict[int, list[ItemSpec]] = {}
    for item in items:
        items_by_element.setdefault(item.element_id, []).append(item)

    def element_figure(element_items: Iterable[ItemSpec], cell_of: Any) -> dict[str, Any] | None:
        shown = [c for c in (cell_of(i) for i in element_items) if c.shown]
        if not shown:
            return None
        pooled = [v for c in shown for v in c.ratings]
        return {"mean": mean([c.mean for c in shown]), "sd": sample_sd(pooled)}

    element_rows: list[dict[str, Any]] = []
    for element in elements:
        element_items = items_by_element.get(element.id, [])
        self_ratings = [
            rating
            for i in element_items
            for r in self_responses
            if (rating := r.ratings.get(i.id)) is not None
        ]
        # Self is not anonymous: the subject's own element score is the mean of the
        # items they rated.
        self_score = mean(self_ratings) if self_ratings else None
        ao_figure = element_figure(element_items, lambda i: ao_cells[i.id])
        element_rows.append(
            {
                "id": element.id,
                "domain_id": element.domain_id,
                "code": element.code,
                "name": element.name,
                "self": self_score,
                "groups": {
                    g.code: element_figure(
                        element_items, lambda i, code=g.code: cells[(code, i.id)]
                    )
                    for g in other_groups
                },
                "all_others": ao_figure,
                "gap": (
                    self_score - ao_figure["mean"]
                    if self_score is not None and ao_figure is not None
                    else None
                ),
            }
        )

    # Step 4: domains: the mean of the shown element means, never a recount of answers.
    domain_rows: list[dict[str, Any]] = []
    for domain in domains:
        rows = [e for e in element_rows if e["domain_id"] == domain.id]
        self_scores = [e["self"] for e in rows if e["self"] is not None]
        gaps = [e["gap"] for e in rows if e["gap"] is not None]
        ao_means = [e["all_others"]["mean"] for e in rows if e["all_others"] is not None]
        # Importance pools whole groups, so each group must reach its own minimum too.
        importance: list[int] = []
        for group in other_groups:
            given = [
                rating
                for r in others
                if r.group_code == group.code
                and (rating := r.importance.get(domain.id)) is not None
            ]
            if given and len(given) >= group.minimum:
                importance.extend(given)
        domain_rows.append(
            {
                "id": domain.id,
                "code": domain.code,
                "name": domain.name,
                "self": mean(self_scores),
                "groups": {
                    g.code: mean(
                        [
                            e["groups"][g.code]["mean"]
                            for e in rows
                            if e["groups"][g.code] is not None
                        ]
                    )
                    for g in other_groups
                },
                "all_others": mean(ao_means),
                "gap": mean(gaps),
                "importance": (
                    mean(importance) if all_others_shown and len(importance) >= ao_min else None
                ),
            }
        )

    # Highest and lowest rated items (all others), and the gaps past the threshold.
    rated = sorted(
        (row for row in item_rows if row["all_others"] is not None),
        key=lambda row: (-row["all_others"], row["id"]),
    )
    highest = [row["id"] for row in rated[:EXTREME_ITEMS]]
    lowest = [row["id"] for row in reversed(rated[len(highest) :][-EXTREME_ITEMS:])]
    blind_spots = [
        e["id"] for e in element_rows if e["gap"] is not None and e["gap"] >= GAP_THRESHOLD
    ]
    hidden_strengths = [
        e["id"] for e in element_rows if e["gap"] is not None and e["gap"] <= -GAP_THRESHOLD
    ]

    # Comments: visible groups only; role named only where the group is not anonymous.
    comments = []
    for response in responses:
        group = by_code[response.group_code]
        label = None if group.anonymous else group.name
        for comment in response.comments:
            redacted = comment.redacted or not comment.text.strip()
            comments.append(
                {
                    "ref": f"{rng.getrandbits(48):012x}",
                    "comment_id": comment.comment_id,
                    "domain_id": comment.domain_id,
                    "kind": comment.kind,
                    "label": label,
                    "text": None if redacted else comment.text,
                    "redacted": comment.redacted,
                }
            )
    comments.sort(key=lambda c: (c["domain_id"], c["kind"], c["comment_id"]))
    rng.shuffle(comments)

    return {
        "rule_version": RULE_VERSION,
        "thresholds": {"gap": GAP_THRESHOLD, "all_others_minimum": ao_min},
        "groups": [
            {
                "code": g.code,
                "name": g.name,
                "minimum": g.minimum,
                "anonymous": g.anonymous,
                "is_self": g.is_self,
                "visible": visible[g.code],
                "responses": (
                    sum(1 for r in responses if r.group_code == g.code) if visible[g.code] else None
                ),
            }
            for g in groups
        ],
        "all_others": {
            "shown": all_others_shown,
            "responses": len(others) if all_others_shown else None,
            "groups": [g.code for g in other_groups],
        },
        "items": item_rows,
        "elements": element_rows,
        "domains": domain_rows,
        "highest_items": highest,
        "lowest_items": lowest,
        "blind_spots": blind_spots,
        "hidden_strengths": hidden_strengths,
        "comments": comments,
    }
