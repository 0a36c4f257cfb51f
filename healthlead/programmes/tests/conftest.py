from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _no_second_factor_and_private_uploads(settings, tmp_path):  # type: ignore[no-untyped-def]
    """Leads sign in without a code here (two-factor has its own tests); uploads go to a
    temporary folder."""
    settings.TWO_FACTOR_REQUIRED = False
    settings.MEDIA_ROOT = tmp_path / "uploads"
