"""Writing and verifying the audit log.

Every action calls `record()` inside its transaction; views that show a privileged
user someone else's record call `record_read()`. Events form a hash chain: each
hash covers the event's content and the previous event's hash.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from healthlead.core.actors import Actor, actor_parts
from healthlead.core.models import AuditEvent

GENESIS_HASH = "0" * 64
_LOCK_KEY = 7_246_581_003  # PostgreSQL advisory lock that serialises the chain


def _target(target: Any) -> tuple[str, str]:
    if target is None:
        return "", ""
    if isinstance(target, tuple):
        return str(target[0]), str(target[1])
    meta = target._meta
    return f"{meta.app_label}.{meta.model_name}", str(target.pk)


def event_hash(
    *,
    sequence: int,
    occurred_at: str,
    kind: str,
    actor_id: int | None,
    actor_label: str,
    action: str,
    target_type: str,
    target_id: str,
    detail: Any,
    reason: str,
    prev_hash: str,
) -> str:
    payload = json.dumps(
        [
            sequence,
            occurred_at,
            kind,
            actor_id,
            actor_label,
            action,
            target_type,
            target_id,
            detail,
            reason,
            prev_hash,
        ],
        sort_keys=True,
        separators=(",", ":"),
        default=str,
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def _append(
    kind: str, action: str, *, by: Actor, target: Any, detail: dict | None, reason: str
) -> AuditEvent:
    actor_id, actor_label = actor_parts(by)
    target_type, target_id = _target(target)
    # Round-trip the detail through JSON so the hash covers exactly what is stored.
    clean_detail = json.loads(json.dumps(detail or {}, default=str))
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
        last = AuditEvent.objects.order_by("-sequence").values("sequence", "hash").first()
        sequence = (last["sequence"] + 1) if last else 1
        prev_hash = last["hash"] if last else GENESIS_HASH
        occurred_at = timezone.now()
        digest = event_hash(
            sequence=sequence,
            occurred_at=occurred_at.isoformat(),
            kind=kind,
            actor_id=actor_id,
            actor_label=actor_label,
            action=action,
            target_type=target_type,
            target_id=target_id,
            detail=clean_detail,
            reason=reason,
            prev_hash=prev_hash,
        )
        return AuditEvent.objects.create(
            sequence=sequence,
            occurred_at=occurred_at,
            kind=kind,
            actor_id=actor_id,
            actor_label=actor_label,
            action=action,
            target_type=target_type,
            target_id=target_id,
            detail=clean_detail,
            reason=reason,
            prev_hash=prev_hash,
            hash=digest,
        )


def record(
    action: str, *, by: Actor, target: Any = None, detail: dict | None = None, reason: str = ""
) -> AuditEvent:
    """Record a write. Call inside the action's transaction so both land or neither."""
    return _append(
        AuditEvent.Kind.WRITE, action, by=by, target=target, detail=detail, reason=reason
    )


def record_read(
    action: str, *, by: Actor, target: Any, detail: dict | None = None, reason: str = ""
) -> AuditEvent:
    """Record a privileged read of someone else's personal data."""
    return _append(AuditEvent.Kind.READ, action, by=by, target=target, detail=detail, reason=reason)


@dataclass(frozen=True)
class ChainBreak:
    sequence: int
    problem: str


def verify_chain(batch_size: int = 5000) -> Iterator[ChainBreak]:
    """Yield every place where the chain is broken (empty when intact)."""
    prev_hash = GENESIS_HASH
    expected_sequence = 1
    fields = [
        "sequence",
        "occurred_at",
        "kind",
        "actor_id",
        "actor_label",
        "action",
        "target_type",
        "target_id",
        "detail",
        "reason",
        "prev_hash",
        "hash",
    ]
    for row in AuditEvent.objects.order_by("sequence").values(*fields).iterator(batch_size):
        if row["sequence"] != expected_sequence:
            yield ChainBreak(expected_sequence, f"event {expected_sequence} is missing")
        if row["prev_hash"] != prev_hash:
            yield ChainBreak(row["sequence"], "does not point at the event before it")
        digest = event_hash(
            sequence=row["sequence"],
            occurred_at=row["occurred_at"].isoformat(),
            kind=row["kind"],
            actor_id=row["actor_id"],
            actor_label=row["actor_label"],
            action=row["action"],
            target_type=row["target_type"],
            target_id=row["target_id"],
            detail=row["detail"],
            reason=row["reason"],
            prev_hash=row["prev_hash"],
        )
        if digest != row["hash"]:
            yield ChainBreak(row["sequence"], "its content does not match its hash")
        prev_hash = row["hash"]
        expected_sequence = row["sequence"] + 1
