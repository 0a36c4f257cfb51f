"""Forms on report pages: the facilitator's debrief and the removal of a comment."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms

from healthlead.feedback.forms import DeadlineWidget


class DayField(forms.MultiValueField):
    """A past or present date typed into day, month and year boxes."""

    widget = DeadlineWidget

    def __init__(self, *, what: str, **kwargs: Any):
        self.what = what
        number = {"invalid": f"Enter the {what} as numbers, for example 27 3 2027."}
        super().__init__(
            fields=(
                forms.IntegerField(min_value=1, max_value=31, error_messages=number),
                forms.IntegerField(min_value=1, max_value=12, error_messages=number),
                forms.IntegerField(min_value=2000, max_value=9999, error_messages=number),
            ),
            require_all_fields=True,
            error_messages={
                "required": f"Enter the {what}.",
                "incomplete": f"Enter the {what}'s day, month and year.",
            },
            **kwargs,
        )

    def compress(self, data_list: list[Any]) -> dt.date | None:
        if not data_list:
            return None
        day, month, year = data_list
        try:
            return dt.date(int(year), int(month), int(day))
        except (TypeError, ValueError):
            raise forms.ValidationError("Enter a real date, for example 27 3 2027.") from None


class DebriefForm(forms.Form):
    held_on = DayField(what="date of the debrief", label="Date of the debrief")
    notes = forms.CharField(
        label="Notes (optional)",
        help_text="For your records. The subject does not see these notes.",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class RedactCommentForm(forms.Form):
    reason = forms.CharField(
        label="Why are you removing this comment?",
        help_text="For example, it names a colleague or describes an event only one person saw.",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say why the comment is being removed."},
    )
