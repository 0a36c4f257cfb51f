"""Bulk loading for synthetic data: PostgreSQL COPY with ids given up front, bulk_create on SQLite.

Rows are plain tuples in the order of `columns` (attribute names such as `organisation_id`).
Ids are allocated before the rows are built (`next_ids`), so rows can point at each other (a line
manager, a partner's organisation) without reading anything back. After a run the id sequences
are moved past the highest id, so ordinary inserts carry on without collisions.

Large loads and deletes on PostgreSQL (BULK_ROWS or more rows in one table) use the recipe
pg_restore uses, inside the same transaction: the table's primary and unique keys, its indexes and
the foreign keys to and from it are dropped first and recreated from their own definitions at the
end (one index build or one validating join each, instead of checks row by row). Check
constraints stay. If anything no longer holds, recreating it fails and the whole run rolls back.
The tables are locked until the run commits.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from django.db import connection
from django.db.models import Model

CHUNK_ROWS = 10_000
BULK_ROWS = 50_000


def _escape(text: str) -> str:
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = (
            text.replace("\\", "\\\\")
            .replace("\t", "\\t")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )
    return text


def _text(value: Any) -> str:
    return "\\N" if value is None else _escape(str(value))


def _plain(value: Any) -> str:
    return "\\N" if value is None else str(value)


def _iso(value: Any) -> str:
    return "\\N" if value is None else value.isoformat()


def _boolean(value: Any) -> str:
    return "\\N" if value is None else ("t" if value else "f")


def _json(value: Any) -> str:
    return "\\N" if value is None else _escape(json.dumps(value))


def _bytea_text(value: bytes) -> str:
    """bytea in PostgreSQL's hex input form (\\x0105...), before COPY escaping."""
    return "\\x" + bytes(value).hex()


def _bytea(value: Any) -> str:
    return "\\N" if value is None else _escape(_bytea_text(value))


def _converter(model: type[Model], attname: str) -> Callable[[Any], str]:
    fields = {f.attname: f for f in model._meta.concrete_fields}
    internal = fields[attname].get_internal_type()
    if internal == "JSONField":
        return _json
    if internal == "BinaryField":
        return _bytea
    if internal in {"DateField", "DateTimeField"}:
        return _iso
    if internal == "BooleanField":
        return _boolean
    if internal in {
        "AutoField",
        "BigAutoField",
        "BigIntegerField",
        "IntegerField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "SmallIntegerField",
        "ForeignKey",
        "OneToOneField",
    }:
        return _plain
    return _text


def copy_text_lines(
    model: type[Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> Iterable[str]:
    """Rows in PostgreSQL COPY text format, one line each.

    Most values need nothing but str(); a line whose values held a tab, newline, carriage
    return or backslash is built again value by value with escapes.
    """
    converters = [_converter(model, name) for name in columns]
    pairs = list(enumerate(converters))
    # JSON and bytea values become text first; that text is then escaped like any other.
    prepare: dict[Callable[[Any], str], Callable[[Any], str]] = {
        _json: json.dumps,
        _bytea: _bytea_text,
    }
    prepared = {i: prepare[convert] for i, convert in pairs if convert in prepare}
    tabs = len(columns) - 1
    for row in rows:
        if prepared:
            row = list(row)
            for i, to_text in prepared.items():
                if row[i] is not None:
                    row[i] = to_text(row[i])
        # NUL stands for NULL while the line is checked: PostgreSQL text never holds one.
        line = "\t".join(["\0" if value is None else str(value) for value in row])
        if line.count("\t") != tabs or "\\" in line or "\n" in line or "\r" in line:
            line = "\t".join(
                [_text(row[i]) if i in prepared else convert(row[i]) for i, convert in pairs]
            )
        elif "\0" in line:
            line = line.replace("\0", "\\N")
        yield line + "\n"


class BulkWriter:
    """Writes rows with the fastest path the database offers, reporting progress."""

    def __init__(
        self,
        *,
        progress: Callable[[str, int], Any],
        spool_dir: Path | None = None,
    ) -> None:
        # spool_dir (PostgreSQL only): keep a copy of every COPY stream, for the benchmark baseline.
        self.progress = progress
        self.spool_dir = spool_dir
        self.vendor = connection.vendor
        self._next_id: dict[str, int] = {}
        self.written: dict[str, int] = {}
        # Table -> column names, for every table spooled (the COPY baseline replays these files).
        self.spooled: dict[str, list[str]] = {}
        self.bulk_rows = BULK_ROWS
        # What bulk loads dropped, to restore: table -> [(name, definition)] for primary and
        # unique keys and for indexes, and [(table, name, definition)] for foreign keys.
        self._keys: dict[str, list[tuple[str, str]]] = {}
        self._indexes: dict[str, list[tuple[str, str]]] = {}
        self._foreign_keys: list[tuple[str, str, str]] = []

    @property
    def uses_copy(self) -> bool:
        return self.vendor == "postgresql"

    def next_ids(self, model: type[Model], count: int) -> int:
        """Reserve `count` ids for `model`; returns the first. Ids follow the table's highest."""
        table = model._meta.db_table
        if table not in self._next_id:
            with connection.cursor() as cursor:
                if self.uses_copy:
                    # Nobody else may insert while ids are handed out by hand.
                    cursor.execute(f'LOCK TABLE "{table}" IN SHARE ROW EXCLUSIVE MODE')
                cursor.execute(f'SELECT COALESCE(MAX(id), 0) FROM "{table}"')  # noqa: S608
                self._next_id[table] = int(cursor.fetchone()[0]) + 1
        first = self._next_id[table]
        self._next_id[table] = first + count
        return first

    def write(
        self,
        model: type[Model],
        columns: Sequence[str],
        rows: Iterable[Sequence[Any]],
        *,
        label: str,
        total: int,
    ) -> int:
        """Load rows into model's table; returns how many were written."""
        bar = self.progress(label, total)
        if self.uses_copy:
            if total >= self.bulk_rows:
                self.prepare_bulk(model)
            count = self._copy(model, columns, rows, bar)
        else:
            count = self._bulk_create(model, columns, rows, bar)
        bar.finish()
        table = model._meta.db_table
        self.written[table] = self.written.get(table, 0) + count
        return count

    def _copy(
        self, model: type[Model], columns: Sequence[str], rows: Iterable[Sequence[Any]], bar: Any
    ) -> int:
        table = model._meta.db_table
        fields = {f.attname: f for f in model._meta.concrete_fields}
        names = [str(fields[name].column) for name in columns]
        spool = None
        if self.spool_dir is not None:
            self.spooled[table] = names
            spool = (self.spool_dir / f"{table}.copy").open("a", encoding="utf-8")
        count = 0
        column_list = ", ".join(f'"{name}"' for name in names)
        statement = f'COPY "{table}" ({column_list}) FROM STDIN'
        try:
            with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
                for chunk in _chunks(copy_text_lines(model, columns, rows)):
                    copy.write(chunk.encode())
                    if spool is not None:
                        spool.write(chunk)
                    count += chunk.count("\n")
                    bar.advance_to(count)
        finally:
            if spool is not None:
                spool.close()
        return count

    def _bulk_create(
        self, model: type[Model], columns: Sequence[str], rows: Iterable[Sequence[Any]], bar: Any
    ) -> int:
        batch: list[Model] = []
        count = 0
        for row in rows:
            batch.append(model(**dict(zip(columns, row, strict=True))))
            if len(batch) >= CHUNK_ROWS:
                model._default_manager.bulk_create(batch)
                count += len(batch)
                batch = []
                bar.advance_to(count)
        if batch:
            model._default_manager.bulk_create(batch)
            count += len(batch)
            bar.advance_to(count)
        return count

    def prepare_bulk(self, model: type[Model]) -> None:
        """Drop a table's keys, indexes and the foreign keys to and from it until `finish()`.

        PostgreSQL only (elsewhere nothing happens). Check constraints stay. Dropping the foreign
        keys that point at the table too means a large delete does not check every referencing
        table row by row, and lets the primary key go while the rows load.
        """
        table = model._meta.db_table
        if not self.uses_copy or table in self._indexes:
            return
        with connection.cursor() as cursor:
            # Deferred checks already queued must run before the table's definition changes.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
                "FROM pg_constraint WHERE contype = 'f' "
                "AND (conrelid = %s::regclass OR confrelid = %s::regclass) ORDER BY 1, 2",
                [table, table],
            )
            foreign_keys = [row for row in cursor.fetchall() if row not in self._foreign_keys]
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype IN ('p', 'u') ORDER BY contype, conname",
                [table],
            )
            keys = list(cursor.fetchall())
            cursor.execute(
                "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
                "JOIN pg_class i ON i.oid = x.indexrelid "
                "WHERE x.indrelid = %s::regclass AND NOT EXISTS "
                "(SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid) "
                "ORDER BY i.relname",
                [table],
            )
            indexes = list(cursor.fetchall())
            for owner, name, _ in foreign_keys:
                cursor.execute(f'ALTER TABLE {owner} DROP CONSTRAINT "{name}"')
            for name, _ in keys:
                cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
            for name, _ in indexes:
                cursor.execute(f'DROP INDEX "{name}"')
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        self._foreign_keys.extend(foreign_keys)
        self._keys[table] = keys
        self._indexes[table] = indexes

    def finish(self) -> None:
        """Restore what a bulk load dropped; move id sequences past the highest ids (PostgreSQL)."""
        if not self.uses_copy:
            return
        with connection.cursor() as cursor:
            if self._indexes:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
                for table, keys in self._keys.items():
                    for name, definition in keys:
                        cursor.execute(
                            f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}'
                        )
                for indexes in self._indexes.values():
                    for _, definition in indexes:
                        cursor.execute(definition)
                for owner, name, definition in self._foreign_keys:
                    cursor.execute(f'ALTER TABLE {owner} ADD CONSTRAINT "{name}" {definition}')
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
                for table in self._indexes:
                    cursor.execute(f'ANALYZE "{table}"')
            self._keys.clear()
            self._indexes.clear()
            self._foreign_keys.clear()
            for table in self._next_id:
                highest = f'(SELECT MAX(id) FROM "{table}")'  # noqa: S608
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence(%s, 'id'), GREATEST({highest}, 1))",
                    [table],
                )


def _chunks(lines: Iterable[str]) -> Iterable[str]:
    buffer: list[str] = []
    for line in lines:
        buffer.append(line)
        if len(buffer) >= CHUNK_ROWS:
            yield "".join(buffer)
            buffer = []
    if buffer:
        yield "".join(buffer)
