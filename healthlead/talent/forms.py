"""Forms for talent conversations, calibration, the talent pool and succession plans."""

from __future__ import annotations

from typing import Any, cast

from django import forms

from healthlead.feedback.report_forms import DayField
from healthlead.people.models import StaffGroup
from healthlead.talent import grid
from healthlead.talent.actions import PoolFilters
from healthlead.talent.models import (
    SHARING_CHOICES,
    Aspiration,
    Profession,
    Readiness,
    SuccessionPlan,
)

REASON_HELP = (
    "This is recorded with your name. People in the pool can see who viewed their profile and when."
)


def _choices(form: forms.Form, name: str) -> forms.ChoiceField:
    return cast(forms.ChoiceField, form.fields[name])


def _level_field(
    label: str, labels: dict[int, str], required: bool = True
) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=[(str(level), labels[level]) for level in (3, 2, 1)],
        coerce=int,
        widget=forms.RadioSelect,
        required=required,
        empty_value=None,
        error_messages={
            "required": f"Choose a {label.lower()} rating.",
            "invalid_choice": "Choose one of the ratings listed.",
        },
    )


class ConversationForm(forms.Form):
    held_on = DayField(what="date of the conversation", label="Date of the conversation")
    aspirations = forms.MultipleChoiceField(
        label="Which roles do they aspire to?",
        choices=Aspiration.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        error_messages={"invalid_choice": "Choose from the roles listed."},
    )
    aspiration_notes = forms.CharField(
        label="About those aspirations (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    readiness = forms.ChoiceField(
        label="How ready are they for their next role?",
        choices=Readiness.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how ready they are."},
    )
    performance = _level_field("Performance", grid.PERFORMANCE_LABELS, required=False)
    potential = _level_field("Potential", grid.POTENTIAL_LABELS)
    notes = forms.CharField(
        label="Notes (optional)",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: Any, performance_known: bool, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if performance_known:
            del self.fields["performance"]
        else:
            self.fields["performance"].required = True
            self.fields[
                "performance"
            ].help_text = (
                "There is no recent signed-off appraisal, so agree a performance rating here."
            )


class ReviewForm(forms.Form):
    notes = forms.CharField(
        label="What did you review?",
        help_text=(
            "For example, progress towards the aspirations and whether readiness has changed."
        ),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Say what you reviewed."},
    )


class CalibrationForm(forms.Form):
    box = forms.TypedChoiceField(
        label="Move them to",
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a box.", "invalid_choice": "Choose a box listed."},
    )
    reason = forms.CharField(
        label="Why are you moving them?",
        help_text="Recorded with your name and kept in their history.",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Give the reason for the move."},
    )

    def __init__(self, *args: Any, current_box: int | None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        _choices(self, "box").choices = [
            (str(box), label) for box, label in grid.box_choices() if box != current_box
        ]


class PoolProfileForm(forms.Form):
    profession = forms.ChoiceField(
        label="Your profession",
        choices=Profession.choices,
        error_messages={"required": "Choose your profession."},
    )
    statement = forms.CharField(
        label="What you would like to be considered for (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    sharing = forms.MultipleChoiceField(
        label="What do you agree to share with leads who search the pool?",
        help_text="Your name, region, staff group and profession are always shown.",
        choices=SHARING_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        error_messages={"invalid_choice": "Choose from the items listed."},
    )

    def sharing_choices(self) -> dict[str, bool]:
        chosen = set(self.cleaned_data.get("sharing") or [])
        return {name: name in chosen for name, _ in SHARING_CHOICES}


class JoinPoolForm(PoolProfileForm):
    consent = forms.BooleanField(
        label="I agree to join the national talent pool on these terms",
        error_messages={"required": "Confirm that you agree to join the talent pool."},
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label="Why are you looking?",
        help_text=REASON_HELP,
        max_length=500,
        error_messages={"required": "Say why you are looking."},
    )


class PoolSearchForm(forms.Form):
    reason = forms.CharField(
        label="Why are you searching?",
        help_text="For example: Shortlisting for director of nursing, Leeds Teaching Hospitals. "
        + REASON_HELP,
        max_length=500,
        error_messages={"required": "Say why you are searching."},
    )
    region = forms.ChoiceField(label="Region", required=False)
    staff_group = forms.ChoiceField(
        label="Staff group", required=False, choices=[("", "Any"), *list(StaffGroup.choices)]
    )
    profession = forms.ChoiceField(
        label="Profession", required=False, choices=[("", "Any"), *list(Profession.choices)]
    )
    readiness = forms.ChoiceField(
        label="Readiness", required=False, choices=[("", "Any"), *list(Readiness.choices)]
    )
    aspiration = forms.ChoiceField(
        label="Aspires to", required=False, choices=[("", "Any"), *list(Aspiration.choices)]
    )
    role = forms.CharField(
        label="Current role contains",
        required=False,
        max_length=100,
        help_text="For example: matron, consultant, deputy director",
    )
    programme = forms.CharField(
        label="Programme completed",
        required=False,
        max_length=200,
        help_text="The programme's name, for example: Nye Bevan",
    )
    domain = forms.ChoiceField(label="360 feedback domain", required=False)
    min_score = forms.DecimalField(
        label="Lowest all-others score in that domain (1 to 5)",
        help_text="With no domain chosen: in any domain.",
        required=False,
        min_value=1,
        max_value=5,
        decimal_places=2,
        error_messages={
            "invalid": "Enter the score as a number, for example 4 or 4.25.",
            "min_value": "The score must be 1 or more.",
            "max_value": "The score must be 5 or less.",
            "max_decimal_places": "Give the score to at most 2 decimal places.",
        },
    )

    def __init__(
        self,
        *args: Any,
        regions: list[tuple[str, str]],
        domains: list[tuple[str, str]],
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        _choices(self, "region").choices = [("", "Any you cover"), *regions]
        _choices(self, "domain").choices = [("", "Any"), *domains]
        for name in ("region", "staff_group", "profession", "readiness", "aspiration", "domain"):
            self.fields[name].error_messages["invalid_choice"] = "Choose one of the options listed."

    def filters(self) -> PoolFilters:
        data = self.cleaned_data
        score = data.get("min_score")
        return PoolFilters(
            staff_group=data.get("staff_group") or "",
            profession=data.get("profession") or "",
            readiness=data.get("readiness") or "",
            aspiration=data.get("aspiration") or "",
            region=data.get("region") or "",
            programme=(data.get("programme") or "").strip(),
            role=(data.get("role") or "").strip(),
            domain=data.get("domain") or "",
            min_score=float(score) if score is not None else None,
        )


class ShortlistForm(forms.Form):
    appointment = forms.CharField(
        label="The appointment",
        help_text="For example: Director of nursing, Harrogate and District NHS Foundation Trust",
        max_length=200,
        error_messages={"required": "Enter the appointment the shortlist is for."},
    )


class AddToShortlistForm(forms.Form):
    shortlist = forms.ChoiceField(
        label="Shortlist",
        error_messages={
            "required": "Choose a shortlist.",
            "invalid_choice": "Choose one of your shortlists.",
        },
    )
    person = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    note = forms.CharField(label="Note (optional)", required=False, max_length=1000)

    def __init__(self, *args: Any, shortlists: list[Any], **kwargs: Any):
        super().__init__(*args, **kwargs)
        _choices(self, "shortlist").choices = [(str(s.pk), s.appointment) for s in shortlists]


class SuccessionPlanForm(forms.Form):
    role_title = forms.CharField(
        label="Role",
        help_text="For example: Chief nurse, or Clinical director for surgery",
        max_length=200,
        error_messages={"required": "Enter the role."},
    )
    role_kind = forms.ChoiceField(
        label="Kind of role",
        choices=SuccessionPlan.RoleKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what kind of role it is."},
    )
    incumbent = forms.CharField(
        label="Staff number of the person in the role now (optional)",
        required=False,
        max_length=20,
    )
    notes = forms.CharField(
        label="Notes (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class SuccessionCandidateForm(forms.Form):
    staff_number = forms.CharField(
        label="Candidate's staff number",
        max_length=20,
        error_messages={"required": "Enter the candidate's staff number."},
    )
    readiness = forms.ChoiceField(
        label="How ready are they?",
        choices=Readiness.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how ready they are."},
    )
    notes = forms.CharField(label="Notes (optional)", required=False, max_length=1000)


class EditCandidateForm(forms.Form):
    readiness = forms.ChoiceField(
        label="How ready are they?",
        choices=Readiness.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how ready they are."},
    )
    notes = forms.CharField(label="Notes (optional)", required=False, max_length=1000)
    remove = forms.BooleanField(label="Take them off this plan", required=False)
