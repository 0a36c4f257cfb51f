from __future__ import annotations

import pytest

# The world built once per test module, each test with its own copy (tests/conftest.py).
from tests.conftest import module_transaction, shared_world, world  # noqa: F401 (fixtures)


@pytest.fixture(autouse=True)
def _private_uploads(settings, tmp_path):  # type: ignore[no-untyped-def]
    """Uploads go to a temporary folder."""
    settings.MEDIA_ROOT = tmp_path / "uploads"
