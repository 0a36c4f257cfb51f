"""Competency frameworks: framework -> version -> domain -> element -> indicator.

A published version is immutable; changing it means a new draft version. Every
node carries a stable UUID (CASE identifier) so exports are the same each time.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone


class Framework(models.Model):
    """A named competency framework (e.g. the NHS Leadership Framework)."""

    class Status(models.TextChoices):
        CURRENT = "current", "Current"
        SUPERSEDED = "superseded", "Superseded"

    code = models.SlugField(max_length=30, unique=True, help_text="e.g. LF2011")
    name = models.CharField(max_length=200)
    publisher = models.CharField(max_length=300, blank=True)
    audience = models.TextField(blank=True)
    description = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.CURRENT)
    superseded_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="supersedes"
    )
    domain_term = models.CharField(
        max_length=30, default="Domain", help_text="What the framework calls a domain"
    )
    element_term = models.CharField(
        max_length=30, default="Element", help_text="What the framework calls an element"
    )
    case_uuid = models.UUIDField(unique=True, default=uuid.uuid4)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class FrameworkVersionQuerySet(models.QuerySet["FrameworkVersion"]):
    def published(self) -> FrameworkVersionQuerySet:
        return self.filter(state=FrameworkVersion.State.PUBLISHED)


class FrameworkVersion(models.Model):
    """One version of a framework: draft (editable) or published (immutable)."""

    class State(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="versions")
    version = models.CharField(max_length=20)
    state = models.CharField(max_length=10, choices=State.choices, default=State.DRAFT)
    published_on = models.DateField(null=True, blank=True, help_text="When the publisher issued it")
    published_at = models.DateTimeField(null=True, blank=True)
    scale = models.JSONField(
        default=list, blank=True, help_text="Levels of the framework's own rating scale, if any"
    )
    notes = models.TextField(blank=True)
    last_changed_at = models.DateTimeField(
        default=timezone.now, help_text="When the content last changed (CASE lastChangeDateTime)"
    )
    case_uuid = models.UUIDField(unique=True, default=uuid.uuid4)

    objects = FrameworkVersionQuerySet.as_manager()

    class Meta:
        ordering = ["framework", "-published_at", "version"]
        constraints = [
            models.UniqueConstraint(
                fields=["framework", "version"], name="framework_version_unique"
            ),
            models.CheckConstraint(
                condition=Q(state="draft") | Q(published_at__isnull=False),
                name="published_version_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.framework.name} {self.version}"

    @property
    def is_published(self) -> bool:
        return self.state == self.State.PUBLISHED


class Stage(models.Model):
    """A stage a framework describes (e.g. MLCF undergraduate), mapped to career stages."""

    version = models.ForeignKey(FrameworkVersion, on_delete=models.CASCADE, related_name="stages")
    code = models.CharField(max_length=30)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    career_stages = models.JSONField(
        default=list, blank=True, help_text="Career stages (people.CareerStage) at this stage"
    )
    confirmed = models.BooleanField(
        default=True, help_text="False when the stage could not be checked against a primary source"
    )
    case_uuid = models.UUIDField(unique=True, default=uuid.uuid4)

    class Meta:
        ordering = ["version", "order"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="stage_code_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Domain(models.Model):
    """A domain (or dimension, or cluster) of a framework version."""

    version = models.ForeignKey(FrameworkVersion, on_delete=models.CASCADE, related_name="domains")
    code = models.CharField(max_length=20)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    is_core = models.BooleanField(default=True)
    order = models.PositiveSmallIntegerField(default=0)
    case_uuid = models.UUIDField(unique=True, default=uuid.uuid4)
    link_uuid = models.UUIDField(
        unique=True, default=uuid.uuid4, help_text="CASE identifier of the link to its parent"
    )

    class Meta:
        ordering = ["version", "order"]
        constraints = [
            models.UniqueConstraint(fields=["version", "code"], name="domain_code_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Element(models.Model):
    """An element (or quality) within a domain; what questionnaires rate."""

    domain = models.ForeignKey(Domain, on_delete=models.CASCADE, related_name="elements")
    code = models.CharField(max_length=20)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    expected_by = models.ForeignKey(
        Stage,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="expected_elements",
        help_text="The stage by which this element is expected (cumulative)",
    )
    case_uuid = models.UUIDField(unique=True, default=uuid.uuid4)
    link_uuid = models.UUIDField(
        unique=True, default=uuid.uuid4, help_text="CASE identifier of the link to its parent"
    )

    class Meta:
        ordering = ["domain", "order"]
        constraints = [
            models.UniqueConstraint(fields=["domain", "code"], name="element_code_unique")
        ]

    def __str__(self) -> str:
        return self.name


class Indicator(models.Model):
    """An observable behaviour for an element, optionally at a level or stage."""

    element = models.ForeignKey(Element, on_delete=models.CASCADE, related_name="indicators")
    code = models.CharField(max_length=20)
    text = models.TextField()
    level = models.CharField(max_length=50, blank=True, help_text="Scale level or stage, if any")
    order = models.PositiveSmallIntegerField(default=0)
    case_uuid = models.UUIDField(unique=True, default=uuid.uuid4)
    link_uuid = models.UUIDField(
        unique=True, default=uuid.uuid4, help_text="CASE identifier of the link to its parent"
    )

    class Meta:
        ordering = ["element", "order"]
        constraints = [
            models.UniqueConstraint(fields=["element", "code"], name="indicator_code_unique")
        ]

    def __str__(self) -> str:
        return self.text[:60]


class Crosswalk(models.Model):
    """A link from an element to an element of another framework (a CASE association).

    The target is kept by its CASE identifier too, so a link survives when the other
    framework is not (yet) in this database; `target` is filled in once it is.
    """

    class Kind(models.TextChoices):
        EXACT_MATCH = "exactMatchOf", "Same as"
        RELATED = "isRelatedTo", "Related to"

    source = models.ForeignKey(Element, on_delete=models.CASCADE, related_name="crosswalks_out")
    target = models.ForeignKey(
        Element, null=True, blank=True, on_delete=models.SET_NULL, related_name="crosswalks_in"
    )
    target_identifier = models.CharField(
        max_length=100, help_text="CASE identifier of the target element"
    )
    target_uri = models.CharField(max_length=500, blank=True)
    target_title = models.CharField(max_length=500, blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.EXACT_MATCH)
    case_uuid = models.UUIDField(unique=True, default=uuid.uuid4)

    class Meta:
        ordering = ["source", "target_identifier"]
        constraints = [
            models.UniqueConstraint(fields=["source", "target", "kind"], name="crosswalk_unique"),
            models.UniqueConstraint(
                fields=["source", "target_identifier", "kind"], name="crosswalk_target_id_unique"
            ),
            models.CheckConstraint(
                condition=~Q(source=models.F("target")), name="crosswalk_not_to_itself"
            ),
            models.CheckConstraint(
                condition=~Q(target_identifier=""), name="crosswalk_names_its_target"
            ),
        ]

    def __str__(self) -> str:
        target = self.target.name if self.target else self.target_title
        return f"{self.source} {self.get_kind_display().lower()} {target}"
