"""Keyset-free page numbers that stay cheap: LIMIT/OFFSET with a capped count."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import QueryDict

PAGE_SIZE = 25
COUNT_CAP = 10_000


@dataclass(frozen=True)
class Page:
    items: list[Any]
    number: int
    has_previous: bool
    has_next: bool
    total: int
    total_capped: bool
    query: QueryDict

    def link(self, number: int) -> str:
        params = self.query.copy()
        params["page"] = str(number)
        return "?" + params.urlencode()

    @property
    def previous_link(self) -> str | None:
        return self.link(self.number - 1) if self.has_previous else None

    @property
    def next_link(self) -> str | None:
        return self.link(self.number + 1) if self.has_next else None


def paginate(queryset: QuerySet, query: QueryDict, size: int = PAGE_SIZE) -> Page:
    """One page plus a count capped at COUNT_CAP: always two queries, whatever the size."""
    try:
        number = max(1, min(int(query.get("page", "1")), 100_000))
    except ValueError:
        number = 1
    offset = (number - 1) * size
    rows = list(queryset[offset : offset + size + 1])
    total = queryset.order_by()[: COUNT_CAP + 1].count()
    return Page(
        items=rows[:size],
        number=number,
        has_previous=number > 1,
        has_next=len(rows) > size,
        total=min(total, COUNT_CAP),
        total_capped=total > COUNT_CAP,
        query=query,
    )
