"""The privacy notice states the retention periods as configured, and how to ask for access."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db


def test_the_notice_states_the_configured_retention_periods(client, settings):
    settings.RETENTION_STAFF_LEFT_YEARS = 8
    settings.RETENTION_RATER_INVITATION_DAYS = 120
    settings.RETENTION_STAFF_IMPORT_DAYS = 14
    page = re.sub(r"\s+", " ", client.get("/privacy/").content.decode())
    assert "for 8 years after you leave" in page
    assert "120 days after the cycle closes" in page
    assert "14 days after upload" in page
    assert "ask for a copy of everything held about you" in page
