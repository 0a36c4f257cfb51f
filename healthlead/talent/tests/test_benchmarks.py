"""The talent pool benchmark is registered for `make bench`."""

from __future__ import annotations

from healthlead.core import benchmarks


def test_the_pool_search_benchmark_is_found_and_runs_on_postgresql():
    registry = benchmarks.discover_benchmarks()
    bench = registry["talent_pool_search_50k"]
    assert bench.needs_postgres
    assert "200 ms" in bench.target
