"""Synthetic national data at trust, region or England scale (see docs/synthetic-data.md)."""

from __future__ import annotations

import datetime as dt
from typing import Any, TextIO, cast

from django.core.management.base import BaseCommand, CommandError, CommandParser

from healthlead.demo.synth.plan import DEFAULT_REGION, DEFAULT_TRUST
from healthlead.demo.synth.registry import SCALES, SynthError
from healthlead.demo.synth.run import REFERENCE_DATE, synthesise


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--as-of must be a date like 2026-03-31, not {value!r}.") from None


class Command(BaseCommand):
    help = (
        "Load deterministic synthetic staff, equality answers and patient partners for one trust "
        "(about 7,000 staff), one region (about 200,000) or England (about 1.5 million), on top of "
        "the real regions and NHS trusts and the 42 ICBs. Refuses a database that already holds "
        "staff unless --yes, which replaces earlier synthetic data and keeps everything else."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--scale", choices=SCALES, default="trust")
        parser.add_argument("--seed", type=int, default=2012, help="Same seed, same rows.")
        parser.add_argument(
            "--yes",
            action="store_true",
            help="Run even though the database holds staff: replace earlier synthetic data.",
        )
        parser.add_argument(
            "--trust", default=DEFAULT_TRUST, help="ODS code of the trust for --scale trust."
        )
        parser.add_argument(
            "--region",
            default=DEFAULT_REGION,
            help="NHS England region code (Y56-Y63) for --scale region.",
        )
        parser.add_argument(
            "--as-of",
            default=REFERENCE_DATE.isoformat(),
            help="The day the data describes (start dates are drawn back from it).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        show_progress = options["verbosity"] > 0
        try:
            report = synthesise(
                scale=options["scale"],
                seed=options["seed"],
                replace=options["yes"],
                trust_code=options["trust"],
                region_code=options["region"],
                as_of=_date(options["as_of"]),
                stdout=self.stdout,
                progress=cast(TextIO, self.stderr._out) if show_progress else None,
            )
        except SynthError as error:
            raise CommandError(str(error)) from None
        if show_progress:
            self.stdout.write(report.summary())
