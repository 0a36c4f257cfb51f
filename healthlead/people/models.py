"""Regions, organisations, staff (people), patient and public partners, equality answers."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q


class RegionSet(models.Model):
    """A way of dividing England into regions (e.g. NHS England 2020, NHS CB 2013)."""

    code = models.SlugField(max_length=30, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Region(models.Model):
    """One region within a region set."""

    region_set = models.ForeignKey(RegionSet, on_delete=models.CASCADE, related_name="regions")
    code = models.CharField(max_length=20)
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["region_set", "name"]
        constraints = [
            models.UniqueConstraint(fields=["region_set", "code"], name="region_code_unique_in_set")
        ]

    def __str__(self) -> str:
        return self.name


class OrganisationQuerySet(models.QuerySet["Organisation"]):
    def open_on(self, day: dt.date) -> OrganisationQuerySet:
        return self.filter(Q(opened_on__isnull=True) | Q(opened_on__lte=day)).filter(
            Q(closed_on__isnull=True) | Q(closed_on__gt=day)
        )


class Organisation(models.Model):
    """An NHS body or partner: trust, ICB, national body, provider, university."""

    class Kind(models.TextChoices):
        TRUST = "trust", "NHS trust"
        ICB = "icb", "Integrated care board"
        NATIONAL = "national", "National body"
        PROVIDER = "provider", "Training provider"
        UNIVERSITY = "university", "University"
        OTHER = "other", "Other"

    code = models.CharField(max_length=10, unique=True, help_text="ODS code, e.g. RGT")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    region = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.PROTECT, related_name="organisations"
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    postcode = models.CharField(max_length=10, blank=True)
    opened_on = models.DateField(null=True, blank=True)
    closed_on = models.DateField(null=True, blank=True)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True)
                | Q(opened_on__isnull=True)
                | Q(closed_on__gte=models.F("opened_on")),
                name="organisation_closes_after_opening",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def display_name(self) -> str:
        """ODS names are upper case: show them in title case with NHS kept."""
        words = []
        for word in self.name.split():
            upper = word.upper()
            if upper in {"NHS", "ICB", "UK", "CIC", "LLP"}:
                words.append(upper)
            elif upper in {"AND", "OF", "THE", "FOR"} and words:
                words.append(word.lower())
            else:
                words.append(word.capitalize())
        return " ".join(words)


class StaffGroup(models.TextChoices):
    """NHS staff groups, as in NHS workforce statistics."""

    DOCTORS = "doctors", "Doctors"
    NURSES = "nurses", "Nurses and health visitors"
    MIDWIVES = "midwives", "Midwives"
    AMBULANCE = "ambulance", "Ambulance staff"
    SCIENTIFIC = "scientific", "Scientific, therapeutic and technical staff (including AHPs)"
    SUPPORT_CLINICAL = "support_clinical", "Support to clinical staff"
    CENTRAL = "central", "Central functions"
    ESTATES = "estates", "Hotel, property and estates"
    MANAGERS = "managers", "Managers"
    SENIOR_MANAGERS = "senior_managers", "Senior managers"
    STUDENTS = "students", "Students"
    OTHER = "other", "Other staff"


class Grade(models.TextChoices):
    """Agenda for Change bands, medical grades, and other pay arrangements."""

    BAND_1 = "band_1", "Band 1"
    BAND_2 = "band_2", "Band 2"
    BAND_3 = "band_3", "Band 3"
    BAND_4 = "band_4", "Band 4"
    BAND_5 = "band_5", "Band 5"
    BAND_6 = "band_6", "Band 6"
    BAND_7 = "band_7", "Band 7"
    BAND_8A = "band_8a", "Band 8a"
    BAND_8B = "band_8b", "Band 8b"
    BAND_8C = "band_8c", "Band 8c"
    BAND_8D = "band_8d", "Band 8d"
    BAND_9 = "band_9", "Band 9"
    FY1 = "fy1", "Foundation year 1 (FY1)"
    FY2 = "fy2", "Foundation year 2 (FY2)"
    CT1 = "ct1", "Core training year 1 (CT1)"
    CT2 = "ct2", "Core training year 2 (CT2)"
    CT3 = "ct3", "Core training year 3 (CT3)"
    ST1 = "st1", "Specialty training year 1 (ST1)"
    ST2 = "st2", "Specialty training year 2 (ST2)"
    ST3 = "st3", "Specialty training year 3 (ST3)"
    ST4 = "st4", "Specialty training year 4 (ST4)"
    ST5 = "st5", "Specialty training year 5 (ST5)"
    ST6 = "st6", "Specialty training year 6 (ST6)"
    ST7 = "st7", "Specialty training year 7 (ST7)"
    ST8 = "st8", "Specialty training year 8 (ST8)"
    SPECIALTY_DOCTOR = "specialty_doctor", "Specialty doctor"
    CONSULTANT = "consultant", "Consultant"
    VSM = "vsm", "Very senior manager"
    STUDENT = "student", "Student"


class CareerStage(models.TextChoices):
    STUDENT = "student", "Student"
    EARLY_CAREER = "early_career", "Early career"
    REGISTRAR = "registrar", "Registrar or senior trainee"
    ESTABLISHED = "established", "Established practitioner"
    SENIOR = "senior", "Senior leader"
    EXECUTIVE = "executive", "Executive or board member"


class PersonQuerySet(models.QuerySet["Person"]):
    def active(self) -> PersonQuerySet:
        return self.filter(status=Person.Status.ACTIVE)

    def in_team_of(self, manager: Person) -> PersonQuerySet:
        """Everyone below a manager, at every level."""
        return self.filter(manager_path__startswith=manager.team_path)


class Person(models.Model):
    """A member of staff (a staff record; many more than user accounts)."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        LEFT = "left", "Left"

    staff_number = models.CharField(max_length=20, unique=True)
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    work_email = models.EmailField(blank=True)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="staff")
    staff_group = models.CharField(max_length=30, choices=StaffGroup.choices)
    occupation = models.CharField(max_length=200, blank=True)
    grade = models.CharField(max_length=30, choices=Grade.choices)
    career_stage = models.CharField(max_length=20, choices=CareerStage.choices)
    line_manager = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="reports"
    )
    # "/<top id>/.../<manager id>/": the chain of managers above this person, for team queries.
    manager_path = models.CharField(max_length=1000, blank=True, default="", db_index=True)
    start_date = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    left_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PersonQuerySet.as_manager()

    class Meta:
        ordering = ["last_name", "first_name", "staff_number"]
        indexes = [
            models.Index(fields=["organisation", "staff_group"], name="person_org_group_idx"),
            models.Index(fields=["organisation", "status"], name="person_org_status_idx"),
            # The directory's order, so a page is read from the index at any size.
            models.Index(
                fields=["last_name", "first_name", "id"], name="person_directory_order_idx"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(line_manager=models.F("pk")), name="person_not_own_manager"
            ),
            models.CheckConstraint(
                condition=Q(status="left") | Q(left_on__isnull=True),
                name="person_left_on_only_when_left",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def team_path(self) -> str:
        """The manager_path prefix shared by everyone below this person."""
        return f"{self.manager_path or '/'}{self.pk}/"


class Partner(models.Model):
    """A patient or public partner: sits on panels, rates leaders, co-designs, shares ideas."""

    class Status(models.TextChoices):
        ACTIVE = "active", "Active"
        WITHDRAWN = "withdrawn", "Withdrawn"

    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=30, blank=True)
    postcode = models.CharField(max_length=10, blank=True)
    region = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.PROTECT, related_name="partners"
    )
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="partners"
    )
    interests = models.JSONField(
        default=list, blank=True, help_text="What they agreed to do: panels, feedback, co-design"
    )
    consent_given_at = models.DateTimeField(null=True, blank=True)
    consent_text_version = models.CharField(max_length=20, blank=True)
    consent_withdrawn_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["last_name", "first_name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(email="") | ~Q(phone=""), name="partner_has_a_contact"
            )
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def has_consent(self) -> bool:
        return self.consent_given_at is not None and self.consent_withdrawn_at is None


class EqualityAnswers(models.Model):
    """Voluntary equality-monitoring answers, held apart; only ever shown in suppressed totals."""

    class Sex(models.TextChoices):
        FEMALE = "female", "Female"
        MALE = "male", "Male"
        PREFER_NOT = "prefer_not", "Prefer not to say"

    class Ethnicity(models.TextChoices):
        WHITE = "white", "White"
        MIXED = "mixed", "Mixed or multiple ethnic groups"
        ASIAN = "asian", "Asian or Asian British"
        BLACK = "black", "Black, Black British, Caribbean or African"
        OTHER = "other", "Other ethnic group"
        PREFER_NOT = "prefer_not", "Prefer not to say"

    class Disability(models.TextChoices):
        YES = "yes", "Yes"
        NO = "no", "No"
        PREFER_NOT = "prefer_not", "Prefer not to say"

    person = models.OneToOneField(Person, on_delete=models.CASCADE, related_name="equality")
    sex = models.CharField(max_length=20, choices=Sex.choices, blank=True)
    ethnicity = models.CharField(max_length=20, choices=Ethnicity.choices, blank=True)
    disability = models.CharField(max_length=20, choices=Disability.choices, blank=True)
    answered_at = models.DateTimeField()

    class Meta:
        verbose_name_plural = "equality answers"

    def __str__(self) -> str:
        return f"Equality answers #{self.pk}"


class StaffImport(models.Model):
    """One staff CSV file: validated, then (if asked) applied all or nothing."""

    class State(models.TextChoices):
        UPLOADED = "uploaded", "Uploaded"
        VALIDATING = "validating", "Checking"
        INVALID = "invalid", "Has problems"
        VALID = "valid", "Ready to import"
        APPLYING = "applying", "Importing"
        APPLIED = "applied", "Imported"
        FAILED = "failed", "Failed"

    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="staff_imports"
    )
    uploaded_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    file_name = models.CharField(max_length=255)
    stored_path = models.CharField(max_length=500, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    commit = models.BooleanField(default=False, help_text="Apply the file if it is valid")
    mark_missing_as_left = models.BooleanField(default=False)
    state = models.CharField(max_length=20, choices=State.choices, default=State.UPLOADED)
    progress = models.PositiveSmallIntegerField(default=0)
    row_count = models.PositiveIntegerField(default=0)
    problems = models.JSONField(default=list, blank=True, help_text="The first problems found")
    problem_count = models.PositiveIntegerField(default=0)
    problems_path = models.CharField(
        max_length=500, blank=True, help_text="Every problem, as CSV, in upload storage"
    )
    message = models.CharField(
        max_length=300, blank=True, help_text="What is happening now, or why it failed"
    )
    counts = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_state_display()})"

    @property
    def finished(self) -> bool:
        """Nothing more happens unless someone asks (a checked file waits to be confirmed)."""
        if self.state == self.State.VALID:
            return not self.commit
        return self.state in {self.State.INVALID, self.State.APPLIED, self.State.FAILED}
