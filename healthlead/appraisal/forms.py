"""Forms for development plans and appraisals. Every field renders an NHS.UK component."""

from __future__ import annotations

from typing import Any, cast

from django import forms

from healthlead.appraisal.models import (
    REVALIDATION_CHECKLIST,
    Appraisal,
    Goal,
    GoalAction,
    PlanReview,
    appraisal_year_label,
)
from healthlead.feedback.report_forms import DayField


def _choices(form: forms.Form, name: str) -> forms.ChoiceField:
    return cast(forms.ChoiceField, form.fields[name])


class GoalForm(forms.Form):
    title = forms.CharField(
        label="Goal",
        help_text="One short sentence, for example: Ask for and act on feedback from my team.",
        max_length=200,
        error_messages={"required": "Enter your goal."},
    )
    element = forms.ChoiceField(
        label="Framework element it develops",
        required=False,
        error_messages={"invalid_choice": "Choose one of the elements listed."},
    )
    description = forms.CharField(
        label="How you will do it (optional)",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    due_on = DayField(what="due date", label="Due date", required=False)
    source = forms.CharField(required=False, max_length=100, widget=forms.HiddenInput)

    def __init__(self, *args: Any, elements: list[Any], **kwargs: Any):
        super().__init__(*args, **kwargs)
        _choices(self, "element").choices = [("", "Not linked to an element")] + [
            (str(e.pk), f"{e.domain.name}: {e.name}") for e in elements
        ]


class EditGoalForm(GoalForm):
    status = forms.ChoiceField(
        label="Status",
        choices=Goal.Status.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the goal's status."},
    )


class GoalActionForm(forms.Form):
    kind = forms.ChoiceField(
        label="What kind of action is it?",
        choices=GoalAction.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what kind of action it is."},
    )
    title = forms.CharField(
        label="What you will do",
        help_text="For example: Shadow the divisional director at two board meetings.",
        max_length=200,
        error_messages={"required": "Enter what you will do."},
    )
    programme_name = forms.CharField(
        label="Programme name (for a programme)",
        help_text=(
            "For example: Mary Seacole. When you complete it, the completion is added here "
            "as evidence for you."
        ),
        required=False,
        max_length=200,
    )
    due_on = DayField(what="due date", label="Due date", required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") == GoalAction.Kind.PROGRAMME and not data.get("programme_name"):
            self.add_error("programme_name", "Enter the programme's name.")
        return data


class GoalActionStatusForm(forms.Form):
    status = forms.ChoiceField(
        label="Status",
        choices=GoalAction.Status.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the action's status."},
    )
    due_on = DayField(what="due date", label="Due date", required=False)


class EvidenceForm(forms.Form):
    note = forms.CharField(
        label="Note",
        help_text="What you did and what you learnt.",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    file = forms.FileField(
        label="File (optional)",
        help_text=(
            "A PDF, Word, Excel, PowerPoint, OpenDocument, PNG, JPEG or text file, up to 10 MB."
        ),
        required=False,
        error_messages={"empty": "The selected file is empty."},
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("note") and not data.get("file") and not self.errors:
            raise forms.ValidationError("Write a note or choose a file.")
        return data


class PlanReviewForm(forms.Form):
    kind = forms.ChoiceField(
        label="What do you want to do?",
        choices=[
            (PlanReview.Kind.COMMENT, "Comment on the plan"),
            (PlanReview.Kind.AGREED, "Agree the plan as it stands"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether to comment on or agree the plan."},
    )
    text = forms.CharField(
        label="Your comment",
        help_text="Needed for a comment; optional when you agree the plan.",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") == PlanReview.Kind.COMMENT and not data.get("text"):
            self.add_error("text", "Enter your comment.")
        return data


class StartAppraisalForm(forms.Form):
    appraisee = forms.ChoiceField(
        label="Whose appraisal is it?",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose whose appraisal it is.",
            "invalid_choice": "Choose one of the people listed.",
        },
    )
    year = forms.TypedChoiceField(
        label="Appraisal year",
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose the appraisal year.",
            "invalid_choice": "Choose one of the years listed.",
        },
    )

    def __init__(self, *args: Any, people: list[Any], years: list[int], **kwargs: Any):
        super().__init__(*args, **kwargs)
        _choices(self, "appraisee").choices = [(str(p.pk), p.label) for p in people]
        _choices(self, "year").choices = [(str(y), appraisal_year_label(y)) for y in years]


def _rating_field(label: str, choices: Any) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=[(str(value), text) for value, text in choices],
        coerce=int,
        widget=forms.RadioSelect,
        required=False,
        empty_value=None,
        error_messages={"invalid_choice": "Choose one of the ratings listed."},
    )


class AppraisalForm(forms.Form):
    """The fields the appraisee or the appraiser may change (the view removes the others)."""

    reflection = forms.CharField(
        label="Your preparation and reflection",
        help_text="What went well this year, what was hard, and what you want from the next.",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    discussion = forms.CharField(
        label="Summary of the discussion",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    objectives = forms.CharField(
        label="Objectives for the coming year",
        help_text="One a line.",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    performance = _rating_field("Performance in the current role", Appraisal.Performance.choices)
    potential = _rating_field("Potential", Appraisal.Potential.choices)
    agreed_plan_notes = forms.CharField(
        label="The development plan you agreed",
        help_text=(
            "Anything about the plan you agreed. Its goals as they stand are recorded when you "
            "both sign off."
        ),
        required=False,
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    supports_revalidation = forms.BooleanField(
        label="This appraisal supports revalidation",
        help_text="For doctors: the appraisal is part of revalidation with the GMC.",
        required=False,
    )
    revalidation_checklist = forms.MultipleChoiceField(
        label="Supporting information you have brought",
        choices=REVALIDATION_CHECKLIST,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        error_messages={"invalid_choice": "Choose from the items listed."},
    )
    revalidation_notes = forms.CharField(
        label="Notes on your supporting information (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, fields: set[str], **kwargs: Any):
        super().__init__(*args, **kwargs)
        for name in list(self.fields):
            if name not in fields:
                del self.fields[name]

    def changes(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        checklist = data.pop("revalidation_checklist", None)
        if checklist is not None:
            for name, _ in REVALIDATION_CHECKLIST:
                data[name] = name in checklist
        return data


def appraisal_initial(appraisal: Appraisal) -> dict[str, Any]:
    return {
        "reflection": appraisal.reflection,
        "discussion": appraisal.discussion,
        "objectives": appraisal.objectives,
        "performance": appraisal.performance,
        "potential": appraisal.potential,
        "agreed_plan_notes": appraisal.agreed_plan_notes,
        "supports_revalidation": appraisal.supports_revalidation,
        "revalidation_checklist": [
            name for name, _ in REVALIDATION_CHECKLIST if getattr(appraisal, name)
        ],
        "revalidation_notes": appraisal.revalidation_notes,
    }


class ReopenAppraisalForm(forms.Form):
    note = forms.CharField(
        label="What needs to change?",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Say what needs to change."},
    )


class AddendumForm(forms.Form):
    text = forms.CharField(
        label="Addendum",
        help_text="The signed-off appraisal stays as it is; this is added below it.",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": "Enter the addendum."},
    )


class AssignAppraiserForm(forms.Form):
    staff_number = forms.CharField(
        label="The new appraiser's staff number",
        max_length=20,
        error_messages={"required": "Enter the new appraiser's staff number."},
    )
    note = forms.CharField(
        label="Why the appraiser is changing (optional)",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
