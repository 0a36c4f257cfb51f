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
"""

from __future__ import annotations

import statistics
import time
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

    @property
    def ratio(self) -> float | None:
        if self.baseline:
            return self.value / self.baseline
        return None

    @property
    def met(self) -> bool | None:
        if self.target_ratio is not None and self.ratio is not None:
            return self.ratio <= self.target_ratio
        if self.target_value is not None:
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
