"""The record that a person's personal data was erased (anonymised).

Everything else this app touches belongs to the apps that own it (people, accounts, appraisal,
talent, feedback, programmes); see docs/privacy.md.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from healthlead.people.models import Person


class Erasure(models.Model):
    """A person's record was anonymised: when, by whom, why, and the pseudonym it now carries.

    The staff record stays (anonymised) so that anonymous totals that count it stay right;
    this row is what makes erasure happen once only.
    """

    class Source(models.TextChoices):
        REQUEST = "request", "A request to erase"
        RETENTION = "retention", "The retention period ended"

    person = models.OneToOneField(Person, on_delete=models.PROTECT, related_name="erasure")
    pseudonym = models.CharField(max_length=20, unique=True)
    source = models.CharField(max_length=10, choices=Source.choices)
    reason = models.TextField(blank=True, max_length=500)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    by_label = models.CharField(max_length=200)
    at = models.DateTimeField(auto_now_add=True)
    counts = models.JSONField(default=dict, blank=True, help_text="What was changed, by kind")

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"Erasure of {self.pseudonym}"
