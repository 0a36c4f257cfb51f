from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import World, build_world, copy_for_test, kept_for_module


@pytest.fixture(autouse=True)
def _private_uploads(settings, tmp_path):  # type: ignore[no-untyped-def]
    """Uploads go to a temporary folder."""
    settings.MEDIA_ROOT = tmp_path / "uploads"


@pytest.fixture(scope="module")
def shared_world(django_db_setup: Any, django_db_blocker: Any) -> Iterator[World]:
    """The world, built once for each test module (rolled back when the module ends)."""
    with kept_for_module(django_db_blocker):
        with django_db_blocker.unblock():
            built = build_world()
        yield built


@pytest.fixture
def world(shared_world: World, db: Any, request: pytest.FixtureRequest) -> World:
    """Regions, organisations, a management tree and one user per role (tests/conftest.py),
    as built for the module; what a test changes is rolled back after it."""
    return copy_for_test(shared_world, request)
