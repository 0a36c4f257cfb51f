"""Validate JSON against the IMS CASE 1.0 Swagger definitions, independently of the app's own
checker: "#/definitions/X" references are rewritten to point into a root that holds the
definitions, and each allOf (whose parts each forbid the others' fields) is merged into one."""

from __future__ import annotations

import datetime as dt
import json
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jsonschema import Draft4Validator, FormatChecker

SWAGGER = Path(__file__).resolve().parents[1] / "standards" / "case-v1p0-swagger.json"


def _rewrite(node: Any) -> Any:
    if isinstance(node, dict):
        out = {k: _rewrite(v) for k, v in node.items()}
        if isinstance(out.get("$ref"), str):
            out["$ref"] = "#/defs/" + out["$ref"].split("/")[-1]
        return out
    if isinstance(node, list):
        return [_rewrite(v) for v in node]
    return node


def _flatten(schema: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    if "allOf" not in schema:
        return schema
    properties: dict[str, Any] = {}
    required: list[str] = []
    for part in schema["allOf"]:
        if "$ref" in part:
            part = _flatten(defs[part["$ref"].split("/")[-1]], defs)
        properties.update(part.get("properties", {}))
        required += part.get("required", [])
    return {
        "type": "object",
        "properties": properties,
        "required": sorted(set(required)),
        "additionalProperties": False,
    }


@cache
def _defs() -> dict[str, Any]:
    raw = _rewrite(json.loads(SWAGGER.read_text())["definitions"])
    return {name: _flatten(schema, raw) for name, schema in raw.items()}


def _checker() -> FormatChecker:
    checker = FormatChecker(formats=())

    @checker.checks("uri")
    def is_uri(value: object) -> bool:
        parts = urlsplit(str(value))
        return bool(parts.scheme and parts.netloc) and " " not in str(value)

    @checker.checks("date-time")
    def is_date_time(value: object) -> bool:
        text = str(value)
        if "T" not in text or not (text.endswith("Z") or "+" in text[10:] or "-" in text[10:]):
            return False
        dt.datetime.fromisoformat(text)
        return True

    @checker.checks("date", raises=ValueError)
    def is_date(value: object) -> bool:
        dt.date.fromisoformat(str(value))
        return len(str(value)) == 10

    return checker


def errors(instance: Any, definition: str) -> list[str]:
    """Every way `instance` fails the named CASE definition (empty when it is valid)."""
    schema = {"$ref": f"#/defs/{definition}", "defs": _defs()}
    validator = Draft4Validator(schema, format_checker=_checker())
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(instance)]


def response_definition(path: str, status: int) -> str:
    """The definition the standard names for a path's response with this status."""
    responses = json.loads(SWAGGER.read_text())["paths"][path]["get"]["responses"]
    return responses[str(status)]["schema"]["$ref"].split("/")[-1]
