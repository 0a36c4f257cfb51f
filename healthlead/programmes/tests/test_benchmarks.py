"""The allocation benchmark is registered for `make bench`, and a small run of it allocates
every intake within its quotas, with the solver and the greedy baseline agreeing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from healthlead.core import benchmarks
from healthlead.programmes import benchmarks as programme_benchmarks
from healthlead.programmes.models import Application, Intake


def test_the_allocation_benchmark_is_found():
    registry = benchmarks.discover_benchmarks()
    bench = registry["programmes_allocation_10k"]
    assert "10,000 applications" in bench.target
    assert "under 10 s" in bench.target


@pytest.mark.django_db
def test_a_small_run_allocates_within_the_quotas_and_leaves_nothing_behind(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(programme_benchmarks, "APPLICATIONS", 700)
    ctx = benchmarks.BenchContext(scale="trust", repeats=1, scratch=tmp_path, seed=5)
    measurements: Any = programme_benchmarks.programmes_allocation_10k(ctx)
    whole, solver = measurements
    assert whole.value > 0
    assert whole.extra["offers made"] == 7 * 30  # 30% of 100 applications in each intake
    assert whole.extra["quotas met"] == "yes"
    assert solver.extra["solver status"] == "OPTIMAL"
    assert solver.extra["same places as greedy"] == "yes"
    assert solver.baseline is not None
    # Built and run inside a transaction that is rolled back.
    assert not Intake.objects.exists()
    assert not Application.objects.exists()
