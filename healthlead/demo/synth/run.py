"""Running the synthetic-data pipeline: refuse, clear earlier synthetic rows, load every stage."""

from __future__ import annotations

import datetime as dt
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from django.db import transaction

from healthlead.core import audit
from healthlead.demo.synth.facts import ICBS_PER_REGION
from healthlead.demo.synth.plan import DEFAULT_REGION, DEFAULT_TRUST
from healthlead.demo.synth.progress import Progress
from healthlead.demo.synth.registry import (
    SCALES,
    SynthContext,
    SynthError,
    Writable,
    discover_stages,
)
from healthlead.demo.synth.writer import BulkWriter
from healthlead.people.models import Person

# Dates in synthetic data are drawn back from this day, not today, so a seed gives the same rows
# whenever it runs.
REFERENCE_DATE = dt.date(2026, 3, 31)


@dataclass
class SynthReport:
    scale: str
    seed: int
    organisations: int
    rows: dict[str, int] = field(default_factory=dict)  # stage -> rows written
    cleared: dict[str, int] = field(default_factory=dict)  # stage -> rows removed first
    clear_seconds: float = 0.0
    load_seconds: float = 0.0
    spooled: dict[str, list[str]] = field(default_factory=dict)  # table -> columns (benchmarks)

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())

    def summary(self) -> str:
        counts = ", ".join(f"{n:,} {stage}" for stage, n in self.rows.items() if n)
        removed = sum(self.cleared.values())
        first = f"Removed {removed:,} earlier synthetic rows in {self.clear_seconds:.1f} s. "
        return (
            (first if removed else "")
            + f"Synthesised {self.scale} scale (seed {self.seed}) for {self.organisations} "
            f"organisations: {counts}; {self.total_rows:,} rows in {self.load_seconds:.1f} s."
        )


def synthesise(
    *,
    scale: str,
    seed: int,
    replace: bool = False,
    trust_code: str = DEFAULT_TRUST,
    region_code: str = DEFAULT_REGION,
    as_of: dt.date = REFERENCE_DATE,
    stdout: Writable | None = None,
    progress: TextIO | None = None,
    spool_dir: Path | None = None,
) -> SynthReport:
    """Make synthetic data at a scale, all or nothing.

    Refuses a database that already holds staff unless `replace` is set; then every stage first
    removes the synthetic rows an earlier run made (staff numbers SY..., partners at
    partners.nhs.example) and keeps everything else (real or demo staff, accounts, trusts, ICBs).
    """
    if scale not in SCALES:
        raise SynthError(f"Scale must be one of {', '.join(SCALES)}, not {scale!r}.")
    if scale == "region" and region_code.upper() not in ICBS_PER_REGION:
        raise SynthError(
            f"{region_code!r} is not an NHS England region code. "
            f"Use one of {', '.join(sorted(ICBS_PER_REGION))}."
        )
    stages = discover_stages()
    with transaction.atomic():
        existing = Person.objects.count()
        if existing and not replace:
            raise SynthError(
                f"This database already holds {existing:,} staff records. Synthetic data is for "
                "a demonstration or benchmark database. Run again with --yes to replace earlier "
                "synthetic data (staff numbers starting SY) and keep every other record."
            )
        writer = BulkWriter(progress=Progress(progress), spool_dir=spool_dir)
        ctx = SynthContext(
            scale=scale,
            seed=seed,
            as_of=as_of,
            writer=writer,
            progress=writer.progress,
            stdout=stdout or sys.stdout,
            trust_code=trust_code.upper(),
            region_code=region_code.upper(),
        )
        started = time.perf_counter()
        cleared: dict[str, int] = {}
        for stage in reversed(stages):
            if stage.clear is not None:
                removed = stage.clear(ctx)
                if removed:
                    cleared[stage.name] = removed
        loading = time.perf_counter()
        for stage in stages:
            ctx.rows[stage.name] = stage.load(ctx)
        writer.finish()
        for stage in stages:
            if stage.after is not None:
                stage.after(ctx)
        report = SynthReport(
            scale=scale,
            seed=seed,
            organisations=len(ctx.plan),
            rows=dict(ctx.rows),
            cleared=cleared,
            clear_seconds=loading - started,
            spooled=dict(writer.spooled),
        )
        audit.record(
            "demo.synth.completed",
            by=ctx.by,
            detail={"scale": scale, "seed": seed, "rows": report.rows, "removed": cleared},
        )
    report.load_seconds = time.perf_counter() - loading
    return report


__all__ = ["REFERENCE_DATE", "SynthError", "SynthReport", "synthesise"]
