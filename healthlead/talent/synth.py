"""The talent stage of `manage.py synth`: talent conversations for senior staff with their
places on the 9-box grid (performance from this year's signed-off appraisal where there is
one), some calibrations, 6- and 12-month reviews, and opt-ins to the national talent pool with
consent records and search rows. Proportions are in docs/appraisal-and-talent.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.utils import timezone

from healthlead.core import audit
from healthlead.demo.synth.clearing import delete_rows
from healthlead.demo.synth.registry import SynthContext, synth_stage
from healthlead.demo.synth.staff import GRADES, GROUPS, synthetic_people_sql
from healthlead.people.models import Organisation, Person
from healthlead.talent import grid
from healthlead.talent.actions import CONSENT_TEXT_VERSION, add_months, refresh_grid_tallies
from healthlead.talent.models import (
    ConsentRecord,
    PoolEntry,
    Readiness,
    TalentConversation,
    TalentProfile,
    TalentRating,
    TalentRatingChange,
    TalentReview,
    aspirations_mask,
    profession_for,
)

CONVERSATION_SHARE = 0.6  # of staff at band 7 and above, consultants and senior managers
CALIBRATED_SHARE = 0.04  # of those on the grid, moved by a lead
REVIEWED_SHARE = 0.7  # of reviews already due
POOL_SHARE = 0.45  # of those ready now or within two years, at band 8b and above
WITHDRAWN_SHARE = 0.05  # of those who joined the pool
SHARING = {  # chance of sharing each thing
    "share_role": 0.9,
    "share_contact": 0.6,
    "share_readiness": 0.95,
    "share_grid": 0.5,
    "share_feedback_scores": 0.7,
    "share_programmes": 0.8,
}
SYNTH_LABEL = "Synthetic data"
ELIGIBLE = {
    GRADES.index(g)
    for g in (
        "band_7",
        "band_8a",
        "band_8b",
        "band_8c",
        "band_8d",
        "band_9",
        "consultant",
        "vsm",
        "specialty_doctor",
    )
}
POOL_GRADES = {
    GRADES.index(g) for g in ("band_8b", "band_8c", "band_8d", "band_9", "consultant", "vsm")
}
TOP_GRADES = {GRADES.index(g) for g in ("band_8d", "band_9", "vsm")}
ASPIRATIONS_BY_GROUP = {
    "nurses": ["director_of_nursing", "other_director"],
    "midwives": ["director_of_nursing", "other_director"],
    "doctors": ["clinical_director", "medical_director"],
    "managers": ["chief_operating_officer", "finance_director", "other_director"],
    "senior_managers": ["chief_operating_officer", "finance_director", "chief_executive"],
}
READINESS = [
    Readiness.READY_NOW.value,
    Readiness.ONE_TO_TWO_YEARS.value,
    Readiness.THREE_PLUS_YEARS.value,
]

CONVERSATION_COLUMNS = [
    "id",
    "person_id",
    "started_by_id",
    "started_by_label",
    "started_as",
    "manager_id",
    "held_on",
    "aspirations",
    "aspiration_notes",
    "readiness",
    "performance",
    "performance_source",
    "appraisal_id",
    "potential",
    "notes",
    "created_at",
]
REVIEW_COLUMNS = [
    "id",
    "conversation_id",
    "months",
    "due_on",
    "reminded_at",
    "reviewed_at",
    "reviewed_by_id",
    "reviewed_by_label",
    "notes",
]
RATING_COLUMNS = [
    "id",
    "person_id",
    "performance",
    "potential",
    "box",
    "conversation_id",
    "updated_at",
]
CHANGE_COLUMNS = [
    "id",
    "rating_id",
    "person_id",
    "kind",
    "from_box",
    "to_box",
    "reason",
    "by_id",
    "by_label",
    "at",
]
PROFILE_COLUMNS = [
    "id",
    "person_id",
    "profession",
    "statement",
    "consent_text_version",
    "consent_given_at",
    "withdrawn_at",
    *SHARING,
    "updated_at",
]
CONSENT_COLUMNS = [
    "id",
    "profile_id",
    "kind",
    "consent_text_version",
    "choices",
    "by_id",
    "by_label",
    "at",
]
ENTRY_COLUMNS = [
    "id",
    "person_id",
    "full_name",
    "sort_name",
    "region_id",
    "staff_group",
    "profession",
    "organisation_id",
    "organisation_name",
    "role_title",
    "role_title_lower",
    "grade",
    "email",
    "readiness",
    "aspirations_mask",
    "box",
    "statement",
    "scores_from",
    "refreshed_at",
]


def _people_sql(table: str, column: str = "person_id") -> tuple[str, list[str]]:
    people, params = synthetic_people_sql()
    return f'SELECT id FROM "{table}" WHERE "{column}" IN ({people})', params  # noqa: S608


def clear_talent(ctx: SynthContext) -> int:
    """Remove the talent records of synthetic staff (conversations, grid places, pool rows)."""
    removed = 0
    for model in (PoolEntry, TalentProfile, TalentRating, TalentConversation):
        sql, params = _people_sql(model._meta.db_table)
        removed += delete_rows(model, sql, params, writer=ctx.writer)
    return removed


def count_grids(ctx: SynthContext) -> None:
    """The organisation and region grids' counts, as the nightly recount makes them."""
    refresh_grid_tallies(by=ctx.by)


@synth_stage("talent", order=650, clear=clear_talent, after=count_grids)
def load_talent(ctx: SynthContext) -> int:
    """Talent conversations, grid places, reviews and talent pool opt-ins for senior staff."""
    staff = ctx.require_staff()
    rng = ctx.rng("talent")
    ratings: Any = ctx.__dict__.get("appraisal_ratings")
    chosen: list[
        tuple[int, int, int, int, int, list[str]]
    ] = []  # (i, perf, pot, readiness, days ago, aspirations)
    for i in range(len(staff)):
        if staff.grade[i] not in ELIGIBLE or rng.random() >= CONVERSATION_SHARE:
            continue
        from_appraisal = ratings is not None and ratings[0][i] == 3
        performance = ratings[1][i] if from_appraisal else rng.choice((1, 2, 2, 2, 3, 3))
        potential = ratings[2][i] if from_appraisal else rng.choice((1, 2, 2, 3))
        top = staff.grade[i] in TOP_GRADES
        readiness = rng.choices((0, 1, 2), weights=(40, 40, 20) if top else (15, 40, 45))[0]
        group = GROUPS[staff.group[i]]
        wanted = ASPIRATIONS_BY_GROUP.get(group, ["other_director"])
        aspirations = [a for a in wanted if rng.random() < 0.6] or [wanted[0]]
        if top and rng.random() < 0.2:
            aspirations.append("chief_executive")
        if rng.random() < 0.05:
            aspirations.append("non_executive_director")
        chosen.append(
            (
                i,
                int(performance),
                int(potential),
                readiness,
                rng.randrange(15, 330),
                sorted(set(aspirations)),
            )
        )
    now = timezone.now()
    as_of = dt.datetime.combine(ctx.as_of, dt.time(12), tzinfo=dt.UTC)
    first_conversation = ctx.writer.next_ids(TalentConversation, len(chosen))

    def held(days_ago: int) -> dt.date:
        return ctx.as_of - dt.timedelta(days=days_ago)

    def conversation_rows() -> Iterator[tuple[Any, ...]]:
        for offset, (i, perf, pot, readiness, days_ago, aspirations) in enumerate(chosen):
            from_appraisal = ratings is not None and ratings[0][i] == 3
            yield (
                first_conversation + offset,
                staff.ids[i],
                None,
                SYNTH_LABEL,
                "manager",
                staff.manager[i] or None,
                held(days_ago),
                aspirations,
                "",
                READINESS[readiness],
                perf,
                "appraisal" if from_appraisal else "conversation",
                None,
                pot,
                "",
                as_of - dt.timedelta(days=days_ago),
            )

    written = ctx.writer.write(
        TalentConversation,
        CONVERSATION_COLUMNS,
        conversation_rows(),
        label="talent conversations",
        total=len(chosen),
    )
    first_review = ctx.writer.next_ids(TalentReview, 2 * len(chosen))

    def review_rows() -> Iterator[tuple[Any, ...]]:
        pk = first_review
        for offset, (_, _, _, _, days_ago, _) in enumerate(chosen):
            for months in (6, 12):
                due = add_months(held(days_ago), months)
                done = due <= ctx.as_of and rng.random() < REVIEWED_SHARE
                due_moment = dt.datetime.combine(due, dt.time(10), tzinfo=dt.UTC)
                yield (
                    pk,
                    first_conversation + offset,
                    months,
                    due,
                    due_moment - dt.timedelta(days=10) if due <= ctx.as_of else None,
                    due_moment + dt.timedelta(days=3) if done else None,
                    None,
                    SYNTH_LABEL if done else "",
                    "Reviewed progress towards the aspirations." if done else "",
                )
                pk += 1

    written += ctx.writer.write(
        TalentReview, REVIEW_COLUMNS, review_rows(), label="talent reviews", total=2 * len(chosen)
    )
    # Places on the grid, some moved since by calibration.
    calibrated = [rng.random() < CALIBRATED_SHARE for _ in chosen]
    final_box: list[int] = []
    for (_, perf, pot, _, _, _), moved in zip(chosen, calibrated, strict=True):
        box = grid.box_for(perf, pot)
        if moved:
            box = rng.choice([b for b in range(1, 10) if b != box])
        final_box.append(box)
    first_rating = ctx.writer.next_ids(TalentRating, len(chosen))

    def rating_rows() -> Iterator[tuple[Any, ...]]:
        for offset, (i, _, _, _, days_ago, _) in enumerate(chosen):
            perf, pot = grid.place_of(final_box[offset])
            yield (
                first_rating + offset,
                staff.ids[i],
                perf,
                pot,
                final_box[offset],
                first_conversation + offset,
                as_of - dt.timedelta(days=max(0, days_ago - 10)),
            )

    written += ctx.writer.write(
        TalentRating, RATING_COLUMNS, rating_rows(), label="talent grid places", total=len(chosen)
    )
    changes_total = len(chosen) + sum(calibrated)
    first_change = ctx.writer.next_ids(TalentRatingChange, changes_total)

    def change_rows() -> Iterator[tuple[Any, ...]]:
        pk = first_change
        for offset, (i, perf, pot, _, days_ago, _) in enumerate(chosen):
            placed = grid.box_for(perf, pot)
            moment = as_of - dt.timedelta(days=days_ago)
            yield (
                pk,
                first_rating + offset,
                staff.ids[i],
                "conversation",
                None,
                placed,
                "",
                None,
                SYNTH_LABEL,
                moment,
            )
            pk += 1
            if calibrated[offset]:
                yield (
                    pk,
                    first_rating + offset,
                    staff.ids[i],
                    "calibration",
                    placed,
                    final_box[offset],
                    "Calibrated at the organisation's talent panel.",
                    None,
                    SYNTH_LABEL,
                    moment + dt.timedelta(days=10),
                )
                pk += 1

    written += ctx.writer.write(
        TalentRatingChange,
        CHANGE_COLUMNS,
        change_rows(),
        label="talent grid moves",
        total=changes_total,
    )
    written += _load_pool(ctx, rng, chosen, final_box, now)
    audit.record(
        "demo.synth.talent_loaded",
        by=ctx.by,
        detail={"conversations": len(chosen), "rows": written},
    )
    return written


def _load_pool(
    ctx: SynthContext,
    rng: Any,
    chosen: list[tuple[int, int, int, int, int, list[str]]],
    final_box: list[int],
    now: dt.datetime,
) -> int:
    """Talent pool opt-ins, their consent records and their search rows."""
    staff = ctx.require_staff()
    joining = [
        (offset, row)
        for offset, row in enumerate(chosen)
        if row[3] < 2 and staff.grade[row[0]] in POOL_GRADES and rng.random() < POOL_SHARE
    ]
    as_of = dt.datetime.combine(ctx.as_of, dt.time(12), tzinfo=dt.UTC)
    members = []
    for offset, (i, _, _, readiness, days_ago, aspirations) in joining:
        sharing = {name: rng.random() < share for name, share in SHARING.items()}
        given = as_of - dt.timedelta(days=max(1, days_ago - rng.randrange(0, 14)))
        withdrawn = given + dt.timedelta(days=7) if rng.random() < WITHDRAWN_SHARE else None
        members.append((offset, i, readiness, aspirations, sharing, given, withdrawn))
    first_profile = ctx.writer.next_ids(TalentProfile, len(members))

    def profile_rows() -> Iterator[tuple[Any, ...]]:
        for n, (_, i, _, _, sharing, given, withdrawn) in enumerate(members):
            yield (
                first_profile + n,
                staff.ids[i],
                profession_for(GROUPS[staff.group[i]]),
                "",
                CONSENT_TEXT_VERSION,
                given,
                withdrawn,
                *sharing.values(),
                withdrawn or given,
            )

    written = ctx.writer.write(
        TalentProfile,
        PROFILE_COLUMNS,
        profile_rows(),
        label="talent pool profiles",
        total=len(members),
    )
    records_total = len(members) + sum(1 for m in members if m[6] is not None)
    first_record = ctx.writer.next_ids(ConsentRecord, records_total)

    def consent_rows() -> Iterator[tuple[Any, ...]]:
        pk = first_record
        for n, (_, _, _, _, sharing, given, withdrawn) in enumerate(members):
            yield (
                pk,
                first_profile + n,
                "given",
                CONSENT_TEXT_VERSION,
                sharing,
                None,
                SYNTH_LABEL,
                given,
            )
            pk += 1
            if withdrawn is not None:
                yield (
                    pk,
                    first_profile + n,
                    "withdrawn",
                    CONSENT_TEXT_VERSION,
                    sharing,
                    None,
                    SYNTH_LABEL,
                    withdrawn,
                )
                pk += 1

    written += ctx.writer.write(
        ConsentRecord, CONSENT_COLUMNS, consent_rows(), label="consent records", total=records_total
    )
    # Search rows: only for those still in the pool, holding only what each shares.
    active = [m for m in members if m[6] is None]
    plan_by_org = {plan.org_id: plan for plan in ctx.plan}
    details: dict[int, dict[str, Any]] = {}
    ids = [staff.ids[m[1]] for m in active]
    for start in range(0, len(ids), 5000):
        for row in Person.objects.filter(pk__in=ids[start : start + 5000]).values(
            "id", "first_name", "last_name", "occupation", "grade", "work_email", "organisation_id"
        ):
            details[row["id"]] = dict(row)
    first_entry = ctx.writer.next_ids(PoolEntry, len(active))

    def entry_rows() -> Iterator[tuple[Any, ...]]:
        for n, (offset, i, readiness, aspirations, sharing, _, _) in enumerate(active):
            person = details[staff.ids[i]]
            plan = plan_by_org.get(person["organisation_id"])
            role = (person["occupation"] or "")[:200] if sharing["share_role"] else ""
            yield (
                first_entry + n,
                person["id"],
                f"{person['first_name']} {person['last_name']}",
                f"{person['last_name']} {person['first_name']}".lower(),
                plan.region_id if plan else None,
                GROUPS[staff.group[i]],
                profession_for(GROUPS[staff.group[i]]),
                person["organisation_id"] if sharing["share_role"] else None,
                Organisation(name=plan.name).display_name[:200]
                if plan and sharing["share_role"]
                else "",
                role,
                role.lower(),
                person["grade"] if sharing["share_role"] else "",
                person["work_email"] if sharing["share_contact"] else "",
                READINESS[readiness] if sharing["share_readiness"] else "",
                aspirations_mask(aspirations) if sharing["share_readiness"] else 0,
                final_box[offset] if sharing["share_grid"] else None,
                "",
                None,
                now,
            )

    written += ctx.writer.write(
        PoolEntry, ENTRY_COLUMNS, entry_rows(), label="talent pool search rows", total=len(active)
    )
    return written
