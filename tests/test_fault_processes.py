"""Several processes on one PostgreSQL, and processes killed (SIGKILL) mid-work (issues: national
scale, faults).

Two web processes and two task workers share one database; a worker killed in the middle of
a task loses nothing and repeats nothing. A staff import, a 360 cycle close and an offer
cascade killed inside their transactions leave all or nothing, and the next run finishes.

The moment to kill is made deterministic without any hook in the code: the test holds the
audit chain's advisory lock, which every action takes inside its transaction after its
writes, and waits until PostgreSQL shows the process waiting for it with writes made.
"""

from __future__ import annotations

import re
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.processes import (
    CLUSTER_TEMPLATE,
    PrivateCluster,
    audit_lock_key,
    backend_gone,
    backends_waiting_for_advisory_lock,
    django_env,
    free_port,
    gunicorn_command,
    holding_advisory_lock,
    http_status,
    kill_group,
    manage,
    run_worker_command,
    running,
    sql,
    wait_for,
)

pytestmark = [pytest.mark.processes, pytest.mark.xdist_group("private-postgres")]


@pytest.fixture
def database(private_cluster: PrivateCluster, request: pytest.FixtureRequest) -> str:
    """A database of its own for the test, copied from the cluster's migrated template."""
    name = re.sub(r"\W", "_", request.node.name)[:50].lower()
    private_cluster.create_database(name, template=CLUSTER_TEMPLATE)
    return private_cluster.url(name)


def environment(url: str, tmp_path: Path) -> dict[str, str]:
    return django_env(
        url,
        HEALTHLEAD_UPLOAD_DIR=str(tmp_path / "uploads"),
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        EMAIL_FILE_PATH=str(tmp_path / "emails"),
        LOG_LEVEL="WARNING",
    )


def seed(env: dict[str, str], log: Path, *args: str) -> str:
    with running([sys.executable, "-m", *args], env, log) as process:
        process.wait(timeout=600)
    text = log.read_text()
    assert "SEEDED" in text, text
    return text


def recipients(folder: Path) -> Counter[str]:
    """How many messages each address was sent (the file backend writes every message out)."""
    found: Counter[str] = Counter()
    for path in folder.glob("*.log"):
        found.update(re.findall(r"^To: (\S+)$", path.read_text(), flags=re.MULTILINE))
    return found


def statuses(url: str) -> dict[str, int]:
    query = "SELECT status, COUNT(*) FROM django_tasks_database_dbtaskresult GROUP BY status"
    return dict(sql(url, query))


def audit_actions(url: str) -> dict[str, int]:
    return dict(sql(url, "SELECT action, COUNT(*) FROM core_auditevent GROUP BY action"))


def audit_chain_intact(env: dict[str, str]) -> bool:
    return manage(env, "verify_audit").returncode == 0


# Several processes, one database --------------------------------------------------------------

EMAILS, IMPORTS, ROWS, REPORTS, INTAKES = 977, 10, 20, 8, 5  # 1,000 tasks
OFFER_EMAILS = "healthlead.programmes.tasks.send_offer_emails"
DRAW_CHARTS = "healthlead.feedback.tasks.draw_report_charts"


def running_on(url: str, worker: str) -> list[str]:
    """The tasks a worker has claimed and not finished."""
    query = (
        "SELECT id FROM django_tasks_database_dbtaskresult "
        "WHERE status = 'RUNNING' AND worker_ids ->> -1 = %s"
    )
    return [str(row[0]) for row in sql(url, query, [worker])]


def unfinished(url: str) -> int:
    counts = statuses(url)
    return counts.get("READY", 0) + counts.get("RUNNING", 0)


def test_a_worker_killed_mid_task_loses_nothing_and_repeats_nothing(database, tmp_path):
    env = environment(database, tmp_path)
    pdfs = tmp_path / "pdfs"
    pdfs.mkdir()
    counts = [EMAILS, IMPORTS, ROWS, REPORTS, INTAKES]
    queued = EMAILS + IMPORTS + REPORTS + INTAKES
    assert queued == 1000
    seeder = [sys.executable, "-m", "tests.fault_seed", "tasks", *map(str, counts), str(pdfs)]
    seed_env = {**env, "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    ports = [free_port(), free_port()]

    def worker(name: str) -> tuple[list[str], dict[str, str]]:
        # Each worker's connections carry its name, so the test can see where each one waits.
        named = environment(f"{database}?application_name={name}", tmp_path)
        return run_worker_command(name), named

    def waiting(name: str) -> bool:
        return bool(backends_waiting_for_advisory_lock(database, application=name))

    started = time.monotonic()
    # The tasks are queued while the processes start and the workers take them.
    with (
        running(seeder, seed_env, tmp_path / "seed.log") as seeding,
        running(gunicorn_command(ports[0]), env, tmp_path / "web-1.log"),
        running(gunicorn_command(ports[1]), env, tmp_path / "web-2.log"),
        running(*worker("hl-fault-a"), tmp_path / "worker-a.log") as a,
        running(*worker("hl-fault-b"), tmp_path / "worker-b.log"),
    ):
        for port in ports:
            wait_for(
                lambda port=port: http_status(f"http://127.0.0.1:{port}/healthz") == 200,
                timeout=60,
                what=f"the web process on {port}",
            )
        # Part way through the queue, stop both workers inside a task (each waits for the
        # audit lock mid-transaction), kill one, start a replacement, and let them go on.
        wait_for(
            lambda: statuses(database).get("SUCCESSFUL", 0) >= 200,
            timeout=90,
            what="the workers to get going",
        )
        with holding_advisory_lock(database, audit_lock_key()) as release:
            wait_for(
                lambda: waiting("hl-fault-a") and waiting("hl-fault-b"),
                timeout=60,
                what="both workers to be part way through a task",
            )
            (interrupted,) = running_on(database, "hl-fault-a")
            kill_group(a)
            with running(*worker("hl-fault-c"), tmp_path / "worker-c.log"):
                release()
                assert seeding.wait(timeout=120) == 0, (tmp_path / "seed.log").read_text()
                wait_for(
                    lambda: unfinished(database) == 0, timeout=120, what="every task to finish"
                )
                elapsed = time.monotonic() - started
        for port in ports:
            assert http_status(f"http://127.0.0.1:{port}/healthz") == 200

    print(
        f"{queued} tasks queued and done by two workers, one killed and replaced: {elapsed:.1f} s"
    )
    # Nothing lost: every task finished, successfully; each allocation queued its emails, and
    # each 360 cycle the seeder closed queued the drawing of its report's charts.
    assert statuses(database) == {"SUCCESSFUL": queued + INTAKES + REPORTS}
    for path, count in [(OFFER_EMAILS, INTAKES), (DRAW_CHARTS, REPORTS)]:
        ((tasks,),) = sql(
            database,
            "SELECT COUNT(*) FROM django_tasks_database_dbtaskresult WHERE task_path = %s",
            [path],
        )
        assert tasks == count, path
    # The task the dead worker held was queued again once and finished by another worker.
    query = "SELECT worker_ids FROM django_tasks_database_dbtaskresult WHERE id = %s"
    ((worker_ids,),) = sql(database, query, [interrupted])
    assert worker_ids[0] == "hl-fault-a"
    assert worker_ids[1] in {"hl-fault-b", "hl-fault-c"}
    assert len(worker_ids) == 2
    assert audit_actions(database)["core.tasks.reclaimed"] >= 1

    # Nothing repeated. Each password-reset and offer email went once.
    sent = recipients(tmp_path / "emails")
    assert all(sent[f"reset{i}@nhs.example"] == 1 for i in range(EMAILS)), (
        "a reset email was lost or sent twice"
    )
    offers = sql(
        database,
        "SELECT p.work_email FROM programmes_offer o JOIN programmes_application a "
        "ON a.id = o.application_id JOIN people_person p ON p.id = a.person_id "
        "WHERE o.notified_at IS NOT NULL",
    )
    assert len(offers) == 2 * INTAKES
    assert sent == Counter(
        {**{f"reset{i}@nhs.example": 1 for i in range(EMAILS)}, **{o[0]: 1 for o in offers}}
    )
    # Each intake was allocated once, each staff file imported once and whole.
    assert sql(
        database, "SELECT COUNT(*), COUNT(DISTINCT intake_id) FROM programmes_allocationrun"
    ) == [(INTAKES, INTAKES)]
    assert dict(sql(database, "SELECT state, COUNT(*) FROM people_staffimport GROUP BY state")) == {
        "applied": IMPORTS
    }
    assert sql(
        database,
        "SELECT COUNT(*), COUNT(DISTINCT staff_number) FROM people_person "
        "WHERE staff_number LIKE '5_____'",
    ) == [(IMPORTS * ROWS, IMPORTS * ROWS)]
    # One PDF per report, each whole.
    files = sorted(pdfs.iterdir())
    assert len(files) == REPORTS
    assert all(f.suffix == ".pdf" and f.read_bytes().startswith(b"%PDF") for f in files)
    actions = audit_actions(database)
    assert actions["people.staff.imported"] == IMPORTS
    assert actions["accounts.password.reset_link_sent"] == EMAILS
    assert audit_chain_intact(env)
    assert elapsed < 90


# Faults: killed inside a transaction ---------------------------------------------------------


def kill_when_waiting_with_writes(
    command: list[str], env: dict[str, str], url: str, log: Path
) -> None:
    """Run `command` until it waits for the audit lock with writes made; SIGKILL it there;
    return once PostgreSQL has ended its session (its transaction rolled back)."""
    with (
        holding_advisory_lock(url, audit_lock_key()),
        running(command, env, log) as process,
    ):
        wait_for(
            lambda: bool(backends_waiting_for_advisory_lock(url, with_writes=True)),
            timeout=120,
            what="the command to be part way through its transaction",
        )
        (pid,) = backends_waiting_for_advisory_lock(url, with_writes=True)
        kill_group(process)
        # Still holding the lock: the session ends without ever being able to commit.
        wait_for(lambda: backend_gone(url, pid), timeout=30, what="the session to end")


def test_a_staff_import_killed_mid_commit_leaves_nothing_and_a_rerun_imports_it(database, tmp_path):
    env = environment(database, tmp_path)
    path = tmp_path / "staff.csv"
    seed(env, tmp_path / "seed.log", "tests.fault_seed", "staff-file", str(path), "300")
    before = audit_actions(database)
    command = [sys.executable, "manage.py", "import_staff", str(path), "--commit"]

    kill_when_waiting_with_writes(command, env, database, tmp_path / "import.log")
    assert sql(database, "SELECT COUNT(*) FROM people_person") == [(0,)]
    assert audit_actions(database) == before

    first = manage(env, "import_staff", str(path), "--commit")
    assert first.returncode == 0, first.stderr
    assert "Created 300, updated 0" in first.stdout
    again = manage(env, "import_staff", str(path), "--commit")
    assert "Created 0, updated 0, unchanged 300" in again.stdout
    assert sql(database, "SELECT COUNT(*) FROM people_person") == [(300,)]
    assert audit_actions(database)["people.staff.imported"] == 2
    assert audit_chain_intact(env)


def test_a_worker_killed_mid_import_leaves_nothing_and_the_restarted_worker_imports_it(
    database, tmp_path
):
    env = environment(database, tmp_path)
    text = seed(env, tmp_path / "seed.log", "tests.fault_seed", "checked-import", "300")
    assert "state=valid" in text

    def worker(name: str) -> tuple[list[str], dict[str, str]]:
        return run_worker_command(name), environment(
            f"{database}?application_name={name}", tmp_path
        )

    with (
        holding_advisory_lock(database, audit_lock_key()),
        running(*worker("hl-import-a"), tmp_path / "worker-a.log") as a,
    ):
        wait_for(
            lambda: bool(
                backends_waiting_for_advisory_lock(
                    database, with_writes=True, application="hl-import-a"
                )
            ),
            timeout=120,
            what="the worker to be part way through the import's transaction",
        )
        (pid,) = backends_waiting_for_advisory_lock(database, application="hl-import-a")
        kill_group(a)
        wait_for(lambda: backend_gone(database, pid), timeout=30, what="the session to end")
    # None of it: no staff record; the import and its task are left as the worker had them.
    assert sql(database, "SELECT COUNT(*) FROM people_person") == [(0,)]
    assert sql(database, "SELECT state FROM people_staffimport") == [("applying",)]
    assert statuses(database) == {"RUNNING": 1}
    assert "people.staff.imported" not in audit_actions(database)

    # A worker started afterwards takes the task back and imports the file, once and whole.
    with running(*worker("hl-import-b"), tmp_path / "worker-b.log"):
        wait_for(lambda: unfinished(database) == 0, timeout=120, what="the import to finish")
    assert statuses(database) == {"SUCCESSFUL": 1}
    query = "SELECT worker_ids FROM django_tasks_database_dbtaskresult"
    assert sql(database, query) == [(["hl-import-a", "hl-import-b"],)]
    assert sql(database, "SELECT state FROM people_staffimport") == [("applied",)]
    assert sql(database, "SELECT COUNT(*) FROM people_person") == [(300,)]
    assert audit_actions(database)["people.staff.imported"] == 1
    assert audit_chain_intact(env)


def cycle_state(url: str) -> dict[str, object]:
    return {
        "cycles": dict(
            sql(url, "SELECT state, COUNT(*) FROM feedback_feedbackcycle GROUP BY state")
        ),
        "responses": dict(sql(url, "SELECT state, COUNT(*) FROM feedback_response GROUP BY state")),
        "reports": sql(url, "SELECT COUNT(*) FROM feedback_report")[0][0],
        "changes": sql(url, "SELECT COUNT(*) FROM feedback_cyclestatechange")[0][0],
        "audit": audit_actions(url),
    }


def test_a_cycle_close_killed_mid_commit_leaves_it_open_and_a_rerun_closes_it(database, tmp_path):
    env = environment(database, tmp_path)
    seed(env, tmp_path / "seed.log", "tests.fault_seed", "open-cycle")
    before = cycle_state(database)
    assert before["cycles"] == {"open": 1}
    assert before["responses"] == {"submitted": 4, "draft": 1}
    command = [sys.executable, "manage.py", "send_feedback_reminders"]

    kill_when_waiting_with_writes(command, env, database, tmp_path / "close.log")
    assert cycle_state(database) == before

    first = manage(env, "send_feedback_reminders")
    assert first.returncode == 0, first.stderr
    assert "Closed 1 cycles" in first.stdout
    after = cycle_state(database)
    assert after["cycles"] == {"closed": 1}
    assert after["responses"] == {"submitted": 4}
    assert after["reports"] == 1
    again = manage(env, "send_feedback_reminders")
    assert "Closed 0 cycles" in again.stdout
    assert cycle_state(database) == after
    assert audit_chain_intact(env)


def offer_state(url: str) -> dict[str, object]:
    return {
        "offers": dict(sql(url, "SELECT state, COUNT(*) FROM programmes_offer GROUP BY state")),
        "uncascaded": sql(
            url,
            "SELECT COUNT(*) FROM programmes_offer "
            "WHERE state = 'declined' AND cascaded_at IS NULL",
        )[0][0],
        "runs": dict(sql(url, "SELECT kind, COUNT(*) FROM programmes_allocationrun GROUP BY kind")),
        "applications": dict(
            sql(url, "SELECT state, COUNT(*) FROM programmes_application GROUP BY state")
        ),
        "audit": audit_actions(url),
    }


def test_an_offer_cascade_killed_mid_commit_leaves_nothing_and_a_rerun_completes_it(
    database, tmp_path
):
    env = environment(database, tmp_path)
    seed(env, tmp_path / "seed.log", "healthlead.programmes.tests.cascade_fault", "seed")
    before = offer_state(database)
    assert before["uncascaded"] == 1
    command = [sys.executable, "manage.py", "cascade_offers"]

    kill_when_waiting_with_writes(command, env, database, tmp_path / "cascade.log")
    assert offer_state(database) == before

    first = manage(env, "cascade_offers")
    assert first.returncode == 0, first.stderr
    assert "1 cascade steps; 1 places offered" in first.stdout
    after = offer_state(database)
    assert after["uncascaded"] == 0
    assert after["offers"] == {"open": 2, "declined": 1}
    again = manage(env, "cascade_offers")
    assert "0 cascade steps" in again.stdout
    assert offer_state(database) == after
    assert audit_chain_intact(env)


def test_only_tasks_of_dead_leased_workers_are_requeued_and_a_task_that_kills_three_fails(
    database, tmp_path
):
    import psycopg

    from healthlead.core.task_recovery import LEASE_LOCK_CLASS

    env = environment(database, tmp_path)
    claimed_by = {
        "dead": ["hl-dead"],
        "live": ["hl-live"],
        "plain": ["a-db-worker-without-a-lease"],
        "poisonous": ["hl-first", "hl-second", "hl-dead"],
    }
    ids = {}
    for name, workers in claimed_by.items():
        ((ids[name],),) = sql(
            database,
            "INSERT INTO django_tasks_database_dbtaskresult "
            "(id, status, enqueued_at, started_at, args_kwargs, priority, "
            "task_path, worker_ids, queue_name, backend_name, run_after, exception_class_path, "
            "traceback) VALUES (gen_random_uuid(), 'RUNNING', now(), now(), "
            '\'{"args": [], "kwargs": {"email": "nobody@nhs.example"}}\', 0, '
            "'healthlead.accounts.tasks.send_password_reset', %s, 'default', 'default', "
            "'9999-01-01', '', '') RETURNING id",
            [psycopg.types.json.Jsonb(workers)],
        )
    with psycopg.connect(database, autocommit=True) as live_worker:
        live_worker.execute(
            "SELECT pg_advisory_lock(%s, hashtext(%s))", [LEASE_LOCK_CLASS, "hl-live"]
        )
        result = manage(env, "reclaim_stale_tasks")
    assert result.returncode == 0, result.stderr
    assert "Requeued 1 tasks; 1 failed after 3 attempts." in result.stdout
    status = dict(sql(database, "SELECT id, status FROM django_tasks_database_dbtaskresult"))
    assert {name: status[pk] for name, pk in ids.items()} == {
        "dead": "READY",
        "live": "RUNNING",
        "plain": "RUNNING",
        "poisonous": "FAILED",
    }
    assert audit_actions(database) == {"core.tasks.reclaimed": 1}
