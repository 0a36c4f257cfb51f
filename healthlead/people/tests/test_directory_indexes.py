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
from healthlead.people.tests.factories import OrganisationFactory, PersonFactory

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


def test_a_page_of_search_results_is_found_by_the_prefix_indexes_then_sorted():
    """Not by walking the name-order index from "A" until a page of matches turns up: for a
    name late in the alphabet that read most of the table (182,000 rows at region scale)."""
    organisation = OrganisationFactory()
    for last, first in [("Thompson", "Zara"), ("thompsett", "Amy"), ("Thompson", "Adam")]:
        PersonFactory(last_name=last, first_name=first, organisation=organisation)
    PersonFactory(last_name="Thomas", first_name="Bea", organisation=organisation)
    scope = _national_scope()
    found = queries.directory(scope, DirectoryFilters(query="thomps"))
    # The same order as the unfiltered directory's (whose letter case comes first is the
    # database collation's).
    everyone = queries.directory(scope, DirectoryFilters())
    expected = [p.pk for p in everyone if p.last_name.lower().startswith("thomps")]
    assert len(expected) == 3
    assert [p.pk for p in found] == expected
    if connection.vendor != "postgresql":  # the prefix indexes are PostgreSQL's
        return
    # Even told to avoid sorting, the planner has no index that gives a search's order, so it
    # finds the matches and sorts them (a test table is too small to show the walk's cost).
    page = queries.directory(scope, DirectoryFilters(query="Thompson"))[:26]
    plan = _plan(page)
    assert "person_directory_order_idx" not in plan
    assert "person_last_name_prefix_idx" in plan
    assert "Sort" in plan
