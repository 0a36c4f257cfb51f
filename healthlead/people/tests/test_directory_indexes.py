"""The directory's queries can be answered from indexes, as they must be at 1.5 million
staff (docs/benchmarks.md). Small test tables would be scanned anyway, so the planner is
told to avoid sequential scans and sorts: a plan that still needs them has no index."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from healthlead.accounts.models import Role
from healthlead.accounts.scope import scope_for
from healthlead.accounts.tests.factories import UserFactory
from healthlead.people import queries
from healthlead.people.queries import DirectoryFilters

pytestmark = pytest.mark.django_db


def _plan(queryset) -> str:  # type: ignore[no-untyped-def]
    sql, params = queryset.query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_sort = off")
            cursor.execute(f"EXPLAIN {sql}", params)
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return "\n".join(str(row) for row in cursor.fetchall())


def _national_scope():  # type: ignore[no-untyped-def]
    return scope_for(UserFactory(roles=[(Role.NATIONAL_LEAD, None)]))


def test_the_first_page_of_the_directory_is_read_in_index_order():
    page = queries.directory(_national_scope(), DirectoryFilters())[:26]
    plan = _plan(page)
    assert "person_directory_order_idx" in plan
    assert "Sort" not in plan


def test_searching_by_name_or_staff_number_uses_the_prefix_indexes():
    names = (
        "person_last_name_prefix_idx",
        "person_first_name_prefix_idx",
        "person_staff_number_upper_idx",
    )
    if connection.vendor != "postgresql":  # made on PostgreSQL only: SQLite cannot use them
        with connection.cursor() as cursor:
            made = connection.introspection.get_constraints(cursor, "people_person")
        assert not set(names) & set(made)
        return
    matches = queries.directory(_national_scope(), DirectoryFilters(query="Smi"))
    plan = _plan(matches.order_by())
    for name in names:
        assert name in plan
    both = queries.directory(_national_scope(), DirectoryFilters(query="Sam Smi"))
    assert "person_last_name_prefix_idx" in _plan(both.order_by()) or (
        "person_first_name_prefix_idx" in _plan(both.order_by())
    )
