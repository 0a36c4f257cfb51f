"""Forms for programmes, prior learning, intakes, applications (one thing per page) and
selection. Every field renders an NHS.UK component (core/forms.py); dates use the design
system's three-box date input. Messages say what to do, in plain English."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any, cast

from django import forms

from healthlead.people.models import StaffGroup
from healthlead.programmes import gates
from healthlead.programmes.models import (
    MAX_SCORE,
    MIN_SCORE,
    ConflictDeclaration,
    IntakeQuota,
    PriorLearningClaim,
    PriorLearningDecision,
    ProgrammeVersion,
    SelectionCriterion,
)

SCORE_LABELS = {
    1: "1: little or no evidence",
    2: "2: some evidence, with gaps",
    3: "3: good evidence",
    4: "4: strong evidence",
    5: "5: outstanding evidence",
}
YES_NO = [("yes", "Yes"), ("no", "No")]


def _choice(form: forms.Form, name: str) -> forms.ChoiceField:
    return cast(forms.ChoiceField, form.fields[name])


def _required(what: str) -> dict[str, str]:
    return {"required": f"Enter {what}.", "invalid": f"Enter {what}."}


def _choose(what: str) -> dict[str, str]:
    return {"required": f"Choose {what}.", "invalid_choice": f"Choose {what} from the list."}


def _whole(what: str, low: int, high: int) -> forms.IntegerField:
    message = f"Enter {what} as a whole number from {low:,} to {high:,}."
    return forms.IntegerField(
        min_value=low,
        max_value=high,
        error_messages={
            "required": message,
            "invalid": message,
            "min_value": message,
            "max_value": message,
        },
        widget=forms.TextInput(attrs={"inputmode": "numeric", "spellcheck": "false"}),
    )


class DateBoxes(forms.MultiWidget):
    """Day, month and year boxes, named <name>_day, <name>_month and <name>_year."""

    def __init__(self, attrs: dict[str, Any] | None = None):
        super().__init__(
            widgets={"day": forms.TextInput, "month": forms.TextInput, "year": forms.TextInput},
            attrs=attrs,
        )

    def decompress(self, value: Any) -> list[Any]:
        if isinstance(value, dt.date):
            return [value.day, value.month, value.year]
        return [None, None, None]


class DateBoxesField(forms.MultiValueField):
    """A date typed into three boxes, checked for being a real date."""

    widget = DateBoxes

    def __init__(self, *, what: str, **kwargs: Any):
        number = {"invalid": f"Enter {what} as numbers, for example 27 3 2027."}
        super().__init__(
            fields=(
                forms.IntegerField(min_value=1, max_value=31, error_messages=number),
                forms.IntegerField(min_value=1, max_value=12, error_messages=number),
                forms.IntegerField(min_value=2000, max_value=9999, error_messages=number),
            ),
            require_all_fields=True,
            error_messages={
                "required": f"Enter {what}.",
                "incomplete": f"Enter the day, month and year of {what}.",
            },
            **kwargs,
        )
        self.what = what

    def compress(self, data_list: list[Any]) -> dt.date | None:
        if not data_list:
            return None
        day, month, year = data_list
        try:
            return dt.date(int(year), int(month), int(day))
        except (TypeError, ValueError):
            raise forms.ValidationError(
                f"Enter a real date for {self.what}, for example 27 3 2027."
            ) from None


# The curriculum ---------------------------------------------------------------------------------


class VersionForm(forms.Form):
    """A draft version's details."""

    tier = forms.ChoiceField(label="Tier", error_messages=_choose("a tier"))
    summary = forms.CharField(
        label="Summary", max_length=300, error_messages=_required("a one-line summary")
    )
    audience = forms.CharField(label="Who it is for", max_length=300, required=False)
    description = forms.CharField(
        label="Description",
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    duration_text = forms.CharField(label="Length", max_length=200, required=False)
    delivery_mode = forms.ChoiceField(
        label="How it is delivered",
        choices=ProgrammeVersion.DeliveryMode.choices,
        widget=forms.RadioSelect,
        error_messages=_choose("how it is delivered"),
    )
    cost_per_place = forms.IntegerField(
        label="Cost per place, in pounds",
        help_text="Leave blank if the cost is not published.",
        required=False,
        min_value=0,
        max_value=1_000_000,
        error_messages={
            "invalid": "Enter the cost as a whole number of pounds, for example 995.",
            "min_value": "The cost cannot be negative.",
            "max_value": "Enter a cost of £1,000,000 or less.",
        },
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    award = forms.CharField(label="Award", max_length=200, required=False)

    def __init__(self, *args: Any, tiers: list[Any], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.tiers = {str(t.pk): t for t in tiers}
        _choice(self, "tier").choices = [(str(t.pk), str(t)) for t in tiers]

    def chosen_tier(self) -> Any:
        return self.tiers[self.cleaned_data["tier"]]


class NewProgrammeForm(VersionForm):
    code = forms.SlugField(
        label="Code",
        help_text=(
            "Lower-case letters, digits and hyphens, for example team-leaders. It cannot change."
        ),
        max_length=60,
        error_messages={
            "required": "Enter a code.",
            "invalid": "A code may hold only lower-case letters, digits and hyphens.",
        },
    )
    name = forms.CharField(label="Name", max_length=200, error_messages=_required("a name"))
    field_order = ["code", "name", "tier", "summary"]


class GateForm(forms.Form):
    rule = forms.ChoiceField(
        label="Rule",
        choices=[(r.name, f"{r.name}: {r.summary}") for r in gates.RULES.values()],
        error_messages=_choose("a rule"),
    )
    params = forms.CharField(
        label="Parameters (JSON)",
        help_text=(
            'For example {"programme": "edward-jenner"} or {"tier": 2}. See the rule list below.'
        ),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
    )

    def clean_params(self) -> Any:
        text = (self.cleaned_data.get("params") or "").strip() or "{}"
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            raise forms.ValidationError(
                f"The parameters are not valid JSON ({error.msg} at character {error.pos + 1}). "
                'Write them like {"tier": 2}.'
            ) from None


class OutcomeForm(forms.Form):
    text = forms.CharField(
        label="Learning outcome",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages=_required("the learning outcome"),
    )
    elements = forms.CharField(
        label="Framework elements",
        help_text=(
            "Framework, domain and element codes, separated by commas, "
            "e.g. HLM2013/2/1, LF2011/1/3."
        ),
        required=False,
        max_length=1000,
    )

    def __init__(self, *args: Any, known: dict[str, Any], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.known = known

    def clean_elements(self) -> list[Any]:
        refs = [
            r.strip() for r in (self.cleaned_data.get("elements") or "").split(",") if r.strip()
        ]
        unknown = [r for r in refs if r not in self.known]
        if unknown:
            raise forms.ValidationError(
                f"{unknown[0]} is not an element of a published framework. Write it as "
                "framework/domain/element, e.g. HLM2013/2/1."
            )
        return [self.known[r] for r in dict.fromkeys(refs)]


class ModuleForm(forms.Form):
    title = forms.CharField(
        label="Module title", max_length=200, error_messages=_required("a title")
    )
    description = forms.CharField(
        label="Description",
        required=False,
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    hours = forms.IntegerField(
        label="Hours of study (optional)",
        required=False,
        min_value=1,
        max_value=2000,
        error_messages={"invalid": "Enter the hours as a whole number."},
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )


class CriterionForm(forms.Form):
    title = forms.CharField(
        label="Selection criterion", max_length=200, error_messages=_required("the criterion")
    )
    guidance = forms.CharField(
        label="Guidance for applicants",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    weight = forms.IntegerField(
        label="Weight (1 to 10)",
        min_value=1,
        max_value=10,
        initial=1,
        error_messages={
            "required": "Enter a weight from 1 to 10.",
            "invalid": "Enter a weight from 1 to 10.",
            "min_value": "Enter a weight from 1 to 10.",
            "max_value": "Enter a weight from 1 to 10.",
        },
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )


class ConfirmForm(forms.Form):
    """A button that posts (publish, open, close, allocate...)."""


# Prior learning ---------------------------------------------------------------------------------


class PriorLearningForm(forms.Form):
    kind = forms.ChoiceField(
        label="What kind of prior learning is it?",
        choices=PriorLearningClaim.Kind.choices,
        widget=forms.RadioSelect,
        error_messages=_choose("what kind of prior learning it is"),
    )
    title = forms.CharField(
        label="Name of the qualification, programme or experience",
        max_length=200,
        error_messages=_required("its name"),
    )
    provider = forms.CharField(
        label="Who awarded or ran it (optional)", max_length=200, required=False
    )
    completed_year = forms.IntegerField(
        label="Year you finished it (optional)",
        required=False,
        min_value=1950,
        max_value=2100,
        error_messages={
            "invalid": "Enter the year as 4 digits, for example 2019.",
            "min_value": "Enter a year from 1950.",
            "max_value": "Enter a year that has passed.",
        },
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    programme = forms.ChoiceField(
        label="Should it count towards a programme? (optional)",
        required=False,
        error_messages=_choose("a programme"),
    )
    description = forms.CharField(
        label="What you learned (optional)",
        required=False,
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    evidence = forms.FileField(
        label="Evidence",
        help_text="A certificate, transcript or letter: PDF, Word, OpenDocument, PNG, JPEG or "
        "text, smaller than 10 MB.",
        error_messages={
            "required": "Choose a file that shows your prior learning.",
            "empty": "The selected file is empty.",
            "invalid": "Choose a file that shows your prior learning.",
        },
    )

    def __init__(self, *args: Any, programmes: list[Any], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.programmes = {p.code: p for p in programmes}
        _choice(self, "programme").choices = [("", "No, not a particular programme")] + [
            (p.code, p.name) for p in programmes
        ]

    def chosen_programme(self) -> Any:
        return self.programmes.get(self.cleaned_data.get("programme") or "")


class PriorLearningDecisionForm(forms.Form):
    outcome = forms.ChoiceField(
        label="Your decision",
        choices=PriorLearningDecision.Outcome.choices,
        widget=forms.RadioSelect,
        error_messages=_choose("a decision"),
    )
    programme = forms.ChoiceField(
        label="Equivalent to which programme? (for a recognised claim)",
        required=False,
        error_messages=_choose("a programme"),
    )
    modules = forms.MultipleChoiceField(
        label="Modules it exempts the person from (for a partly recognised claim)",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Choose modules from the list."},
    )
    reasons = forms.CharField(
        label="Reasons",
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages=_required("the reasons for your decision"),
    )

    def __init__(self, *args: Any, programmes: list[Any], modules: list[Any], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.programmes = {p.code: p for p in programmes}
        self.module_map = {str(m.pk): m for m in modules}
        _choice(self, "programme").choices = [("", "Not equivalent to a programme")] + [
            (p.code, p.name) for p in programmes
        ]
        _choice(self, "modules").choices = [
            (str(m.pk), f"{m.version.programme.name}: {m.title}") for m in modules
        ]

    def chosen_programme(self) -> Any:
        return self.programmes.get(self.cleaned_data.get("programme") or "")

    def chosen_modules(self) -> list[Any]:
        return [self.module_map[pk] for pk in self.cleaned_data.get("modules") or []]


# Intakes -----------------------------------------------------------------------------------------


class IntakeForm(forms.Form):
    version = forms.ChoiceField(label="Programme", error_messages=_choose("a programme"))
    name = forms.CharField(
        label="Name of the intake",
        help_text="For example, Mary Seacole, East of England, spring 2027.",
        max_length=200,
        error_messages=_required("a name"),
    )
    region = forms.ChoiceField(label="Who can apply", error_messages=_choose("who can apply"))
    opens_on = DateBoxesField(what="the opening date", label="Applications open")
    closes_on = DateBoxesField(what="the closing date", label="Applications close")
    places = _whole("the number of places", 1, 100_000)
    budget = _whole("the budget in pounds", 0, 100_000_000)
    offer_days = _whole("the days to accept an offer", 1, 90)
    minimum_score = forms.DecimalField(
        label="Minimum score to be appointable (optional)",
        help_text="From 1 to 5. Leave blank for no minimum.",
        required=False,
        min_value=Decimal(1),
        max_value=Decimal(5),
        decimal_places=2,
        error_messages={
            "invalid": "Enter the minimum score as a number from 1 to 5, for example 2.5.",
            "min_value": "Enter a minimum score from 1 to 5.",
            "max_value": "Enter a minimum score from 1 to 5.",
            "max_decimal_places": "Enter the minimum score with at most 2 decimal places.",
        },
    )

    def __init__(
        self, *args: Any, versions: list[Any], regions: list[Any], national: bool, **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        self.fields["places"].label = "Places"
        self.fields["budget"].label = "Budget, in pounds"
        self.fields["offer_days"].label = "Days an applicant has to accept an offer"
        self.initial.setdefault("offer_days", 14)
        self.initial.setdefault("budget", 0)
        self.versions = {str(v.pk): v for v in versions}
        self.regions = {str(r.pk): r for r in regions}
        _choice(self, "version").choices = [("", "Choose a programme")] + [
            (str(v.pk), f"{v.programme.name} (tier {v.tier.number})") for v in versions
        ]
        region_choices = [(str(r.pk), f"Staff in {r.name}") for r in regions]
        if national:
            region_choices.insert(0, ("national", "Staff anywhere in England"))
        _choice(self, "region").choices = [("", "Choose who can apply"), *region_choices]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("opens_on") and data.get("closes_on") and data["closes_on"] < data["opens_on"]:
            self.add_error("closes_on", "The closing date must be on or after the opening date.")
        return data

    def chosen_version(self) -> Any:
        return self.versions[self.cleaned_data["version"]]

    def chosen_region(self) -> Any:
        return self.regions.get(self.cleaned_data["region"])


class QuotaForm(forms.Form):
    kind = forms.ChoiceField(
        label="Kind of constraint",
        choices=IntakeQuota.Kind.choices,
        widget=forms.RadioSelect,
        error_messages=_choose("the kind of constraint"),
    )
    staff_group = forms.ChoiceField(
        label="Staff group",
        choices=[("", "Choose a staff group"), *StaffGroup.choices],
        error_messages=_choose("a staff group"),
    )
    value = _whole("the share or number of places", 1, 100_000)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["value"].label = "Per cent (for a cap) or places (for a reserve)"


class PanelMemberForm(forms.Form):
    email = forms.EmailField(
        label="Email address of the panel member",
        help_text=(
            "They need a Healthlead account: a member of staff, or a patient or public partner."
        ),
        max_length=254,
        error_messages={
            "required": "Enter an email address.",
            "invalid": "Enter an email address like name@example.org.",
        },
    )
    chair = forms.BooleanField(label="They chair the panel", required=False)


# Applications: one thing per page ----------------------------------------------------------------


class LeadershipYearsForm(forms.Form):
    years = _whole("the number of years", 0, 60)

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["years"].label = "How many years have you led people or services?"
        self.fields["years"].help_text = (
            "Count the years in roles where you were responsible for people or a service. "
            "Your line manager will be asked to confirm this."
        )


class StatementForm(forms.Form):
    text = forms.CharField(
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 10}),
        error_messages={
            "required": "Write your statement.",
            "max_length": "Your statement must be 4,000 characters or fewer.",
        },
    )

    def __init__(self, *args: Any, criterion: SelectionCriterion, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["text"].label = criterion.title
        self.fields["text"].help_text = (
            f"{criterion.guidance} Up to 4,000 characters."
            if criterion.guidance
            else "Up to 4,000 characters."
        )


class BursaryChoiceForm(forms.Form):
    wants = forms.ChoiceField(
        label="Do you want to apply for an inclusion bursary?",
        help_text="Inclusion bursaries help people from groups under-represented in senior "
        "leadership to take up a place: for example with travel, care or study costs.",
        choices=YES_NO,
        widget=forms.RadioSelect,
        error_messages=_choose("yes or no"),
    )


class BursaryDetailsForm(forms.Form):
    amount = _whole("the amount in pounds", 1, 20_000)
    reason = forms.CharField(
        label="Why are you asking for a bursary?",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages=_required("why you are asking for a bursary"),
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["amount"].label = "How much do you need, in pounds?"
        self.field_order = ["amount", "reason"]


class EndorsementForm(forms.Form):
    decision = forms.ChoiceField(
        label="Do you endorse this application?",
        choices=[("endorse", "Yes, I endorse it"), ("decline", "No, I do not endorse it")],
        widget=forms.RadioSelect,
        error_messages=_choose("whether you endorse the application"),
    )
    confirms_years = forms.ChoiceField(
        label="Do you confirm the years of leading people the applicant gave?",
        choices=YES_NO,
        widget=forms.RadioSelect,
        required=False,
        error_messages=_choose("yes or no"),
    )
    comment = forms.CharField(
        label="Comment",
        help_text="Needed if you do not endorse the application. The applicant will see it.",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args: Any, asks_years: bool, **kwargs: Any):
        super().__init__(*args, **kwargs)
        if not asks_years:
            del self.fields["confirms_years"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == "decline" and not (data.get("comment") or "").strip():
            self.add_error("comment", "Say why you do not endorse the application.")
        if (
            "confirms_years" in self.fields
            and data.get("decision") == "endorse"
            and not data.get("confirms_years")
        ):
            self.add_error("confirms_years", "Say whether you confirm the applicant's years.")
        return data


class FundingForm(forms.Form):
    decision = forms.ChoiceField(
        label="Will your organisation fund this place?",
        choices=[("confirm", "Yes, we will fund it"), ("refuse", "No, we will not fund it")],
        widget=forms.RadioSelect,
        error_messages=_choose("whether you will fund the place"),
    )
    reference = forms.CharField(
        label="Budget or order reference (optional)", required=False, max_length=100
    )
    comment = forms.CharField(
        label="Comment",
        help_text="Needed if you will not fund the place.",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == "refuse" and not (data.get("comment") or "").strip():
            self.add_error("comment", "Say why you will not fund the place.")
        return data


class BursaryDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="Your decision",
        choices=[("approve", "Approve"), ("decline", "Do not approve")],
        widget=forms.RadioSelect,
        error_messages=_choose("a decision"),
    )
    amount = forms.IntegerField(
        label="Amount to award, in pounds",
        required=False,
        min_value=1,
        max_value=20_000,
        error_messages={"invalid": "Enter the amount as a whole number of pounds."},
        widget=forms.TextInput(attrs={"inputmode": "numeric"}),
    )
    note = forms.CharField(
        label="Note",
        help_text="Needed if you do not approve it. The applicant will see it.",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class CompletionForm(forms.Form):
    completed_on = DateBoxesField(what="the day they completed it", label="Completed on")


class OfferResponseForm(forms.Form):
    decision = forms.ChoiceField(
        label="Do you accept this place?",
        choices=[("accept", "Yes, I accept the place"), ("decline", "No, I decline the place")],
        widget=forms.RadioSelect,
        error_messages=_choose("whether you accept the place"),
    )


class AppealForm(forms.Form):
    grounds = forms.CharField(
        label="Why do you think the decision was wrong?",
        help_text="Say which decision you are appealing against and why. Up to 4,000 characters.",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages=_required("the grounds for your appeal"),
    )


class AppealDecisionForm(forms.Form):
    outcome = forms.ChoiceField(
        label="Outcome",
        choices=[("upheld", "Upheld"), ("not_upheld", "Not upheld")],
        widget=forms.RadioSelect,
        error_messages=_choose("an outcome"),
    )
    reason = forms.CharField(
        label="Reason",
        help_text="The applicant will see this.",
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages=_required("the reason"),
    )


# Selection -----------------------------------------------------------------------------------


class ScoreSheetForm(forms.Form):
    """A score (1 to 5) and an optional note for every criterion."""

    def __init__(self, *args: Any, criteria: list[SelectionCriterion], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        for criterion in criteria:
            self.fields[f"score_{criterion.pk}"] = forms.ChoiceField(
                label=f"{criterion.title} (weight {criterion.weight})",
                choices=[(str(v), SCORE_LABELS[v]) for v in range(MIN_SCORE, MAX_SCORE + 1)],
                widget=forms.RadioSelect,
                error_messages=_choose(f"a score for {criterion.title.lower()}"),
            )
            self.fields[f"note_{criterion.pk}"] = forms.CharField(
                label=f"Note on {criterion.title.lower()} (optional)",
                required=False,
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 2}),
            )

    def scores(self) -> dict[int, tuple[int, str]]:
        return {
            c.pk: (int(self.cleaned_data[f"score_{c.pk}"]), self.cleaned_data[f"note_{c.pk}"])
            for c in self.criteria
        }

    def pairs(self) -> list[tuple[Any, Any, Any]]:
        return [(c, self[f"score_{c.pk}"], self[f"note_{c.pk}"]) for c in self.criteria]


class ConflictForm(forms.Form):
    reason = forms.ChoiceField(
        label="What is the conflict?",
        choices=ConflictDeclaration.Reason.choices,
        widget=forms.RadioSelect,
        error_messages=_choose("the kind of conflict"),
    )
    note = forms.CharField(
        label="Tell us more",
        help_text="Needed for another conflict.",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ModerationForm(forms.Form):
    agreed_score = forms.ChoiceField(
        label="Agreed score",
        choices=[(str(v), SCORE_LABELS[v]) for v in range(MIN_SCORE, MAX_SCORE + 1)],
        widget=forms.RadioSelect,
        error_messages=_choose("the agreed score"),
    )
    reason = forms.CharField(
        label="Why the panel agreed this score",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages=_required("the reason for the agreed score"),
    )
