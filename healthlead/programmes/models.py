"""Programmes in tiers, their entry gates, intakes, applications, selection and offers.

- `Tier` (0 induction to 5 executive and board) and `Programme` are data; a programme's content
  lives in `ProgrammeVersion` (draft, then published and immutable; a change makes a new version)
  with its `LearningOutcome`s (mapped to framework elements), `Module`s, `SelectionCriterion`s
  and `Gate`s (a rule from the vocabulary in gates.py, with JSON parameters).
- `PriorLearningClaim` and `PriorLearningDecision`: recognition of prior learning, which feeds
  gates (a programme recognised as equivalent counts as completed) and module exemptions.
- `Intake`: one round of applications to a published version, regional or national, with places,
  a budget and optional fairness constraints (`IntakeQuota`).
- `Application` and its parts: `Statement`s against the criteria, `Endorsement` by the line
  manager, `FundingConfirmation` by the employer, `BursaryRequest`; every change of state is an
  `ApplicationStateChange`.
- Selection: `Panel` and `PanelMember`s, `ConflictDeclaration`s, each member's `ScoreSheet` of
  `PanelScore`s, `Moderation` of large disagreements, `AllocationRun`s (the initial allocation and
  each cascade step), `Offer`s, `Appeal`s, and the `EnrolmentHandOff` for delivery.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from healthlead.frameworks.models import Element
from healthlead.people.models import Organisation, Person, Region, StaffGroup

MIN_SCORE = 1
MAX_SCORE = 5


class Tier(models.Model):
    """A level of the curriculum, from 0 (NHS induction) to 5 (executive and board)."""

    number = models.PositiveSmallIntegerField(unique=True)
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    competitive = models.BooleanField(
        default=False, help_text="Places are won in competition (intakes, panels, offers)"
    )
    panel_needs_partner = models.BooleanField(
        default=False, help_text="Selection panels must include a patient or public partner"
    )

    class Meta:
        ordering = ["number"]
        constraints = [models.CheckConstraint(condition=Q(number__lte=9), name="tier_number_small")]

    def __str__(self) -> str:
        return f"Tier {self.number}: {self.name}"


class Programme(models.Model):
    """A programme's stable identity; what it teaches is in its versions."""

    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ProgrammeVersionQuerySet(models.QuerySet["ProgrammeVersion"]):
    def published(self) -> ProgrammeVersionQuerySet:
        return self.filter(state=ProgrammeVersion.State.PUBLISHED)


class ProgrammeVersion(models.Model):
    """One version of a programme: a draft (editable) or published (immutable).

    Publishing a new version retires the one before it; intakes keep pointing at the version
    they were opened for.
    """

    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        RETIRED = "retired", "Replaced by a later version"

    class DeliveryMode(models.TextChoices):
        ONLINE = "online", "Online, self-paced"
        BLENDED = "blended", "Online with workshops"
        FACE_TO_FACE = "face_to_face", "Face to face"
        ACADEMIC = "academic", "University course with workshops"
        RESIDENTIAL = "residential", "Residential"

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.DRAFT)
    tier = models.ForeignKey(Tier, on_delete=models.PROTECT, related_name="programme_versions")
    summary = models.CharField(max_length=300)
    audience = models.CharField(max_length=300, blank=True)
    description = models.TextField(blank=True)
    duration_text = models.CharField(max_length=200, blank=True)
    duration_months = models.PositiveSmallIntegerField(null=True, blank=True)
    delivery_mode = models.CharField(max_length=20, choices=DeliveryMode.choices)
    cost_per_place = models.PositiveIntegerField(
        null=True, blank=True, help_text="In whole pounds; blank when not published"
    )
    award = models.CharField(max_length=200, blank=True)
    assessment = models.CharField(max_length=300, blank=True)
    completion_rules = models.TextField(blank=True)
    cohort_size = models.PositiveSmallIntegerField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by_label = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ProgrammeVersionQuerySet.as_manager()

    class Meta:
        ordering = ["programme", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["programme", "number"], name="programme_version_number_unique"
            ),
            models.UniqueConstraint(
                fields=["programme"],
                condition=Q(state="published"),
                name="programme_one_published_version",
            ),
            models.CheckConstraint(
                condition=Q(state="draft") | Q(published_at__isnull=False),
                name="programme_version_published_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.programme.name} (version {self.number})"

    @property
    def is_draft(self) -> bool:
        return self.state == self.State.DRAFT

    @property
    def costs_money(self) -> bool:
        return bool(self.cost_per_place)


class LearningOutcome(models.Model):
    """What a participant can do at the end, mapped to framework elements."""

    version = models.ForeignKey(ProgrammeVersion, on_delete=models.CASCADE, related_name="outcomes")
    order = models.PositiveSmallIntegerField(default=0)
    text = models.CharField(max_length=500)
    elements = models.ManyToManyField(Element, blank=True, related_name="learning_outcomes")

    class Meta:
        ordering = ["version", "order", "pk"]

    def __str__(self) -> str:
        return self.text


class Module(models.Model):
    """A part of a programme; recognised prior learning can exempt someone from it."""

    version = models.ForeignKey(ProgrammeVersion, on_delete=models.CASCADE, related_name="modules")
    order = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    hours = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["version", "order", "pk"]

    def __str__(self) -> str:
        return self.title


class SelectionCriterion(models.Model):
    """What applicants write a statement against and panels score (1 to 5), with a weight."""

    version = models.ForeignKey(ProgrammeVersion, on_delete=models.CASCADE, related_name="criteria")
    order = models.PositiveSmallIntegerField(default=0)
    title = models.CharField(max_length=200)
    guidance = models.TextField(blank=True)
    weight = models.PositiveSmallIntegerField(default=1)

    class Meta:
        ordering = ["version", "order", "pk"]
        verbose_name_plural = "selection criteria"
        constraints = [
            models.CheckConstraint(
                condition=Q(weight__gte=1, weight__lte=10), name="criterion_weight_1_to_10"
            )
        ]

    def __str__(self) -> str:
        return self.title


class Gate(models.Model):
    """An entry rule for a programme version: a rule name from the vocabulary and its parameters.

    Checked by gates.validate() when saved (through actions); see docs/programmes.md.
    """

    version = models.ForeignKey(ProgrammeVersion, on_delete=models.CASCADE, related_name="gates")
    order = models.PositiveSmallIntegerField(default=0)
    rule = models.CharField(max_length=40)
    params = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["version", "order", "pk"]

    def __str__(self) -> str:
        return self.rule


# Recognition of prior learning ----------------------------------------------------------------


class PriorLearningClaim(models.Model):
    """A person's claim that earlier learning (a degree, an MBA, another programme, experience)
    should count, with an evidence file kept outside the web root."""

    class Kind(models.TextChoices):
        DEGREE = "degree", "Degree (2:2 or above)"
        MASTERS = "masters", "Masters degree"
        MBA = "mba", "MBA (including health MBAs)"
        DOCTORATE = "doctorate", "Doctorate"
        PROFESSIONAL = "professional_qualification", "Professional qualification or registration"
        PROGRAMME = "other_programme", "Another leadership programme"
        EXPERIENCE = "experience", "Experience of leading people or services"

    class State(models.TextChoices):
        SUBMITTED = "submitted", "Waiting for an assessor"
        DECIDED = "decided", "Decided"

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="prior_learning")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    title = models.CharField(max_length=200)
    provider = models.CharField(max_length=200, blank=True, help_text="Who awarded or ran it")
    completed_year = models.PositiveSmallIntegerField(null=True, blank=True)
    description = models.TextField(blank=True, max_length=3000)
    programme = models.ForeignKey(
        Programme,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="prior_learning_claims",
        help_text="The programme the person asks it to count towards, if any",
    )
    file_name = models.CharField(max_length=100, blank=True, help_text="Sanitised, for display")
    stored_path = models.CharField(max_length=300, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.SUBMITTED)
    submitted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-submitted_at", "-pk"]
        indexes = [models.Index(fields=["state", "submitted_at"], name="prior_learning_state_idx")]

    def __str__(self) -> str:
        return self.title


class PriorLearningDecision(models.Model):
    """An assessor's decision on a claim, with reasons. The latest decision is the one in force."""

    class Outcome(models.TextChoices):
        EQUIVALENT = "equivalent", "Recognised as equivalent"
        PARTIAL = "partial", "Partly recognised"
        NOT_RECOGNISED = "not_recognised", "Not recognised"

    claim = models.ForeignKey(
        PriorLearningClaim, on_delete=models.CASCADE, related_name="decisions"
    )
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    programme = models.ForeignKey(
        Programme,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="prior_learning_equivalents",
        help_text="The programme it is equivalent to (for an equivalent decision)",
    )
    modules = models.ManyToManyField(Module, blank=True, related_name="prior_learning_exemptions")
    reasons = models.TextField(max_length=3000)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by_label = models.CharField(max_length=200)
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["claim", "-decided_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(reasons=""), name="prior_learning_has_reasons"),
            models.CheckConstraint(
                condition=~Q(outcome="equivalent") | Q(programme__isnull=False),
                name="prior_learning_equivalent_names_programme",
            ),
        ]


# Intakes ---------------------------------------------------------------------------------------


class Intake(models.Model):
    """One round of applications to a published programme version, in a region or nationally."""

    class State(models.TextChoices):
        DRAFT = "draft", "Being set up"
        OPEN = "open", "Open for applications"
        SCORING = "scoring", "Closed: the panel is scoring"
        OFFERS = "offers", "Places offered"
        FINISHED = "finished", "Finished"

    version = models.ForeignKey(ProgrammeVersion, on_delete=models.PROTECT, related_name="intakes")
    name = models.CharField(max_length=200)
    region = models.ForeignKey(
        Region,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="programme_intakes",
        help_text="Blank for a national intake",
    )
    opens_on = models.DateField()
    closes_on = models.DateField()
    places = models.PositiveIntegerField()
    budget = models.PositiveIntegerField(default=0, help_text="In whole pounds")
    offer_days = models.PositiveSmallIntegerField(
        default=14, help_text="Days an applicant has to accept an offer"
    )
    minimum_score = models.DecimalField(
        max_digits=4,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Applicants scoring below this are not appointable (1 to 5)",
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.DRAFT)
    created_by_label = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-opens_on", "name", "pk"]
        indexes = [models.Index(fields=["state", "closes_on"], name="intake_state_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_on__gte=models.F("opens_on")), name="intake_closes_after_opening"
            ),
            models.CheckConstraint(condition=Q(places__gte=1), name="intake_has_places"),
            models.CheckConstraint(
                condition=Q(minimum_score__isnull=True)
                | Q(minimum_score__gte=MIN_SCORE, minimum_score__lte=MAX_SCORE),
                name="intake_minimum_score_in_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class IntakeStateChange(models.Model):
    """An attributed record of each change in an intake's state."""

    intake = models.ForeignKey(Intake, on_delete=models.CASCADE, related_name="state_changes")
    from_state = models.CharField(max_length=10, blank=True)
    to_state = models.CharField(max_length=10)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    by_label = models.CharField(max_length=200)
    at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(blank=True, max_length=1000)

    class Meta:
        ordering = ["intake", "at", "pk"]


class IntakeQuota(models.Model):
    """A fairness constraint on an intake's allocation: a cap on one staff group's share of the
    places, or places reserved for a staff group."""

    class Kind(models.TextChoices):
        CAP = "cap", "At most this share of places (per cent)"
        RESERVE = "reserve", "At least this many places reserved"

    intake = models.ForeignKey(Intake, on_delete=models.CASCADE, related_name="quotas")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    staff_group = models.CharField(max_length=30, choices=StaffGroup.choices)
    value = models.PositiveIntegerField(help_text="Per cent for a cap; places for a reserve")

    class Meta:
        ordering = ["intake", "kind", "staff_group"]
        constraints = [
            models.UniqueConstraint(
                fields=["intake", "kind", "staff_group"], name="intake_quota_once"
            ),
            models.CheckConstraint(
                condition=~Q(kind="cap") | Q(value__gte=1, value__lte=100),
                name="intake_quota_cap_is_a_percentage",
            ),
            models.CheckConstraint(
                condition=~Q(kind="reserve") | Q(value__gte=1), name="intake_quota_reserve_positive"
            ),
        ]


# Applications ----------------------------------------------------------------------------------


class Application(models.Model):
    """A person's application to an intake.

    The funnel flags (`eligible`, `shortlisted`, `offered_at`, `accepted_at`) are set once, as
    the application passes each step, so fairness reports count them with one aggregate.
    """

    class State(models.TextChoices):
        DRAFT = "draft", "Not sent yet"
        SUBMITTED = "submitted", "Sent"
        WITHDRAWN = "withdrawn", "Withdrawn"
        NOT_ELIGIBLE = "not_eligible", "Not eligible"
        ELIGIBLE = "eligible", "Eligible: with the panel"
        NOT_APPOINTABLE = "not_appointable", "Not appointable"
        WAITING_LIST = "waiting_list", "On the waiting list"
        OFFERED = "offered", "Offered a place"
        ACCEPTED = "accepted", "Accepted a place"
        DECLINED = "declined", "Declined the offer"
        LAPSED = "lapsed", "Offer lapsed"
        UNSUCCESSFUL = "unsuccessful", "Not offered a place"

    intake = models.ForeignKey(Intake, on_delete=models.PROTECT, related_name="applications")
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="programme_applications"
    )
    state = models.CharField(max_length=20, choices=State.choices, default=State.DRAFT)
    leadership_years = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Years in a leadership role, as the applicant declared"
    )
    wants_bursary = models.BooleanField(null=True, blank=True)
    gate_results = models.JSONField(
        default=list, blank=True, help_text="Each gate's result and reason at the last check"
    )
    gates_checked_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    eligible = models.BooleanField(null=True, blank=True)
    shortlisted = models.BooleanField(null=True, blank=True)
    score = models.DecimalField(max_digits=6, decimal_places=3, null=True, blank=True)
    criterion_scores = models.JSONField(
        default=dict, blank=True, help_text="Criterion id -> moderated score, at ranking"
    )
    rank = models.PositiveIntegerField(null=True, blank=True)
    explanation = models.TextField(blank=True, help_text="Why the allocation did what it did")
    offered_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["intake", "rank", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["intake", "person"], name="application_once_per_intake")
        ]
        indexes = [
            models.Index(fields=["intake", "state"], name="application_intake_state_idx"),
            models.Index(fields=["person", "created_at"], name="application_person_idx"),
        ]

    def __str__(self) -> str:
        return f"Application by {self.person} to {self.intake}"


class ApplicationStateChange(models.Model):
    """An attributed record of each change in an application's state."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="state_changes"
    )
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    by_label = models.CharField(max_length=200)
    at = models.DateTimeField(auto_now_add=True)
    note = models.TextField(blank=True, max_length=2000)

    class Meta:
        ordering = ["application", "at", "pk"]


class Statement(models.Model):
    """The applicant's statement against one selection criterion."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="statements"
    )
    criterion = models.ForeignKey(
        SelectionCriterion, on_delete=models.PROTECT, related_name="statements"
    )
    text = models.TextField(max_length=4000)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["application", "criterion__order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "criterion"], name="statement_once_per_criterion"
            )
        ]


class Endorsement(models.Model):
    """The line manager's endorsement of an application, asked for by email and a task."""

    class State(models.TextChoices):
        REQUESTED = "requested", "Waiting for the line manager"
        ENDORSED = "endorsed", "Endorsed"
        DECLINED = "declined", "Not endorsed"

    application = models.OneToOneField(
        Application, on_delete=models.CASCADE, related_name="endorsement"
    )
    manager = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=10, choices=State.choices, default=State.REQUESTED)
    comment = models.TextField(blank=True, max_length=2000)
    confirms_leadership_years = models.BooleanField(null=True, blank=True)
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["manager", "state"], name="endorsement_manager_idx")]


class FundingConfirmation(models.Model):
    """The employer's confirmation that it will fund the place (asked of its education leads)."""

    class State(models.TextChoices):
        REQUESTED = "requested", "Waiting for the employer"
        CONFIRMED = "confirmed", "Confirmed"
        REFUSED = "refused", "Refused"

    application = models.OneToOneField(
        Application, on_delete=models.CASCADE, related_name="funding"
    )
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    amount = models.PositiveIntegerField(help_text="The cost of the place, in whole pounds")
    state = models.CharField(max_length=10, choices=State.choices, default=State.REQUESTED)
    reference = models.CharField(max_length=100, blank=True, help_text="A budget or order number")
    comment = models.TextField(blank=True, max_length=2000)
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["organisation", "state"], name="funding_organisation_idx")]


class BursaryRequest(models.Model):
    """A request for an inclusion bursary, decided by the intake's managers."""

    class State(models.TextChoices):
        REQUESTED = "requested", "Waiting for a decision"
        APPROVED = "approved", "Approved"
        DECLINED = "declined", "Not approved"

    application = models.OneToOneField(
        Application, on_delete=models.CASCADE, related_name="bursary"
    )
    amount_requested = models.PositiveIntegerField(help_text="In whole pounds")
    reason = models.TextField(max_length=2000)
    state = models.CharField(max_length=10, choices=State.choices, default=State.REQUESTED)
    amount_awarded = models.PositiveIntegerField(default=0)
    decision_note = models.TextField(blank=True, max_length=2000)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(state="approved") | Q(amount_awarded=0),
                name="bursary_awarded_only_when_approved",
            )
        ]


# Selection -------------------------------------------------------------------------------------


class Panel(models.Model):
    """The selection panel of an intake."""

    intake = models.OneToOneField(Intake, on_delete=models.CASCADE, related_name="panel")
    created_at = models.DateTimeField(auto_now_add=True)


class PanelMember(models.Model):
    """A member of a selection panel: a member of staff or a patient or public partner."""

    class Role(models.TextChoices):
        CHAIR = "chair", "Chair"
        MEMBER = "member", "Member"

    panel = models.ForeignKey(Panel, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="panel_memberships"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    is_partner = models.BooleanField(default=False)
    name = models.CharField(max_length=200)
    added_by_label = models.CharField(max_length=200)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["panel", "-role", "name", "pk"]
        constraints = [models.UniqueConstraint(fields=["panel", "user"], name="panel_member_once")]

    def __str__(self) -> str:
        return self.name


class ConflictDeclaration(models.Model):
    """A panel member's conflict of interest with one application: they do not score it."""

    class Reason(models.TextChoices):
        SAME_ORGANISATION = "same_organisation", "Works in the same organisation"
        LINE_MANAGEMENT = "line_management", "Line manages the applicant, or is managed by them"
        OTHER = "other", "Another conflict"

    member = models.ForeignKey(PanelMember, on_delete=models.CASCADE, related_name="conflicts")
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="conflicts")
    reason = models.CharField(max_length=20, choices=Reason.choices)
    note = models.TextField(blank=True, max_length=1000)
    declared_by_label = models.CharField(max_length=200)
    declared_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["application", "member"]
        constraints = [
            models.UniqueConstraint(fields=["member", "application"], name="conflict_once")
        ]


class ScoreSheet(models.Model):
    """One panel member's scores for one application, sent all at once and then fixed."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="score_sheets"
    )
    member = models.ForeignKey(PanelMember, on_delete=models.PROTECT, related_name="score_sheets")
    submitted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["application", "submitted_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["application", "member"], name="score_sheet_once")
        ]


class PanelScore(models.Model):
    """A score (1 to 5) against one criterion on a score sheet."""

    sheet = models.ForeignKey(ScoreSheet, on_delete=models.CASCADE, related_name="scores")
    criterion = models.ForeignKey(
        SelectionCriterion, on_delete=models.PROTECT, related_name="panel_scores"
    )
    score = models.PositiveSmallIntegerField()
    note = models.TextField(blank=True, max_length=2000)

    class Meta:
        ordering = ["sheet", "criterion__order"]
        constraints = [
            models.UniqueConstraint(fields=["sheet", "criterion"], name="panel_score_once"),
            models.CheckConstraint(
                condition=Q(score__gte=MIN_SCORE, score__lte=MAX_SCORE),
                name="panel_score_in_range",
            ),
        ]


class Moderation(models.Model):
    """A large disagreement (two points or more) on one criterion, and its agreed score."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="moderations"
    )
    criterion = models.ForeignKey(
        SelectionCriterion, on_delete=models.PROTECT, related_name="moderations"
    )
    lowest = models.PositiveSmallIntegerField()
    highest = models.PositiveSmallIntegerField()
    flagged_at = models.DateTimeField(auto_now_add=True)
    agreed_score = models.PositiveSmallIntegerField(null=True, blank=True)
    reason = models.TextField(blank=True, max_length=2000)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    moderated_by_label = models.CharField(max_length=200, blank=True)
    moderated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["application", "criterion__order"]
        constraints = [
            models.UniqueConstraint(fields=["application", "criterion"], name="moderation_once"),
            models.CheckConstraint(
                condition=Q(agreed_score__isnull=True)
                | Q(agreed_score__gte=MIN_SCORE, agreed_score__lte=MAX_SCORE),
                name="moderation_score_in_range",
            ),
            models.CheckConstraint(
                condition=Q(agreed_score__isnull=True) | ~Q(reason=""),
                name="moderation_has_reason",
            ),
        ]


class AllocationRun(models.Model):
    """One run of the allocation: the first, when offers are made, and each cascade step after
    a decline or lapse. Records what the solver was asked and what it found."""

    class Kind(models.TextChoices):
        INITIAL = "initial", "First allocation"
        CASCADE = "cascade", "Cascade to the waiting list"

    intake = models.ForeignKey(Intake, on_delete=models.CASCADE, related_name="allocation_runs")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    trigger = models.ForeignKey(
        "Offer", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    candidates = models.PositiveIntegerField()
    places = models.PositiveIntegerField()
    offers_made = models.PositiveIntegerField()
    solver_status = models.CharField(max_length=20)
    objective = models.BigIntegerField(default=0)
    seconds = models.FloatField(default=0)
    by_label = models.CharField(max_length=200)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["intake", "at", "pk"]


class Offer(models.Model):
    """A place offered to an applicant, open until its deadline."""

    class State(models.TextChoices):
        OPEN = "open", "Waiting for an answer"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        LAPSED = "lapsed", "Lapsed"

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="offers")
    intake = models.ForeignKey(Intake, on_delete=models.CASCADE, related_name="offers")
    run = models.ForeignKey(AllocationRun, on_delete=models.PROTECT, related_name="offers")
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    made_at = models.DateTimeField(auto_now_add=True)
    deadline = models.DateField()
    responded_at = models.DateTimeField(null=True, blank=True)
    cascaded_at = models.DateTimeField(
        null=True, blank=True, help_text="When a declined or lapsed place was passed on"
    )
    notified_at = models.DateTimeField(
        null=True, blank=True, help_text="When the applicant was emailed about the offer"
    )

    class Meta:
        ordering = ["intake", "made_at", "pk"]
        indexes = [
            models.Index(fields=["state", "deadline"], name="offer_state_deadline_idx"),
            models.Index(fields=["intake", "state"], name="offer_intake_state_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["application"],
                condition=Q(state__in=["open", "accepted"]),
                name="offer_one_live_per_application",
            )
        ]


class Appeal(models.Model):
    """An applicant's appeal against a decision, and its outcome."""

    class State(models.TextChoices):
        LODGED = "lodged", "Waiting for a decision"
        UPHELD = "upheld", "Upheld"
        NOT_UPHELD = "not_upheld", "Not upheld"

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="appeals")
    grounds = models.TextField(max_length=4000)
    lodged_at = models.DateTimeField(auto_now_add=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.LODGED)
    outcome_reason = models.TextField(blank=True, max_length=4000)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by_label = models.CharField(max_length=200, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["application", "lodged_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state="lodged") | ~Q(outcome_reason=""),
                name="appeal_decision_has_reason",
            )
        ]


class EnrolmentHandOff(models.Model):
    """An accepted place, handed to delivery to book into a cohort (with any module
    exemptions from recognised prior learning)."""

    application = models.OneToOneField(
        Application, on_delete=models.PROTECT, related_name="enrolment"
    )
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="programme_places")
    intake = models.ForeignKey(Intake, on_delete=models.PROTECT, related_name="enrolments")
    version = models.ForeignKey(
        ProgrammeVersion, on_delete=models.PROTECT, related_name="enrolments"
    )
    exempt_modules = models.ManyToManyField(Module, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    taken_up_at = models.DateTimeField(
        null=True, blank=True, help_text="When delivery booked the person into a cohort"
    )
    delivery_reference = models.CharField(max_length=100, blank=True)
    completed_on = models.DateField(
        null=True, blank=True, help_text="When the person completed the programme"
    )
    completion_recorded_by_label = models.CharField(max_length=200, blank=True, db_default="")

    class Meta:
        ordering = ["intake", "created_at", "pk"]
