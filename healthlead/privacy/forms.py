"""Forms for the privacy pages: a stated reason, and a typed confirmation before erasure."""

from __future__ import annotations

from typing import Any

from django import forms

from healthlead.privacy.actions import REASON_LIMIT

REASON_HELP = "This is kept in the audit log with your name."


class ExportForm(forms.Form):
    reason = forms.CharField(
        label="Why are you exporting this person's data?",
        help_text="For example: Subject access request received 3 March, reference SAR-0142. "
        + REASON_HELP,
        max_length=REASON_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say why you are exporting this person's data."},
    )


class ErasureForm(forms.Form):
    reason = forms.CharField(
        label="Why are you erasing this person's data?",
        help_text="For example: Erasure request received 3 March, reference ER-0031. "
        + REASON_HELP,
        max_length=REASON_LIMIT,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say why you are erasing this person's data."},
    )
    confirmation = forms.CharField(
        label="Type the person's staff number to confirm",
        max_length=40,
        error_messages={"required": "Type the staff number to confirm."},
    )

    def __init__(self, *args: Any, staff_number: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.staff_number = staff_number
        self.fields["confirmation"].help_text = f"Their staff number is {staff_number}."

    def clean_confirmation(self) -> str:
        typed = self.cleaned_data["confirmation"].strip()
        if typed != self.staff_number:
            raise forms.ValidationError(
                "The staff number you typed does not match. Nothing has been erased."
            )
        return typed
