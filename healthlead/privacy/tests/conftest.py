from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import World, build_world


@pytest.fixture(autouse=True)
def _private_uploads(settings, tmp_path):  # type: ignore[no-untyped-def]
    """Uploads go to a temporary folder."""
    settings.MEDIA_ROOT = tmp_path / "uploads"


@pytest.fixture
def world(db: Any) -> World:
    """Regions, organisations, a management tree and one user per role (tests/conftest.py)."""
    return build_world()
