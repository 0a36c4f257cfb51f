"""Real processes for fault tests: a private PostgreSQL cluster, web servers and task workers.

The fault tests share one private PostgreSQL cluster on a free port (initdb into a temporary
folder; the `private_cluster` fixture in tests/conftest.py), so stopping and starting it never
disturbs the shared server. Each test gets its own database in it, copied from a migrated
template database (CLUSTER_TEMPLATE).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# The migrated database in a private cluster that each test's database is copied from.
CLUSTER_TEMPLATE = "healthlead_template"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(check: Callable[[], bool], *, timeout: float, what: str, every: float = 0.1) -> None:
    """Poll until `check()` is true; fail with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(every)
    raise AssertionError(f"Timed out after {timeout} s waiting for {what}")


def http_status(url: str, timeout: float = 10) -> int:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 (loopback)
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return 0


def _pg_bin(name: str) -> str:
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    if found:
        return str(found[-1])
    path = shutil.which(name)
    if path is None:
        raise RuntimeError(f"PostgreSQL's {name} is not installed")
    return path


def _as_postgres(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run its tools as the postgres user when we are root."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


def postgres_installed() -> bool:
    """True if PostgreSQL's server programs (initdb, pg_ctl) are on this machine."""
    try:
        _pg_bin("initdb")
        _pg_bin("pg_ctl")
    except RuntimeError:
        return False
    return True


@dataclass
class PrivateCluster:
    """A throwaway PostgreSQL cluster owned by one test.

    It lives in its own folder under the system temporary directory (the postgres user
    cannot reach pytest's root-only tmp_path); `remove()` deletes it.
    """

    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="healthlead-pg-")))
    port: int = field(default_factory=free_port)

    def remove(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)

    @property
    def data(self) -> Path:
        return self.root / "data"

    def url(self, database: str = "healthlead") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def init(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        subprocess.run(
            _as_postgres(
                [
                    _pg_bin("initdb"),
                    "-D",
                    str(self.data),
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "-E",
                    "UTF8",
                ]
            ),
            check=True,
            capture_output=True,
            timeout=120,
        )

    def start(self) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        subprocess.run(
            _as_postgres(
                [
                    _pg_bin("pg_ctl"),
                    "-D",
                    str(self.data),
                    "-o",
                    options,
                    "-w",
                    "-t",
                    "60",
                    "-l",
                    str(self.root / "log"),
                    "start",
                ]
            ),
            check=True,
            capture_output=True,
            timeout=90,
        )

    def running(self) -> bool:
        status = subprocess.run(
            _as_postgres([_pg_bin("pg_ctl"), "-D", str(self.data), "status"]),
            capture_output=True,
            timeout=30,
            check=False,
        )
        return status.returncode == 0

    def stop(self, mode: str = "fast") -> None:
        subprocess.run(
            _as_postgres([_pg_bin("pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop"]),
            check=True,
            capture_output=True,
            timeout=90,
        )

    def create_database(self, name: str = "healthlead", *, template: str | None = None) -> None:
        copy = ["--template", template] if template else []
        subprocess.run(
            [
                _pg_bin("createdb"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                *copy,
                name,
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )


def django_env(database_url: str, **extra: str) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTEST_", "COV_")) and key != "DJANGO_SETTINGS_MODULE"
    }
    env.update(
        {
            "DATABASE_URL": database_url,
            "DJANGO_SETTINGS_MODULE": "healthlead.config.settings",
            "HEALTHLEAD_ENV": "development",
            "STATICFILES_STORAGE": "django.contrib.staticfiles.storage.StaticFilesStorage",
            "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
            "AXES_ENABLED": "false",
            "DB_CONN_MAX_AGE": "60",
            "DB_CONNECT_TIMEOUT": "2",
        }
    )
    env.update(extra)
    return env


def manage(env: dict[str, str], *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@contextlib.contextmanager
def running(command: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen]:
    """Start a process in its own process group; stop it (and its children) afterwards."""
    with log.open("w") as out:
        process = subprocess.Popen(
            command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            yield process
        finally:
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(process.pid, signal.SIGKILL)
                    process.wait(timeout=20)


def gunicorn_command(port: int, workers: int = 1) -> list[str]:
    return [
        str(Path(sys.executable).with_name("gunicorn")),
        "healthlead.config.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--timeout",
        "60",
    ]


def worker_command() -> list[str]:
    return [sys.executable, "manage.py", "db_worker", "--no-reload", "--interval", "0.1"]


def run_worker_command(worker_id: str, *, reclaim_every: float = 0.5) -> list[str]:
    """Healthlead's leased worker (it requeues the tasks of workers that died)."""
    return [
        sys.executable,
        "manage.py",
        "run_worker",
        "--no-reload",
        "--no-startup-delay",
        "--interval",
        "0.05",
        "--worker-id",
        worker_id,
        "--reclaim-every",
        str(reclaim_every),
    ]


def sql(url: str, query: str, params: tuple | list = ()) -> list[tuple]:
    """Run one query on its own connection and return its rows."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        cursor = conn.execute(query, params)
        return cursor.fetchall() if cursor.description else []


@contextlib.contextmanager
def holding_advisory_lock(url: str, key: int) -> Iterator[Callable[[], None]]:
    """Hold a PostgreSQL advisory lock (as a session lock) until `release()` or the block ends.

    Holding the lock that an action takes part way through its transaction (the audit chain's
    lock, say) stops that action at a known point, with its earlier writes made but not
    committed: a deterministic moment to kill its process, with no hook in the code.
    """
    import psycopg

    conn = psycopg.connect(url, autocommit=True)
    conn.execute("SELECT pg_advisory_lock(%s)", [key])
    held = True

    def release() -> None:
        nonlocal held
        if held:
            conn.execute("SELECT pg_advisory_unlock(%s)", [key])
            held = False

    try:
        yield release
    finally:
        release()
        conn.close()


def backends_waiting_for_advisory_lock(
    url: str, *, with_writes: bool = False, application: str | None = None
) -> list[int]:
    """Server process ids of sessions waiting for an advisory lock (only those whose open
    transaction has written something, if `with_writes`; only those whose connection set
    this `application_name`, if given: add `?application_name=...` to a DATABASE_URL)."""
    query = (
        "SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
        "AND wait_event = 'advisory'"
    )
    params: list[str] = []
    if with_writes:
        query += " AND backend_xid IS NOT NULL"
    if application is not None:
        query += " AND application_name = %s"
        params.append(application)
    return [row[0] for row in sql(url, query, params)]


def backend_gone(url: str, pid: int) -> bool:
    return not sql(url, "SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid])


def kill_group(process: subprocess.Popen) -> None:
    """SIGKILL a process started by `running()` and everything it started."""
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


def audit_lock_key() -> int:
    from healthlead.core.audit import _LOCK_KEY

    return _LOCK_KEY
