"""Withdrawing from the talent pool holds while other work on the same person runs at once.

A refresh of the search row (nightly, or after a talent conversation, a calibration or a
completion) or a lead adding the person to a shortlist can start while the person is
withdrawing. Whichever way the two meet, the person must end up in no search and on no
shortlist. On PostgreSQL the two really overlap: the withdrawal is held open until the other
session is waiting for its lock. SQLite runs one writer at a time, so there the other work can
only come after the withdrawal, and that order is what is checked.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection, connections, transaction

from healthlead.appraisal.tests.helpers import SYSTEM, make_team, national_lead
from healthlead.talent import actions
from healthlead.talent.models import PoolEntry, ShortlistEntry, TalentProfile

pytestmark = pytest.mark.django_db(transaction=True)

WAIT_SECONDS = 30


def _in_thread(work: Callable[[], Any], errors: list[BaseException]) -> threading.Thread:
    def run() -> None:
        try:
            work()
        except BaseException as error:  # reported by the test
            errors.append(error)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def _wait_for_a_session_blocked_on_a_lock() -> None:
    """Until another session of this database waits for a row lock (polled, with a deadline)."""
    deadline = time.monotonic() + WAIT_SECONDS
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return
            threading.Event().wait(0.01)
    raise AssertionError("the second session never waited for the withdrawal's lock")


def _withdraw_and_hold(
    profile: TalentProfile, by: Any, holding: threading.Event, release: threading.Event
) -> Callable[[], None]:
    def work() -> None:
        with transaction.atomic():
            actions.withdraw_from_pool(profile=profile, by=by)
            holding.set()
            assert release.wait(WAIT_SECONDS), "the test never released the withdrawal"

    return work


def _race(profile: TalentProfile, by: Any, other: Callable[[], Any]) -> list[BaseException]:
    """Withdraw (uncommitted), start `other`, let it block on the withdrawal, then commit."""
    errors: list[BaseException] = []
    if connection.vendor != "postgresql":
        actions.withdraw_from_pool(profile=profile, by=by)
        try:
            other()
        except actions.TalentError as error:
            errors.append(error)
        return errors
    holding, release = threading.Event(), threading.Event()
    first = _in_thread(_withdraw_and_hold(profile, by, holding, release), errors)
    assert holding.wait(WAIT_SECONDS), errors
    second = _in_thread(other, errors)
    try:
        _wait_for_a_session_blocked_on_a_lock()
    finally:
        release.set()
        first.join(WAIT_SECONDS)
        second.join(WAIT_SECONDS)
    return errors


def test_a_refresh_racing_a_withdrawal_does_not_put_the_person_back():
    team = make_team()
    profile = actions.join_pool(
        person=team.report, by=team.report_user, consent=True, profession="nursing"
    )
    assert PoolEntry.objects.filter(person=team.report).exists()

    errors = _race(
        profile,
        team.report_user,
        lambda: actions.refresh_pool_entry(person=team.report, by=SYSTEM),
    )

    assert not errors, errors
    assert not PoolEntry.objects.filter(person=team.report).exists()
    assert TalentProfile.objects.get(pk=profile.pk).withdrawn_at is not None


def test_a_shortlist_place_added_during_a_withdrawal_is_ended_with_it():
    team = make_team()
    profile = actions.join_pool(
        person=team.report, by=team.report_user, consent=True, profession="nursing"
    )
    lead = national_lead()
    shortlist = actions.create_shortlist(appointment="Chief nurse", by=lead)
    entry = PoolEntry.objects.get(person=team.report)

    errors = _race(
        profile,
        team.report_user,
        lambda: actions.add_to_shortlist(shortlist=shortlist, entry=entry, by=lead),
    )

    # Either the place was refused (the person had gone) or it was ended with the withdrawal.
    assert all(isinstance(error, actions.TalentError) for error in errors), errors
    assert not ShortlistEntry.objects.filter(person=team.report, removed_at__isnull=True).exists()
