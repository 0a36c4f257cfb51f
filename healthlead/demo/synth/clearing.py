"""Removing earlier synthetic rows in bulk, without breaking what points at them.

Each stage's `clear` removes its own rows; stages clear in reverse order, so a later capability's
synthetic rows (360 cycles, appraisals) are gone before the staff they point at. Rows made some
other way that still point at synthetic rows are handled as their foreign key says: SET_NULL is
set to null, CASCADE is deleted with them, and PROTECT stops the run with an explanation.
"""

from __future__ import annotations

from django.db import connection, models
from django.db.models import Model

from healthlead.demo.synth.registry import SynthError
from healthlead.demo.synth.writer import BulkWriter


def _execute(sql: str, params: list) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return max(cursor.rowcount, 0)


def delete_rows(
    model: type[Model], id_sql: str, params: list, *, writer: BulkWriter | None = None
) -> int:
    """Delete model's rows whose primary keys `id_sql` selects; returns how many went.

    Given the run's writer, a large delete first drops the foreign keys pointing at the table
    (the writer restores and validates them at the end of the run).
    """
    table = model._meta.db_table
    pk = model._meta.pk.column
    everything = False
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM ({id_sql}) AS doomed", params)  # noqa: S608
        doomed = cursor.fetchone()[0]
        if not doomed:
            return 0
        if writer is not None and writer.uses_copy and doomed >= writer.bulk_rows:
            writer.prepare_bulk(model)
            cursor.execute(f'SELECT COUNT(*) FROM "{table}"')  # noqa: S608
            everything = cursor.fetchone()[0] == doomed
    for relation in model._meta.related_objects:
        related = relation.related_model
        if relation.many_to_many:
            through = relation.through._meta  # type: ignore[attr-defined]
            column = next(
                f.column
                for f in through.get_fields()
                if getattr(f, "related_model", None) is model and f.concrete
            )
            _execute(
                f'DELETE FROM "{through.db_table}" WHERE "{column}" IN ({id_sql})',  # noqa: S608
                params,
            )
            continue
        column = relation.field.column
        related_table = related._meta.db_table
        where = f'"{column}" IN ({id_sql})'
        on_delete = relation.on_delete
        if related is model:
            if everything:
                continue
            # Rows outside the set whose line manager (say) is inside it lose the link.
            _execute(
                f'UPDATE "{table}" SET "{column}" = NULL WHERE {where} AND NOT EXISTS '  # noqa: S608
                f'(SELECT 1 FROM ({id_sql}) AS doomed WHERE doomed."{pk}" = "{table}"."{pk}")',
                params + params,
            )
            continue
        if on_delete is models.SET_NULL:
            _execute(f'UPDATE "{related_table}" SET "{column}" = NULL WHERE {where}', params)  # noqa: S608
        elif on_delete is models.CASCADE:
            if related._meta.related_objects:
                related_pk = related._meta.pk.column
                ids = f'SELECT "{related_pk}" FROM "{related_table}" WHERE {where}'  # noqa: S608
                delete_rows(related, ids, params)
            else:
                _execute(f'DELETE FROM "{related_table}" WHERE {where}', params)  # noqa: S608
        elif on_delete is models.DO_NOTHING:
            continue
        else:
            with connection.cursor() as cursor:
                cursor.execute(f'SELECT COUNT(*) FROM "{related_table}" WHERE {where}', params)  # noqa: S608
                blocking = cursor.fetchone()[0]
            if blocking:
                raise SynthError(
                    f"{blocking} {related._meta.verbose_name_plural} point at synthetic "
                    f"{model._meta.verbose_name_plural} and are protected, so the synthetic data "
                    "cannot be replaced. Remove them first, or use a fresh database."
                )
    if everything:
        # Every row goes and nothing points at the table any more (its foreign keys are
        # dropped until the end of the run): TRUNCATE leaves no dead rows behind.
        with connection.cursor() as cursor:
            cursor.execute(f'TRUNCATE "{table}"')
        return doomed
    return _execute(f'DELETE FROM "{table}" WHERE "{pk}" IN ({id_sql})', params)  # noqa: S608
