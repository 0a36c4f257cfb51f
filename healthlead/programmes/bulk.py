"""Setting different values on many rows in one statement: UPDATE ... FROM (VALUES ...).

Django's bulk_update builds a CASE expression per field per row, which costs seconds of Python
for a few thousand rows; allocation writes each applicant's rank, score and explanation, so it
uses this instead. PostgreSQL and SQLite (3.33 and later) both accept the statement.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from django.db import connection
from django.db.models import Model

CHUNK = 1000
_PG_CASTS = {
    "JSONField": "jsonb",
    "DecimalField": "numeric",
    "DateTimeField": "timestamptz",
    "DateField": "date",
    "BooleanField": "boolean",
    "PositiveIntegerField": "integer",
    "IntegerField": "integer",
    "BigAutoField": "bigint",
    "CharField": "text",
    "TextField": "text",
}


def update_rows(objects: Sequence[Model], fields: Sequence[str]) -> int:
    """Write `fields` of each object (by primary key) in a few statements; returns rows."""
    if not objects:
        return 0
    model = type(objects[0])
    meta = model._meta
    columns: list[Any] = [meta.get_field(name) for name in fields]
    pk: Any = meta.pk
    assert pk is not None
    postgres = connection.vendor == "postgresql"
    table = connection.ops.quote_name(str(meta.db_table))
    names = [connection.ops.quote_name(f.column) for f in columns]
    key = connection.ops.quote_name(pk.column)

    def placeholder(field: Any) -> str:
        if not postgres:
            return "%s"
        return f"%s::{_PG_CASTS.get(field.get_internal_type(), 'text')}"

    row_sql = "(" + ", ".join([placeholder(pk), *[placeholder(f) for f in columns]]) + ")"
    assignments = ", ".join(f"{name} = v.{name}" for name in names)
    written = 0
    for start in range(0, len(objects), CHUNK):
        chunk = objects[start : start + CHUNK]
        params: list[Any] = []
        for obj in chunk:
            params.append(obj.pk)
            for field in columns:
                value = field.get_db_prep_save(getattr(obj, field.attname), connection)
                if field.get_internal_type() == "JSONField" and not isinstance(value, str | None):
                    value = json.dumps(getattr(obj, field.attname))
                params.append(value)
        values = ", ".join([row_sql] * len(chunk))
        alias = "v(" + ", ".join([key, *names]) + ")"
        sql = (
            f"UPDATE {table} SET {assignments} FROM (VALUES {values}) AS {alias} "  # noqa: S608
            f"WHERE {table}.{key} = v.{key}"
        )
        if not postgres:
            # SQLite names the VALUES columns column1, column2...: select them under our names.
            select = ", ".join(f"column{i + 1} AS {name}" for i, name in enumerate([key, *names]))
            sql = (
                f"UPDATE {table} SET {assignments} FROM (SELECT {select} FROM "  # noqa: S608
                f"(VALUES {values})) AS v WHERE {table}.{key} = v.{key}"
            )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            written += max(cursor.rowcount, 0)
    return written
