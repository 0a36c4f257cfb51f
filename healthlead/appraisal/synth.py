"""The appraisals stage of `manage.py synth`: this year's appraisal for everyone with a line
manager, at the proportions in docs/appraisal-and-talent.md, with attributed state changes and
sign-offs. Appraisers are the line managers. Loaded with the bulk writer (COPY on PostgreSQL).
"""

from __future__ import annotations

import datetime as dt
from array import array
from collections.abc import Iterator
from typing import Any

from healthlead.appraisal.models import (
    Appraisal,
    AppraisalSignOff,
    AppraisalStateChange,
    appraisal_year_for,
)
from healthlead.core import audit
from healthlead.demo.synth.clearing import delete_rows
from healthlead.demo.synth.registry import SynthContext, synth_stage
from healthlead.demo.synth.staff import GRADES, GROUPS, synthetic_people_sql

# Of everyone with a line manager, this year's appraisal is (cumulative shares):
SIGNED_OFF = 0.75
AWAITING_SIGN_OFF = 0.83  # 8%
IN_PROGRESS = 0.93  # 10%; the other 7% have not started
# Ratings, as shares of 1, 2 and 3.
PERFORMANCE_SHARES = (0.10, 0.65, 0.25)
POTENTIAL_SHARES = (0.35, 0.45, 0.20)
REVALIDATION_SHARE = 0.9  # of doctors' appraisals
CHECKLIST_SHARE = 0.85  # each item of the revalidation checklist
SYNTH_LABEL = "Synthetic data"
OBJECTIVES = [
    "Lead the team's part in the trust's quality improvement programme.",
    "Reduce agency spending in the service by a tenth.",
    "Coach two team members into their first leadership roles.",
    "Bring patient feedback into every team meeting.",
    "Complete a leadership programme and apply it in the service.",
    "Improve the staff survey score for team working.",
]

APPRAISAL_COLUMNS = [
    "id",
    "appraisee_id",
    "appraiser_id",
    "year",
    "state",
    "reflection",
    "discussion",
    "objectives",
    "performance",
    "potential",
    "agreed_plan_notes",
    "agreed_plan",
    "supports_revalidation",
    "has_cpd",
    "has_quality_improvement",
    "has_significant_events",
    "has_patient_feedback",
    "has_colleague_feedback",
    "has_compliments_and_complaints",
    "revalidation_notes",
    "started_at",
    "submitted_at",
    "signed_off_at",
    "updated_at",
]
CHANGE_COLUMNS = ["id", "appraisal_id", "from_state", "to_state", "by_id", "by_label", "at", "note"]
SIGN_OFF_COLUMNS = ["id", "appraisal_id", "role", "person_id", "by_id", "at", "superseded_at"]
STATES = ("", "in_progress", "awaiting_sign_off", "signed_off")  # index 0: no appraisal
DOCTORS = GROUPS.index("doctors")


def _level(rng: Any, shares: tuple[float, float, float], nudge: float = 0.0) -> int:
    roll = rng.random() - nudge
    return 1 if roll < shares[0] else 2 if roll < shares[0] + shares[1] else 3


def _synthetic_appraisals_sql() -> tuple[str, list[str]]:
    people, params = synthetic_people_sql()
    return (
        f'SELECT id FROM "appraisal_appraisal" WHERE "appraisee_id" IN ({people}) '  # noqa: S608
        f'OR "appraiser_id" IN ({people})',
        params + params,
    )


def clear_appraisals(ctx: SynthContext) -> int:
    """Remove appraisals of (or by) synthetic staff, with their state changes and sign-offs."""
    sql, params = _synthetic_appraisals_sql()
    return delete_rows(Appraisal, sql, params, writer=ctx.writer)


@synth_stage("appraisals", order=600, clear=clear_appraisals)
def load_appraisals(ctx: SynthContext) -> int:
    """This year's appraisals (most signed off) with state changes and sign-offs."""
    staff = ctx.require_staff()
    rng = ctx.rng("appraisals")
    year = appraisal_year_for(ctx.as_of)
    year_start = dt.date(year, 4, 1)
    span = max(1, (ctx.as_of - year_start).days - 45)
    senior = {GRADES.index(g) for g in ("band_8c", "band_8d", "band_9", "consultant", "vsm")}
    # One pass of decisions into compact arrays (aligned with the staff index).
    state = array("b", bytes(len(staff)))
    performance = array("b", bytes(len(staff)))
    potential = array("b", bytes(len(staff)))
    for i in range(len(staff)):
        if not staff.manager[i]:
            continue
        roll = rng.random()
        if roll >= IN_PROGRESS:
            continue
        state[i] = 3 if roll < SIGNED_OFF else 2 if roll < AWAITING_SIGN_OFF else 1
        if state[i] >= 2 or rng.random() < 0.4:
            performance[i] = _level(rng, PERFORMANCE_SHARES)
            potential[i] = _level(rng, POTENTIAL_SHARES, 0.15 if staff.grade[i] in senior else 0.0)
    # Later stages (the talent grid) read the ratings of signed-off appraisals.
    ctx.__dict__["appraisal_ratings"] = (state, performance, potential)
    people = [i for i in range(len(staff)) if state[i]]
    first = ctx.writer.next_ids(Appraisal, len(people))
    changes_total = sum(state[i] for i in people)
    sign_offs_total = sum(2 if state[i] == 3 else (1 if state[i] == 2 else 0) for i in people)
    base = dt.datetime.combine(year_start, dt.time(9), tzinfo=dt.UTC)
    salt = ctx.seed * 7919

    def when(i: int) -> tuple[dt.datetime, dt.datetime, dt.datetime]:
        """Start, submission and sign-off moments: a cheap deterministic hash of the index."""
        h = ((i + salt) * 0x9E3779B1) & 0xFFFFFFFF
        started = base + dt.timedelta(days=h % span, minutes=(h >> 20) % 480)
        submitted = started + dt.timedelta(days=7 + (h >> 8) % 23)
        return started, submitted, submitted + dt.timedelta(days=1 + (h >> 14) % 13)

    def appraisal_rows() -> Iterator[tuple[Any, ...]]:
        for offset, i in enumerate(people):
            started, submitted, signed = when(i)
            doctor = staff.group[i] == DOCTORS and state[i] >= 2
            revalidation = doctor and rng.random() < REVALIDATION_SHARE
            checklist = [revalidation and rng.random() < CHECKLIST_SHARE for _ in range(6)]
            yield (
                first + offset,
                staff.ids[i],
                staff.manager[i],
                year,
                STATES[state[i]],
                "",
                "",
                OBJECTIVES[rng.randrange(len(OBJECTIVES))] if state[i] >= 2 else "",
                performance[i] or None,
                potential[i] or None,
                "",
                [],
                revalidation,
                *checklist,
                "",
                started,
                submitted if state[i] >= 2 else None,
                signed if state[i] == 3 else None,
                signed if state[i] == 3 else (submitted if state[i] == 2 else started),
            )

    written = ctx.writer.write(
        Appraisal, APPRAISAL_COLUMNS, appraisal_rows(), label="appraisals", total=len(people)
    )
    first_change = ctx.writer.next_ids(AppraisalStateChange, changes_total)

    def change_rows() -> Iterator[tuple[Any, ...]]:
        pk = first_change
        for offset, i in enumerate(people):
            moments_i = when(i)
            for step in range(state[i]):
                yield (
                    pk,
                    first + offset,
                    STATES[step],
                    STATES[step + 1],
                    None,
                    SYNTH_LABEL,
                    moments_i[step],
                    "",
                )
                pk += 1

    written += ctx.writer.write(
        AppraisalStateChange,
        CHANGE_COLUMNS,
        change_rows(),
        label="appraisal state changes",
        total=changes_total,
    )
    first_sign_off = ctx.writer.next_ids(AppraisalSignOff, sign_offs_total)

    def sign_off_rows() -> Iterator[tuple[Any, ...]]:
        pk = first_sign_off
        for offset, i in enumerate(people):
            if state[i] < 2:
                continue
            _, submitted, signed = when(i)
            signers = [("appraisee", staff.ids[i])]
            if state[i] == 3:
                signers.append(("appraiser", staff.manager[i]))
            for role, person_id in signers:
                at = submitted + dt.timedelta(hours=20) if role == "appraisee" else signed
                yield (pk, first + offset, role, person_id, None, at, None)
                pk += 1

    written += ctx.writer.write(
        AppraisalSignOff,
        SIGN_OFF_COLUMNS,
        sign_off_rows(),
        label="appraisal sign-offs",
        total=sign_offs_total,
    )
    audit.record(
        "demo.synth.appraisals_loaded",
        by=ctx.by,
        detail={"appraisals": len(people), "year": year, "rows": written},
    )
    return written
