"""Property: nothing a frozen report shows lets anyone solve for protected answers.

Each answer is written as five 0/1 unknowns y[r, i, v] ("rater r gave item i the
value v"), each importance rating likewise. Every number the report publishes is
then a linear functional of those unknowns: a mean times its count is a sum of
v * y, a spread gives the sum of v^2 * y, a distribution gives sums of y. The
adversary is given more than the report: who answered what (the not-observed
pattern, so every count), and every answer of the line manager and of the subject.

For every anonymous rater, every set of raters smaller than their group's minimum,
and every whole group below its minimum, we check with exact rational Gaussian
elimination that none of their answer sums (per item, per value, per element score,
per element total, per importance) lies in the span of what is published.

Each published figure is also checked against the value the rule's definition gives,
and every number in the frozen data must be accounted for, so a figure added later
without a place in this model fails the test.
"""

from __future__ import annotations

import itertools
import math
import random
from fractions import Fraction
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from healthlead.feedback import anonymity
from healthlead.feedback.anonymity import (
    SCALE,
    CycleData,
    DomainSpec,
    ElementSpec,
    GroupSpec,
    ItemSpec,
    RaterResponse,
)

Vector = dict[tuple, Fraction]


class Span:
    """The row space of a set of sparse rational vectors, kept in echelon form."""

    def __init__(self) -> None:
        self.rows: list[tuple[tuple, Vector]] = []  # (pivot, row with row[pivot] == 1)

    def reduce(self, vector: Vector) -> Vector:
        v = {k: x for k, x in vector.items() if x}
        for pivot, row in self.rows:
            factor = v.get(pivot)
            if factor:
                for key, value in row.items():
                    new = v.get(key, Fraction(0)) - factor * value
                    if new:
                        v[key] = new
                    else:
                        v.pop(key, None)
        return v

    def add(self, vector: Vector) -> None:
        v = self.reduce(vector)
        if v:
            pivot = min(v)
            scale = v[pivot]
            self.rows.append((pivot, {k: x / scale for k, x in v.items()}))

    def contains(self, vector: Vector) -> bool:
        return not self.reduce(vector)


def add_vectors(*pairs: tuple[Fraction, Vector]) -> Vector:
    out: Vector = {}
    for weight, vector in pairs:
        for key, value in vector.items():
            out[key] = out.get(key, Fraction(0)) + weight * value
    return {k: v for k, v in out.items() if v}


def x_of(r: int, item: int, power: int = 1) -> Vector:
    """The rating (or its square) as a functional of the one-hot unknowns."""
    return {("y", r, item, v): Fraction(v**power) for v in SCALE}


def w_of(r: int, domain: int) -> Vector:
    return {("w", r, domain, v): Fraction(v) for v in SCALE}


def close(a: float | None, b: Fraction | float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, float(b), rel_tol=1e-9, abs_tol=1e-9)


# --- random cycles -------------------------------------------------------------------

ANONYMOUS = ["peers", "direct_reports", "other_colleagues", "patients_carers"]


@st.composite
def cycles(draw: st.DrawFn) -> CycleData:
    domains, elements, items = [], [], []
    for d in range(draw(st.integers(1, 2))):
        domains.append(DomainSpec(id=100 + d, code=f"D{d}", name=f"Domain {d}", order=d))
        for e in range(draw(st.integers(1, 2))):
            element_id = 200 + 10 * d + e
            elements.append(
                ElementSpec(element_id, 100 + d, f"E{d}{e}", f"Element {d}.{e}", order=e)
            )
            for _i in range(draw(st.integers(1, 3))):
                item_id = 1000 + len(items)
                items.append(ItemSpec(item_id, element_id, f"Item {item_id}", order=len(items)))
    groups = [
        GroupSpec("self", "Self", 1, anonymous=False, is_self=True, order=0),
        GroupSpec("line_manager", "Line manager", 1, anonymous=False, order=1),
    ] + [
        GroupSpec(code, code, draw(st.sampled_from([2, 3, 3, 4])), anonymous=True, order=2 + n)
        for n, code in enumerate(ANONYMOUS)
    ]
    sizes = {"self": draw(st.integers(0, 1)), "line_manager": draw(st.integers(0, 2))}
    for code in ANONYMOUS:
        sizes[code] = draw(st.integers(0, 4))
    not_observed = draw(st.sampled_from([0.0, 0.2, 0.5, 0.8]))
    skip_importance = draw(st.sampled_from([0.0, 0.3]))
    rng = random.Random(draw(st.integers(0, 2**32)))
    responses = []
    for group in groups:
        for _ in range(sizes[group.code]):
            ratings = {
                item.id: (None if rng.random() < not_observed else rng.randint(1, 5))
                for item in items
            }
            importance = {
                d.id: rng.randint(1, 5) for d in domains if rng.random() >= skip_importance
            }
            responses.append(RaterResponse(group.code, ratings, importance))
    return CycleData(
        groups=groups,
        domains=domains,
        elements=elements,
        items=items,
        responses=responses,
        all_others_minimum=draw(st.sampled_from([2, 3, 3, 4])),
    )


# --- what the report publishes, as functionals ----------------------------------------


class Published:
    """Collects the functionals behind published figures and checks each value."""

    def __init__(self, data: CycleData, report: dict[str, Any]) -> None:
        self.data = data
        self.report = report
        self.span = Span()
        self.explained: set[tuple] = set()
        self.groups = {g.code: g for g in data.groups}

    def publish(self, path: tuple, functional: Vector) -> None:
        self.explained.add(path)
        self.span.add(functional)

    def raters(self, code: str) -> list[int]:
        return [n for n, r in enumerate(self.data.responses) if r.group_code == code]

    def contributors(self, code: str, item: int) -> list[int]:
        return [n for n in self.raters(code) if self.data.responses[n].ratings[item] is not None]


def collect(data: CycleData, report: dict[str, Any]) -> Published:
    pub = Published(data, report)
    responses = data.responses
    # The adversary knows every count, and all answers of the subject and line manager.
    for n, response in enumerate(responses):
        known = not pub.groups[response.group_code].anonymous
        for item, rating in response.ratings.items():
            if rating is None:
                continue
            pub.span.add({("y", n, item, v): Fraction(1) for v in SCALE})
            if known:
                for v in SCALE:
                    pub.span.add({("y", n, item, v): Fraction(1)})
        for domain in response.importance:
            pub.span.add({("w", n, domain, v): Fraction(1) for v in SCALE})
            if known:
                for v in SCALE:
                    pub.span.add({("w", n, domain, v): Fraction(1)})

    visible = {g["code"]: g["visible"] for g in report["groups"]}
    for g in report["groups"]:
        # Visibility follows the launch minimum; hidden groups show no count.
        count = len(pub.raters(g["code"]))
        assert g["visible"] == (count >= pub.groups[g["code"]].minimum and count > 0)
        assert g["responses"] == (count if g["visible"] else None)
        pub.explained.add(("groups", g["code"], "responses"))
    others = [
        n
        for n, r in enumerate(responses)
        if visible[r.group_code] and not pub.groups[r.group_code].is_self
    ]
    ao_shown = len(others) >= data.all_others_minimum
    assert report["all_others"]["shown"] == ao_shown
    assert report["all_others"]["responses"] == (len(others) if ao_shown else None)
    pub.explained.add(("all_others", "responses"))
    shown_groups = [g.code for g in data.groups if visible[g.code] and not g.is_self]
    assert report["all_others"]["groups"] == shown_groups

    # Items: group cells, the all-others pool, its distribution, self.
    cell_pool: dict[tuple[str, int], list[int]] = {}
    ao_pool: dict[int, list[int]] = {}
    item_functional: dict[tuple[str, int], Vector] = {}
    for row in report["items"]:
        item = row["id"]
        pool: list[int] = []
        assert set(row["groups"]) == set(shown_groups)
        for code in shown_groups:
            contributors = pub.contributors(code, item)
            value = row["groups"][code]
            if value is None:
                assert len(contributors) < pub.groups[code].minimum
                continue
            assert len(contributors) >= pub.groups[code].minimum
            ratings = [responses[n].ratings[item] for n in contributors]
            assert close(value, Fraction(sum(ratings), len(ratings)))
            functional = add_vectors(
                *[(Fraction(1, len(contributors)), x_of(n, item)) for n in contributors]
            )
            pub.publish(("items", item, "groups", code), functional)
            cell_pool[(code, item)] = contributors
            item_functional[(code, item)] = functional
            pool.extend(contributors)
        if row["all_others"] is None:
            assert not ao_shown or len(pool) < data.all_others_minimum
            assert row["distribution"] is None
        else:
            assert ao_shown
            assert len(pool) >= data.all_others_minimum
            ratings = [responses[n].ratings[item] for n in pool]
            assert close(row["all_others"], Fraction(sum(ratings), len(ratings)))
            functional = add_vectors(*[(Fraction(1, len(pool)), x_of(n, item)) for n in pool])
            pub.publish(("items", item, "all_others"), functional)
            item_functional[("all_others", item)] = functional
            ao_pool[item] = pool
            assert row["distribution"] == [ratings.count(v) for v in SCALE]
            for v in SCALE:
                pub.publish(
                    ("items", item, "distribution", v - 1),
                    {("y", n, item, v): Fraction(1) for n in pool},
                )
        pub.explained.add(("items", item, "self"))  # the subject's own answer: known

    # Elements: mean of shown item means; spread over the ratings in those cells.
    element_functional: dict[tuple[str, int], Vector] = {}
    items_of = {e.id: [i.id for i in data.items if i.element_id == e.id] for e in data.elements}
    for row in report["elements"]:
        element = row["id"]
        for code, figure in [*row["groups"].items(), ("all_others", row["all_others"])]:
            if code == "all_others":
                shown_items = [i for i in items_of[element] if i in ao_pool]
                pool_of = ao_pool
            else:
                shown_items = [i for i in items_of[element] if (code, i) in cell_pool]
                pool_of = {i: cell_pool[(code, i)] for i in shown_items}
            if figure is None:
                assert not shown_items
                continue
            assert shown_items
            means = [
                Fraction(sum(responses[n].ratings[i] for n in pool_of[i]), len(pool_of[i]))
                for i in shown_items
            ]
            assert close(figure["mean"], sum(means) / len(means))
            functional = add_vectors(
                *[(Fraction(1, len(shown_items)), item_functional[(code, i)]) for i in shown_items]
            )
            pub.publish(("elements", element, code, "mean"), functional)
            element_functional[(code, element)] = functional
            ratings = [responses[n].ratings[i] for i in shown_items for n in pool_of[i]]
            expected_sd = anonymity.sample_sd([float(r) for r in ratings])
            assert close(figure["sd"], expected_sd)
            if figure["sd"] is not None:
                pub.publish(
                    ("elements", element, code, "sd"),
                    add_vectors(
                        *[(Fraction(1), x_of(n, i, 2)) for i in shown_items for n in pool_of[i]]
                    ),
                )
        if row["gap"] is not None:
            assert row["self"] is not None
            assert row["all_others"] is not None
            assert close(row["gap"], Fraction(row["self"]) - Fraction(row["all_others"]["mean"]))
        pub.explained.update({("elements", element, "self"), ("elements", element, "gap")})

    # Domains: mean of shown element means; importance from groups at their minimum.
    for row in report["domains"]:
        domain = row["id"]
        element_ids = [e.id for e in data.elements if e.domain_id == domain]
        for code, value in [*row["groups"].items(), ("all_others", row["all_others"])]:
            shown = [e for e in element_ids if (code, e) in element_functional]
            if value is None:
                assert not shown
                continue
            functional = add_vectors(
                *[(Fraction(1, len(shown)), element_functional[(code, e)]) for e in shown]
            )
            pub.publish(("domains", domain, code), functional)
        importance_pool = []
        for code in shown_groups:
            given_by = [n for n in pub.raters(code) if domain in responses[n].importance]
            if given_by and len(given_by) >= pub.groups[code].minimum:
                importance_pool.extend(given_by)
        if row["importance"] is None:
            assert not ao_shown or len(importance_pool) < data.all_others_minimum
        else:
            values = [responses[n].importance[domain] for n in importance_pool]
            assert close(row["importance"], Fraction(sum(values), len(values)))
            pub.publish(
                ("domains", domain, "importance"),
                add_vectors(*[(Fraction(1), w_of(n, domain)) for n in importance_pool]),
            )
        pub.explained.update({("domains", domain, "self"), ("domains", domain, "gap")})
    return pub


METADATA_KEYS = {"id", "element_id", "domain_id", "order", "minimum", "comment_id"}


def numeric_leaves(value: Any, path: tuple = ()) -> list[tuple]:
    """Every number in the frozen data, as a path of keys (ids for list rows)."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return []
    if isinstance(value, int | float):
        return [path]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in numeric_leaves(v, (*path, k))]
    out = []
    for n, v in enumerate(value):
        key = v.get("id", v.get("code", n)) if isinstance(v, dict) else n
        out.extend(numeric_leaves(v, (*path, key)))
    return out


def normalise(path: tuple) -> tuple | None:
    """Map a data path to the path `collect` records, or None for metadata."""
    if path[-1] in METADATA_KEYS or path[0] in {
        "thresholds",
        "highest_items",
        "lowest_items",
        "blind_spots",
        "hidden_strengths",
    }:
        return None
    if path[0] == "elements" and path[2] == "groups":
        return ("elements", path[1], path[3], path[4])
    if path[0] == "elements" and path[2] == "all_others":
        return ("elements", path[1], "all_others", path[3])
    if path[0] == "domains" and path[2] == "groups":
        return ("domains", path[1], path[3])
    return path


def protected_targets(data: CycleData, report: dict[str, Any]) -> list[tuple[str, Vector]]:
    """Answer sums of every anonymous rater set smaller than its group's minimum."""
    visible = {g["code"]: g["visible"] for g in report["groups"]}
    targets: dict[frozenset, tuple[str, Vector]] = {}

    def add(label: str, vector: Vector) -> None:
        vector = {k: v for k, v in vector.items() if v}
        if vector:
            targets.setdefault(frozenset(vector.items()), (label, vector))

    for group in data.groups:
        if not group.anonymous:
            continue
        raters = [n for n, r in enumerate(data.responses) if r.group_code == group.code]
        largest = len(raters) if not visible[group.code] else group.minimum - 1
        for size in range(1, min(largest, len(raters)) + 1):
            for subset in itertools.combinations(raters, size):
                name = f"{group.code} raters {subset}"
                for element in data.elements:
                    element_items = [i.id for i in data.items if i.element_id == element.id]
                    scores: list[tuple[Fraction, Vector]] = []
                    for n in subset:
                        rated = [i for i in element_items if data.responses[n].ratings[i]]
                        for i in rated:
                            scores.append((Fraction(1, len(rated)), x_of(n, i)))
                    add(f"{name}: element {element.id} score", add_vectors(*scores))
                    add(
                        f"{name}: element {element.id} total",
                        add_vectors(
                            *[
                                (Fraction(1), x_of(n, i))
                                for n in subset
                                for i in element_items
                                if data.responses[n].ratings[i]
                            ]
                        ),
                    )
                for item in data.items:
                    rated = [n for n in subset if data.responses[n].ratings[item.id]]
                    add(
                        f"{name}: item {item.id}",
                        add_vectors(*[(Fraction(1), x_of(n, item.id)) for n in rated]),
                    )
                    for v in SCALE:
                        add(
                            f"{name}: item {item.id} value {v}",
                            {("y", n, item.id, v): Fraction(1) for n in rated},
                        )
                for domain in data.domains:
                    gave = [n for n in subset if domain.id in data.responses[n].importance]
                    add(
                        f"{name}: importance {domain.id}",
                        add_vectors(*[(Fraction(1), w_of(n, domain.id)) for n in gave]),
                    )
    return list(targets.values())


@settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(cycles())
def test_no_published_figure_reveals_a_protected_answer_sum(data: CycleData) -> None:
    report = anonymity.compute(data, rng=random.Random(0))
    pub = collect(data, report)

    unexplained = {
        p for p in map(normalise, numeric_leaves(report)) if p is not None
    } - pub.explained
    assert not unexplained, f"figures outside the model: {sorted(map(str, unexplained))}"

    for label, target in protected_targets(data, report):
        assert not pub.span.contains(target), f"solvable from the report: {label}"


def test_the_span_check_finds_a_leak_when_one_is_planted() -> None:
    """The checker is not vacuous: publishing all others with a small group inside leaks."""
    items = [ItemSpec(1, 10, "Item", 0)]
    data = CycleData(
        groups=[
            GroupSpec("line_manager", "Line manager", 1, anonymous=False, order=1),
            GroupSpec("peers", "Peers", 3, anonymous=True, order=2),
        ],
        domains=[DomainSpec(5, "D", "Domain")],
        elements=[ElementSpec(10, 5, "E", "Element")],
        items=items,
        responses=[
            RaterResponse("line_manager", {1: 4}),
            RaterResponse("peers", {1: 2}),
            RaterResponse("peers", {1: 5}),
        ],
        all_others_minimum=3,
    )
    report = anonymity.compute(data, rng=random.Random(0))
    pub = collect(data, report)
    # A naive "all others" over every response would be (4 + 2 + 5) / 3: plant it.
    pub.span.add(add_vectors(*[(Fraction(1, 3), x_of(n, 1)) for n in range(3)]))
    leaked = [label for label, t in protected_targets(data, report) if pub.span.contains(t)]
    assert any(label.startswith("peers raters (1, 2)") for label in leaked)
