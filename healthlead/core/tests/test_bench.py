"""manage.py bench: runs registered benchmarks and writes the results page and JSON."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from healthlead.core import benchmarks
from healthlead.core.benchmarks import BenchContext, Benchmark, Measurement
from healthlead.core.management.commands import bench as bench_command

pytestmark = pytest.mark.django_db


def _register(monkeypatch, name, func, *, needs_postgres=False, target="quick"):  # type: ignore[no-untyped-def]
    benchmarks.discover_benchmarks()  # the real ones first, so the fake is not overwritten
    monkeypatch.setitem(benchmarks.REGISTRY, name, Benchmark(name, func, target, needs_postgres))


def test_bench_runs_a_registered_benchmark_and_writes_markdown_and_json(tmp_path, monkeypatch):
    seen: list[BenchContext] = []

    def quick(ctx: BenchContext) -> list[Measurement]:
        seen.append(ctx)
        runs = iter([0.3, 0.1, 0.2])
        value = benchmarks.median_of(ctx.repeats, lambda: next(runs))
        return [
            Measurement(
                "Quick figure",
                value,
                "s",
                target="at most 3x nothing",
                baseline=0.1,
                baseline_name="doing nothing",
                target_ratio=3.0,
                extra={"rows": 1234},
            ),
            Measurement("Quick rate", 50.0, "rows/s", target_value=100.0, higher_is_better=True),
        ]

    _register(monkeypatch, "quick_fake", quick)
    out = io.StringIO()
    call_command(
        "bench",
        "--only",
        "quick_fake",
        "--repeats",
        "3",
        "--output-dir",
        str(tmp_path),
        stdout=out,
        stderr=io.StringIO(),
    )
    assert seen[0].repeats == 3
    assert seen[0].scale == "trust"
    markdown = (tmp_path / "benchmarks.md").read_text()
    assert (
        "| quick_fake | Quick figure | 0.200 | s | at most 3x nothing | doing nothing: 0.100"
        in (markdown)
    )
    assert "| 2.00 | yes | rows: 1,234 |" in markdown
    assert "| quick_fake | Quick rate | 50 | rows/s |" in markdown
    assert "**no**" in markdown
    for heading in ("| CPU |", "| cores |", "| memory |", "| OS |", "| Python |", "| database |"):
        assert heading in markdown
    data = json.loads((tmp_path / "benchmarks.json").read_text())
    assert data["scale"] == "trust"
    assert set(data["machine"]) >= {"CPU", "cores", "memory", "OS", "Python", "database", "date"}
    (result,) = data["benchmarks"]
    assert result["status"] == "ok"
    figure, rate = result["measurements"]
    assert figure["ratio"] == pytest.approx(2.0)
    assert figure["met"] is True
    assert rate["met"] is False
    assert "Quick figure: 0.200 s  ratio 2.00 to doing nothing" in out.getvalue()


def test_a_failing_benchmark_is_reported_and_fails_the_command(tmp_path, monkeypatch):
    def broken(ctx: BenchContext) -> list[Measurement]:
        raise RuntimeError("no synthetic staff")

    _register(monkeypatch, "broken_fake", broken)
    with pytest.raises(CommandError, match="1 benchmark\\(s\\) failed: broken_fake"):
        call_command(
            "bench",
            "--only",
            "broken_fake",
            "--output-dir",
            str(tmp_path),
            stdout=io.StringIO(),
            stderr=io.StringIO(),
        )
    data = json.loads((tmp_path / "benchmarks.json").read_text())
    assert data["benchmarks"][0]["status"] == "failed"
    assert data["benchmarks"][0]["reason"] == "RuntimeError: no synthetic staff"
    assert "not run: failed" in (tmp_path / "benchmarks.md").read_text()


def test_a_benchmark_that_needs_postgresql_is_refused_on_sqlite(tmp_path, monkeypatch):
    _register(monkeypatch, "pg_fake", lambda ctx: [], needs_postgres=True)
    monkeypatch.setattr(bench_command, "database_is_postgresql", lambda: False)
    with pytest.raises(CommandError, match="pg_fake needs PostgreSQL"):
        call_command(
            "bench", "--only", "pg_fake", "--output-dir", str(tmp_path), stdout=io.StringIO()
        )
    assert not (tmp_path / "benchmarks.md").exists()


def test_an_unknown_benchmark_name_is_refused(tmp_path):
    with pytest.raises(CommandError, match="No benchmark is called nonsense"):
        call_command(
            "bench", "--only", "nonsense", "--output-dir", str(tmp_path), stdout=io.StringIO()
        )


def test_every_app_benchmark_module_is_discovered():
    registry = benchmarks.discover_benchmarks()
    assert {"synth_load", "people_pages"} <= set(registry)
    assert registry["synth_load"].needs_postgres


def test_rates_meet_their_target_from_above():
    assert Measurement("rate", 120.0, "rows/s", target_value=100.0, higher_is_better=True).met
    slow = Measurement("time", 2.0, "s", baseline=1.0, target_ratio=1.5)
    assert slow.met is False
    assert slow.ratio == 2.0
    assert Measurement("plain", 1.0, "s").met is None
