"""Verify the audit log's hash chain and name the first broken link."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from healthlead.core.audit import verify_chain
from healthlead.core.models import AuditEvent


class Command(BaseCommand):
    help = "Check that no audit event has been changed, removed or reordered."

    def handle(self, *args: Any, **options: Any) -> None:
        first = next(verify_chain(), None)
        if first is not None:
            raise CommandError(f"Audit chain broken at event {first.sequence}: {first.problem}.")
        self.stdout.write(f"Audit chain intact: {AuditEvent.objects.count()} events.")
