"""The benchmark registry behind `make bench` (manage.py bench).

An app registers a benchmark in its own `benchmarks.py`:

    from healthlead.core.benchmarks import Measurement, benchmark

    @benchmark("import_staff_100k", target="at most 3x COPY", needs_postgres=True)
    def import_staff_100k(ctx) -> list[Measurement]:
        ...
        return [Measurement("import_staff --commit, 100,000 rows", seconds, "s",
                            baseline=copy_seconds, baseline_name="COPY", target_ratio=3.0)]

`ctx` (BenchContext) carries the scale, repeat count and a scratch directory. A
benchmark measures several runs itself and reports the median (use `median_of`).
`manage.py bench` imports every installed Healthlead app's `benchmarks` module, runs the
benchmarks, and writes docs/benchmarks.md and docs/benchmarks.json; `make bench` first loads
synthetic data at the chosen scale (docs/synthetic-data.md).
"""

from __future__ import annotations

import datetime as dt
import importlib
import os
import platform
import statistics
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class BenchContext:
    scale: str
    repeats: int
    scratch: Path
    seed: int = 2012
    log: Callable[[str], None] = field(default=lambda message: None)  # progress notes


@dataclass
class Measurement:
    figure: str
    value: float
    unit: str
    target: str = ""
    baseline: float | None = None
    baseline_name: str = ""
    target_ratio: float | None = None  # value / baseline must be at most this
    target_value: float | None = None  # value must be at most this
    extra: dict[str, Any] = field(default_factory=dict)
    # For rates (rows per second...): the targets are floors ("at least"), not ceilings.
    higher_is_better: bool = False

    @property
    def ratio(self) -> float | None:
        if self.baseline:
            return self.value / self.baseline
        return None

    @property
    def met(self) -> bool | None:
        if self.target_ratio is not None and self.ratio is not None:
            if self.higher_is_better:
                return self.ratio >= self.target_ratio
            return self.ratio <= self.target_ratio
        if self.target_value is not None:
            if self.higher_is_better:
                return self.value >= self.target_value
            return self.value <= self.target_value
        return None


@dataclass
class Benchmark:
    name: str
    func: Callable[[BenchContext], list[Measurement]]
    target: str
    needs_postgres: bool


REGISTRY: dict[str, Benchmark] = {}


def benchmark(
    name: str, *, target: str = "", needs_postgres: bool = False
) -> Callable[[Callable[[BenchContext], list[Measurement]]], Callable[..., Any]]:
    def register(func: Callable[[BenchContext], list[Measurement]]) -> Callable[..., Any]:
        REGISTRY[name] = Benchmark(name, func, target, needs_postgres)
        return func

    return register


def median_of(repeats: int, run: Callable[[], float]) -> float:
    """Run `run` (which returns seconds) `repeats` times and return the median."""
    return statistics.median(run() for _ in range(max(1, repeats)))


def timed(func: Callable[[], Any]) -> float:
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def discover_benchmarks() -> dict[str, Benchmark]:
    """Import every installed Healthlead app's `benchmarks` module; return the registry."""
    from django.apps import apps

    for config in apps.get_app_configs():
        if not config.name.startswith("healthlead."):
            continue
        module_name = f"{config.name}.benchmarks"
        try:
            importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name != module_name:
                raise
    return REGISTRY


@dataclass
class BenchResult:
    """One benchmark's outcome: its measurements, or why it did not run or failed."""

    name: str
    target: str
    status: str  # "ok", "failed" or "skipped"
    seconds: float = 0.0
    measurements: list[Measurement] = field(default_factory=list)
    reason: str = ""


def run_benchmark(bench: Benchmark, ctx: BenchContext) -> BenchResult:
    """Run one benchmark, catching its failure so the others still run."""
    start = time.perf_counter()
    try:
        measurements = bench.func(ctx)
    except Exception as error:
        ctx.log("".join(traceback.format_exception(error)))
        return BenchResult(
            bench.name,
            bench.target,
            "failed",
            time.perf_counter() - start,
            reason=f"{type(error).__name__}: {error}",
        )
    return BenchResult(
        bench.name, bench.target, "ok", time.perf_counter() - start, list(measurements)
    )


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def machine_description(database: str) -> dict[str, str]:
    """CPU, cores, memory, OS, Python, database server and the time, for the results page."""
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in _read("/proc/cpuinfo").splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or platform.machine(),
    )
    memory = ""
    for line in _read("/proc/meminfo").splitlines():
        if line.startswith("MemTotal:"):
            memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    os_name = next(
        (
            line.split("=", 1)[1].strip('"')
            for line in _read("/etc/os-release").splitlines()
            if line.startswith("PRETTY_NAME=")
        ),
        "",
    )
    try:
        load = "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg())
    except OSError:
        load = ""
    return {
        "CPU": cpu,
        "cores": str(os.cpu_count() or ""),
        "memory": memory,
        "OS": f"{os_name} ({platform.system()} {platform.release()})".strip(),
        "Python": platform.python_version(),
        "database": database,
        "load average at start (1, 5, 15 min)": load,
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def format_number(value: float | None) -> str:
    if value is None:
        return ""
    magnitude = abs(value)
    if float(value).is_integer() and magnitude < 1000:
        return str(int(value))
    if magnitude >= 1000:
        return f"{value:,.0f}"
    if magnitude >= 100:
        return f"{value:.0f}"
    if magnitude >= 10:
        return f"{value:.1f}"
    if magnitude >= 1:
        return f"{value:.2f}"
    return f"{value:#.3g}"


def format_ratio(ratio: float | None) -> str:
    if ratio is None:
        return ""
    return f"{ratio:#.2g}" if abs(ratio) < 0.1 else f"{ratio:.2f}"


def _note(extra: dict[str, Any]) -> str:
    parts = []
    for key, value in extra.items():
        shown = format_number(value) if isinstance(value, int | float) else value
        if isinstance(value, list):
            shown = ", ".join(
                format_number(v) if isinstance(v, int | float) else str(v) for v in value
            )
        parts.append(f"{key}: {shown}")
    return "; ".join(parts).replace("|", "/")


def measurement_row(measurement: Measurement) -> dict[str, Any]:
    return {
        "figure": measurement.figure,
        "value": measurement.value,
        "unit": measurement.unit,
        "target": measurement.target,
        "baseline": measurement.baseline,
        "baseline_name": measurement.baseline_name,
        "ratio": measurement.ratio,
        "target_ratio": measurement.target_ratio,
        "target_value": measurement.target_value,
        "higher_is_better": measurement.higher_is_better,
        "met": measurement.met,
        "extra": measurement.extra,
    }


def results_json(
    results: list[BenchResult], machine: dict[str, str], meta: dict[str, Any]
) -> dict[str, Any]:
    return {
        **meta,
        "machine": machine,
        "benchmarks": [
            {
                "name": result.name,
                "target": result.target,
                "status": result.status,
                "reason": result.reason,
                "seconds": round(result.seconds, 3),
                "measurements": [measurement_row(m) for m in result.measurements],
            }
            for result in results
        ],
    }


def results_markdown(
    results: list[BenchResult], machine: dict[str, str], meta: dict[str, Any]
) -> str:
    """docs/benchmarks.md: a table of every figure, then the machine it ran on."""
    met_words = {True: "yes", False: "**no**", None: ""}
    lines = [
        "# Benchmarks",
        "",
        f"Written by `make bench` (`{meta['command']}`) on {machine['date']}; do not edit by hand.",
        f"Scale: **{meta['scale']}** (synthetic data, see [synthetic-data.md](synthetic-data.md)). "
        "Each value is the median of several runs; each baseline ran in the same process and "
        "the same run, so a ratio holds even on a busy machine. Ratio is value / baseline.",
        "",
        "| benchmark | figure | value | unit | target | baseline | ratio | met | notes |",
        "|---|---|---:|---|---|---|---:|---|---|",
    ]
    for result in results:
        if result.status != "ok":
            lines.append(
                f"| {result.name} | not run: {result.status} | | | {result.target} | | | | "
                f"{result.reason.replace('|', '/')} |"
            )
            continue
        for m in result.measurements:
            baseline = (
                f"{m.baseline_name}: {format_number(m.baseline)}" if m.baseline is not None else ""
            )
            lines.append(
                f"| {result.name} | {m.figure} | {format_number(m.value)} | {m.unit} | {m.target} "
                f"| {baseline} | {format_ratio(m.ratio)} | {met_words[m.met]} | "
                f"{_note(m.extra)} |"
            )
    lines += ["", "## Machine", "", "| | |", "|---|---|"]
    lines += [f"| {key} | {value} |" for key, value in machine.items()]
    notes = meta.get("notes") or []
    if notes:
        lines += ["", "## Notes", ""] + [f"- {note}" for note in notes]
    return "\n".join(lines) + "\n"
