"""Checking JSON against the IMS CASE 1.0 definitions (standards/case-v1p0-swagger.json).

The definitions are IMS Global's own Swagger 2.0 file, used as JSON Schema with two
adjustments, both needed for any instance to validate:

- a definition is checked inside a root that carries all the definitions, so every
  "#/definitions/X" reference resolves;
- an `allOf` whose parts each say `additionalProperties: false` (CFDocument, CFItem,
  CFAssociation) is merged into one object with the union of their properties and
  required fields. Taken literally, no object could satisfy both parts at once; Swagger 2.0
  meant `allOf` here as "the package form plus these fields".
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jsonschema import Draft4Validator, FormatChecker
from jsonschema.exceptions import ValidationError

SWAGGER_FILE = Path(__file__).resolve().parent / "standards" / "case-v1p0-swagger.json"
_REF_PREFIX = "#/definitions/"
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


@cache
def swagger() -> dict[str, Any]:
    return json.loads(SWAGGER_FILE.read_text(encoding="ascii"))


def _merge_all_of(schema: dict[str, Any], definitions: dict[str, Any]) -> dict[str, Any]:
    merged: dict[str, Any] = {"type": "object", "properties": {}, "required": []}
    closed = False
    for part in schema["allOf"]:
        if "$ref" in part:
            part = _merge(definitions[part["$ref"].removeprefix(_REF_PREFIX)], definitions)
        merged["properties"].update(part.get("properties", {}))
        merged["required"] += [r for r in part.get("required", []) if r not in merged["required"]]
        closed = closed or part.get("additionalProperties") is False
    if closed:
        merged["additionalProperties"] = False
    if not merged["required"]:
        del merged["required"]
    if "description" in schema:
        merged["description"] = schema["description"]
    return merged


def _merge(schema: dict[str, Any], definitions: dict[str, Any]) -> dict[str, Any]:
    return _merge_all_of(schema, definitions) if "allOf" in schema else schema


@cache
def definitions() -> dict[str, Any]:
    """The CASE 1.0 definitions, with allOf compositions merged."""
    raw = copy.deepcopy(swagger()["definitions"])
    return {name: _merge(schema, raw) for name, schema in raw.items()}


def _is_uri(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if any(c.isspace() for c in value):
        return False
    parts = urlsplit(value)
    return bool(parts.scheme) and bool(parts.netloc or parts.path)


def _is_date(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not _DATE.match(value):
        return False
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not _DATE_TIME.match(value):
        return False
    try:
        dt.datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:
        return False
    return True


def format_checker() -> FormatChecker:
    checker = FormatChecker(formats=())
    checker.checks("uri")(_is_uri)
    checker.checks("date")(_is_date)
    checker.checks("date-time")(_is_date_time)
    return checker


@cache
def validator(definition: str) -> Draft4Validator:
    """A validator for one CASE definition, e.g. "CFPackage.Type"."""
    defs = definitions()
    if definition not in defs:
        raise KeyError(f"CASE 1.0 has no definition {definition!r}")
    schema = {"$ref": f"{_REF_PREFIX}{definition}", "definitions": defs}
    return Draft4Validator(schema, format_checker=format_checker())


def _where(error: ValidationError) -> str:
    where = ""
    for part in error.absolute_path:
        where += f"[{part}]" if isinstance(part, int) else (f".{part}" if where else str(part))
    return where or "the package"


def _plain(error: ValidationError) -> str:
    where = _where(error)
    if error.validator == "required":
        missing = re.findall(r"'([^']+)' is a required property", error.message)
        name = missing[0] if missing else "a required field"
        return f"{where}: {name} is missing."
    if error.validator == "additionalProperties":
        extra = error.message.replace("Additional properties", "fields CASE does not define")
        return f"{where}: {extra}."
    if error.validator == "pattern" and where.endswith("identifier"):
        return f"{where}: {error.instance!r} is not a lowercase UUID."
    if error.validator == "format":
        return f"{where}: {error.instance!r} is not a valid {error.validator_value}."
    if error.validator == "type":
        kind = error.validator_value
        article = "an" if kind in {"array", "object", "integer"} else "a"
        return f"{where}: should be {article} {kind}."
    if error.validator == "enum":
        allowed = ", ".join(str(v) for v in error.validator_value)
        return f"{where}: {error.instance!r} is not one of {allowed}."
    return f"{where}: {error.message}."


def problems(instance: Any, definition: str, limit: int = 50) -> list[str]:
    """Plain-English reasons why `instance` is not a valid `definition` (empty when it is)."""
    found = []
    errors = sorted(
        validator(definition).iter_errors(instance), key=lambda e: [str(p) for p in e.path]
    )
    for error in errors[:limit]:
        found.append(_plain(error))
    if len(errors) > limit:
        found.append(f"... and {len(errors) - limit} more problems.")
    return found
