"""What each request of the load-test mix costs on its own: server CPU, database time, queries.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/healthlead_load \
        .venv/bin/python loadtest/profile_requests.py [--repeat 10] [--profile "talent grid"]

Run on the load-test database after `prepare_loadtest` (or `make loadtest`), with nothing else
running. One simulated user at a time, through Django's test client (every middleware, no
gunicorn): for each kind of request it prints the median wall time, the median CPU time of
this Python process, the median CPU time of the PostgreSQL backend serving it (read from
/proc, so PostgreSQL must run on this machine), and the number of queries. Under load, the
sum of the two CPU times is what each request takes from the machine's cores. `--profile NAME`
prints a cProfile of the requests whose name contains NAME.
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import hmac
import io
import json
import os
import pstats
import random
import re
import statistics
import struct
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "loadtest"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "healthlead.config.settings")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/healthlead_load")
os.environ.setdefault("DEBUG", "false")
os.environ.setdefault("RATE_LIMITS_ENABLED", "false")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
RADIO = re.compile(r'<input[^>]*type="radio"[^>]*>')
SECTION_LINK = re.compile(r'href="(/feedback/respond/[^"/]+/sections/\d+/)"')
ATTRIBUTE = re.compile(r'(name|value)="([^"]*)"')
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def one_time_code(hex_key: str) -> str:
    """RFC 6238 TOTP, as in locustfile.py (which cannot be imported without gevent)."""
    counter = int(time.time() // 30)
    digest = hmac.new(bytes.fromhex(hex_key), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def _backend_cpu() -> float:
    """CPU seconds used so far by the PostgreSQL backend of this connection."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


class Meter:
    """Per-request figures, grouped by request name."""

    def __init__(self, profile: str | None):
        self.rows: dict[str, list[tuple[float, float, float, int, float]]] = {}
        self.profile_name = profile
        self.profiler = cProfile.Profile() if profile else None

    @contextmanager
    def measure(self, name: str) -> Iterator[None]:
        queries: list[float] = []

        def count(execute: Callable[..., Any], sql: str, params: Any, many: bool, ctx: Any) -> Any:
            started = time.perf_counter()
            try:
                return execute(sql, params, many, ctx)
            finally:
                queries.append(time.perf_counter() - started)

        connection.ensure_connection()
        db_before = _backend_cpu()
        profiling = self.profile_name is not None and self.profile_name in name
        wall, cpu = time.perf_counter(), time.process_time()
        if profiling:
            self.profiler.enable()  # type: ignore[union-attr]
        with connection.execute_wrapper(count):
            yield
        if profiling:
            self.profiler.disable()  # type: ignore[union-attr]
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        db_cpu = _backend_cpu() - db_before
        self.rows.setdefault(name, []).append((wall, cpu, db_cpu, len(queries), sum(queries)))

    def report(self) -> None:
        print(
            f"{'request':38} {'n':>3} {'wall ms':>8} {'app CPU':>8} {'db CPU':>7} "
            f"{'queries':>7} {'SQL ms':>7}"
        )
        for name, rows in self.rows.items():
            med = [statistics.median(r[i] for r in rows) for i in range(5)]
            print(
                f"{name:38} {len(rows):>3} {med[0] * 1000:8.1f} {med[1] * 1000:8.1f} "
                f"{med[2] * 1000:7.0f} {med[3]:7.0f} {med[4] * 1000:7.1f}"
            )
        print("(medians; db CPU is counted in clock ticks of 10 ms, so small values read 0 or 10)")
        if self.profiler is not None:
            out = io.StringIO()
            stats = pstats.Stats(self.profiler, stream=out)
            stats.sort_stats("cumulative").print_stats(45)
            stats.sort_stats("tottime").print_stats(30)
            print(out.getvalue())


def _csrf(html: str) -> str:
    found = CSRF.search(html)
    return found.group(1) if found else ""


def _get(meter: Meter, client: Client, name: str, url: str, **data: Any) -> Any:
    with meter.measure(name):
        response = client.get(url, data or None)
    if response.status_code != 200:
        raise SystemExit(f"{name}: {url} answered {response.status_code}")
    return response


def _sign_in(meter: Meter, users: dict[str, Any], email: str, totp: str | None = None) -> Client:
    client = Client(HTTP_HOST="127.0.0.1")
    page = _get(meter, client, "GET sign in (form)", "/accounts/sign-in/")
    with meter.measure("POST sign in"):
        response = client.post(
            "/accounts/sign-in/",
            {
                "username": email,
                "password": users["password"],
                "csrfmiddlewaretoken": _csrf(page.content.decode()),
            },
        )
    if response.status_code != 302:
        raise SystemExit(f"Sign-in failed for {email}: {response.status_code}")
    if totp is not None:
        # One code per 30 s window per account (the replay check): wait for a fresh window.
        time.sleep(30 - time.time() % 30 + 0.5)
        with meter.measure("POST sign in (one-time code)"):
            response = client.post(
                response["Location"], {"code": one_time_code(totp), "csrfmiddlewaretoken": "x"}
            )
        if response.status_code != 302 or "two-factor" in response["Location"]:
            raise SystemExit(f"One-time code refused for {email}")
    return client


def _rater(meter: Meter, code: str) -> None:
    client = Client(HTTP_HOST="127.0.0.1")
    rng = random.Random(code)  # noqa: S311
    _get(meter, client, "GET card code (form)", "/feedback/card/")
    with meter.measure("POST card code"):
        response = client.post("/feedback/card/", {"code": code}, follow=True)
    first = SECTION_LINK.search(response.content.decode())
    if first is None:
        raise SystemExit("No first section after the card code")
    url = first.group(1)
    response = _get(meter, client, "GET 360 rater: section (form)", url)
    for _ in range(20):
        if "/thank-you/" in url:
            return
        checking = url.rstrip("/").endswith("/check")
        answers: dict[str, str] = {}
        if not checking:
            choices: dict[str, list[str]] = {}
            for tag in RADIO.findall(response.content.decode()):
                attributes = dict(ATTRIBUTE.findall(tag))
                if "name" in attributes and "value" in attributes:
                    choices.setdefault(attributes["name"], []).append(attributes["value"])
            answers = {k: rng.choice(v) for k, v in choices.items()}
        name = "POST 360 rater: check and send" if checking else "POST 360 rater: section"
        with meter.measure(name):
            response = client.post(url, answers)
            if response.status_code == 302:
                url = response["Location"]
                response = client.get(url)
    raise SystemExit("The rater form did not finish")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--profile", default=None, help="cProfile requests whose name has this")
    parser.add_argument("--skip-two-factor", action="store_true", help="no 30 s wait for a code")
    parser.add_argument(
        "--users", default=str(REPO / "var" / "loadtest" / "users.json"), help="accounts file"
    )
    options = parser.parse_args()
    users = json.loads(Path(options.users).read_text(encoding="utf-8"))
    meter = Meter(options.profile)
    rng = random.Random(1)  # noqa: S311
    n = options.repeat

    staff = _sign_in(meter, users, users["staff"][0])
    for _ in range(2):  # warm the caches first, as a running server has them warm
        _sign_in(meter, users, users["staff"][1])
    meter.rows.clear()
    for i in range(n):
        _sign_in(meter, users, users["staff"][(i + 2) % len(users["staff"])])
    for _ in range(n):
        _get(meter, staff, "GET home", "/")
        _get(meter, staff, "GET programmes", "/programmes/")
        code = rng.choice(users["programme_codes"])
        _get(meter, staff, "GET programme eligibility check", f"/programmes/{code}/check/")

    manager = users["managers"][0]
    managing = _sign_in(meter, users, manager["email"])
    for _ in range(n):
        q = rng.choice(manager["surnames"] or users["surnames"])
        _get(meter, managing, "GET people search (manager)", "/people/", q=q)

    subject = users["subjects"][0]
    reading = _sign_in(meter, users, subject["email"])
    for _ in range(n):
        _get(meter, reading, "GET 360 report", subject["report"])

    lead = users["regional_leads"][0]
    if options.skip_two_factor:
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from healthlead.accounts.models import User

        user = User.objects.get(email=lead["email"])
        leading = Client(HTTP_HOST="127.0.0.1")
        leading.force_login(user)
        # Mark the session verified as django_otp.login does after a one-time code.
        session = leading.session
        session["otp_device_id"] = TOTPDevice.objects.get(user=user).persistent_id
        session.save()
    else:
        leading = _sign_in(meter, users, lead["email"], lead["totp_key"])
    region = users["region"]
    for _ in range(n):
        _get(meter, leading, "GET talent grid (region)", f"/talent/regions/{region}/grid/")
        q = rng.choice(users["surnames"])
        _get(meter, leading, "GET people search (region)", "/people/", q=q)

    api = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Bearer {users['api_token']}")
    for _ in range(n):
        q = rng.choice(users["surnames"])
        _get(meter, api, "GET API: people", "/api/v1/people/", q=q)
        _get(meter, api, "GET API: organisation", f"/api/v1/organisations/{users['organisation']}/")

    # Card codes from the end of the list (locust takes them from the start), each used once.
    used_file = Path(options.users).with_name("profiled_card_codes.txt")
    used = set(used_file.read_text().split()) if used_file.exists() else set()
    codes = [c for c in reversed(users["card_codes"]) if c not in used][:n]
    with used_file.open("a") as handle:
        handle.write("".join(f"{c}\n" for c in codes))
    for code in codes:
        _rater(meter, code)

    meter.report()


if __name__ == "__main__":
    main()
