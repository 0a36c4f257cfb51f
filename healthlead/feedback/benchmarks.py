"""Benchmarks for 360 reports and national norms (registered with core.benchmarks).

feedback_report_page_and_pdf: the report page and its PDF for one cycle with 30 raters
and 60 items (server time through Django's test client, median of ctx.repeats).

feedback_norms_and_alpha: norms and Cronbach's alpha over N responses x 45 items on
PostgreSQL (N = 1,000,000 at scale "england"), against one plain SQL aggregate over the
same answer rows in the same run. Data is loaded with binary COPY alongside whatever 360
data the database holds (make bench's synth data), and removed again afterwards.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import struct
import time
from typing import Any

import numpy as np
from django.db import connection, transaction
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from healthlead.core.benchmarks import BenchContext, Measurement, benchmark, median_of

RESPONSES_BY_SCALE = {"tiny": 24_000, "trust": 120_000, "region": 360_000, "england": 1_000_000}
# Raters per cycle (12): self, line manager, 4 peers, 3 direct reports, then 2 other
# colleagues and 1 patient, which stay below their minimum of 3 and must be left out.
CYCLE_GROUPS = [
    ("self", 1),
    ("line_manager", 1),
    ("peers", 4),
    ("direct_reports", 3),
    ("other_colleagues", 2),
    ("patients_carers", 1),
]


def _instrument(shape: tuple[int, int, int]) -> Any:
    from healthlead.feedback.tests.report_helpers import make_questionnaire

    domains, elements, items = shape
    code = f"BENCH{random.randrange(10**6):06d}"  # noqa: S311
    return make_questionnaire(tuple((items,) * elements for _ in range(domains)), code=code)


@benchmark("feedback_report_page_and_pdf", target="server time for 30 raters x 60 items")
def feedback_report_page_and_pdf(ctx: BenchContext) -> list[Measurement]:
    from healthlead.accounts.tests.factories import UserFactory
    from healthlead.feedback.tests.report_helpers import closed_cycle_with_raters

    rng = random.Random(ctx.seed)  # noqa: S311 (benchmark data, not secrets)
    measurements: list[Measurement] = []
    with transaction.atomic():
        instrument = _instrument((5, 4, 3))  # 60 items
        subject: Any = UserFactory()
        cycle = closed_cycle_with_raters(instrument, subject, rng)
        client = Client(REMOTE_ADDR="127.0.0.1")
        with override_settings(AXES_ENABLED=False):
            client.force_login(subject)
        page_url = reverse("feedback:show_report", args=[cycle.pk])
        pdf_url = reverse("feedback:download_report_pdf", args=[cycle.pk])

        def fetch(url: str) -> float:
            start = time.perf_counter()
            response = client.get(url)
            assert response.status_code == 200, response.status_code
            return time.perf_counter() - start

        first_page = fetch(page_url)  # draws and caches the charts
        measurements.append(
            Measurement(
                "report page, 30 raters x 60 items (median, charts cached)",
                median_of(ctx.repeats, lambda: fetch(page_url)),
                "s",
                extra={"first render with charts drawn (s)": round(first_page, 3)},
            )
        )
        measurements.append(
            Measurement(
                "report PDF, 30 raters x 60 items (median)",
                median_of(ctx.repeats, lambda: fetch(pdf_url)),
                "s",
            )
        )
        transaction.set_rollback(True)
    return measurements


# Norms and alpha at national scale -------------------------------------------------------------

PLAIN_AGGREGATE = "SELECT item_id, COUNT(rating), AVG(rating) FROM feedback_answer GROUP BY item_id"
_PG_HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
_PG_TRAILER = struct.pack(">h", -1)


def _binary_copy(
    table: str, columns: list[str], arrays: list[np.ndarray], kinds: list[str]
) -> None:
    """COPY integer columns into a table in PostgreSQL's binary format, built with NumPy."""
    fields: list[tuple[str, str]] = [("count", ">i2")]
    for n, kind in enumerate(kinds):
        fields += [(f"len{n}", ">i4"), (f"v{n}", f">{kind}")]
    rows = np.empty(len(arrays[0]), dtype=np.dtype(fields))
    rows["count"] = len(arrays)
    for n, (array, kind) in enumerate(zip(arrays, kinds, strict=True)):
        rows[f"len{n}"] = int(kind[1])
        rows[f"v{n}"] = array
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN (FORMAT binary)"
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        copy.write(_PG_HEADER)
        step = 2_000_000
        for start in range(0, len(rows), step):
            copy.write(rows[start : start + step].tobytes())
        copy.write(_PG_TRAILER)


def _text_copy(table: str, columns: list[str], lines: list[str]) -> None:
    statement = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        copy.write("".join(lines))


def _load(responses_wanted: int, rng: np.random.Generator) -> dict[str, Any]:
    from healthlead.accounts.tests.factories import UserFactory
    from healthlead.demo.synth.writer import BulkWriter
    from healthlead.feedback.models import Answer, FeedbackCycle, RaterGroup
    from healthlead.people.models import CareerStage, Person, StaffGroup
    from healthlead.people.tests.factories import OrganisationFactory

    instrument = _instrument((5, 3, 3))  # 45 items
    item_ids = np.array([i.pk for i in instrument.items], dtype=np.int64)
    per_cycle = sum(n for _, n in CYCLE_GROUPS)
    cycles = responses_wanted // per_cycle
    tag = f"{random.randrange(10**6):06d}"  # noqa: S311
    organisation: Any = OrganisationFactory(code=f"BN{tag}")
    starter: Any = UserFactory(
        email=f"bench{tag}@nhs.example",
        person__staff_number=f"BENCHU{tag}",
        person__organisation=organisation,
    )
    groups = [StaffGroup.NURSES, StaffGroup.DOCTORS, StaffGroup.MIDWIVES, StaffGroup.MANAGERS]
    stages = [CareerStage.EARLY_CAREER, CareerStage.ESTABLISHED, CareerStage.SENIOR]
    people = Person.objects.bulk_create(
        [
            Person(
                staff_number=f"BENCH{n:07d}",
                first_name="Bench",
                last_name=f"Subject {n}",
                organisation=organisation,
                staff_group=groups[n % len(groups)],
                grade="band_6",
                career_stage=stages[(n // len(groups)) % len(stages)],
                start_date=dt.date(2020, 1, 1),
            )
            for n in range(cycles)
        ],
        batch_size=5000,
    )
    now = timezone.now().isoformat()
    today = timezone.localdate().isoformat()
    first_cycle = (
        FeedbackCycle.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    ) + 1
    _text_copy(
        "feedback_feedbackcycle",
        [
            "id",
            "subject_id",
            "questionnaire_id",
            "started_by_id",
            "deadline",
            "state",
            "all_others_minimum",
            "launched_at",
            "closed_at",
            "created_at",
        ],
        [
            f"{first_cycle + n}\t{p.pk}\t{instrument.questionnaire.pk}\t{starter.pk}\t{today}\t"
            f"closed\t3\t{now}\t{now}\t{now}\n"
            for n, p in enumerate(people)
        ],
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('feedback_feedbackcycle', 'id'), %s)",
            [first_cycle + cycles],
        )
    group_ids = {g.code: g.pk for g in RaterGroup.objects.all()}
    minimums = {g.code: g.default_minimum for g in RaterGroup.objects.all()}
    cycle_ids = np.arange(first_cycle, first_cycle + cycles, dtype=np.int64)
    _binary_copy(
        "feedback_cyclegroupminimum",
        ["cycle_id", "group_id", "minimum"],
        [
            np.repeat(cycle_ids, len(group_ids)),
            np.tile(np.array(list(group_ids.values()), dtype=np.int64), cycles),
            np.tile(np.array([minimums[c] for c in group_ids], dtype=np.int16), cycles),
        ],
        ["i8", "i8", "i2"],
    )
    # Responses: ids assigned here so answers can point at them.
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM feedback_response")
        first_response = cursor.fetchone()[0]
    response_group = np.tile(
        np.repeat(
            np.array([group_ids[c] for c, _ in CYCLE_GROUPS], dtype=np.int64),
            [n for _, n in CYCLE_GROUPS],
        ),
        cycles,
    )
    response_cycle = np.repeat(cycle_ids, per_cycle)
    response_ids = np.arange(first_response, first_response + len(response_cycle), dtype=np.int64)
    # Answers: a per-rater leniency plus noise, 10% not observed.
    answers = len(response_ids) * len(item_ids)
    leniency = rng.normal(0, 0.7, len(response_ids))
    ratings = np.clip(
        np.rint(3.6 + np.repeat(leniency, len(item_ids)) + rng.normal(0, 0.6, answers)), 1, 5
    ).astype(np.int16)
    observed = rng.random(answers) >= 0.1
    # Each response's ratings packed as submission stores them (0: not observed).
    packed = np.where(observed, ratings, 0).astype(np.uint8).reshape(len(response_ids), -1)
    _text_copy(
        "feedback_response",
        ["id", "cycle_id", "group_id", "state", "submitted_on", "ratings", "updated_at"],
        [
            f"{r}\t{c}\t{g}\tsubmitted\t{today}\t\\\\x{p.tobytes().hex()}\t{now}\n"
            for r, c, g, p in zip(
                response_ids.tolist(),
                response_cycle.tolist(),
                response_group.tolist(),
                packed,
                strict=True,
            )
        ],
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('feedback_response', 'id'), %s)",
            [int(response_ids[-1])],
        )
    answer_response = np.repeat(response_ids, len(item_ids))
    answer_item = np.tile(item_ids, len(response_ids))
    # As synth loads: the answers table's keys and indexes are set aside and built once at the
    # end, rather than checked and updated row by row (at a million responses, 45 million rows).
    writer = BulkWriter(progress=lambda *_: None)
    with transaction.atomic():
        writer.prepare_bulk(Answer)
        _binary_copy(
            "feedback_answer",
            ["response_id", "item_id", "rating"],
            [answer_response[observed], answer_item[observed], ratings[observed]],
            ["i8", "i8", "i2"],
        )
        _binary_copy(
            "feedback_answer",
            ["response_id", "item_id"],
            [answer_response[~observed], answer_item[~observed]],
            ["i8", "i8"],
        )
        writer.finish()
    # Frozen reports: the subject and the all-others means that norms read.
    element_ids = [e.pk for e in instrument.elements]
    domain_ids = [d.pk for d in instrument.domains]
    lines = []
    for n, person in enumerate(people):
        means = np.round(rng.normal(3.8, 0.4, len(element_ids)), 3).tolist()
        data = {
            "subject": {"staff_group": person.staff_group, "career_stage": person.career_stage},
            "norm_inputs": {
                "elements": {str(e): m for e, m in zip(element_ids, means, strict=True)},
                "domains": {
                    str(d): float(np.mean(means[k * 3 : k * 3 + 3]))
                    for k, d in enumerate(domain_ids)
                },
            },
        }
        text = json.dumps(data).replace("\\", "\\\\")
        inputs = json.dumps(data["norm_inputs"]).replace("\\", "\\\\")
        lines.append(
            f"{first_cycle + n}\t{text}\t1\t{person.staff_group}\t{person.career_stage}\t"
            f"{inputs}\t{now}\n"
        )
    _text_copy(
        "feedback_report",
        [
            "cycle_id",
            "data",
            "rule_version",
            "staff_group",
            "career_stage",
            "norm_inputs",
            "created_at",
        ],
        lines,
    )
    with connection.cursor() as cursor:
        # As autovacuum would: every table the norms and alpha read has fresh statistics.
        for table in (
            "feedback_answer",
            "feedback_response",
            "feedback_report",
            "feedback_feedbackcycle",
            "feedback_cyclegroupminimum",
        ):
            cursor.execute(f"VACUUM ANALYZE {table}")
    return {"cycles": cycles, "responses": len(response_ids), "answers": answers}


# The benchmark's own cycles: those of its subjects (staff numbers BENCH...; synthetic staff
# are SY...), so what synth or anyone else loaded stays.
_BENCH_CYCLES = (
    "SELECT c.id FROM feedback_feedbackcycle c JOIN people_person p ON p.id = c.subject_id "
    "WHERE p.staff_number LIKE 'BENCH%%'"
)


def _remove_loaded() -> None:
    """Remove what _load made, and nothing else (the answers with their indexes set aside and
    rebuilt once, as a bulk load does: deleting millions of rows one index entry at a time
    took longer than the benchmark)."""
    from healthlead.core.actors import System
    from healthlead.demo.synth.writer import BulkWriter
    from healthlead.feedback import norms
    from healthlead.feedback.models import Answer, Questionnaire
    from healthlead.frameworks.models import Framework

    writer = BulkWriter(progress=lambda *_: None)
    responses = f"SELECT id FROM feedback_response WHERE cycle_id IN ({_BENCH_CYCLES})"  # noqa: S608
    with transaction.atomic():
        writer.prepare_bulk(Answer)
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM feedback_answer WHERE response_id IN ({responses})")  # noqa: S608
        writer.finish()
    with transaction.atomic(), connection.cursor() as cursor:
        for table in ("feedback_response", "feedback_report", "feedback_cyclegroupminimum"):
            cursor.execute(f"DELETE FROM {table} WHERE cycle_id IN ({_BENCH_CYCLES})")  # noqa: S608
        cursor.execute(f"DELETE FROM feedback_feedbackcycle WHERE id IN ({_BENCH_CYCLES})")  # noqa: S608
        cursor.execute("DELETE FROM accounts_user WHERE email LIKE 'bench%%@nhs.example'")
        cursor.execute("DELETE FROM people_person WHERE staff_number LIKE 'BENCH%%'")
        cursor.execute("DELETE FROM people_organisation WHERE code LIKE 'BN%%'")
    Questionnaire.objects.filter(framework_version__framework__code__startswith="BENCH").delete()
    Framework.objects.filter(code__startswith="BENCH").delete()
    # The stored norms and reliability figures go back to what the remaining data gives.
    norms.refresh_norms(by=System("benchmark"))
    norms.refresh_instrument_statistics(by=System("benchmark"))


@benchmark(
    "feedback_norms_and_alpha",
    target="at most 2x one plain SQL aggregate over the same answers",
    needs_postgres=True,
)
def feedback_norms_and_alpha(ctx: BenchContext) -> list[Measurement]:
    from healthlead.core.actors import System
    from healthlead.feedback import norms
    from healthlead.feedback.models import Answer

    if Answer.objects.filter(response__cycle__subject__staff_number__startswith="BENCH").exists():
        _remove_loaded()  # left by a run that was stopped
    size = RESPONSES_BY_SCALE.get(ctx.scale, RESPONSES_BY_SCALE["trust"])
    rng = np.random.default_rng(ctx.seed)
    start = time.perf_counter()
    try:
        loaded = _load(size, rng)
        load_seconds = time.perf_counter() - start

        def plain_aggregate() -> float:
            begin = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute(PLAIN_AGGREGATE)
                cursor.fetchall()
            return time.perf_counter() - begin

        by = System("benchmark")

        def norms_and_alpha() -> float:
            begin = time.perf_counter()
            norms.refresh_norms(by=by)
            norms.refresh_instrument_statistics(by=by)
            return time.perf_counter() - begin

        def alpha_only() -> float:
            begin = time.perf_counter()
            norms.compute_reliability()
            return time.perf_counter() - begin

        def norms_only() -> float:
            begin = time.perf_counter()
            norms.compute_norms()
            return time.perf_counter() - begin

        plain_aggregate()  # warm the cache for both sides alike
        baseline = median_of(ctx.repeats, plain_aggregate)
        both = median_of(ctx.repeats, norms_and_alpha)
        extra = {
            **loaded,
            "load with COPY (s)": round(load_seconds, 1),
            "alpha alone (s)": round(median_of(ctx.repeats, alpha_only), 3),
            "norms alone (s)": round(median_of(ctx.repeats, norms_only), 3),
            "note": "alpha reads the ratings each response stored, packed, when it was "
            "submitted; norms read the norm columns each report filled when it froze",
        }
        return [
            Measurement(
                f"norms + alpha, {loaded['responses']:,} responses x 45 items",
                both,
                "s",
                target="at most 2x the plain aggregate",
                baseline=baseline,
                baseline_name="SELECT item_id, COUNT, AVG ... GROUP BY item_id",
                target_ratio=2.0,
                extra=extra,
            )
        ]
    finally:
        _remove_loaded()


def run(name: str, scale: str = "tiny", repeats: int = 3) -> list[Measurement]:
    """Run one of these benchmarks directly (manage.py shell), printing its figures."""
    import tempfile
    from pathlib import Path

    from healthlead.core.benchmarks import REGISTRY

    scratch = Path(tempfile.gettempdir())
    out = REGISTRY[name].func(BenchContext(scale=scale, repeats=repeats, scratch=scratch))
    for m in out:
        ratio = f" ratio {m.ratio:.2f} (target {m.target_ratio})" if m.ratio else ""
        print(f"{m.figure}: {m.value:.3f} {m.unit}{ratio} {json.dumps(m.extra)}")
    return out
