"""Talent conversations and the 9-box grid, the national talent pool, and succession plans.

- `TalentConversation`: aspirations, readiness and a place on the grid, reviewed at 6 and 12
  months (`TalentReview`).
- `TalentRating`: a person's current box; every move is a `TalentRatingChange` (who moved whom
  from which box to which, and why; calibration needs a reason). `GridTally` keeps each
  organisation's count per box for the organisation and region grids.
- `TalentProfile`: opt-in to the national talent pool with recorded consent and sharing choices;
  `ConsentRecord` keeps every consent, change and withdrawal.
- `PoolEntry` (+ `PoolEntryScore`, `PoolEntryProgramme`): the denormalised search row of someone
  in the pool, holding only what they agreed to share. It exists only while they are in the pool,
  so withdrawing removes them from every search at once.
- `PoolSearch` and `PoolViewLog`: every search and every profile view, with the stated reason.
- `Shortlist` for a named appointment; `SuccessionPlan` for a key role with its candidates.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from healthlead.appraisal.models import Appraisal
from healthlead.people.models import Organisation, Person, Region, StaffGroup


class Readiness(models.TextChoices):
    READY_NOW = "ready_now", "Ready now"
    ONE_TO_TWO_YEARS = "one_to_two_years", "Ready in 1 to 2 years"
    THREE_PLUS_YEARS = "three_plus_years", "Ready in 3 years or more"


class Aspiration(models.TextChoices):
    """Senior roles a person may aspire to (each is a bit in PoolEntry.aspirations_mask)."""

    CLINICAL_DIRECTOR = "clinical_director", "Clinical director"
    DIRECTOR_OF_NURSING = "director_of_nursing", "Director of nursing"
    MEDICAL_DIRECTOR = "medical_director", "Medical director"
    CHIEF_EXECUTIVE = "chief_executive", "Chief executive"
    NON_EXECUTIVE_DIRECTOR = "non_executive_director", "Non-executive director"
    CHIEF_OPERATING_OFFICER = "chief_operating_officer", "Chief operating officer"
    FINANCE_DIRECTOR = "finance_director", "Director of finance"
    OTHER_DIRECTOR = "other_director", "Another director post"


ASPIRATION_BITS = {code: 1 << index for index, code in enumerate(Aspiration.values)}


def aspirations_mask(codes: list[str]) -> int:
    mask = 0
    for code in codes:
        mask |= ASPIRATION_BITS.get(code, 0)
    return mask


class Profession(models.TextChoices):
    MEDICINE = "medicine", "Medicine"
    NURSING = "nursing", "Nursing"
    MIDWIFERY = "midwifery", "Midwifery"
    ALLIED_HEALTH = "allied_health", "Allied health professions"
    HEALTHCARE_SCIENCE = "healthcare_science", "Healthcare science"
    PHARMACY = "pharmacy", "Pharmacy"
    AMBULANCE = "ambulance", "Paramedics and ambulance"
    MANAGEMENT = "management", "Management"
    OTHER = "other", "Other"


PROFESSION_FOR_STAFF_GROUP = {
    StaffGroup.DOCTORS: Profession.MEDICINE,
    StaffGroup.NURSES: Profession.NURSING,
    StaffGroup.MIDWIVES: Profession.MIDWIFERY,
    StaffGroup.SCIENTIFIC: Profession.ALLIED_HEALTH,
    StaffGroup.AMBULANCE: Profession.AMBULANCE,
    StaffGroup.MANAGERS: Profession.MANAGEMENT,
    StaffGroup.SENIOR_MANAGERS: Profession.MANAGEMENT,
}


def profession_for(staff_group: str) -> str:
    """A starting guess at a person's profession from their staff group; they can change it."""
    return str(PROFESSION_FOR_STAFF_GROUP.get(staff_group, Profession.OTHER))  # type: ignore[call-overload]


class TalentConversation(models.Model):
    """A talent conversation between a person and their line manager."""

    class StartedAs(models.TextChoices):
        PERSON = "person", "The person"
        MANAGER = "manager", "Their line manager"

    class PerformanceSource(models.TextChoices):
        APPRAISAL = "appraisal", "From the appraisal"
        CONVERSATION = "conversation", "Agreed in the conversation (no signed-off appraisal)"

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="talent_conversations"
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_by_label = models.CharField(max_length=200)
    started_as = models.CharField(max_length=10, choices=StartedAs.choices)
    manager = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    held_on = models.DateField()
    aspirations = models.JSONField(default=list, blank=True)
    aspiration_notes = models.TextField(blank=True, max_length=2000)
    readiness = models.CharField(max_length=20, choices=Readiness.choices)
    performance = models.PositiveSmallIntegerField()
    performance_source = models.CharField(max_length=20, choices=PerformanceSource.choices)
    appraisal = models.ForeignKey(
        Appraisal, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    potential = models.PositiveSmallIntegerField()
    notes = models.TextField(blank=True, max_length=4000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["person", "-held_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    performance__gte=1, performance__lte=3, potential__gte=1, potential__lte=3
                ),
                name="talent_conversation_grid_in_range",
            )
        ]

    def __str__(self) -> str:
        return f"Talent conversation with {self.person} on {self.held_on}"


class TalentReview(models.Model):
    """A review of a talent conversation, due 6 or 12 months after it."""

    conversation = models.ForeignKey(
        TalentConversation, on_delete=models.CASCADE, related_name="reviews"
    )
    months = models.PositiveSmallIntegerField()
    due_on = models.DateField()
    reminded_at = models.DateTimeField(null=True, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reviewed_by_label = models.CharField(max_length=200, blank=True)
    notes = models.TextField(blank=True, max_length=2000)

    class Meta:
        ordering = ["conversation", "months"]
        constraints = [
            models.UniqueConstraint(fields=["conversation", "months"], name="talent_review_once"),
            models.CheckConstraint(condition=Q(months__in=[6, 12]), name="talent_review_6_or_12"),
        ]
        indexes = [models.Index(fields=["due_on"], name="talent_review_due_idx")]


class TalentRating(models.Model):
    """A person's current place on the 9-box grid."""

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="talent_rating")
    performance = models.PositiveSmallIntegerField()
    potential = models.PositiveSmallIntegerField()
    box = models.PositiveSmallIntegerField(help_text="1 (bottom left) to 9 (top right)")
    conversation = models.ForeignKey(
        TalentConversation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["box"], name="talent_rating_box_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    performance__gte=1, performance__lte=3, potential__gte=1, potential__lte=3
                ),
                name="talent_rating_in_range",
            ),
            models.CheckConstraint(
                condition=Q(
                    box=(models.F("potential") - 1) * 3 + models.F("performance"),
                ),
                name="talent_rating_box_matches_place",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person}: box {self.box}"


class GridTally(models.Model):
    """One box of one organisation's 9-box grid: how many of its active staff are in it, and
    the first of them by name. The organisation and region grids read these rows instead of
    joining every rating to its staff record (a region has some 200,000 staff).

    Every move on the grid recounts the person's organisation in the same transaction, so a
    lead sees a calibration at once. Changes made elsewhere (a leaver, a move between
    organisations, a staff import, a bulk load) reach the counts when `refresh_talent_grid`
    runs (nightly); names are always read from the staff records, so a leaver is never listed.
    An organisation with no rows is counted live until then.
    """

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="grid_tallies"
    )
    box = models.PositiveSmallIntegerField()
    count = models.PositiveIntegerField(default=0)
    first_people = models.JSONField(
        default=list, help_text="Staff record ids of the box's first people by name"
    )
    counted_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "box"], name="talent_tally_org_box"),
            models.CheckConstraint(condition=Q(box__gte=1, box__lte=9), name="talent_tally_box"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} box {self.box}: {self.count}"


class TalentRatingChange(models.Model):
    """Who moved whom from which box to which, and why (calibration needs a reason)."""

    class Kind(models.TextChoices):
        CONVERSATION = "conversation", "Talent conversation"
        CALIBRATION = "calibration", "Calibration"

    rating = models.ForeignKey(TalentRating, on_delete=models.CASCADE, related_name="history")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    from_box = models.PositiveSmallIntegerField(null=True, blank=True)
    to_box = models.PositiveSmallIntegerField()
    reason = models.TextField(blank=True, max_length=2000)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    by_label = models.CharField(max_length=200)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["rating", "-at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="calibration") | ~Q(reason=""),
                name="talent_calibration_has_reason",
            )
        ]


class TalentProfile(models.Model):
    """A person's opt-in to the national talent pool: consent and what they agreed to share.

    Name, region, staff group and profession are always shown to leads who may search the pool
    (they are what joining means); everything else only when the person chose to share it.
    """

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="talent_profile")
    profession = models.CharField(max_length=30, choices=Profession.choices)
    statement = models.TextField(blank=True, max_length=2000)
    consent_text_version = models.CharField(max_length=20, blank=True)
    consent_given_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    share_role = models.BooleanField(default=False)
    share_contact = models.BooleanField(default=False)
    share_readiness = models.BooleanField(default=False)
    share_grid = models.BooleanField(default=False)
    share_feedback_scores = models.BooleanField(default=False)
    share_programmes = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(withdrawn_at__isnull=True) | Q(consent_given_at__isnull=False),
                name="talent_profile_withdrawal_after_consent",
            )
        ]

    def __str__(self) -> str:
        return f"Talent pool profile of {self.person}"

    @property
    def in_pool(self) -> bool:
        return self.consent_given_at is not None and self.withdrawn_at is None


SHARING_CHOICES = [
    ("share_role", "Your current role, grade and organisation"),
    ("share_contact", "Your work email address"),
    ("share_readiness", "Your readiness and the roles you aspire to"),
    ("share_grid", "Your place on the talent grid"),
    ("share_feedback_scores", "Your latest 360 feedback domain scores (all others' means)"),
    ("share_programmes", "The leadership programmes you have completed"),
]


class ConsentRecord(models.Model):
    """Each consent given, sharing choice changed and withdrawal, as it was at the time."""

    class Kind(models.TextChoices):
        GIVEN = "given", "Consent given"
        CHANGED = "changed", "Sharing choices changed"
        WITHDRAWN = "withdrawn", "Consent withdrawn"

    profile = models.ForeignKey(TalentProfile, on_delete=models.CASCADE, related_name="records")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    consent_text_version = models.CharField(max_length=20)
    choices = models.JSONField(default=dict)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    by_label = models.CharField(max_length=200)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["profile", "-at", "-pk"]


class PoolEntry(models.Model):
    """The search row of one person in the talent pool: only what they agreed to share.

    Blank or null columns mean "not shared" (or not known), so a filter on them never matches
    someone who did not share that fact.
    """

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="pool_entry")
    full_name = models.CharField(max_length=201)
    sort_name = models.CharField(max_length=201, help_text="Last name then first, lower case")
    region = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    staff_group = models.CharField(max_length=30)
    profession = models.CharField(max_length=30)
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    organisation_name = models.CharField(max_length=200, blank=True)
    role_title = models.CharField(max_length=200, blank=True, help_text="Their current role")
    role_title_lower = models.CharField(max_length=200, blank=True)
    grade = models.CharField(max_length=30, blank=True)
    email = models.CharField(max_length=254, blank=True)
    readiness = models.CharField(max_length=20, blank=True)
    aspirations_mask = models.IntegerField(default=0)
    box = models.PositiveSmallIntegerField(null=True, blank=True)
    statement = models.TextField(blank=True)
    scores_from = models.DateField(null=True, blank=True, help_text="When the 360 report froze")
    refreshed_at = models.DateTimeField()

    class Meta:
        verbose_name_plural = "pool entries"
        indexes = [
            # Each combination of filters can be answered (and counted) from an index alone: the
            # leading columns narrow, the rest are checked in the index without visiting rows.
            models.Index(
                fields=["region", "staff_group", "readiness", "profession", "aspirations_mask"],
                include=["id"],
                name="pool_region_group_idx",
            ),
            models.Index(
                fields=["staff_group", "readiness", "region", "profession", "aspirations_mask"],
                include=["id"],
                name="pool_group_readiness_idx",
            ),
            models.Index(
                fields=["readiness", "region", "profession", "staff_group", "aspirations_mask"],
                include=["id"],
                name="pool_readiness_idx",
            ),
            models.Index(
                fields=["profession", "readiness", "region", "staff_group", "aspirations_mask"],
                include=["id"],
                name="pool_profession_idx",
            ),
            models.Index(fields=["sort_name", "id"], name="pool_sort_idx"),
            models.Index(fields=["box"], name="pool_box_idx"),
        ]

    def __str__(self) -> str:
        return self.full_name


class PoolEntryScore(models.Model):
    """One domain's all-others mean from the person's latest released 360 report."""

    entry = models.ForeignKey(PoolEntry, on_delete=models.CASCADE, related_name="scores")
    domain_key = models.CharField(max_length=60, help_text="<framework code>/<domain code>")
    domain_name = models.CharField(max_length=200)
    score = models.FloatField()

    class Meta:
        ordering = ["entry", "domain_key"]
        # The foreign key's own index serves lookups by entry.
        indexes = [models.Index(fields=["domain_key", "score", "entry"], name="pool_score_idx")]


class PoolEntryProgramme(models.Model):
    """A leadership programme the person in the pool completed."""

    entry = models.ForeignKey(PoolEntry, on_delete=models.CASCADE, related_name="programmes")
    programme_key = models.CharField(max_length=200)
    programme_name = models.CharField(max_length=200)
    completed_on = models.DateField()

    class Meta:
        ordering = ["entry", "-completed_on"]
        # The foreign key's own index serves lookups by entry.
        indexes = [models.Index(fields=["programme_key", "entry"], name="pool_programme_idx")]


class PoolSearch(models.Model):
    """A search of the talent pool, with the searcher's stated reason."""

    searched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    searched_by_label = models.CharField(max_length=200)
    reason = models.TextField(max_length=500)
    filters = models.JSONField(default=dict)
    result_count = models.PositiveIntegerField(default=0)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name_plural = "pool searches"
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="pool_search_has_reason")
        ]


class PoolViewLog(models.Model):
    """A view of someone's pool profile: who, when and why. The person sees these."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="pool_profile_views")
    viewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    viewer_label = models.CharField(max_length=200)
    viewer_role = models.CharField(max_length=200)
    reason = models.TextField(max_length=500)
    search = models.ForeignKey(
        PoolSearch, null=True, blank=True, on_delete=models.SET_NULL, related_name="views"
    )
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["person", "-at", "-pk"]
        indexes = [models.Index(fields=["person", "at"], name="pool_view_person_idx")]
        constraints = [models.CheckConstraint(condition=~Q(reason=""), name="pool_view_has_reason")]


class Shortlist(models.Model):
    """Candidates from the talent pool for a named appointment."""

    appointment = models.CharField(max_length=200)
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="talent_shortlists"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.appointment


class ShortlistEntry(models.Model):
    """A person on a shortlist. Withdrawing from the pool (or being removed) ends the entry."""

    shortlist = models.ForeignKey(Shortlist, on_delete=models.CASCADE, related_name="entries")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    note = models.TextField(blank=True, max_length=1000)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_because = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["shortlist", "added_at", "pk"]
        verbose_name_plural = "shortlist entries"
        constraints = [
            models.UniqueConstraint(
                fields=["shortlist", "person"],
                condition=Q(removed_at__isnull=True),
                name="shortlist_person_once",
            )
        ]


class SuccessionPlan(models.Model):
    """Who could succeed to a key role in an organisation (board, director, clinical director)."""

    class RoleKind(models.TextChoices):
        BOARD = "board", "Board member"
        EXECUTIVE_DIRECTOR = "executive_director", "Executive director"
        DIRECTOR = "director", "Director"
        CLINICAL_DIRECTOR = "clinical_director", "Clinical director"

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="succession_plans"
    )
    role_title = models.CharField(max_length=200)
    role_kind = models.CharField(max_length=30, choices=RoleKind.choices)
    incumbent = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    notes = models.TextField(blank=True, max_length=2000)
    ready_now_count = models.PositiveIntegerField(
        default=0, help_text="Candidates ready now, kept up to date by the actions"
    )
    candidate_count = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["organisation", "role_title"]
        constraints = [
            models.UniqueConstraint(
                "organisation", Lower("role_title"), name="succession_role_once_per_organisation"
            )
        ]
        indexes = [
            models.Index(fields=["organisation", "ready_now_count"], name="succession_gap_idx")
        ]

    def __str__(self) -> str:
        return self.role_title

    @property
    def has_gap(self) -> bool:
        return self.ready_now_count == 0


class SuccessionCandidate(models.Model):
    """A possible successor to a key role, with their readiness."""

    plan = models.ForeignKey(SuccessionPlan, on_delete=models.CASCADE, related_name="candidates")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    readiness = models.CharField(max_length=20, choices=Readiness.choices)
    notes = models.TextField(blank=True, max_length=1000)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["plan", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "person"], name="succession_candidate_once")
        ]
