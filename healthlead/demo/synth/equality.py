"""The equality answers stage: voluntary sex, ethnicity and disability answers for about 70%."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from typing import Any

from healthlead.core import audit
from healthlead.demo.synth import facts
from healthlead.demo.synth.clearing import delete_rows
from healthlead.demo.synth.registry import SynthContext, synth_stage
from healthlead.demo.synth.staff import synthetic_people_sql
from healthlead.people.models import EqualityAnswers

COLUMNS = ["id", "person_id", "sex", "ethnicity", "disability", "answered_at"]


def clear_equality(ctx: SynthContext) -> int:
    """Remove the equality answers of synthetic staff."""
    sql, params = synthetic_people_sql()
    return delete_rows(
        EqualityAnswers,
        f'SELECT id FROM "people_equalityanswers" WHERE "person_id" IN ({sql})',  # noqa: S608
        params,
        writer=ctx.writer,
    )


@synth_stage("equality", order=300, clear=clear_equality)
def load_equality(ctx: SynthContext) -> int:
    """Equality-monitoring answers (voluntary: about 70% answer; some prefer not to say)."""
    staff = ctx.require_staff()
    rng = ctx.rng("equality")
    answering = [i for i in range(len(staff)) if rng.random() < facts.EQUALITY_ANSWER_RATE]
    first_id = ctx.writer.next_ids(EqualityAnswers, len(answering))
    ethnicities = list(facts.ETHNICITY_SHARES)
    ethnicity_cumulative = list(itertools.accumulate(facts.ETHNICITY_SHARES.values()))
    disabilities = list(facts.DISABILITY_SHARES)
    disability_cumulative = list(itertools.accumulate(facts.DISABILITY_SHARES.values()))
    asked = dt.datetime.combine(ctx.as_of, dt.time(9, 0), tzinfo=dt.UTC)

    def rows() -> Iterator[tuple[Any, ...]]:
        for offset, i in enumerate(answering):
            if rng.random() < facts.SEX_PREFER_NOT:
                sex = EqualityAnswers.Sex.PREFER_NOT
            else:
                sex = EqualityAnswers.Sex.FEMALE if staff.female[i] else EqualityAnswers.Sex.MALE
            yield (
                first_id + offset,
                staff.ids[i],
                sex.value,
                rng.choices(ethnicities, cum_weights=ethnicity_cumulative)[0],
                rng.choices(disabilities, cum_weights=disability_cumulative)[0],
                asked - dt.timedelta(days=rng.randrange(730), minutes=rng.randrange(600)),
            )

    written = ctx.writer.write(
        EqualityAnswers, COLUMNS, rows(), label="equality answers", total=len(answering)
    )
    audit.record(
        "demo.synth.equality_loaded",
        by=ctx.by,
        detail={"answers": written, "staff": len(staff)},
    )
    return written
