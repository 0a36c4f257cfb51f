"""Staff import benchmark: `import_staff --commit` of 100,000 rows against a plain COPY.

Both run on the same database in the same run, inside one transaction that is rolled
back at the end, so a database with real staff is left as it was (the people table is
emptied inside that transaction, which locks it for the few seconds the benchmark takes:
run benchmarks against a database no one is using). Neither timing includes the final
COMMIT, but the import's timing includes the foreign-key checks that COMMIT would run.
The file is generated from a seed, so every run imports the same file.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import statistics
import time
from pathlib import Path

from django.core.management import call_command
from django.db import connection, transaction

from healthlead.core.actors import System
from healthlead.core.benchmarks import BenchContext, Measurement, benchmark
from healthlead.people import actions
from healthlead.people.models import Organisation, Person
from healthlead.people.staff_import import COLUMNS, _bulk_load

ROWS = 100_000
# Five real NHS trusts (ODS codes from the trust list in people/data/ods/etr.csv).
ORGANISATIONS = [
    ("RGT", "CAMBRIDGE UNIVERSITY HOSPITALS NHS FOUNDATION TRUST"),
    ("R0A", "MANCHESTER UNIVERSITY NHS FOUNDATION TRUST"),
    ("RRK", "UNIVERSITY HOSPITALS BIRMINGHAM NHS FOUNDATION TRUST"),
    ("RJ1", "GUY'S AND ST THOMAS' NHS FOUNDATION TRUST"),
    ("RX1", "NOTTINGHAM UNIVERSITY HOSPITALS NHS TRUST"),
]
FIRST_NAMES = [
    "Amara", "Ben", "Chloe", "Dev", "Ella", "Farah", "George", "Hana", "Isaac", "Jade",
    "Kofi", "Lucy", "Mohammed", "Niamh", "Oliver", "Priya", "Qasim", "Rosie", "Sam", "Tariq",
]  # fmt: skip
LAST_NAMES = [
    "Adeyemi", "Brown", "Chen", "Davies", "Evans", "Fernandes", "Green", "Hughes", "Iqbal",
    "Jones", "Khan", "Lewis", "Murphy", "Nowak", "Okafor", "Patel", "Quinn", "Singh", "Taylor",
]  # fmt: skip
# (staff group label, occupation, grades for front-line staff, share) after the HCHS mix
# in NHS workforce statistics (nurses about a quarter, support to clinical staff about a quarter).
STAFF_MIX = [
    ("Nurses and health visitors", "Staff nurse", ["Band 5", "Band 6", "Band 7"], 26),
    ("Doctors", "Doctor", ["FY1", "FY2", "CT2", "ST3", "ST5", "Specialty doctor"], 11),
    ("Midwives", "Midwife", ["Band 5", "Band 6", "Band 7"], 2),
    ("Scientific, therapeutic and technical staff", "Physiotherapist", ["Band 5", "Band 6"], 13),
    ("Support to clinical staff", "Healthcare assistant", ["Band 2", "Band 3", "Band 4"], 24),
    ("Central functions", "Administrator", ["Band 3", "Band 4", "Band 6"], 12),
    ("Hotel, property and estates", "Porter", ["Band 2", "Band 3"], 6),
    ("Ambulance staff", "Paramedic", ["Band 5", "Band 6"], 2),
    ("Other staff", "Support worker", ["Band 2", "Band 4"], 4),
]
MANAGER_GRADES = [["Very senior manager"], ["Band 9", "Consultant"], ["Band 8c", "Band 8d"]]


def write_staff_file(path: Path, *, rows: int = ROWS, seed: int = 2012) -> None:
    """A realistic staff file: a few trusts, each a management tree with spans of 5 to 15.

    Deterministic for a seed. Rows are shuffled, so many people come before their managers.
    """
    rng = random.Random(seed)  # noqa: S311 (synthetic data, not secrets)
    per_org = rows // len(ORGANISATIONS)
    weights = [share for *_, share in STAFF_MIX]
    numbers = rng.sample(range(10_000_000, 99_999_999), rows)
    records: list[list[str]] = []
    for org_index, (code, _name) in enumerate(ORGANISATIONS):
        count = per_org if org_index < len(ORGANISATIONS) - 1 else rows - len(records)
        first = len(records)
        level = {first: 0}
        spans: list[tuple[int, int]] = []  # (manager index, reports still to give)
        head = 0
        for index in range(first, first + count):
            manager = ""
            depth = 0
            if index > first:
                while spans[head][1] == 0:
                    head += 1
                manager_index, left = spans[head]
                spans[head] = (manager_index, left - 1)
                manager = str(numbers[manager_index])
                depth = level[manager_index] + 1
                level[index] = depth
            spans.append((index, 8 if index == first else rng.randint(5, 15)))
            group, occupation, grades, _ = rng.choices(STAFF_MIX, weights)[0]
            grade = rng.choice(MANAGER_GRADES[depth] if depth < 3 else grades)
            if depth == 3:
                grade = "Band 7" if group != "Doctors" else "Consultant"
            first_name, last_name = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            started = dt.date(1990, 1, 1) + dt.timedelta(days=rng.randrange(12_000))
            records.append(
                [
                    str(numbers[index]),
                    first_name,
                    last_name,
                    f"{first_name}.{last_name}{numbers[index] % 10_000}@nhs.net".lower(),
                    code,
                    group,
                    occupation if depth > 1 else "Director",
                    grade,
                    "",
                    manager,
                    started.isoformat(),
                    "active",
                ]
            )
    rng.shuffle(records)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        writer.writerows(records)


def _ensure_organisations() -> None:
    existing = set(Organisation.objects.values_list("code", flat=True))
    for code, name in ORGANISATIONS:
        if code not in existing:
            actions.create_organisation(
                code=code, name=name, kind=Organisation.Kind.TRUST, by=System("bench")
            )


def _empty_people_table() -> None:
    """A fresh, empty people table (TRUNCATE gives it new files: no dead rows to wade through)."""
    connection.check_constraints()  # no deferred checks may be pending on a truncated table
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {Person._meta.db_table} CASCADE")


_BARE_TABLE = "bench_staff_copy"


def _create_bare_table() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE {_BARE_TABLE} (staff_number varchar(20), first_name varchar(100), "
            "last_name varchar(100), work_email varchar(254), organisation_code varchar(10), "
            "staff_group varchar(100), occupation varchar(200), grade varchar(100), "
            "career_stage varchar(100), line_manager_staff_number varchar(20), "
            "start_date date, status varchar(10))"
        )


def _time_copy(path: Path) -> float:
    """COPY the file into a new bare table; everything is undone afterwards."""
    savepoint = transaction.savepoint()
    _create_bare_table()
    start = time.perf_counter()
    statement = f"COPY {_BARE_TABLE} ({', '.join(COLUMNS)}) FROM STDIN WITH (FORMAT csv, HEADER)"
    with connection.cursor() as cursor, path.open("rb") as handle, cursor.copy(statement) as copy:
        while chunk := handle.read(1 << 20):
            copy.write(chunk)
    elapsed = time.perf_counter() - start
    transaction.savepoint_rollback(savepoint)
    return elapsed


def _time_import(path: Path, *, empty_first: bool = True, keep: bool = False) -> float:
    """import_staff --commit of the file; undone afterwards unless `keep`."""
    savepoint = transaction.savepoint()
    if empty_first:
        _empty_people_table()
    start = time.perf_counter()
    call_command("import_staff", str(path), "--commit", stdout=io.StringIO())
    # The foreign-key checks PostgreSQL would run at COMMIT, so they are timed too.
    connection.check_constraints()
    elapsed = time.perf_counter() - start
    if keep:
        transaction.savepoint_commit(savepoint)
    else:
        transaction.savepoint_rollback(savepoint)
    return elapsed


def _time_write_floor(path: Path) -> float:
    """INSERT the rows an import made, already checked, into the empty people table.

    No reading, checking or working out: the rows go in by the import's own bulk path
    (secondary indexes and foreign keys set aside, then built once), so this is the cost of
    the people table's indexes and keys alone, which no import into that table can avoid.
    """
    savepoint = transaction.savepoint()
    _empty_people_table()
    call_command("import_staff", str(path), "--commit", stdout=io.StringIO())
    table = Person._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE bench_people_rows AS SELECT * FROM {table}")  # noqa: S608
        _empty_people_table()
        start = time.perf_counter()
        with _bulk_load(cursor, ROWS):
            cursor.execute(f"INSERT INTO {table} SELECT * FROM bench_people_rows")  # noqa: S608
        connection.check_constraints()
        elapsed = time.perf_counter() - start
    transaction.savepoint_rollback(savepoint)
    return elapsed


@benchmark("import_staff_100k", target="at most 3x COPY", needs_postgres=True)
def import_staff_100k(ctx: BenchContext) -> list[Measurement]:
    """import_staff --commit of 100,000 rows into an empty people table, against COPY."""
    path = ctx.scratch / "staff-100k.csv"
    ctx.log(f"Writing a {ROWS:,}-row staff file to {path}")
    write_staff_file(path, rows=ROWS, seed=ctx.seed)
    copy_runs: list[float] = []
    import_runs: list[float] = []
    again_runs: list[float] = []
    floor_runs: list[float] = []
    with transaction.atomic():
        _ensure_organisations()
        # Alternate the two, so a slow moment on the machine falls on both.
        for run in range(max(1, ctx.repeats)):
            copy_runs.append(_time_copy(path))
            import_runs.append(_time_import(path))
            ctx.log(f"Run {run + 1}: COPY {copy_runs[-1]:.2f} s, import {import_runs[-1]:.2f} s")
        # The same file again, on top of itself: every row unchanged.
        _time_import(path, keep=True)
        for _ in range(max(1, ctx.repeats)):
            again_runs.append(_time_import(path, empty_first=False))
        for _ in range(max(1, ctx.repeats)):
            floor_runs.append(_time_write_floor(path))
        ctx.log(f"Write floor: {statistics.median(floor_runs):.2f} s")
        transaction.set_rollback(True)
    copy_seconds = statistics.median(copy_runs)
    import_seconds = statistics.median(import_runs)
    again_seconds = statistics.median(again_runs)
    size = path.stat().st_size
    return [
        Measurement(
            f"import_staff --commit, {ROWS:,} rows into an empty people table",
            round(import_seconds, 3),
            "s",
            target="at most 3x COPY",
            baseline=round(copy_seconds, 3),
            baseline_name="COPY of the same file into a bare table",
            target_ratio=3.0,
            extra={
                "rows": ROWS,
                "organisations": len(ORGANISATIONS),
                "file_bytes": size,
                "import_runs": [round(s, 3) for s in import_runs],
                "copy_runs": [round(s, 3) for s in copy_runs],
            },
        ),
        Measurement(
            f"import_staff --commit, the same {ROWS:,} rows again (all unchanged)",
            round(again_seconds, 3),
            "s",
            baseline=round(copy_seconds, 3),
            baseline_name="COPY of the same file into a bare table",
            extra={"runs": [round(s, 3) for s in again_runs]},
        ),
        Measurement(
            f"INSERT of the same {ROWS:,} rows, already checked, into an empty people table",
            round(statistics.median(floor_runs), 3),
            "s",
            baseline=round(copy_seconds, 3),
            baseline_name="COPY of the same file into a bare table",
            extra={
                "note": "the bulk path alone: rows already checked, indexes and keys built once",
                "runs": [round(s, 3) for s in floor_runs],
            },
        ),
    ]
