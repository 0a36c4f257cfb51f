"""Self-assessment and 360 feedback.

Questionnaire (versioned, from a framework version) -> FeedbackCycle for a subject ->
Invitations to raters in rater groups -> Responses with Answers, importance ratings and
Comments -> a Report frozen at close. What a report may show is decided in anonymity.py
(see docs/adr/0002-360-anonymity.md); nothing else reads answers for display.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from healthlead.frameworks.models import Domain, Element, FrameworkVersion, Indicator
from healthlead.people.models import Person

RATING_MIN, RATING_MAX = 1, 5


def hash_secret(secret: str) -> str:
    """How tokens and card codes are stored: never in the clear."""
    return hashlib.sha256(secret.encode()).hexdigest()


class Questionnaire(models.Model):
    """A versioned set of items generated from a published framework version."""

    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    framework_version = models.ForeignKey(
        FrameworkVersion, on_delete=models.PROTECT, related_name="questionnaires"
    )
    name = models.CharField(max_length=200)
    version = models.PositiveIntegerField(default=1)
    state = models.CharField(max_length=10, choices=State.choices, default=State.DRAFT)
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["framework_version", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["framework_version", "version"], name="questionnaire_version_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"


class QuestionnaireItem(models.Model):
    """One behaviour a rater rates on the 5-point scale (or 'not observed')."""

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="items")
    element = models.ForeignKey(Element, on_delete=models.PROTECT, related_name="+")
    indicator = models.ForeignKey(
        Indicator, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    text = models.TextField(help_text="Written so it can be read about someone else")
    self_text = models.TextField(blank=True, help_text="The same behaviour in the first person")
    order = models.PositiveIntegerField()

    class Meta:
        ordering = ["questionnaire", "order"]
        constraints = [
            models.UniqueConstraint(fields=["questionnaire", "order"], name="item_order_unique")
        ]

    def __str__(self) -> str:
        return self.text[:60]


class RaterGroup(models.Model):
    """Who a rater is to the subject (data, not code): self, line manager, peers..."""

    code = models.SlugField(max_length=30, unique=True)
    name = models.CharField(max_length=100)
    default_minimum = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    anonymous = models.BooleanField(
        default=True, help_text="False for self and line manager, who are shown by role"
    )
    is_self = models.BooleanField(default=False)
    patient = models.BooleanField(
        default=False, help_text="Patients and carers: cards, plain words"
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order"]

    def __str__(self) -> str:
        return self.name


class FeedbackCycleQuerySet(models.QuerySet["FeedbackCycle"]):
    def open(self) -> FeedbackCycleQuerySet:
        return self.filter(state=FeedbackCycle.State.OPEN)


class FeedbackCycle(models.Model):
    """One round of 360 feedback for a subject against a questionnaire."""

    class State(models.TextChoices):
        DRAFT = "draft", "Being set up"
        OPEN = "open", "Collecting feedback"
        CLOSED = "closed", "Closed, report frozen"
        RELEASED = "released", "Report released to the subject"
        CANCELLED = "cancelled", "Cancelled"

    subject = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="feedback_cycles")
    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.PROTECT, related_name="cycles"
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="facilitated_cycles",
    )
    deadline = models.DateField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.DRAFT)
    all_others_minimum = models.PositiveSmallIntegerField(
        default=3, help_text="Fixed at launch: responses needed before 'all others' is shown"
    )
    launched_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    released_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = FeedbackCycleQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["state", "deadline"], name="cycle_state_deadline_idx")]

    def __str__(self) -> str:
        return f"360 for {self.subject} ({self.get_state_display()})"


class CycleGroupMinimum(models.Model):
    """The minimum responses for a group in one cycle, fixed when the cycle launches."""

    cycle = models.ForeignKey(FeedbackCycle, on_delete=models.CASCADE, related_name="minimums")
    group = models.ForeignKey(RaterGroup, on_delete=models.PROTECT, related_name="+")
    minimum = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cycle", "group"], name="cycle_group_minimum_unique")
        ]


class CycleStateChange(models.Model):
    """An attributed record of each change in a cycle's state."""

    cycle = models.ForeignKey(FeedbackCycle, on_delete=models.CASCADE, related_name="state_changes")
    from_state = models.CharField(max_length=10, blank=True)
    to_state = models.CharField(max_length=10)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    by_label = models.CharField(max_length=200)
    at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["cycle", "at", "pk"]


class Invitation(models.Model):
    """An invitation to one rater: by email link (token) or by printed card (code).

    Only hashes of the token and card code are stored. The subject never sees an
    invitation's state: only whether each group has reached its minimum.
    """

    class Channel(models.TextChoices):
        EMAIL = "email", "Email link"
        CARD = "card", "Printed card"
        SELF = "self", "The subject"

    class State(models.TextChoices):
        INVITED = "invited", "Invited"
        STARTED = "started", "Started"
        SUBMITTED = "submitted", "Submitted"
        WITHDRAWN = "withdrawn", "Withdrawn"

    cycle = models.ForeignKey(FeedbackCycle, on_delete=models.CASCADE, related_name="invitations")
    group = models.ForeignKey(RaterGroup, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    email = models.EmailField(blank=True)
    name = models.CharField(max_length=200, blank=True)
    token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    card_code_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.INVITED)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_reminded_at = models.DateTimeField(null=True, blank=True)
    reminders_sent = models.PositiveSmallIntegerField(default=0)
    submitted_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["cycle", "group__order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "email"],
                condition=~Q(email=""),
                name="invitation_email_unique_in_cycle",
            ),
            models.CheckConstraint(
                condition=Q(channel="card") | Q(token_hash__isnull=False),
                name="invitation_link_has_token",
            ),
            models.CheckConstraint(
                condition=~Q(channel="card") | Q(card_code_hash__isnull=False),
                name="invitation_card_has_code",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group} invitation #{self.pk}"


class Response(models.Model):
    """One rater's answers. On submission the link to the invitation is cut."""

    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Submitted"

    cycle = models.ForeignKey(FeedbackCycle, on_delete=models.CASCADE, related_name="responses")
    group = models.ForeignKey(RaterGroup, on_delete=models.PROTECT, related_name="+")
    invitation = models.OneToOneField(
        Invitation, null=True, blank=True, on_delete=models.SET_NULL, related_name="response"
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.DRAFT)
    submitted_on = models.DateField(null=True, blank=True, help_text="Day only, not time")
    ratings = models.BinaryField(
        default=b"",
        editable=False,
        help_text=(
            "Written once, on submission: one byte per questionnaire item in item order, "
            "1-5, or 0 for not observed (the reliability figures read these, not the answers)"
        ),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["cycle", "state", "group"], name="response_cycle_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(state="draft") | Q(invitation__isnull=True),
                name="submitted_response_is_unlinked",
            )
        ]


class Answer(models.Model):
    """A rating of one item: 1-5, or null for 'not observed'."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    item = models.ForeignKey(QuestionnaireItem, on_delete=models.PROTECT, related_name="+")
    rating = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(RATING_MIN), MaxValueValidator(RATING_MAX)],
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["response", "item"], name="answer_unique"),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="answer_rating_in_range",
            ),
        ]


class ImportanceRating(models.Model):
    """How important a domain is to the subject's role, in the rater's view (1-5)."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="importance")
    domain = models.ForeignKey(Domain, on_delete=models.PROTECT, related_name="+")
    rating = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(RATING_MIN), MaxValueValidator(RATING_MAX)]
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["response", "domain"], name="importance_unique"),
            models.CheckConstraint(
                condition=Q(rating__gte=1, rating__lte=5), name="importance_in_range"
            ),
        ]


class Comment(models.Model):
    """Free text per domain: a strength or a suggestion. Shown unattributed, shuffled."""

    class Kind(models.TextChoices):
        STRENGTH = "strength", "Strengths"
        SUGGESTION = "suggestion", "Suggestions"

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="comments")
    domain = models.ForeignKey(Domain, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    text = models.TextField(max_length=2000)
    redacted_at = models.DateTimeField(null=True, blank=True)
    redacted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    redaction_reason = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["response", "domain", "kind"], name="comment_unique")
        ]


class Report(models.Model):
    """The report frozen at close: only what the anonymity rule lets anyone see."""

    cycle = models.OneToOneField(FeedbackCycle, on_delete=models.CASCADE, related_name="report")
    data = models.JSONField()
    rule_version = models.CharField(max_length=20)
    # What national norms read, copied out of `data` when the report freezes, so the norms
    # never parse whole reports (see Report.norm_fields).
    staff_group = models.CharField(max_length=30, blank=True, help_text="The subject's, frozen")
    career_stage = models.CharField(max_length=20, blank=True, help_text="The subject's, frozen")
    norm_inputs = models.JSONField(
        default=dict, help_text="All-others element and domain means: what norms are made of"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    @staticmethod
    def norm_fields(data: dict[str, Any]) -> dict[str, Any]:
        """The columns norms read, from a frozen report's data."""
        subject = data.get("subject") or {}
        return {
            "staff_group": subject.get("staff_group") or "",
            "career_stage": subject.get("career_stage") or "",
            "norm_inputs": data.get("norm_inputs") or {},
        }


class Debrief(models.Model):
    """The facilitator's feedback session with the subject, which releases the report."""

    cycle = models.OneToOneField(FeedbackCycle, on_delete=models.CASCADE, related_name="debrief")
    facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    held_on = models.DateField()
    notes = models.TextField(blank=True)
    recorded_at = models.DateTimeField(auto_now_add=True)


class SelfAssessment(models.Model):
    """A person rating themselves against a questionnaire, outside any cycle."""

    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        SUBMITTED = "submitted", "Completed"

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="self_assessments")
    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.PROTECT, related_name="self_assessments"
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.DRAFT)
    ratings = models.JSONField(default=dict, help_text="item id -> 1-5 or null")
    submitted_at = models.DateTimeField(null=True, blank=True)
    cycle = models.OneToOneField(
        FeedbackCycle,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="from_self_assessment",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-updated_at"]


class NormTable(models.Model):
    """National norms for an element or domain within a comparison group (>= 30 subjects)."""

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="norms")
    staff_group = models.CharField(max_length=30, blank=True, help_text="Blank: all staff groups")
    career_stage = models.CharField(max_length=20, blank=True, help_text="Blank: all stages")
    domain = models.ForeignKey(
        Domain, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    element = models.ForeignKey(
        Element, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    subjects = models.PositiveIntegerField()
    percentiles = models.JSONField(help_text="[p0, p5, ..., p100] of subjects' all-others means")
    computed_at = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(
                fields=["questionnaire", "staff_group", "career_stage"], name="norm_lookup_idx"
            )
        ]


class InstrumentStatistic(models.Model):
    """Reliability of a questionnaire domain over closed cycles (Cronbach's alpha)."""

    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.CASCADE, related_name="statistics"
    )
    domain = models.ForeignKey(Domain, on_delete=models.CASCADE, related_name="+")
    responses = models.PositiveIntegerField()
    alpha = models.FloatField(null=True, blank=True)
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["questionnaire", "domain"], name="statistic_unique")
        ]
