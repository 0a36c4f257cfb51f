"""`make loadtest`: region-scale data, gunicorn + task worker on PostgreSQL, locust, a report.

    .venv/bin/python loadtest/run.py [--users 50] [--seconds 60] [--web-workers 4] [--reuse]

Steps: (1) unless --reuse, make the database LOADTEST_DATABASE_URL afresh, migrate, load
`synth --scale region` and `prepare_loadtest`; then run the task queue dry; (2) start
`manage.py serve` (gunicorn with several workers, and the task worker) on a free loopback
port; (3) run locust headless, bounded in time (--seconds) and in requests (--max-requests);
(4) sample every web worker's memory meanwhile; (5) write docs/loadtest.md and
docs/loadtest.json.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import psutil
import psycopg

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
BIN = Path(PYTHON).parent
DEFAULT_DATABASE = "postgres://postgres@127.0.0.1:5432/healthlead_load"
P95_TARGET_MS = 300


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _manage(*args: str, env: dict[str, str]) -> None:
    print(f"==> manage.py {' '.join(args)}", flush=True)
    subprocess.run([PYTHON, "manage.py", *args], cwd=REPO, env=env, check=True)  # noqa: S603


def _fresh_database(env: dict[str, str]) -> None:
    url = urlparse(env["DATABASE_URL"])
    name = url.path.lstrip("/")
    admin = {**env, "PGHOST": url.hostname or "127.0.0.1", "PGPORT": str(url.port or 5432)}
    admin["PGUSER"] = url.username or "postgres"
    print(f"==> a fresh database {name}", flush=True)
    for command in (["dropdb", "--if-exists", "--force", name], ["createdb", name]):
        subprocess.run(command, env=admin, check=True)  # noqa: S603 (PostgreSQL's own tools)
    _manage("migrate", "--noinput", "--verbosity", "0", env=env)
    _manage("synth", "--scale", "region", "--verbosity", "1", env=env)
    _manage("prepare_loadtest", env=env)


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (loopback)
            return bool(response.status == 200)
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


class MemorySampler(threading.Thread):
    """Peak resident memory of each gunicorn worker under `root`, sampled every 0.2 s; and the
    CPU the run's own processes (this script's children and the database's backends) used,
    against the whole machine's, so a report says how much other work shared the cores."""

    def __init__(self, root: int, database: str):
        super().__init__(daemon=True)
        self.root = root
        self.database = database
        self.peaks: dict[int, int] = {}
        self.own_cpu: dict[int, float] = {}  # pid -> CPU seconds since the sampler started
        self.stopping = threading.Event()
        self._started_cpu: dict[int, float] = {}
        self._machine_start = self._machine_busy()
        self.machine_cpu = 0.0

    @staticmethod
    def _machine_busy() -> float:
        times = psutil.cpu_times()
        return float(sum(times) - times.idle - getattr(times, "iowait", 0.0))

    def workers(self) -> list[psutil.Process]:
        try:
            everyone = psutil.Process(self.root).children(recursive=True)
        except psutil.NoSuchProcess:
            return []
        masters = {p.pid for p in everyone if "gunicorn" in " ".join(p.cmdline()[:2])}
        return [p for p in everyone if p.ppid() in masters]

    def own_processes(self) -> list[psutil.Process]:
        mine = psutil.Process().children(recursive=True)
        for process in psutil.process_iter(["cmdline"]):
            cmdline = " ".join(process.info["cmdline"] or [])
            if cmdline.startswith("postgres:") and f" {self.database} " in f"{cmdline} ":
                mine.append(process)
        return mine

    def _sample_cpu(self) -> None:
        for process in self.own_processes():
            try:
                times = process.cpu_times()
            except psutil.NoSuchProcess:
                continue
            used = times.user + times.system
            start = self._started_cpu.setdefault(process.pid, used)
            self.own_cpu[process.pid] = used - start
        self.machine_cpu = self._machine_busy() - self._machine_start

    def run(self) -> None:
        self._sample_cpu()
        ticks = 0
        while not self.stopping.wait(0.2):
            for process in self.workers():
                try:
                    rss = process.memory_info().rss
                except psutil.NoSuchProcess:
                    continue
                self.peaks[process.pid] = max(self.peaks.get(process.pid, 0), rss)
            ticks += 1
            if ticks % 5 == 0:
                self._sample_cpu()
        self._sample_cpu()

    def other_share(self) -> float:
        """Of the machine's CPU time during the run, the share used by other work."""
        capacity = self.machine_cpu if self.machine_cpu > 0 else 1.0
        return max(0.0, 1.0 - sum(self.own_cpu.values()) / capacity)


def _stats(prefix: Path) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    total: dict[str, Any] = {}
    with Path(f"{prefix}_stats.csv").open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            entry = {
                "name": row["Name"],
                "method": row["Type"],
                "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "rps": float(row["Requests/s"]),
                "p50_ms": float(row["50%"] or 0),
                "p95_ms": float(row["95%"] or 0),
                "p99_ms": float(row["99%"] or 0),
                "max_ms": float(row["Max Response Time"] or 0),
            }
            if row["Name"] == "Aggregated":
                total = entry
            else:
                rows.append(entry)
    return rows, total


def _failures(prefix: Path) -> list[dict[str, str]]:
    path = Path(f"{prefix}_failures.csv")
    if not path.exists():
        return []
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _yes(met: bool) -> str:
    return "yes" if met else "**no**"


def _write_report(result: dict[str, Any], out: Path) -> None:
    total = result["total"]
    met = total["failures"] == 0 and total["p95_ms"] < P95_TARGET_MS
    lines = [
        "# Load test",
        "",
        f"Written by `make loadtest` (`loadtest/run.py`) on {result['finished']}; do not edit by "
        "hand. How it runs: [loadtest-method.md](loadtest-method.md).",
        "",
        f"- Data: `synth --scale region` ({result['staff']:,} staff records) plus "
        "`prepare_loadtest`.",
        f"- Server: gunicorn with {result['web_workers']} sync workers and one task worker, "
        f"PostgreSQL {result['postgres']}, all on loopback with the load generator.",
        f"- Load: {result['users']} concurrent users for {result['seconds']} s (ramp-up "
        f"{result['spawn_rate']} users/s), 1 to 3 s between pages, at most "
        f"{result['max_requests']:,} requests.",
        f"- Machine: {result['machine']}.",
        f"- Sharing the machine: on average {result.get('cpu_cores_used', 0):.1f} of "
        f"{os.cpu_count()} cores were busy during the run, "
        f"{result.get('cpu_other_work_share', 0):.0%} of that with work other than the load "
        "test's own processes (gunicorn, the task worker, locust, the database's backends).",
        "",
        "| figure | value | target | met |",
        "|---|---|---|---|",
        f"| requests | {total['requests']:,} | | |",
        f"| requests per second | {total['rps']:.1f} | | |",
        f"| errors | {total['failures']} | none | {_yes(total['failures'] == 0)} |",
        f"| p50 | {total['p50_ms']:.0f} ms | | |",
        f"| p95 | {total['p95_ms']:.0f} ms | under {P95_TARGET_MS} ms | "
        f"{_yes(total['p95_ms'] < P95_TARGET_MS)} |",
        f"| p99 | {total['p99_ms']:.0f} ms | | |",
        f"| peak memory per web worker (largest) | {result['peak_worker_mb']:.0f} MB | | |",
        "",
        f"Overall: {'targets met' if met else '**targets not met**'}.",
        "",
        "Times are measured by the load generator, on the same two cores as the server, so they",
        "include the time a request waited for a free core.",
        "",
        "| request | count | errors | per second | p50 ms | p95 ms | p99 ms | max ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in result["requests"]:
        lines.append(
            f"| {row['method']} {row['name']} | {row['requests']:,} | {row['failures']} | "
            f"{row['rps']:.1f} | {row['p50_ms']:.0f} | {row['p95_ms']:.0f} | "
            f"{row['p99_ms']:.0f} | {row['max_ms']:.0f} |"
        )
    if result["failure_details"]:
        lines += ["", "Errors:", ""]
        for failure in result["failure_details"]:
            lines.append(
                f"- {failure.get('Method')} {failure.get('Name')}: {failure.get('Error')} "
                f"({failure.get('Occurrences')} times)"
            )
    lines.append("")
    (out / "loadtest.md").write_text("\n".join(lines), encoding="utf-8")
    (out / "loadtest.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--spawn-rate", type=int, default=10)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--max-requests", type=int, default=20_000)
    parser.add_argument("--web-workers", type=int, default=4)
    parser.add_argument("--reuse", action="store_true", help="Keep the database as it is.")
    parser.add_argument("--output-dir", default=str(REPO / "docs"))
    options = parser.parse_args()

    env = {
        **os.environ,
        "DATABASE_URL": os.environ.get("LOADTEST_DATABASE_URL", DEFAULT_DATABASE),
        "DJANGO_SETTINGS_MODULE": "healthlead.config.settings",
        "DEBUG": "false",
        # Every simulated user comes from 127.0.0.1: per-address limits would stop them all.
        "RATE_LIMITS_ENABLED": "false",
    }
    if options.reuse:
        _manage("migrate", "--noinput", "--verbosity", "0", env=env)
        _manage("prepare_loadtest", "--refresh-cards", env=env)  # the last run used them up
    else:
        _fresh_database(env)
    # Finish the background work the data left queued (the 360 reports' charts, drawn when
    # their cycles closed; emails), as it would be long done before anyone read a report.
    _manage("run_worker", "--batch", "--no-startup-delay", "--verbosity", "0", env=env)
    _manage("collectstatic", "--noinput", "--verbosity", "0", env=env)
    var = REPO / "var" / "loadtest"
    var.mkdir(parents=True, exist_ok=True)
    users_file = var / "users.json"
    port = _free_port()
    host = f"http://127.0.0.1:{port}"
    log = (var / "server.log").open("w", encoding="utf-8")
    server = subprocess.Popen(  # noqa: S603
        [
            PYTHON,
            "manage.py",
            "serve",
            "--port",
            str(port),
            "--web-workers",
            str(options.web_workers),
        ],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not _healthy(f"{host}/healthz"):
            if server.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"The server did not start: see {var / 'server.log'}")
            time.sleep(0.5)
        sampler = MemorySampler(server.pid, urlparse(env["DATABASE_URL"]).path.lstrip("/"))
        started = time.monotonic()
        sampler.start()
        prefix = var / "result"
        print(f"==> locust: {options.users} users for {options.seconds} s on {host}", flush=True)
        locust = subprocess.run(  # noqa: S603
            [
                str(BIN / "locust"),
                "-f",
                str(REPO / "loadtest" / "locustfile.py"),
                "--headless",
                "--host",
                host,
                "-u",
                str(options.users),
                "-r",
                str(options.spawn_rate),
                "-t",
                f"{options.seconds}s",
                "--stop-timeout",
                "10",
                "--csv",
                str(prefix),
                "--only-summary",
            ],
            cwd=REPO,
            env={
                **env,
                "LOADTEST_USERS": str(users_file),
                "LOADTEST_MAX_REQUESTS": str(options.max_requests),
            },
            check=False,
        )
        sampler.stopping.set()
        sampler.join()
        elapsed = time.monotonic() - started
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        log.close()
    rows, total = _stats(prefix)
    users = json.loads(users_file.read_text(encoding="utf-8"))
    with psycopg.connect(env["DATABASE_URL"]) as connection:
        staff = connection.execute("SELECT count(*) FROM people_person").fetchone()
        postgres = connection.execute("SHOW server_version").fetchone()
    result = {
        "finished": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "users": options.users,
        "spawn_rate": options.spawn_rate,
        "seconds": options.seconds,
        "max_requests": options.max_requests,
        "web_workers": options.web_workers,
        "staff": int(staff[0]) if staff else 0,
        "region": users["region"],
        "postgres": str(postgres[0]).split()[0] if postgres else "?",
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
        f"{psutil.virtual_memory().total / 2**30:.0f} GiB, Python {platform.python_version()}",
        "total": total,
        "requests": rows,
        "failure_details": _failures(prefix),
        "peak_worker_mb": max(sampler.peaks.values(), default=0) / 2**20,
        "peak_worker_mb_each": sorted(round(v / 2**20, 1) for v in sampler.peaks.values()),
        "cpu_cores_used": round(sampler.machine_cpu / elapsed, 2),
        "cpu_other_work_share": round(sampler.other_share(), 3),
        "load_average_after": round(os.getloadavg()[0], 2),
        "locust_exit_code": locust.returncode,
    }
    Path(options.output_dir).mkdir(parents=True, exist_ok=True)
    _write_report(result, Path(options.output_dir))
    print((Path(options.output_dir) / "loadtest.md").read_text(encoding="utf-8"))
    met = total["failures"] == 0 and total["p95_ms"] < P95_TARGET_MS
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
