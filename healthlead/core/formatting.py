"""Template filters for dates and numbers in the NHS style (e.g. 26 November 2026)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone


def nhs_date(value: dt.date | dt.datetime | None, empty: str = "Not known") -> str:
    if value is None:
        return empty
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        return f"{value.day} {value:%B %Y} at {value:%H:%M}"
    return f"{value.day} {value:%B %Y}"


def thousands(value: Any) -> str:
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return str(value)


FILTERS = {"nhs_date": nhs_date, "thousands": thousands}
