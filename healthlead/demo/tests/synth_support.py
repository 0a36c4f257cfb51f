"""Running synth in tests."""

from __future__ import annotations

import importlib
from typing import Any

from django.apps import apps

from healthlead.demo.synth.run import SynthReport, synthesise


def seed_reference_data() -> None:
    """Put back the reference rows that migrations seed and synth needs (the 360 rater groups).

    A transactional test that ran earlier in the same process empties every table when it
    ends, seeded rows included; what order the tests run in must not matter."""
    importlib.import_module("healthlead.feedback.migrations.0002_seed_rater_groups").seed(
        apps, None
    )


def synthesise_in_test(**options: Any) -> SynthReport:
    """`synthesise(**options)` on a test database, with its reference data in place."""
    seed_reference_data()
    return synthesise(**options)
