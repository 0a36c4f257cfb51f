"""Forms for self-assessment, starting and running a 360 cycle, and answering one.

Every field renders an NHS.UK component (core/forms.py); the deadline uses the design
system's three-box date input. Messages say what to do, in plain English.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, cast

from django import forms
from markupsafe import Markup

from healthlead.feedback.actions import (
    COMMENT_MAX_LENGTH,
    MAX_CARDS_PER_REQUEST,
    MAX_RATERS_PER_REQUEST,
    RaterEntry,
)
from healthlead.feedback.item_radios import radios_html
from healthlead.feedback.models import RaterGroup
from healthlead.feedback.presenters import (
    IMPORTANCE_LABELS,
    NOT_OBSERVED_LABELS,
    RATING_LABELS,
    item_text,
)
from healthlead.feedback.queries import DraftAnswers, Section

NOT_OBSERVED = "n"
NOT_SURE = "n"
EMAIL_PATTERN = re.compile(r"[^\s,;<>\"']+@[^\s,;<>\"']+")


def _choice_field(form: forms.Form, name: str) -> forms.ChoiceField:
    return cast(forms.ChoiceField, form.fields[name])


def _rating_choices(audience: str) -> list[tuple[str, str]]:
    return [(str(value), label) for value, label in RATING_LABELS.items()] + [
        (NOT_OBSERVED, NOT_OBSERVED_LABELS[audience])
    ]


def _importance_choices() -> list[tuple[str, str]]:
    return [(str(value), label) for value, label in IMPORTANCE_LABELS.items()] + [
        (NOT_SURE, "Not sure")
    ]


def _as_rating(value: str) -> int | None:
    return None if value == NOT_OBSERVED else int(value)


def _stored_choice(value: int | None) -> str:
    return NOT_OBSERVED if value is None else str(value)


class SectionForm(forms.Form):
    """One domain of a questionnaire: each item on the scale, then importance and comments."""

    def __init__(
        self,
        *args: Any,
        section: Section,
        audience: str,
        with_importance: bool = True,
        with_comments: bool = True,
        draft: DraftAnswers | None = None,
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        self.section = section
        self.audience = audience
        self.item_fields: list[str] = []
        draft = draft or DraftAnswers()
        who = "you" if audience == "self" else "this person"
        for item in section.items:
            name = f"item_{item.pk}"
            self.item_fields.append(name)
            self.fields[name] = forms.ChoiceField(
                label=item_text(item, audience),
                choices=_rating_choices(audience),
                widget=forms.RadioSelect,
                error_messages={
                    "required": "Choose an answer for this question.",
                    "invalid_choice": "Choose one of the answers shown "
                    "(%(value)s is not one of them).",
                },
            )
            if item.pk in draft.ratings:
                self.initial[name] = _stored_choice(draft.ratings[item.pk])
        domain = section.domain.name
        if with_importance:
            label = (
                f"How important is {domain.lower()} to your role?"
                if audience == "self"
                else f"How important is {domain.lower()} to this person's role?"
            )
            if audience == "patient":
                label = "How important is this part of their job?"
            self.fields["importance"] = forms.ChoiceField(
                label=label,
                choices=_importance_choices(),
                widget=forms.RadioSelect,
                error_messages={
                    "required": "Choose how important this is, or choose 'Not sure'.",
                    "invalid_choice": "Choose one of the answers shown "
                    "(%(value)s is not one of them).",
                },
            )
            if draft.importance_answered:
                self.initial["importance"] = _stored_choice(draft.importance)
        if with_comments:
            limit = f"{COMMENT_MAX_LENGTH:,}"
            strengths_label = (
                "What do you do well here? (optional)"
                if audience == "self"
                else f"What does {who} do well here? (optional)"
            )
            suggestions_label = (
                "What could you do more of, or differently? (optional)"
                if audience == "self"
                else f"What could {who} do more of, or differently? (optional)"
            )
            for name, label, value in (
                ("strengths", strengths_label, draft.strengths),
                ("suggestions", suggestions_label, draft.suggestions),
            ):
                self.fields[name] = forms.CharField(
                    label=label,
                    required=False,
                    max_length=COMMENT_MAX_LENGTH,
                    widget=forms.Textarea(attrs={"rows": 4}),
                    help_text=f"Up to {limit} characters. Do not name anyone else.",
                    error_messages={
                        "max_length": f"Keep this to {limit} characters or fewer "
                        "(you wrote %(show_value)d)."
                    },
                )
                self.initial[name] = value

    def radios(self, name: str, classes: str = "") -> Markup:
        """One question's radios, as the `field` macro renders them but cheaper (item_radios.py)."""
        return radios_html(self[name], classes=classes)

    def ratings(self) -> dict[int, int | None]:
        return {
            item.pk: _as_rating(self.cleaned_data[f"item_{item.pk}"]) for item in self.section.items
        }

    def importance(self) -> int | None:
        value = self.cleaned_data.get("importance")
        return None if not value else _as_rating(value)

    def unexpected_fields(self) -> list[str]:
        """Posted answers for questions that are not in this section (a page from elsewhere)."""
        return sorted(
            key for key in self.data if key.startswith("item_") and key not in self.fields
        )


class DeadlineWidget(forms.MultiWidget):
    """Day, month and year boxes, named deadline_day, deadline_month, deadline_year."""

    def __init__(self, attrs: dict[str, Any] | None = None):
        super().__init__(
            widgets={"day": forms.TextInput, "month": forms.TextInput, "year": forms.TextInput},
            attrs=attrs,
        )

    def decompress(self, value: Any) -> list[Any]:
        if isinstance(value, dt.date):
            return [value.day, value.month, value.year]
        return [None, None, None]


class DeadlineField(forms.MultiValueField):
    """A date typed into three boxes, checked for being a real date."""

    widget = DeadlineWidget

    def __init__(self, **kwargs: Any):
        number = {"invalid": "Enter the deadline as numbers, for example 27 3 2027."}
        fields = (
            forms.IntegerField(min_value=1, max_value=31, error_messages=number),
            forms.IntegerField(min_value=1, max_value=12, error_messages=number),
            forms.IntegerField(min_value=2000, max_value=9999, error_messages=number),
        )
        super().__init__(
            fields=fields,
            require_all_fields=True,
            error_messages={
                "required": "Enter the deadline.",
                "incomplete": "Enter the deadline's day, month and year.",
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


def date_input_params(bound_field: forms.BoundField, *, legend: str, hint: str) -> dict[str, Any]:
    """Parameters for the design system's dateInput macro from a DeadlineField."""
    values = bound_field.value()
    if isinstance(values, dt.date):
        values = [values.day, values.month, values.year]
    values = list(values or [None, None, None])
    name = bound_field.html_name
    error = " ".join(str(e) for e in bound_field.errors)
    return {
        "id": f"id_{name}",
        "fieldset": {"legend": {"text": legend, "size": "s"}},
        "hint": {"text": hint},
        "errorMessage": {"text": error} if error else None,
        "items": [
            {
                "name": f"{name}_{part}",
                "id": f"id_{name}_{part}",
                "label": part.capitalize(),
                "value": "" if value is None else value,
                "width": 4 if part == "year" else 2,
                "classes": "nhsuk-input--error" if error else "",
            }
            for part, value in zip(("day", "month", "year"), values, strict=True)
        ],
    }


class DeadlineForm(forms.Form):
    deadline = DeadlineField(label="Deadline")


class StartSelfAssessmentForm(forms.Form):
    framework_version = forms.ChoiceField(
        label="Which framework do you want to assess yourself against?",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose a framework.",
            "invalid_choice": "Choose one of the frameworks shown.",
        },
    )

    def __init__(self, *args: Any, versions: list[Any], **kwargs: Any):
        super().__init__(*args, **kwargs)
        _choice_field(self, "framework_version").choices = [
            (str(v.pk), f"{v.framework.name} ({v.version})") for v in versions
        ]


class StartCycleForm(forms.Form):
    """Who the cycle is for, which framework, the deadline and an optional facilitator."""

    subject = forms.ChoiceField(
        label="Who is the 360 feedback for?",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose who the feedback is for.",
            "invalid_choice": "Choose yourself or someone you line manage.",
        },
    )
    framework_version = forms.ChoiceField(
        label="Framework",
        widget=forms.RadioSelect,
        help_text="Raters answer questions made from this framework's behaviours.",
        error_messages={
            "required": "Choose a framework.",
            "invalid_choice": "Choose one of the frameworks shown.",
        },
    )
    deadline = DeadlineField(label="Deadline")
    facilitator = forms.ChoiceField(
        label="Facilitator (optional)",
        required=False,
        help_text="A facilitator sees the report first and goes through it with the subject.",
        error_messages={"invalid_choice": "Choose one of the facilitators listed."},
    )

    def __init__(
        self,
        *args: Any,
        me: Any,
        reports: list[Any],
        versions: list[Any],
        facilitators: list[Any],
        with_framework: bool = True,
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        subject_choices = [(str(me.pk), f"You ({me.full_name})")]
        subject_choices += [(str(p.pk), p.full_name) for p in reports]
        _choice_field(self, "subject").choices = subject_choices
        if len(subject_choices) == 1:
            self.fields["subject"].widget = forms.HiddenInput()
            self.initial.setdefault("subject", str(me.pk))
        if with_framework:
            _choice_field(self, "framework_version").choices = [
                (str(v.pk), f"{v.framework.name} ({v.version})") for v in versions
            ]
        else:
            del self.fields["framework_version"]
        _choice_field(self, "facilitator").choices = [("", "No facilitator")] + [
            (str(u.pk), u.display_name) for u in facilitators
        ]


def parse_rater_lines(text: str) -> tuple[list[RaterEntry], list[str]]:
    """One person per line: 'Name, email', 'Name <email>' or just 'email'."""
    entries: list[RaterEntry] = []
    errors: list[str] = []
    lines = [line.strip() for line in (text or "").splitlines()]
    numbered = [(n, line) for n, line in enumerate(lines, start=1) if line]
    for number, line in numbered:
        emails = EMAIL_PATTERN.findall(line)
        if not emails:
            errors.append(f"Line {number}: enter an email address.")
            continue
        if len(emails) > 1:
            errors.append(f"Line {number}: put one person on each line.")
            continue
        name = line.replace(emails[0], " ")
        name = re.sub(r"[,;<>\"']", " ", name)
        entries.append(RaterEntry(email=emails[0].strip(".").lower(), name=" ".join(name.split())))
    return entries, errors


class InviteRatersForm(forms.Form):
    group = forms.ChoiceField(
        label="Who are they to the subject?",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose who these people are to the subject.",
            "invalid_choice": "Choose one of the groups shown.",
        },
    )
    raters = forms.CharField(
        label="Names and email addresses, one person per line",
        help_text=(
            "For example: Sam Jones, sam.jones@nhs.net. The name is optional. "
            "Use their work email where you can."
        ),
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
        max_length=20_000,
        error_messages={
            "required": "Enter at least one email address.",
            "max_length": "That is too much text: invite fewer people at a time.",
        },
    )

    def __init__(self, *args: Any, groups: list[RaterGroup], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.groups = {g.code: g for g in groups}
        _choice_field(self, "group").choices = [(g.code, g.name) for g in groups]

    def clean_raters(self) -> list[RaterEntry]:
        entries, errors = parse_rater_lines(self.cleaned_data["raters"])
        if errors:
            raise forms.ValidationError(errors)
        if not entries:
            raise forms.ValidationError("Enter at least one email address.")
        if len(entries) > MAX_RATERS_PER_REQUEST:
            raise forms.ValidationError(
                f"Invite at most {MAX_RATERS_PER_REQUEST} people at a time."
            )
        return entries

    def chosen_group(self) -> RaterGroup:
        return self.groups[self.cleaned_data["group"]]


class PrintCardsForm(forms.Form):
    count = forms.IntegerField(
        label="How many cards do you want to print?",
        help_text=f"Eight cards fit on a sheet of A4. Print up to {MAX_CARDS_PER_REQUEST}.",
        min_value=1,
        max_value=MAX_CARDS_PER_REQUEST,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "required": "Enter how many cards to print.",
            "invalid": "Enter how many cards to print as a number, like 8.",
            "min_value": "Print at least 1 card.",
            "max_value": f"Print at most {MAX_CARDS_PER_REQUEST} cards at a time.",
        },
    )


class CardCodeForm(forms.Form):
    code = forms.CharField(
        label="Enter the code from your card",
        help_text="It has 8 letters and numbers, for example ABCD 2345.",
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
        error_messages={
            "required": "Enter the code from your card.",
            "max_length": "The code has 8 letters and numbers. Check it and try again.",
        },
    )


class ConfirmForm(forms.Form):
    """A button with nothing to fill in: the CSRF token is the whole form."""
