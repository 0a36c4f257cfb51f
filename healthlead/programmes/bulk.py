"""Setting different values on many rows in one statement: UPDATE ... FROM (VALUES ...).

Django's bulk_update builds a CASE expression per field per row, which costs seconds of Python
for a few thousand rows; allocation writes each applicant's rank, score and explanation, so it
uses this instead: on PostgreSQL with one array per column (UPDATE ... FROM unnest(...)), on
SQLite (3.33 and later) with a VALUES list in chunks.
"""

from __future__ import annotations

import datetime as dt
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


def _db_value(obj: Model, field: Any) -> Any:
    value = field.get_db_prep_save(getattr(obj, field.attname), connection)
    if field.get_internal_type() == "JSONField" and not isinstance(value, str | None):
        value = json.dumps(getattr(obj, field.attname))
    return value


def _text(value: Any) -> str | None:
    """A value as PostgreSQL reads it back from text (cast to the column's type in the SQL)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value)


def update_rows(objects: Sequence[Model], fields: Sequence[str]) -> int:
    """Write `fields` of each object (by primary key) in a few statements; returns rows."""
    if not objects:
        return 0
    model = type(objects[0])
    meta = model._meta
    columns: list[Any] = [meta.get_field(name) for name in fields]
    pk: Any = meta.pk
    assert pk is not None
    table = connection.ops.quote_name(str(meta.db_table))
    names = [connection.ops.quote_name(f.column) for f in columns]
    key = connection.ops.quote_name(pk.column)
    if connection.vendor == "postgresql":
        return _update_rows_postgresql(objects, columns, table, key, names)
    assignments = ", ".join(f"{name} = v.{name}" for name in names)
    row_sql = "(" + ", ".join(["%s"] * (len(columns) + 1)) + ")"
    written = 0
    for start in range(0, len(objects), CHUNK):
        chunk = objects[start : start + CHUNK]
        params: list[Any] = []
        for obj in chunk:
            params.append(obj.pk)
            params.extend(_db_value(obj, field) for field in columns)
        values = ", ".join([row_sql] * len(chunk))
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


def _update_rows_postgresql(
    objects: Sequence[Model], columns: list[Any], table: str, key: str, names: list[str]
) -> int:
    """One statement with the rows as one JSON parameter (UPDATE ... FROM
    jsonb_to_recordset(...)): the statement stays short however many rows there are, so the
    driver neither parses thousands of placeholders nor quotes thousands of values."""
    json_fields = {f.attname for f in columns if f.get_internal_type() == "JSONField"}
    casts = [_PG_CASTS.get(field.get_internal_type(), "text") for field in columns]
    assignments = ", ".join(
        f"{name} = v.{name}::{cast}" for name, cast in zip(names, casts, strict=True)
    )
    record = ", ".join(
        [f"{key} bigint"]
        + [
            f"{name} {'jsonb' if f.attname in json_fields else 'text'}"
            for name, f in zip(names, columns, strict=True)
        ]
    )
    sql = (
        f"UPDATE {table} SET {assignments} FROM jsonb_to_recordset(%s::jsonb) "  # noqa: S608
        f"AS v({record}) WHERE {table}.{key} = v.{key}"
    )
    pk: Any = objects[0]._meta.pk
    rows = []
    for obj in objects:
        row: dict[str, Any] = {pk.column: obj.pk}
        for field in columns:
            value = getattr(obj, field.attname)
            row[field.column] = value if field.attname in json_fields else _text(value)
        rows.append(row)
    with connection.cursor() as cursor:
        cursor.execute(sql, [json.dumps(rows)])
        return max(cursor.rowcount, 0)
