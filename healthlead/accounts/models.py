"""User accounts, role assignments with scopes, and organisation API tokens."""

from __future__ import annotations

import hashlib

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone

from healthlead.people.models import Organisation, Partner, Person, Region


class Role(models.TextChoices):
    """What a user can be. Staff member and line manager come from the staff record."""

    STAFF = "staff", "Staff member"
    LINE_MANAGER = "line_manager", "Line manager"
    ORGANISATION_LEAD = "organisation_lead", "Organisation education lead"
    REGIONAL_LEAD = "regional_lead", "Regional lead"
    NATIONAL_LEAD = "national_lead", "National lead"
    PROVIDER = "provider", "Provider"
    PATIENT_PARTNER = "patient_partner", "Patient or public partner"
    MENTOR = "mentor", "Mentor"
    FACILITATOR = "facilitator", "Facilitator"


# Roles that must sign in with a second factor.
PRIVILEGED_ROLES = frozenset(
    {
        Role.ORGANISATION_LEAD,
        Role.REGIONAL_LEAD,
        Role.NATIONAL_LEAD,
        Role.PROVIDER,
        Role.FACILITATOR,
    }
)
# Roles held by assignment (the others are derived from the staff record).
ASSIGNABLE_ROLES = [r for r in Role if r not in {Role.STAFF, Role.LINE_MANAGER}]


class User(AbstractUser):
    """Someone who signs in: usually a member of staff, sometimes a partner or provider."""

    email = models.EmailField(unique=True)
    person = models.OneToOneField(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="user"
    )
    partner = models.OneToOneField(
        Partner, null=True, blank=True, on_delete=models.SET_NULL, related_name="user"
    )

    class Meta:
        ordering = ["email"]

    @property
    def display_name(self) -> str:
        if self.person_id and self.person is not None:
            return self.person.full_name
        full = self.get_full_name()
        return full or self.email


class RoleAssignmentQuerySet(models.QuerySet["RoleAssignment"]):
    def current(self) -> RoleAssignmentQuerySet:
        now = timezone.now()
        return self.filter(Q(ended_at__isnull=True) | Q(ended_at__gt=now))


class RoleAssignment(models.Model):
    """A role a user holds over a scope (an organisation, a region, or the nation)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(max_length=30, choices=[(r.value, r.label) for r in ASSIGNABLE_ROLES])
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    region = models.ForeignKey(
        Region, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ended_at = models.DateTimeField(null=True, blank=True)

    objects = RoleAssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["user", "role"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(role__in=["organisation_lead", "provider"])
                | Q(organisation__isnull=False),
                name="role_org_scope_needs_organisation",
            ),
            models.CheckConstraint(
                condition=~Q(role="regional_lead") | Q(region__isnull=False),
                name="role_regional_lead_needs_region",
            ),
        ]

    def __str__(self) -> str:
        scope = self.organisation or self.region or "England"
        return f"{self.get_role_display()} ({scope})"


class ApiToken(models.Model):
    """A per-organisation API token with scopes. Only its hash is stored."""

    class Scope(models.TextChoices):
        READ_ORGANISATIONS = "organisations:read", "Read organisations"
        READ_PEOPLE = "people:read", "Read staff records in the organisation"
        READ_FRAMEWORKS = "frameworks:read", "Read frameworks"

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, unique=True)
    token_hash = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(default=list)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def hash_secret(secret: str) -> str:
        return hashlib.sha256(secret.encode()).hexdigest()

    @property
    def is_usable(self) -> bool:
        now = timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)
