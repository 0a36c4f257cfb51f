"""Backups: a pg_dump of a live database restores into a fresh database intact.

The documented procedure (docs/backups.md) is run for real: dump, create a new
database, restore, then compare row counts and verify the audit chain there.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from healthlead.core import audit
from healthlead.core.actors import System
from healthlead.people.tests.factories import PersonFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]

TABLES = ["people_person", "people_organisation", "core_auditevent"]


def _dsn(name: str) -> str:
    settings = connection.settings_dict
    host = settings.get("HOST") or "127.0.0.1"
    port = settings.get("PORT") or 5432
    user = settings.get("USER") or "postgres"
    password = settings.get("PASSWORD") or ""
    auth = f"{user}:{password}@" if password else f"{user}@"
    return f"postgres://{auth}{host}:{port}/{name}"


@pytest.fixture
def postgres_only():
    if connection.vendor != "postgresql":
        if os.environ.get("CI"):
            pytest.fail("CI runs on PostgreSQL; this test must not be skipped there")
        pytest.skip("backup and restore use pg_dump, so need PostgreSQL")
    for tool in ("pg_dump", "pg_restore"):
        assert shutil.which(tool), f"{tool} is needed (Debian package postgresql-client)"


def test_dump_restores_into_a_fresh_database_with_counts_and_audit_chain(postgres_only, tmp_path):
    for _ in range(5):
        PersonFactory()
    for n in range(3):
        audit.record("test.backup", by=System("tests"), detail={"n": n})
    source = connection.settings_dict["NAME"]
    counts = {}
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 (fixed table names)
            counts[table] = cursor.fetchone()[0]

    dump = tmp_path / "healthlead.dump"
    subprocess.run(
        ["pg_dump", "--format=custom", f"--file={dump}", _dsn(source)], check=True, timeout=120
    )
    target = f"restore_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(_dsn("postgres"), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{target}"')
    try:
        subprocess.run(
            ["pg_restore", "--no-owner", f"--dbname={_dsn(target)}", str(dump)],
            check=True,
            timeout=120,
        )
        with psycopg.connect(_dsn(target)) as restored:
            for table, expected in counts.items():
                got = restored.execute(f"SELECT count(*) FROM {table}").fetchone()[0]  # noqa: S608
                assert got == expected, f"{table}: {got} rows after restore, {expected} before"
        env = {**os.environ, "DATABASE_URL": _dsn(target)}
        result = subprocess.run(
            [sys.executable, "manage.py", "verify_audit"],
            cwd=Path(__file__).resolve().parent.parent,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        assert f"Audit chain intact: {counts['core_auditevent']} events" in result.stdout
    finally:
        with psycopg.connect(_dsn("postgres"), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
