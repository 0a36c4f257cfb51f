"""Forms for importing CASE packages, starting a draft version and editing a draft element."""

from __future__ import annotations

import json
from typing import Any

from django import forms

from healthlead.frameworks.models import Element
from healthlead.frameworks.spec import FRAMEWORK_CODE, VERSION_LABEL

MAX_PACKAGE_BYTES = 5 * 1024 * 1024


class CasePackageForm(forms.Form):
    package = forms.FileField(
        label="CASE package",
        help_text="A CASE 1.0 CFPackage in JSON, 5 MB or smaller.",
        error_messages={"required": "Choose a CASE package file to upload."},
    )
    code = forms.CharField(
        label="Framework code (optional)",
        required=False,
        max_length=30,
        help_text=(
            "Only needed for a package that was not exported from Healthlead, for example LF2011."
        ),
    )

    def clean_package(self) -> Any:
        upload = self.cleaned_data["package"]
        if upload.size == 0:
            raise forms.ValidationError("The file is empty.")
        if upload.size > MAX_PACKAGE_BYTES:
            raise forms.ValidationError("The file must be 5 MB or smaller.")
        raw = upload.read()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise forms.ValidationError(
                "The file is not UTF-8 text, so it cannot be JSON."
            ) from None
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            raise forms.ValidationError(
                f"The file is not JSON: {error.msg} at line {error.lineno}, column {error.colno}."
            ) from None
        except RecursionError:
            raise forms.ValidationError("The file is not JSON Healthlead can read.") from None

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip()
        if code and not FRAMEWORK_CODE.match(code):
            raise forms.ValidationError(
                "The framework code can only use letters, digits, hyphens and underscores."
            )
        return code


class NewVersionForm(forms.Form):
    label = forms.CharField(
        label="Name of the new version",
        max_length=20,
        help_text="Up to 20 letters, digits, dots or hyphens, for example 2011.1.",
        error_messages={"required": "Enter a name for the new version."},
    )

    def clean_label(self) -> str:
        label = self.cleaned_data["label"].strip()
        if not VERSION_LABEL.match(label):
            raise forms.ValidationError(
                "The version name can only use letters, digits, dots and hyphens, "
                "and must start with a letter or digit."
            )
        return label


class EditElementForm(forms.Form):
    name = forms.CharField(
        label="Name", max_length=200, error_messages={"required": "Enter the element's name."}
    )
    description = forms.CharField(
        label="Description", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, element: Element, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "name": element.name,
                "description": element.description,
                **{f"indicator_{i.pk}": i.text for i in element.indicators.all()},
            },
        )
        super().__init__(*args, **kwargs)
        self.indicator_fields: list[str] = []
        for indicator in element.indicators.all():
            name = f"indicator_{indicator.pk}"
            label = f"Indicator {indicator.code}"
            if indicator.level:
                label += f" ({indicator.level})"
            self.fields[name] = forms.CharField(
                label=label,
                widget=forms.Textarea(attrs={"rows": 2}),
                error_messages={"required": f"Enter the text of indicator {indicator.code}."},
            )
            self.indicator_fields.append(name)

    def indicator_texts(self) -> dict[int, str]:
        return {
            int(name.removeprefix("indicator_")): self.cleaned_data[name]
            for name in self.indicator_fields
        }
