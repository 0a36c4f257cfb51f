"""Indexes for the people directory at national scale (1.5 million staff).

- The directory's order (surname, first name, id), so the first page of an unfiltered
  directory is read from the index instead of sorting every visible record.
- On PostgreSQL, prefix-search indexes for what the search box runs (`istartswith` is
  `UPPER(column) LIKE UPPER('term%')`, and the staff number is matched case-blind):
  `text_pattern_ops` lets LIKE use them whatever the database's collation. SQLite does not
  use an index for these, so they are made on PostgreSQL only.
- The index on lower(surname) goes: no query used it.
"""

from django.db import migrations, models

PREFIX_INDEXES = {
    "person_last_name_prefix_idx": "UPPER(last_name) text_pattern_ops",
    "person_first_name_prefix_idx": "UPPER(first_name) text_pattern_ops",
    "person_staff_number_upper_idx": "UPPER(staff_number)",
}


def add_prefix_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, expression in PREFIX_INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON people_person ({expression})"
        )


def drop_prefix_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in PREFIX_INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0002_staff_import_problem_report"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="person",
            name="person_last_name_lower_idx",
        ),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(
                fields=["last_name", "first_name", "id"], name="person_directory_order_idx"
            ),
        ),
        migrations.RunPython(add_prefix_indexes, drop_prefix_indexes),
    ]
