"""Development plans (goals, actions, evidence, the line manager's comments and agreement),
programme completions, and the annual appraisal with its sign-offs and addenda.

A person has one living development plan. An appraisal moves in_progress -> awaiting_sign_off
-> signed_off; every move is an attributed `AppraisalStateChange`, and once signed off the
appraisal is locked (later changes are `AppraisalAddendum` records).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q

from healthlead.frameworks.models import Element
from healthlead.people.models import Person


def appraisal_year_for(day: dt.date) -> int:
    """The appraisal year a day falls in: years run from 1 April to 31 March."""
    return day.year if day.month >= 4 else day.year - 1


def appraisal_year_label(year: int) -> str:
    return f"April {year} to March {year + 1}"


class DevelopmentPlan(models.Model):
    """A person's development plan: one per person, holding their goals."""

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="development_plan")
    created_at = models.DateTimeField(auto_now_add=True)
    changed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the person last changed a goal, action or evidence"
    )

    def __str__(self) -> str:
        return f"Development plan for {self.person}"


class Goal(models.Model):
    """Something a person means to develop, linked to a framework element where it can be."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", "Not started"
        IN_PROGRESS = "in_progress", "In progress"
        ACHIEVED = "achieved", "Achieved"
        DROPPED = "dropped", "No longer a goal"

    plan = models.ForeignKey(DevelopmentPlan, on_delete=models.CASCADE, related_name="goals")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=4000)
    element = models.ForeignKey(
        Element, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField(
        max_length=100, blank=True, help_text="Where the goal came from, e.g. 360 report"
    )
    due_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NOT_STARTED)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["plan", "due_on", "pk"]

    def __str__(self) -> str:
        return self.title


class GoalAction(models.Model):
    """One thing the person will do towards a goal: a programme, mentoring, a placement..."""

    class Kind(models.TextChoices):
        PROGRAMME = "programme", "A programme"
        MENTORING = "mentoring", "Mentoring"
        ACTION_LEARNING_SET = "action_learning_set", "An action learning set"
        PLACEMENT = "placement", "A placement"
        READING = "reading", "Reading"

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"
        DROPPED = "dropped", "Dropped"

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="actions")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    title = models.CharField(max_length=200)
    programme_name = models.CharField(
        max_length=200,
        blank=True,
        help_text="For a programme: its name, so its completion is added as evidence",
    )
    programme_key = models.CharField(max_length=200, blank=True, db_index=True)
    due_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PLANNED)
    completed_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["goal", "due_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="programme") | Q(programme_name=""),
                name="goal_action_programme_name_only_for_programmes",
            ),
            models.CheckConstraint(
                condition=Q(status="done") | Q(completed_on__isnull=True),
                name="goal_action_completed_only_when_done",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Completion(models.Model):
    """A programme the person completed, as reported to Healthlead (by the programmes
    capability or another system). Reporting the same completion again changes nothing."""

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="programme_completions"
    )
    programme_name = models.CharField(max_length=200)
    programme_key = models.CharField(max_length=200, help_text="The name, normalised for matching")
    completed_on = models.DateField()
    reference = models.CharField(
        max_length=100, blank=True, help_text="The reporting system's own id for the completion"
    )
    recorded_by_label = models.CharField(max_length=200)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["person", "-completed_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "programme_key", "completed_on"],
                name="completion_once_per_person_programme_day",
            )
        ]
        indexes = [models.Index(fields=["programme_key"], name="completion_programme_idx")]

    def __str__(self) -> str:
        return f"{self.programme_name} ({self.completed_on})"


class Evidence(models.Model):
    """Evidence for an action: a note, an uploaded file, or a programme completion."""

    class Kind(models.TextChoices):
        NOTE = "note", "Note"
        FILE = "file", "File"
        COMPLETION = "completion", "Programme completion"

    action = models.ForeignKey(GoalAction, on_delete=models.CASCADE, related_name="evidence")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    note = models.TextField(blank=True, max_length=4000)
    file_name = models.CharField(max_length=100, blank=True, help_text="Sanitised, for display")
    stored_path = models.CharField(max_length=300, blank=True, help_text="In upload storage")
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    completion = models.ForeignKey(
        Completion, null=True, blank=True, on_delete=models.CASCADE, related_name="evidence"
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_by_label = models.CharField(max_length=200)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["action", "added_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="file") | ~Q(stored_path=""), name="evidence_file_is_stored"
            ),
            models.CheckConstraint(
                condition=~Q(kind="completion") | Q(completion__isnull=False),
                name="evidence_completion_points_at_it",
            ),
            models.UniqueConstraint(
                fields=["action", "completion"],
                condition=Q(completion__isnull=False),
                name="evidence_completion_once_per_action",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.action}"


class PlanReview(models.Model):
    """The line manager's comment on, or agreement to, a development plan (attributed)."""

    class Kind(models.TextChoices):
        COMMENT = "comment", "Comment"
        AGREED = "agreed", "Agreed the plan"

    plan = models.ForeignKey(DevelopmentPlan, on_delete=models.CASCADE, related_name="reviews")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    text = models.TextField(blank=True, max_length=2000)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    by_label = models.CharField(max_length=200)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["plan", "-at", "-pk"]


class AppraisalQuerySet(models.QuerySet["Appraisal"]):
    def signed_off(self) -> AppraisalQuerySet:
        return self.filter(state=Appraisal.State.SIGNED_OFF)


class Appraisal(models.Model):
    """The annual appraisal between an appraisee and their appraiser (the line manager unless
    someone else is assigned): objectives, a performance and a potential rating, the agreed plan.
    """

    class State(models.TextChoices):
        IN_PROGRESS = "in_progress", "In progress"
        AWAITING_SIGN_OFF = "awaiting_sign_off", "Awaiting sign-off"
        SIGNED_OFF = "signed_off", "Signed off"

    class Performance(models.IntegerChoices):
        BELOW = 1, "Not yet meeting expectations"
        MEETS = 2, "Meeting expectations"
        EXCEEDS = 3, "Exceeding expectations"

    class Potential(models.IntegerChoices):
        LIMITED = 1, "Limited potential for a bigger role at present"
        SOME = 2, "Potential for a bigger role"
        HIGH = 3, "High potential for a senior role"

    appraisee = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="appraisals")
    appraiser = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="appraisals_as_appraiser"
    )
    year = models.PositiveSmallIntegerField(help_text="The appraisal year that starts in April")
    state = models.CharField(max_length=20, choices=State.choices, default=State.IN_PROGRESS)
    reflection = models.TextField(
        blank=True, max_length=5000, help_text="The appraisee's preparation, in their own words"
    )
    discussion = models.TextField(
        blank=True, max_length=5000, help_text="A summary of the discussion"
    )
    objectives = models.TextField(blank=True, max_length=5000, help_text="For the coming year")
    performance = models.PositiveSmallIntegerField(
        null=True, blank=True, choices=Performance.choices
    )
    potential = models.PositiveSmallIntegerField(null=True, blank=True, choices=Potential.choices)
    agreed_plan_notes = models.TextField(blank=True, max_length=3000)
    agreed_plan = models.JSONField(
        default=list, blank=True, help_text="The development plan's goals as agreed at sign-off"
    )
    supports_revalidation = models.BooleanField(default=False)
    has_cpd = models.BooleanField(default=False)
    has_quality_improvement = models.BooleanField(default=False)
    has_significant_events = models.BooleanField(default=False)
    has_patient_feedback = models.BooleanField(default=False)
    has_colleague_feedback = models.BooleanField(default=False)
    has_compliments_and_complaints = models.BooleanField(default=False)
    revalidation_notes = models.TextField(blank=True, max_length=2000)
    started_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    signed_off_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AppraisalQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "pk"]
        indexes = [
            models.Index(fields=["year", "state"], name="appraisal_year_state_idx"),
            models.Index(fields=["appraiser", "state"], name="appraisal_appraiser_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["appraisee", "year"], name="appraisal_one_per_year"),
            models.CheckConstraint(
                condition=~Q(appraisee=models.F("appraiser")), name="appraisal_not_self_appraised"
            ),
            models.CheckConstraint(
                condition=~Q(state="signed_off")
                | Q(
                    signed_off_at__isnull=False, performance__isnull=False, potential__isnull=False
                ),
                name="appraisal_signed_off_is_complete",
            ),
            models.CheckConstraint(
                condition=Q(performance__isnull=True) | Q(performance__gte=1, performance__lte=3),
                name="appraisal_performance_in_range",
            ),
            models.CheckConstraint(
                condition=Q(potential__isnull=True) | Q(potential__gte=1, potential__lte=3),
                name="appraisal_potential_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"Appraisal of {self.appraisee} for {appraisal_year_label(self.year)}"

    @property
    def year_label(self) -> str:
        return appraisal_year_label(self.year)

    @property
    def is_locked(self) -> bool:
        return self.state == self.State.SIGNED_OFF


# The supporting information a doctor brings to appraisal for revalidation (GMC).
REVALIDATION_CHECKLIST = [
    ("has_cpd", "Continuing professional development"),
    ("has_quality_improvement", "Quality improvement activity"),
    ("has_significant_events", "Significant events"),
    ("has_patient_feedback", "Feedback from patients"),
    ("has_colleague_feedback", "Feedback from colleagues"),
    ("has_compliments_and_complaints", "Compliments and complaints"),
]


class AppraisalStateChange(models.Model):
    """An attributed record of each change in an appraisal's state."""

    appraisal = models.ForeignKey(Appraisal, on_delete=models.CASCADE, related_name="state_changes")
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    by_label = models.CharField(max_length=200)
    at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(blank=True, max_length=2000)

    class Meta:
        ordering = ["appraisal", "at", "pk"]


class AppraisalSignOff(models.Model):
    """The appraisee's or the appraiser's sign-off. Reopening the appraisal supersedes it."""

    class Role(models.TextChoices):
        APPRAISEE = "appraisee", "Appraisee"
        APPRAISER = "appraiser", "Appraiser"

    appraisal = models.ForeignKey(Appraisal, on_delete=models.CASCADE, related_name="sign_offs")
    role = models.CharField(max_length=10, choices=Role.choices)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Empty for sign-offs brought in from another appraisal system",
    )
    at = models.DateTimeField(auto_now_add=True)
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["appraisal", "at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["appraisal", "role"],
                condition=Q(superseded_at__isnull=True),
                name="appraisal_sign_off_once_per_role",
            )
        ]


class AppraisalAddendum(models.Model):
    """A change or addition to a signed-off appraisal, which itself stays as it was."""

    appraisal = models.ForeignKey(Appraisal, on_delete=models.CASCADE, related_name="addenda")
    text = models.TextField(max_length=4000)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    by_label = models.CharField(max_length=200)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["appraisal", "at", "pk"]
        verbose_name_plural = "appraisal addenda"
