"""The NHS.UK radios for a section's questions, rendered once per shape and reused.

A section page asks up to 60 questions, each with the same answers. Calling the design
system's radios macro for every question took most of the page's time, so the macro
renders each shape once (the answers, which one is checked, whether there is an error,
the classes) with placeholders for what differs between questions (name, id, question,
error message), and each question fills in its own. The HTML is the macro's own,
character for character: tests/test_section_rendering.py compares the two.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any

from django import forms
from django.template import engines
from jinja2 import Template
from markupsafe import Markup, escape

from healthlead.core.forms import component_for

# Letters only, so autoescaping leaves them as they are.
_SLOT = re.compile(r"hlslot(id|name|legend|error)x")
_SLOTS = {name: f"hlslot{name}x" for name in ("id", "name", "legend", "error")}


@lru_cache(maxsize=1)
def _macro() -> Template:
    env = engines["jinja2"].env  # type: ignore[attr-defined]
    return env.from_string(
        '{% from "nhsuk/components/radios/macro.jinja" import radios %}{{ radios(params) }}'
    )


def _render(params: dict[str, Any]) -> str:
    return _macro().render(params=params)


@lru_cache(maxsize=512)
def _shape(key: str) -> tuple[str, ...]:
    """The macro's HTML for one shape, split into text and slot names (odd positions)."""
    return tuple(_SLOT.split(_render(json.loads(key))))


def _fits_slot(text: str) -> bool:
    # The macro trims and indents some texts; only plain one-line texts go in a slot unchanged.
    return text == text.strip() and "\n" not in text and "\r" not in text and "hlslot" not in text


def radios_html(bound_field: forms.BoundField, **overrides: Any) -> Markup:
    """What `field(bound_field, overrides)` in core/fields.jinja gives for a radio field."""
    kind, params = component_for(bound_field, **overrides)
    legend = params["fieldset"]["legend"]["text"]
    error = params["errorMessage"]["text"] if params["errorMessage"] else None
    values = {"id": params["idPrefix"], "name": params["name"], "legend": legend, "error": error}
    if kind != "radios" or not all(_fits_slot(v) for v in values.values() if v is not None):
        return Markup(_render(params))  # noqa: S704 (the macro's own, escaped output)
    shape = {
        **params,
        "idPrefix": _SLOTS["id"],
        "name": _SLOTS["name"],
        "fieldset": {
            **params["fieldset"],
            "legend": {**params["fieldset"]["legend"], "text": _SLOTS["legend"]},
        },
        "errorMessage": {"text": _SLOTS["error"]} if error is not None else None,
    }
    parts = _shape(json.dumps(shape, sort_keys=True))
    filled = {name: str(escape(value)) for name, value in values.items() if value is not None}
    return Markup(  # noqa: S704 (the macro's output with escaped values in its slots)
        "".join(part if index % 2 == 0 else filled[part] for index, part in enumerate(parts))
    )
