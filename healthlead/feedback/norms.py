"""National norms and the reliability of the instrument, refreshed by a background task.

Norms: percentiles of subjects' all-others element and domain means, read from frozen
reports (already suppressed figures), by staff group and career stage, then by staff
group alone, then for everyone. A comparison group with fewer than NORM_MINIMUM
subjects is not stored, so a report always names the group it is compared with.

Reliability: Cronbach's alpha per questionnaire domain over the responses of visible
groups (other than self) in closed cycles, with listwise deletion (a response counts
for a domain only if it rated every item of it). Responses of groups below their
minimum are left out, as everywhere else.

Both start from aggregate queries (see docs/feedback-report.md): alpha from the ratings each
response stored, packed, when it was submitted (so the answers table is never scanned);
norms, on PostgreSQL, from the frozen reports' norm columns gathered by comparison group in
SQL. NumPy finishes both.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import psycopg
from django.db import connection, transaction
from django.utils import timezone

from healthlead.core import audit
from healthlead.core.actors import Actor
from healthlead.feedback.models import (
    Answer,
    FeedbackCycle,
    InstrumentStatistic,
    NormTable,
    QuestionnaireItem,
    Report,
    Response,
)
from healthlead.people.models import CareerStage, StaffGroup

NORM_MINIMUM = 30  # subjects in a comparison group before it is stored
ALPHA_MINIMUM = 30  # complete responses before alpha is stated
LEVELS = list(range(0, 101, 5))  # percentiles stored: p0, p5, ..., p100
CLOSED_STATES = (FeedbackCycle.State.CLOSED, FeedbackCycle.State.RELEASED)


# Comparison ------------------------------------------------------------------------------


def percentile_rank(value: float, percentiles: list[float]) -> int:
    """Where a value falls among stored percentiles (0-100), interpolating between them."""
    if value <= percentiles[0]:
        return 0
    if value >= percentiles[-1]:
        return 100
    equal = [LEVELS[k] for k, p in enumerate(percentiles) if p == value]
    if equal:
        return round((equal[0] + equal[-1]) / 2)
    for k in range(len(percentiles) - 1):
        low, high = percentiles[k], percentiles[k + 1]
        if low < value < high:
            return round(LEVELS[k] + (value - low) / (high - low) * (LEVELS[k + 1] - LEVELS[k]))
    return 100  # pragma: no cover (percentiles are sorted, so a bracket always exists)


def group_label(staff_group: str, career_stage: str) -> str:
    """The comparison group as the report names it."""
    if not staff_group:
        return "All staff groups and career stages"
    group = StaffGroup(staff_group).label if staff_group in StaffGroup.values else staff_group
    if not career_stage:
        return f"{group}, all career stages"
    stage = CareerStage(career_stage).label if career_stage in CareerStage.values else career_stage
    return f"{group}, {stage.lower()}"


def compare(
    *, questionnaire_id: int, staff_group: str, career_stage: str, inputs: dict[str, Any]
) -> dict[str, Any] | None:
    """The subject's all-others means as national percentiles, in the narrowest group with
    enough subjects (staff group and stage, else staff group, else everyone)."""
    rows = list(
        NormTable.objects.filter(questionnaire_id=questionnaire_id).filter(
            staff_group__in=[staff_group, ""], career_stage__in=[career_stage, ""]
        )
    )
    for level, key in (
        ("staff_group_and_stage", (staff_group, career_stage)),
        ("staff_group", (staff_group, "")),
        ("everyone", ("", "")),
    ):
        chosen = [r for r in rows if (r.staff_group, r.career_stage) == key]
        if not chosen:
            continue
        elements = {str(r.element_id): r for r in chosen if r.element_id}
        domains = {str(r.domain_id): r for r in chosen if r.domain_id}
        return {
            "level": level,
            "label": group_label(*key),
            "subjects": max(r.subjects for r in chosen),
            "computed_on": max(r.computed_at for r in chosen).date().isoformat(),
            "elements": {
                k: percentile_rank(v, elements[k].percentiles)
                for k, v in inputs["elements"].items()
                if k in elements
            },
            "domains": {
                k: percentile_rank(v, domains[k].percentiles)
                for k, v in inputs["domains"].items()
                if k in domains
            },
        }
    return None


# Norms -------------------------------------------------------------------------------------


def latest_report_ids() -> list[int]:
    """One report per subject and questionnaire: the latest closed one."""
    seen: set[tuple[int, int]] = set()
    ids = []
    rows = (
        Report.objects.filter(cycle__state__in=CLOSED_STATES)
        .order_by("cycle__subject_id", "cycle__questionnaire_id", "-cycle__closed_at", "-pk")
        .values_list("pk", "cycle__subject_id", "cycle__questionnaire_id")
    )
    for pk, subject_id, questionnaire_id in rows.iterator(chunk_size=5000):
        if (subject_id, questionnaire_id) not in seen:
            seen.add((subject_id, questionnaire_id))
            ids.append(pk)
    return ids


@dataclass(frozen=True)
class NormRow:
    questionnaire_id: int
    staff_group: str
    career_stage: str
    kind: str  # "element" or "domain"
    key: int
    subjects: int
    percentiles: list[float]


@contextmanager
def _tuned_for_aggregates() -> Iterator[None]:
    """A transaction whose big aggregates sort and hash in memory and skip JIT compiling
    (on PostgreSQL: compiling these queries takes longer than running them)."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL work_mem = '128MB'")
                cursor.execute("SET LOCAL jit = off")
        yield


# On PostgreSQL the norms start from one aggregate: the latest closed report per subject
# and questionnaire, its all-others means unpacked from the report's narrow norm columns
# (never the whole frozen report) and gathered by questionnaire, staff group, career stage
# and element or domain. Python then merges those few groups into the three comparison
# levels and NumPy takes the percentiles.
NORMS_SQL = """
WITH latest AS (
    SELECT DISTINCT ON (c.subject_id, c.questionnaire_id)
           c.questionnaire_id, r.staff_group, r.career_stage, r.norm_inputs
    FROM feedback_report r JOIN feedback_feedbackcycle c ON c.id = r.cycle_id
    WHERE c.state IN ('closed', 'released')
    ORDER BY c.subject_id, c.questionnaire_id, c.closed_at DESC, r.id DESC
), means AS (
    SELECT l.questionnaire_id, l.staff_group, l.career_stage, m.kind,
           CAST(m.key AS BIGINT) AS key, CAST(m.value AS DOUBLE PRECISION) AS value
    FROM latest l CROSS JOIN LATERAL (
        SELECT 'element' AS kind, key, value
        FROM jsonb_each_text(l.norm_inputs -> 'elements')
        UNION ALL
        SELECT 'domain', key, value FROM jsonb_each_text(l.norm_inputs -> 'domains')
    ) m
)
SELECT questionnaire_id, staff_group, career_stage, kind, key, array_send(array_agg(value))
FROM means GROUP BY questionnaire_id, staff_group, career_stage, kind, key
"""


def _float_array(raw: bytes) -> np.ndarray:
    """A one-dimensional float8[] without nulls, as `array_send` writes it: the number of
    dimensions, a nulls flag, the element type, each dimension's size and lower bound, then
    every element as a 4-byte length and its 8 bytes."""
    dimensions = int.from_bytes(raw[0:4], "big")
    elements = np.frombuffer(
        raw, dtype=np.dtype([("len", ">i4"), ("v", ">f8")]), offset=12 + 8 * dimensions
    )
    return elements["v"].astype(np.float64)


def _percentile_rows(
    values: dict[tuple[int, str, str, str, int], list[Any]],
) -> list[NormRow]:
    """The stored percentiles of each comparison group with enough subjects (each group's
    values come as lists of floats or of float arrays)."""
    out = []
    for (questionnaire_id, sg, cs, kind, key), parts in values.items():
        series = np.concatenate(parts) if parts and isinstance(parts[0], np.ndarray) else parts
        if len(series) < NORM_MINIMUM:
            continue
        pct = np.percentile(np.asarray(series, dtype=float), LEVELS)
        out.append(
            NormRow(questionnaire_id, sg, cs, kind, key, len(series), [float(p) for p in pct])
        )
    return out


def compute_norms(report_ids: list[int] | None = None) -> list[NormRow]:
    """Percentiles per comparison group: from one aggregate query on PostgreSQL, else from
    one streamed query over frozen reports."""
    values: dict[tuple[int, str, str, str, int], list[Any]] = defaultdict(list)
    if report_ids is None and connection.vendor == "postgresql":
        with _tuned_for_aggregates():
            connection.ensure_connection()
            # A plain psycopg cursor with binary results, so each group's means arrive as the
            # bytes of one array, read straight into NumPy rather than as Python floats.
            with psycopg.Cursor(connection.connection) as cursor:
                # The planner cannot know that a few hundred comparison groups come out of
                # the means (it guesses one a row), so it would sort them all to group them;
                # hashing took a third of the time. Only DISTINCT ON still sorts.
                cursor.execute("SET LOCAL enable_sort = off")
                cursor.execute(NORMS_SQL, binary=True)
                for questionnaire_id, staff_group, career_stage, kind, key, raw in cursor:
                    series = _float_array(bytes(raw))
                    for sg, cs in ((staff_group, career_stage), (staff_group, ""), ("", "")):
                        values[(questionnaire_id, sg, cs, kind, int(key))].append(series)
        return _percentile_rows(values)
    return _compute_norms_in_python(report_ids)


def _compute_norms_in_python(report_ids: list[int] | None = None) -> list[NormRow]:
    ids = latest_report_ids() if report_ids is None else report_ids
    values: dict[tuple[int, str, str, str, int], list[float]] = defaultdict(list)
    rows = (
        Report.objects.filter(pk__in=ids)
        .values_list("cycle__questionnaire_id", "staff_group", "career_stage", "norm_inputs")
        .order_by()
    )
    for questionnaire_id, staff_group, career_stage, inputs in rows.iterator(chunk_size=2000):
        if not inputs:
            continue
        for kind, plural in (("element", "elements"), ("domain", "domains")):
            for key, value in inputs[plural].items():
                for sg, cs in ((staff_group, career_stage), (staff_group, ""), ("", "")):
                    values[(questionnaire_id, sg, cs, kind, int(key))].append(value)
    return _percentile_rows(values)


@transaction.atomic
def refresh_norms(*, by: Actor) -> int:
    """Replace the stored norm tables with freshly computed ones; returns rows stored."""
    rows = compute_norms()
    now = timezone.now()
    NormTable.objects.all().delete()
    NormTable.objects.bulk_create(
        [
            NormTable(
                questionnaire_id=r.questionnaire_id,
                staff_group=r.staff_group,
                career_stage=r.career_stage,
                element_id=r.key if r.kind == "element" else None,
                domain_id=r.key if r.kind == "domain" else None,
                subjects=r.subjects,
                percentiles=r.percentiles,
                computed_at=now,
            )
            for r in rows
        ],
        batch_size=1000,
    )
    audit.record("feedback.norms.refreshed", by=by, detail={"rows": len(rows)})
    return len(rows)


# Reliability -------------------------------------------------------------------------------

NOT_OBSERVED = 0  # a rating's byte when the rater did not observe the behaviour


def pack_ratings(ratings: Sequence[int | None]) -> bytes:
    """A response's ratings in questionnaire item order as `Response.ratings` stores them:
    one byte an item, 1-5, or 0 for not observed."""
    if any(r is not None and not 1 <= r <= 5 for r in ratings):
        raise ValueError("Ratings must be 1 to 5, or None for not observed.")
    return bytes(NOT_OBSERVED if r is None else r for r in ratings)


def ratings_of(response: Response) -> bytes:
    """The packed ratings of a response, from its answers (an item with no answer counts as
    not observed), in its questionnaire's item order."""
    answers = dict(Answer.objects.filter(response=response).values_list("item_id", "rating"))
    items = QuestionnaireItem.objects.filter(
        questionnaire_id=response.cycle.questionnaire_id
    ).order_by("order", "pk")
    return pack_ratings([answers.get(pk) for pk in items.values_list("pk", flat=True)])


# The visible responses (groups other than self, at or above their minimum, in closed
# cycles) and their packed ratings. (A window count sorts the responses once; counting the
# groups first and joining back measured slower.)
VISIBLE_RATINGS_SQL = """
SELECT r.id, c.questionnaire_id, r.ratings
FROM (
    SELECT id, cycle_id, group_id, ratings,
           COUNT(*) OVER (PARTITION BY cycle_id, group_id) AS n
    FROM feedback_response WHERE state = 'submitted'
) r
JOIN feedback_feedbackcycle c ON c.id = r.cycle_id
JOIN feedback_ratergroup g ON g.id = r.group_id
LEFT JOIN feedback_cyclegroupminimum m ON m.cycle_id = r.cycle_id AND m.group_id = r.group_id
WHERE c.state IN ('closed', 'released') AND NOT g.is_self
  AND r.n >= COALESCE(m.minimum, g.default_minimum)
"""

# On PostgreSQL the packed ratings come back joined end to end, one value per questionnaire,
# width (items) and block of a million response ids, so a bytea stays far below its 1 GB
# limit and Python receives a few values rather than a row a response.
JOINED_RATINGS_SQL = f"""
SELECT questionnaire_id, octet_length(ratings), string_agg(ratings, ''::bytea)
FROM ({VISIBLE_RATINGS_SQL}) AS v
WHERE octet_length(ratings) > 0
GROUP BY questionnaire_id, octet_length(ratings), id / 1000000
"""  # noqa: S608 (constant text)


def cronbach_alpha(matrix: np.ndarray) -> float | None:
    """Cronbach's alpha for complete rows (respondents) by columns (items)."""
    respondents, k = matrix.shape
    if k < 2 or respondents < 2:
        return None
    item_variance = matrix.var(axis=0, ddof=1).sum()
    total_variance = matrix.sum(axis=1).var(ddof=1)
    if total_variance == 0:
        return None
    return float(k / (k - 1) * (1 - item_variance / total_variance))


@dataclass(frozen=True)
class DomainReliability:
    questionnaire_id: int
    domain_id: int
    responses: int
    alpha: float | None


def _visible_ratings() -> dict[tuple[int, int], list[bytes]]:
    """The packed ratings of visible responses, by questionnaire and width."""
    out: dict[tuple[int, int], list[bytes]] = defaultdict(list)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(JOINED_RATINGS_SQL)
            for questionnaire_id, width, joined in cursor:
                out[(questionnaire_id, width)].append(bytes(joined))
            return out
        cursor.execute(VISIBLE_RATINGS_SQL)
        for _, questionnaire_id, ratings in cursor:
            if ratings:
                out[(questionnaire_id, len(ratings))].append(bytes(ratings))
    return out


def compute_reliability() -> list[DomainReliability]:
    """Alpha per questionnaire domain over visible responses, from the ratings each response
    stored when it was submitted: one query, then NumPy."""
    with _tuned_for_aggregates():
        return _compute_reliability()


def _compute_reliability() -> list[DomainReliability]:
    domains: dict[int, list[int]] = defaultdict(list)  # questionnaire: domain of each item
    for questionnaire_id, domain_id in QuestionnaireItem.objects.values_list(
        "questionnaire_id", "element__domain_id"
    ).order_by("questionnaire_id", "order", "pk"):
        domains[questionnaire_id].append(domain_id)
    joined = _visible_ratings()
    out = []
    for questionnaire_id, item_domains in domains.items():
        width = len(item_domains)
        blocks = joined.get((questionnaire_id, width))
        if not blocks:
            continue
        matrix = np.frombuffer(b"".join(blocks), dtype=np.uint8).reshape(-1, width)
        columns: dict[int, list[int]] = defaultdict(list)
        for column, domain_id in enumerate(item_domains):
            columns[domain_id].append(column)
        for domain_id, domain_columns in columns.items():
            block = matrix[:, domain_columns]
            complete = block[(block != NOT_OBSERVED).all(axis=1)].astype(float)
            alpha = cronbach_alpha(complete) if len(complete) >= ALPHA_MINIMUM else None
            out.append(DomainReliability(questionnaire_id, domain_id, len(complete), alpha))
    return out


@transaction.atomic
def refresh_instrument_statistics(*, by: Actor) -> int:
    """Replace the stored reliability figures with fresh ones; returns rows stored."""
    results = compute_reliability()
    now = timezone.now()
    InstrumentStatistic.objects.all().delete()
    InstrumentStatistic.objects.bulk_create(
        [
            InstrumentStatistic(
                questionnaire_id=r.questionnaire_id,
                domain_id=r.domain_id,
                responses=r.responses,
                alpha=r.alpha,
                computed_at=now,
            )
            for r in results
        ]
    )
    audit.record("feedback.instrument_statistics.refreshed", by=by, detail={"rows": len(results)})
    return len(results)
