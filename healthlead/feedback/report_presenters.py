"""What a frozen 360 report shows: one presenter behind the page, PDF, CSV and API.

Everything here reads `Report.data` only (figures the anonymity rule already allowed),
so no output can show more than the rule lets through. Comment database ids never
leave this module; a facilitator's redaction form uses the random `ref` instead.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from healthlead.core import csvsafe
from healthlead.core.formatting import nhs_date
from healthlead.feedback.anonymity import GAP_THRESHOLD
from healthlead.feedback.models import Comment, Report

TOO_FEW = "Too few ratings"
NOT_SHOWN = "Not shown"
KIND_LABELS = dict(Comment.Kind.choices)


def score(value: float | None, empty: str = TOO_FEW) -> str:
    """A mean on the 5-point scale, as shown: two decimals, or why it is missing."""
    return empty if value is None else f"{value:.2f}"


def signed(value: float | None, empty: str = "") -> str:
    if value is None:
        return empty
    return f"{value:+.2f}".replace("-", "\u2212")


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


@dataclass(frozen=True)
class Column:
    """A column of the report's tables: self, a visible group, or all others."""

    key: str
    name: str


def columns(data: dict[str, Any]) -> list[Column]:
    """Self, then each visible group apart, then all others (when shown)."""
    cols = [Column("self", "Self")]
    names = {g["code"]: g["name"] for g in data["groups"]}
    cols += [Column(code, names[code]) for code in data["all_others"]["groups"]]
    cols.append(Column("all_others", "All others"))
    return cols


def group_status(data: dict[str, Any]) -> list[dict[str, str]]:
    """Responses per group: a count for visible groups, otherwise only that it is hidden."""
    rows = []
    for g in data["groups"]:
        if g["visible"]:
            count = g["responses"]
            text = f"{count} response{'s' if count != 1 else ''}"
        elif g["is_self"]:
            text = "No self-assessment"
        elif not g["anonymous"]:
            text = "No response"
        else:
            text = f"Fewer than {g['minimum']}: not shown, and left out of every figure"
        rows.append({"name": g["name"], "status": text, "visible": g["visible"]})
    ao = data["all_others"]
    rows.append(
        {
            "name": "All others",
            "status": (
                f"{ao['responses']} responses"
                if ao["shown"]
                else f"Fewer than {data['thresholds']['all_others_minimum']}: not shown"
            ),
            "visible": ao["shown"],
        }
    )
    return rows


def _cells(row: dict[str, Any], cols: list[Column], *, element: bool = False) -> list[Any]:
    out: list[Any] = []
    for col in cols:
        if col.key == "self":
            out.append(row["self"])
        elif col.key == "all_others":
            value = row["all_others"]
            out.append(value["mean"] if element and value is not None else value)
        else:
            value = row["groups"].get(col.key)
            out.append(value["mean"] if element and value is not None else value)
    return out


def _day(iso: str | None) -> str:
    """A frozen ISO date as the report prints it: 27 November 2026."""
    try:
        return nhs_date(dt.date.fromisoformat(iso)) if iso else ""
    except ValueError:
        return iso or ""


def present_report(report: Report, *, for_facilitator: bool = False) -> dict[str, Any]:
    """The whole report as plain data for templates, CSV and the API."""
    data = report.data
    cols = columns(data)
    norms = data.get("norms") or {}
    norm_elements = norms.get("elements", {})
    norm_domains = norms.get("domains", {})
    items_by_id = {i["id"]: i for i in data["items"]}
    elements_by_id = {e["id"]: e for e in data["elements"]}
    comments_by_domain: dict[int, dict[str, list[dict[str, Any]]]] = {}
    for c in data["comments"]:
        entry = {
            "text": c["text"],
            "label": c["label"],
            "redacted": c["redacted"] or c["text"] is None,
        }
        if for_facilitator:
            entry["ref"] = c["ref"]
        by_kind = comments_by_domain.setdefault(c["domain_id"], {})
        by_kind.setdefault(c["kind"], []).append(entry)

    domains = []
    for d in data["domains"]:
        elements = []
        for e in (e for e in data["elements"] if e["domain_id"] == d["id"]):
            items = [
                {
                    "text": i["text"],
                    "values": _cells(i, cols),
                    "distribution": i["distribution"],
                }
                for i in data["items"]
                if i["element_id"] == e["id"]
            ]
            ao = e["all_others"]
            elements.append(
                {
                    "id": e["id"],
                    "code": e["code"],
                    "name": e["name"],
                    "values": _cells(e, cols, element=True),
                    "spread": ao["sd"] if ao is not None else None,
                    "group_spread": {
                        code: (v["sd"] if v is not None else None)
                        for code, v in e["groups"].items()
                    },
                    "gap": e["gap"],
                    "percentile": norm_elements.get(str(e["id"])),
                    "items": items,
                }
            )
        by_kind = comments_by_domain.get(d["id"], {})
        domains.append(
            {
                "id": d["id"],
                "code": d["code"],
                "name": d["name"],
                "values": _cells(d, cols),
                "gap": d["gap"],
                "importance": d["importance"],
                "percentile": norm_domains.get(str(d["id"])),
                "elements": elements,
                "comments": [
                    {"kind": kind, "label": KIND_LABELS[kind], "comments": by_kind[kind]}
                    for kind in Comment.Kind.values
                    if kind in by_kind
                ],
            }
        )

    def item_line(item_id: int) -> dict[str, Any]:
        item = items_by_id[item_id]
        return {
            "text": item["text"],
            "element": elements_by_id[item["element_id"]]["name"],
            "all_others": item["all_others"],
        }

    def gap_line(element_id: int) -> dict[str, Any]:
        e = elements_by_id[element_id]
        return {
            "name": e["name"],
            "self": e["self"],
            "all_others": e["all_others"]["mean"],
            "gap": e["gap"],
        }

    return {
        "subject": data["subject"],
        "cycle": data["cycle"],
        "frozen_on": _day(data["cycle"].get("frozen_on")),
        "rule_version": data["rule_version"],
        "columns": cols,
        "group_status": group_status(data),
        "all_others_shown": data["all_others"]["shown"],
        "gap_threshold": data["thresholds"].get("gap", GAP_THRESHOLD),
        "domains": domains,
        "highest": [item_line(i) for i in data["highest_items"]],
        "lowest": [item_line(i) for i in data["lowest_items"]],
        "blind_spots": [gap_line(e) for e in data["blind_spots"]],
        "hidden_strengths": [gap_line(e) for e in data["hidden_strengths"]],
        "norms": norms or None,
        "has_comments": bool(data["comments"]),
    }


def report_json(report: Report) -> dict[str, Any]:
    """The report for the API: the presenter's figures, rounded, with no comment refs."""
    view = present_report(report)
    cols = view["columns"]

    def values(row: dict[str, Any]) -> dict[str, float | None]:
        return {c.key: _round(v) for c, v in zip(cols, row["values"], strict=True)}

    return {
        "subject": view["subject"]["name"],
        "framework": view["cycle"]["framework"],
        "questionnaire": view["cycle"]["questionnaire"],
        "frozen_on": view["cycle"]["frozen_on"],
        "rule_version": view["rule_version"],
        "columns": [{"key": c.key, "name": c.name} for c in cols],
        "groups": [
            {"name": g["name"], "status": g["status"], "shown": g["visible"]}
            for g in view["group_status"]
        ],
        "gap_threshold": view["gap_threshold"],
        "norm_group": (
            {"label": view["norms"]["label"], "subjects": view["norms"]["subjects"]}
            if view["norms"]
            else None
        ),
        "domains": [
            {
                "code": d["code"],
                "name": d["name"],
                "values": values(d),
                "gap": _round(d["gap"]),
                "importance": _round(d["importance"]),
                "percentile": d["percentile"],
                "elements": [
                    {
                        "code": e["code"],
                        "name": e["name"],
                        "values": values(e),
                        "spread": _round(e["spread"]),
                        "gap": _round(e["gap"]),
                        "percentile": e["percentile"],
                        "items": [
                            {
                                "text": i["text"],
                                "values": values(i),
                                "distribution": i["distribution"],
                            }
                            for i in e["items"]
                        ],
                    }
                    for e in d["elements"]
                ],
                "comments": [
                    {
                        "kind": block["kind"],
                        "comments": [
                            {"text": c["text"], "from": c["label"], "removed": c["redacted"]}
                            for c in block["comments"]
                        ],
                    }
                    for block in d["comments"]
                ],
            }
            for d in view["domains"]
        ],
        "highest_rated": [
            {"text": i["text"], "all_others": _round(i["all_others"])} for i in view["highest"]
        ],
        "lowest_rated": [
            {"text": i["text"], "all_others": _round(i["all_others"])} for i in view["lowest"]
        ],
        "blind_spots": [
            {"element": g["name"], "gap": _round(g["gap"])} for g in view["blind_spots"]
        ],
        "hidden_strengths": [
            {"element": g["name"], "gap": _round(g["gap"])} for g in view["hidden_strengths"]
        ],
    }


def report_csv_rows(report: Report) -> list[list[str]]:
    """The report's figures as CSV rows (domain, element and item lines), spreadsheet-safe."""
    view = present_report(report)
    cols = view["columns"]
    header = [
        "Level",
        "Domain",
        "Element",
        "Item",
        *[c.name for c in cols],
        "Spread (all others)",
        "Gap (self minus others)",
        "Importance to role",
        "National percentile",
    ]

    def figures(row: dict[str, Any]) -> list[str]:
        return [score(v, "") for v in row["values"]]

    rows = [header]
    for d in view["domains"]:
        rows.append(
            [
                "Domain",
                d["name"],
                "",
                "",
                *figures(d),
                "",
                signed(d["gap"]),
                score(d["importance"], ""),
                "" if d["percentile"] is None else str(d["percentile"]),
            ]
        )
        for e in d["elements"]:
            rows.append(
                [
                    "Element",
                    d["name"],
                    e["name"],
                    "",
                    *figures(e),
                    score(e["spread"], ""),
                    signed(e["gap"]),
                    "",
                    "" if e["percentile"] is None else str(e["percentile"]),
                ]
            )
            for i in e["items"]:
                rows.append(["Item", d["name"], e["name"], i["text"], *figures(i), "", "", "", ""])
    return [csvsafe.safe_row(r) for r in rows]
