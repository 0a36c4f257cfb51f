"""A PostgreSQL restart: /healthz reports 503 then 200, and requests succeed again
without restarting the app (issue: faults)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.processes import (
    CLUSTER_TEMPLATE,
    PrivateCluster,
    django_env,
    free_port,
    gunicorn_command,
    http_status,
    running,
    wait_for,
)

pytestmark = [pytest.mark.processes, pytest.mark.xdist_group("private-postgres")]


def test_healthz_follows_a_database_restart_and_the_app_recovers(
    private_cluster: PrivateCluster, tmp_path: Path
) -> None:
    cluster = private_cluster
    cluster.create_database("restart", template=CLUSTER_TEMPLATE)
    env = django_env(cluster.url("restart"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    try:
        with running(gunicorn_command(port), env, tmp_path / "web.log"):
            wait_for(lambda: http_status(f"{base}/healthz") == 200, timeout=60, what="the app")
            assert http_status(f"{base}/frameworks/") == 200

            cluster.stop()
            wait_for(
                lambda: http_status(f"{base}/healthz") == 503,
                timeout=30,
                what="/healthz to report the database down",
            )

            cluster.start()
            wait_for(
                lambda: http_status(f"{base}/healthz") == 200,
                timeout=60,
                what="/healthz to recover",
            )
            assert http_status(f"{base}/frameworks/") == 200
            log = (tmp_path / "web.log").read_text()
            assert "Booting worker" in log
            assert log.count("Booting worker") == 1, "the web worker must not have been restarted"
    finally:
        # The cluster is shared with the other fault tests: leave it running.
        if not cluster.running():
            cluster.start()
