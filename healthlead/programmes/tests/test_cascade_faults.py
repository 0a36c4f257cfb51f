"""Killing the cascade (SIGKILL) mid-transaction leaves all of it or none of it, and running it
again finishes the job without offering a place twice (issue: faults)."""

from __future__ import annotations

import os
import signal
import sys
from typing import Any

import psycopg
import pytest

from tests.processes import PrivateCluster, django_env, manage, running, wait_for

pytestmark = pytest.mark.processes


def _counts(url: str) -> dict[str, Any]:
    with psycopg.connect(url) as conn:
        offers = conn.execute(
            "SELECT state, COUNT(*) FROM programmes_offer GROUP BY state"
        ).fetchall()
        uncascaded = conn.execute(
            "SELECT COUNT(*) FROM programmes_offer WHERE state = 'declined' AND cascaded_at IS NULL"
        ).fetchone()
        runs = conn.execute(
            "SELECT kind, COUNT(*) FROM programmes_allocationrun GROUP BY kind"
        ).fetchall()
        states = conn.execute(
            "SELECT state, COUNT(*) FROM programmes_application GROUP BY state"
        ).fetchall()
    return {
        "offers": dict(offers),
        "uncascaded": uncascaded[0] if uncascaded else 0,
        "runs": dict(runs),
        "applications": dict(states),
    }


def test_a_cascade_killed_mid_step_leaves_nothing_and_a_rerun_completes_it(tmp_path):
    cluster = PrivateCluster()
    cluster.init()
    cluster.start()
    try:
        cluster.create_database()
        env = django_env(cluster.url(), HEALTHLEAD_UPLOAD_DIR=str(tmp_path / "uploads"))
        migrated = manage(env, "migrate", "--noinput")
        assert migrated.returncode == 0, migrated.stderr
        module = [sys.executable, "-m", "healthlead.programmes.tests.cascade_fault"]
        seeded = running([*module, "seed"], env, tmp_path / "seed.log")
        with seeded as process:
            process.wait(timeout=600)
        assert "SEEDED" in (tmp_path / "seed.log").read_text(), (tmp_path / "seed.log").read_text()
        url = cluster.url()
        before = _counts(url)
        assert before["uncascaded"] == 1
        assert before["offers"] == {"open": 1, "declined": 1}

        log = tmp_path / "hang.log"
        with running([*module, "hang"], env, log) as process:
            wait_for(lambda: "HANGING" in log.read_text(), timeout=300, what="the cascade to hang")
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
        assert _counts(url) == before, "a killed cascade step left part of its work behind"

        first = manage(env, "cascade_offers")
        assert first.returncode == 0, first.stderr
        assert "1 cascade steps; 1 places offered" in first.stdout
        after = _counts(url)
        assert after["uncascaded"] == 0
        assert after["offers"] == {"open": 2, "declined": 1}
        assert after["runs"].get("cascade") == 1

        again = manage(env, "cascade_offers")
        assert again.returncode == 0, again.stderr
        assert "0 cascade steps" in again.stdout
        assert _counts(url) == after
    finally:
        cluster.stop("immediate")
        cluster.remove()
