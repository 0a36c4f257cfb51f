"""Django form fields rendered as NHS.UK design-system components.

`component_for(bound_field)` returns the macro name and its parameters; the
`field` macro in core/fields.jinja calls the matching nhsuk-frontend-jinja macro.
"""

from __future__ import annotations

from typing import Any

from django import forms


def _label(bound_field: forms.BoundField) -> str:
    return str(bound_field.label or "")


def _error(bound_field: forms.BoundField) -> dict[str, str] | None:
    if bound_field.errors:
        return {"text": " ".join(str(e) for e in bound_field.errors)}
    return None


def _hint(bound_field: forms.BoundField) -> dict[str, str] | None:
    return {"text": str(bound_field.help_text)} if bound_field.help_text else None


def _value(bound_field: forms.BoundField) -> Any:
    value = bound_field.value()
    return "" if value is None else value


def _choices(bound_field: forms.BoundField) -> list[tuple[Any, Any]]:
    return list(getattr(bound_field.field, "choices", []))


def component_for(bound_field: forms.BoundField, **overrides: Any) -> tuple[str, dict[str, Any]]:
    """Which design-system component renders this field, and with what parameters."""
    widget = bound_field.field.widget
    name = bound_field.html_name
    field_id = bound_field.id_for_label or f"id_{name}"
    common: dict[str, Any] = {
        "id": field_id,
        "name": name,
        "hint": _hint(bound_field),
        "errorMessage": _error(bound_field),
    }
    attrs = {k: v for k, v in widget.attrs.items() if k not in {"class", "id"}}
    if bound_field.field.required and not isinstance(
        widget, forms.CheckboxSelectMultiple | forms.CheckboxInput
    ):
        attrs.setdefault("required", True)
    # CheckboxSelectMultiple subclasses RadioSelect in Django: keep it out of the radios.
    is_checkboxes = isinstance(widget, forms.CheckboxSelectMultiple)
    if isinstance(widget, forms.RadioSelect) and not is_checkboxes:
        value = str(_value(bound_field))
        params = {
            "idPrefix": field_id,
            "name": name,
            "fieldset": {"legend": {"text": _label(bound_field), "size": "s"}},
            "hint": common["hint"],
            "errorMessage": common["errorMessage"],
            "items": [
                {"value": str(v), "text": str(t), "checked": str(v) == value}
                for v, t in _choices(bound_field)
            ],
        }
        params.update(overrides)
        return "radios", params
    if isinstance(widget, forms.CheckboxSelectMultiple):
        values = {str(v) for v in (bound_field.value() or [])}
        params = {
            "idPrefix": field_id,
            "name": name,
            "fieldset": {"legend": {"text": _label(bound_field), "size": "s"}},
            "hint": common["hint"],
            "errorMessage": common["errorMessage"],
            "items": [
                {"value": str(v), "text": str(t), "checked": str(v) in values}
                for v, t in _choices(bound_field)
            ],
        }
        params.update(overrides)
        return "checkboxes", params
    if isinstance(widget, forms.CheckboxInput):
        params = {
            "idPrefix": field_id,
            "name": name,
            "hint": common["hint"],
            "errorMessage": common["errorMessage"],
            "items": [
                {"value": "on", "text": _label(bound_field), "checked": bool(bound_field.value())}
            ],
        }
        params.update(overrides)
        return "checkboxes", params
    if isinstance(widget, forms.Select):
        value = str(_value(bound_field))
        params = {
            **common,
            "label": {"text": _label(bound_field)},
            "items": [
                {"value": str(v), "text": str(t), "selected": str(v) == value}
                for v, t in _choices(bound_field)
            ],
            "attributes": attrs,
        }
        params.update(overrides)
        return "select", params
    if isinstance(widget, forms.Textarea):
        params = {
            **common,
            "label": {"text": _label(bound_field)},
            "value": _value(bound_field),
            "attributes": attrs,
        }
        params.update(overrides)
        return "textarea", params
    if isinstance(widget, forms.FileInput):
        params = {**common, "label": {"text": _label(bound_field)}, "attributes": attrs}
        params.update(overrides)
        return "file_upload", params
    input_type = getattr(widget, "input_type", "text")
    params = {
        **common,
        "label": {"text": _label(bound_field)},
        "type": input_type,
        "value": "" if input_type == "password" else _value(bound_field),
        "attributes": attrs,
    }
    if input_type in {"number"}:
        params["inputmode"] = "numeric"
    params.update(overrides)
    return "input", params


def error_list(form: forms.Form) -> list[dict[str, str]]:
    """Items for the error summary: each field's first error, linked to the field."""
    items = [{"text": str(e), "href": "#"} for e in form.non_field_errors()]
    for bound_field in form:
        if bound_field.errors:
            widget = bound_field.field.widget
            anchor = bound_field.id_for_label or f"id_{bound_field.html_name}"
            if isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
                anchor = f"{anchor}"
            items.append({"text": str(bound_field.errors[0]), "href": f"#{anchor}"})
    return items
