"""A PostgreSQL restart: /healthz reports 503 then 200, and requests succeed again
without restarting the app (issue: faults)."""

from __future__ import annotations

import pytest

from tests.processes import (
    PrivateCluster,
    django_env,
    free_port,
    gunicorn_command,
    http_status,
    manage,
    running,
    wait_for,
)

pytestmark = pytest.mark.processes


def test_healthz_follows_a_database_restart_and_the_app_recovers(tmp_path):
    cluster = PrivateCluster()
    cluster.init()
    cluster.start()
    try:
        cluster.create_database()
        env = django_env(cluster.url())
        migrated = manage(env, "migrate", "--noinput")
        assert migrated.returncode == 0, migrated.stderr
        port = free_port()
        base = f"http://127.0.0.1:{port}"
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
        cluster.stop("immediate")
        cluster.remove()
