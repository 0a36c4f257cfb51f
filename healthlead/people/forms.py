"""Forms for the people directory and staff import."""

from __future__ import annotations

from typing import Any

from django import forms

from healthlead.people.models import Grade, StaffGroup


class DirectoryFilterForm(forms.Form):
    q = forms.CharField(
        label="Name or staff number",
        required=False,
        max_length=100,
        help_text="For example, Smith or 100234",
    )
    organisation = forms.ChoiceField(label="Organisation", required=False)
    staff_group = forms.ChoiceField(
        label="Staff group", required=False, choices=[("", "Any staff group"), *StaffGroup.choices]
    )
    grade = forms.ChoiceField(
        label="Grade", required=False, choices=[("", "Any grade"), *Grade.choices]
    )

    def __init__(self, *args: Any, organisations: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        organisation_field = self.fields["organisation"]
        assert isinstance(organisation_field, forms.ChoiceField)
        organisation_field.choices = [("", "Any organisation"), *organisations]
