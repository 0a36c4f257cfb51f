"""Who did something: a signed-in user, or a named system job."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class System:
    """A system job acting on its own (a scheduled command, an import task)."""

    name: str

    def __str__(self) -> str:
        return f"system:{self.name}"

    @property
    def is_authenticated(self) -> bool:
        return False


Actor = Any  # a User or a System; typed loosely so core needs no domain import


def actor_parts(by: Actor) -> tuple[int | None, str]:
    """The user id (if any) and a human label for the audit log."""
    if isinstance(by, System):
        return None, str(by)
    if by is None or not getattr(by, "is_authenticated", False):
        return None, "anonymous"
    return by.pk, by.get_username()
