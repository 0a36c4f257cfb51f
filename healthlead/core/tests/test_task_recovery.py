"""Task recovery in one process; killing real workers is in tests/test_fault_processes.py."""

import pytest

from healthlead.core import task_recovery

pytestmark = pytest.mark.django_db


def test_a_leased_worker_id_carries_the_prefix_once_and_fits_the_column():
    assert task_recovery.leased_worker_id("abc") == "hl-abc"
    assert task_recovery.leased_worker_id("hl-abc") == "hl-abc"
    assert len(task_recovery.leased_worker_id("x" * 64)) == 64


def test_with_no_running_tasks_nothing_is_reclaimed():
    assert task_recovery.reclaim_stale_tasks() == task_recovery.Reclaimed(0, 0)
