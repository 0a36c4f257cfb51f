"""Template context: the retention periods, so the privacy notice states what is configured."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def retention_periods(request: HttpRequest) -> dict[str, Any]:
    """The retention periods from settings, for the privacy notice."""
    return {
        "retention": {
            "staff_left_years": settings.RETENTION_STAFF_LEFT_YEARS,
            "rater_invitation_days": settings.RETENTION_RATER_INVITATION_DAYS,
            "staff_import_days": settings.RETENTION_STAFF_IMPORT_DAYS,
            "session_idle_minutes": settings.SESSION_IDLE_TIMEOUT // 60,
            "session_max_hours": settings.SESSION_COOKIE_AGE // 3600,
        }
    }
