"""Core data: the append-only, hash-chained audit log."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def about(self, target_type: str, target_id: Any) -> AuditEventQuerySet:
        return self.filter(target_type=target_type, target_id=str(target_id))

    def reads(self) -> AuditEventQuerySet:
        return self.filter(kind=AuditEvent.Kind.READ)


class AuditEvent(models.Model):
    """One thing that happened: a write (with its actor or system job) or a privileged read.

    Events are never updated or deleted. Each carries the hash of the one before it,
    so `manage.py verify_audit` can show the chain is unbroken.
    """

    class Kind(models.TextChoices):
        WRITE = "write", "Write"
        READ = "read", "Read"

    sequence = models.BigIntegerField(unique=True)
    occurred_at = models.DateTimeField(db_index=True)
    kind = models.CharField(max_length=5, choices=Kind.choices, default=Kind.WRITE)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="audit_events",
    )
    actor_label = models.CharField(max_length=200)
    action = models.CharField(max_length=100)
    target_type = models.CharField(max_length=100, blank=True)
    target_id = models.CharField(max_length=100, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    reason = models.TextField(blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["sequence"]
        indexes = [
            models.Index(fields=["target_type", "target_id", "sequence"], name="audit_target_idx"),
            models.Index(fields=["actor", "sequence"], name="audit_actor_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.action} by {self.actor_label}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not kwargs.get("force_insert"):
            raise ValueError("Audit events are append-only and cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ValueError("Audit events are append-only and cannot be deleted.")


class RateLimitCounter(models.Model):
    """How many requests one client has made against one rate limit in the current window.

    A counter, not a record: the row is reused as windows roll over and pruned when
    stale. `client_key` is a keyed hash of the limit name and the client (an address
    or a user), so no address is stored. See docs/adr/0003-rate-limits.md.
    """

    client_key = models.CharField(max_length=64, unique=True)
    window_start = models.BigIntegerField()  # Unix seconds
    window_end = models.BigIntegerField(db_index=True)  # Unix seconds
    hits = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.client_key[:8]}… {self.hits} hits"
