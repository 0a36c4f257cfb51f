"""The anonymity rule case by case, and the obvious attacks tried directly."""

from __future__ import annotations

import random

import pytest

from healthlead.feedback import anonymity
from healthlead.feedback.anonymity import (
    CommentInput,
    CycleData,
    DomainSpec,
    ElementSpec,
    GroupSpec,
    ItemSpec,
    RaterResponse,
)

GROUPS = [
    GroupSpec("self", "Self", 1, anonymous=False, is_self=True, order=0),
    GroupSpec("line_manager", "Line manager", 1, anonymous=False, order=1),
    GroupSpec("peers", "Peers", 3, anonymous=True, order=2),
    GroupSpec("patients_carers", "Patients and carers", 3, anonymous=True, order=5),
]
# One domain (1) with elements 10 (items 100, 101) and 11 (item 110).
DOMAINS = [DomainSpec(1, "D1", "Domain")]
ELEMENTS = [ElementSpec(10, 1, "E1", "First", 0), ElementSpec(11, 1, "E2", "Second", 1)]
ITEMS = [ItemSpec(100, 10, "a", 0), ItemSpec(101, 10, "b", 1), ItemSpec(110, 11, "c", 2)]


def rater(group: str, a: int | None, b: int | None, c: int | None, **kw) -> RaterResponse:
    return RaterResponse(group, {100: a, 101: b, 110: c}, **kw)


def report(*responses: RaterResponse, all_others_minimum: int = 3) -> dict:
    data = CycleData(GROUPS, DOMAINS, ELEMENTS, ITEMS, list(responses), all_others_minimum)
    return anonymity.compute(data, rng=random.Random(1))


def item(data: dict, item_id: int) -> dict:
    return next(i for i in data["items"] if i["id"] == item_id)


def element(data: dict, element_id: int) -> dict:
    return next(e for e in data["elements"] if e["id"] == element_id)


def test_group_below_its_minimum_is_never_shown_and_left_out_of_all_others():
    data = report(
        rater("line_manager", 4, 4, 4),
        rater("peers", 2, 2, 2),
        rater("peers", 1, 1, 1),
        *[rater("patients_carers", 5, 5, 5) for _ in range(3)],
    )
    peers = next(g for g in data["groups"] if g["code"] == "peers")
    assert peers["visible"] is False
    assert peers["responses"] is None
    assert "peers" not in item(data, 100)["groups"]
    assert item(data, 100)["all_others"] == pytest.approx((4 + 15) / 4)
    assert data["all_others"]["responses"] == 4


def test_all_others_is_hidden_below_its_own_minimum():
    data = report(rater("self", 5, 5, 5), rater("line_manager", 4, 3, 2), rater("peers", 1, 1, 1))
    assert data["all_others"]["shown"] is False
    assert data["all_others"]["responses"] is None
    assert all(i["all_others"] is None and i["distribution"] is None for i in data["items"])
    assert all(e["all_others"] is None and e["gap"] is None for e in data["elements"])
    assert data["domains"][0]["importance"] is None
    # The line manager is still shown apart, by role.
    assert item(data, 100)["groups"]["line_manager"] == 4


def test_item_rated_by_fewer_than_the_minimum_says_too_few_and_stays_out_of_all_others():
    data = report(
        rater("line_manager", 4, 4, 4),
        rater("peers", 3, 5, 3),
        rater("peers", 3, 1, 3),
        rater("peers", 3, None, 3),
    )
    assert item(data, 101)["groups"]["peers"] is None  # only two peers rated it
    assert item(data, 101)["all_others"] is None  # the line manager alone is below 3
    assert item(data, 100)["groups"]["peers"] == 3
    # The element uses only shown cells: item 101 is in no peer or all-others figure.
    assert element(data, 10)["groups"]["peers"]["mean"] == 3
    assert element(data, 10)["all_others"]["mean"] == pytest.approx(13 / 4)


def test_domain_mean_is_the_mean_of_shown_element_means():
    data = report(
        rater("line_manager", 4, 4, 4),
        rater("peers", 3, 5, 2),
        rater("peers", 3, 1, 2),
        rater("peers", 3, None, None),
    )
    peers_domain = data["domains"][0]["groups"]["peers"]
    shown = [e["groups"]["peers"]["mean"] for e in data["elements"] if e["groups"]["peers"]]
    assert element(data, 11)["groups"]["peers"] is None
    assert peers_domain == pytest.approx(sum(shown) / len(shown))


def test_distributions_only_for_all_others_and_only_with_enough_ratings():
    data = report(
        rater("line_manager", 4, 4, None),
        rater("peers", 3, 5, 3),
        rater("peers", 3, 1, 3),
        rater("peers", 2, 2, 3),
    )
    assert item(data, 100)["distribution"] == [0, 1, 2, 1, 0]
    assert item(data, 110)["distribution"] == [0, 0, 3, 0, 0]
    assert all(not isinstance(v, list) for v in item(data, 100)["groups"].values())


def test_importance_comes_only_from_groups_that_reached_their_minimum_in_giving_it():
    data = report(
        rater("line_manager", 4, 4, 4, importance={1: 5}),
        rater("peers", 3, 3, 3, importance={1: 1}),
        rater("peers", 3, 3, 3, importance={1: 2}),
        rater("peers", 3, 3, 3),  # skipped importance: only two peers gave it
        *[rater("patients_carers", 3, 3, 3, importance={1: 4}) for _ in range(3)],
    )
    # Peers' two importance ratings would be exposed by subtraction, so they are left out.
    assert data["domains"][0]["importance"] == pytest.approx((5 + 12) / 4)


def test_self_and_line_manager_are_shown_apart_by_role():
    data = report(
        rater("self", 5, 4, 3),
        rater("line_manager", 2, 2, 2),
        *[rater("peers", 3, 3, 3) for _ in range(3)],
    )
    assert item(data, 100)["self"] == 5
    assert item(data, 100)["groups"]["line_manager"] == 2
    assert element(data, 10)["self"] == 4.5
    assert element(data, 10)["gap"] == pytest.approx(4.5 - (2 + 3 * 3) / 4)


def test_blind_spots_and_hidden_strengths_use_the_stated_threshold():
    data = report(rater("self", 5, 5, 1), *[rater("peers", 3, 4, 3) for _ in range(3)])
    assert data["thresholds"]["gap"] == 1.0
    assert data["blind_spots"] == [10]  # 5 vs 3.5
    assert data["hidden_strengths"] == [11]  # 1 vs 3


def test_comments_only_from_visible_groups_labelled_only_for_named_roles():
    data = report(
        rater("line_manager", 4, 4, 4, comments=(CommentInput(1, 1, "strength", "LM says"),)),
        *[
            rater("peers", 3, 3, 3, comments=(CommentInput(10 + n, 1, "strength", f"Peer {n}"),))
            for n in range(3)
        ],
        rater("patients_carers", 3, 3, 3, comments=(CommentInput(99, 1, "strength", "Hidden"),)),
        rater(
            "patients_carers",
            3,
            3,
            3,
            comments=(CommentInput(98, 1, "suggestion", "Gone", redacted=True),),
        ),
    )
    texts = {c["text"]: c["label"] for c in data["comments"]}
    assert texts == {"LM says": "Line manager", "Peer 0": None, "Peer 1": None, "Peer 2": None}


def test_redacted_comment_text_never_reaches_the_report():
    data = report(
        *[
            rater(
                "peers",
                3,
                3,
                3,
                comments=(CommentInput(n, 1, "strength", "names Dr X", redacted=n == 0),),
            )
            for n in range(3)
        ]
    )
    removed = [c for c in data["comments"] if c["redacted"]]
    assert len(removed) == 1
    assert removed[0]["text"] is None


# Attacks ----------------------------------------------------------------------------------


def test_all_others_minus_the_groups_shown_apart_leaves_nothing():
    """Attack: n_all * all_others - sum(n_g * group mean) isolates whoever is not shown."""
    responses = [
        rater("line_manager", 4, 4, 4),
        *[rater("peers", 3, 2, 5) for _ in range(3)],
        rater("patients_carers", 1, 1, 1),
        rater("patients_carers", 5, 5, 5),
    ]
    data = report(*responses)
    for item_id, a, b in [(100, 4, 3), (101, 4, 2), (110, 4, 5)]:
        row = item(data, item_id)
        residue = (
            4 * row["all_others"] - 1 * row["groups"]["line_manager"] - 3 * row["groups"]["peers"]
        )
        assert residue == pytest.approx(0)  # the two patients are in no figure to subtract from
        assert row["groups"]["line_manager"] == a
        assert row["groups"]["peers"] == b


def test_domain_mean_minus_shown_element_means_leaves_nothing():
    """Attack: k * domain mean - shown element means reveals a suppressed element cell."""
    data = report(
        *[rater("peers", 3, 3, None) for _ in range(2)],
        rater("peers", 3, 3, 5),
    )
    assert element(data, 11)["groups"]["peers"] is None  # one peer rated item 110
    domain = data["domains"][0]["groups"]["peers"]
    residue = domain - element(data, 10)["groups"]["peers"]["mean"]
    assert residue == pytest.approx(0)  # the lone rating of 5 does not move the domain mean


def test_distribution_minus_group_means_leaves_nothing_hidden():
    """Attack: all-others distribution minus the line manager and peers isolates the rest."""
    data = report(
        rater("line_manager", 5, 5, 5),
        *[rater("peers", 2, 2, 2) for _ in range(3)],
        rater("patients_carers", 1, 1, 1),
        rater("patients_carers", 1, 1, 1),
    )
    row = item(data, 100)
    assert sum(row["distribution"]) == 4  # line manager + 3 peers, no patients
    remaining = list(row["distribution"])
    remaining[5 - 1] -= 1  # the line manager's known 5
    assert remaining == [0, 3, 0, 0, 0]  # exactly the peers' cell, already shown as its mean


def test_not_observed_pattern_cannot_expose_one_rater_through_element_means():
    """A per-rater element average would expose raters 3 and 4 here; shown cells do not."""
    data = report(
        rater("peers", 4, 2, 3),
        rater("peers", 2, 4, 3),
        rater("peers", 5, None, 3),
        rater("peers", None, 1, 3),
    )
    a, b = item(data, 100)["groups"]["peers"], item(data, 101)["groups"]["peers"]
    assert element(data, 10)["groups"]["peers"]["mean"] == pytest.approx((a + b) / 2)
