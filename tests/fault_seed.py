"""Data for the fault tests, written into a private database by a separate process.

`python -m tests.fault_seed tasks EMAILS IMPORTS ROWS REPORTS INTAKES FOLDER` queues
password-reset emails, then staff imports (of ROWS people each), 360 report PDFs (filed in
FOLDER) and place allocations; `... staff-file PATH ROWS` writes a staff file
for a new organisation; `... checked-import ROWS` queues a checked staff file for a worker to
import; `... open-cycle` makes a 360 cycle past its deadline with answers
and an unsent draft.
Each prints SEEDED when done. Not tests themselves: test_fault_processes.py runs them.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

ORGANISATION = "RAA"


def _staff_file(first: int, rows: int) -> bytes:
    from healthlead.people.tests.test_staff_import_support import staff_csv, staff_row

    numbers = [str(first + i) for i in range(rows)]
    return staff_csv(
        *(staff_row(n, manager=numbers[0] if i else "") for i, n in enumerate(numbers))
    )


def reset_address(i: int) -> str:
    return f"reset{i}@nhs.example"


def _closed_cycles(count: int) -> list[int]:
    from healthlead.feedback.tests.report_helpers import (
        close,
        make_questionnaire,
        open_cycle,
        submit,
    )

    instrument = make_questionnaire(((2, 2), (2,)))
    ids = []
    for _ in range(count):
        cycle = open_cycle(instrument)
        submit(cycle, "self", [5, 5, 5, 5, 4, 4], instrument=instrument)
        for ratings in ([4, 4, 3, 3, 5, 5], [3, 4, 4, 5, 5, 4], [5, 3, 4, 4, 3, 5]):
            submit(cycle, "peers", ratings, instrument=instrument)
        ids.append(close(cycle).pk)
    return ids


def _scored_intakes(count: int, organisation: object) -> list[int]:
    """Intakes with applications closed and scored, their places not yet allocated."""
    from healthlead.accounts.tests.factories import UserFactory
    from healthlead.people.tests.factories import PersonFactory
    from healthlead.programmes import actions, selection_actions
    from healthlead.programmes.tests.helpers import (
        SYSTEM,
        apply,
        complete,
        load_curriculum,
        open_intake,
        score_all,
    )

    load_curriculum()
    manager = PersonFactory(organisation=organisation)
    ids = []
    for n in range(count):
        intake = open_intake("mary-seacole", places=2, region=organisation.region)  # type: ignore[attr-defined]
        for i in range(4):
            person = PersonFactory(
                organisation=organisation, line_manager=manager, last_name=f"I{n}P{i}"
            )
            complete(person, "Edward Jenner")
            apply(intake, person)
        member = UserFactory(person=PersonFactory())
        actions.add_panel_member(intake=intake, user=member, by=SYSTEM)
        selection_actions.close_applications(intake=intake, by=SYSTEM)
        score_all(intake)
        ids.append(intake.pk)
    return ids


def seed_tasks(
    emails: int, imports: int, rows: int, reports: int, intakes: int, pdf_folder: str
) -> None:
    """Queue `emails` password-reset emails, then staff imports, 360 report PDFs and place
    allocations as their data is made (workers may already be taking them)."""
    from django.contrib.auth.hashers import make_password
    from django.core.files.base import ContentFile

    from healthlead.accounts.models import User
    from healthlead.accounts.tasks import send_password_reset
    from healthlead.core.actors import System
    from healthlead.people import actions
    from healthlead.people.tasks import run_staff_import
    from healthlead.people.tests.factories import OrganisationFactory
    from tests.fault_tasks import allocate_intake, render_report_pdf

    organisation = OrganisationFactory(code=ORGANISATION)
    # Volume set-up: one password hash for all (hashing each would take minutes).
    password = make_password("fault-tests-only")
    User.objects.bulk_create(
        User(username=reset_address(i), email=reset_address(i), password=password)
        for i in range(emails)
    )
    for i in range(emails):
        send_password_reset.enqueue(email=reset_address(i))
    by = System("fault_tests")
    for n in range(imports):
        upload = ContentFile(_staff_file(500000 + n * 1000, rows), name=f"staff-{n}.csv")
        staff_import = actions.start_staff_import(upload=upload, by=by, commit=True)
        run_staff_import.enqueue(staff_import.pk)
    for pk in _closed_cycles(reports):
        render_report_pdf.enqueue(pk, pdf_folder)
    for pk in _scored_intakes(intakes, organisation):
        allocate_intake.enqueue(pk)
    print(
        f"SEEDED emails={emails} imports={imports} reports={reports} intakes={intakes}", flush=True
    )


def write_staff_file(path: str, rows: int) -> None:
    from healthlead.people.tests.factories import OrganisationFactory

    OrganisationFactory(code=ORGANISATION)
    Path(path).write_bytes(_staff_file(700000, rows))
    print("SEEDED", flush=True)


def seed_checked_import(rows: int) -> None:
    """A staff file uploaded and checked, queued for a worker to import."""
    from django.core.files.base import ContentFile

    from healthlead.core.actors import System
    from healthlead.people import actions
    from healthlead.people.tasks import run_staff_import
    from healthlead.people.tests.factories import OrganisationFactory

    OrganisationFactory(code=ORGANISATION)
    by = System("fault_tests")
    upload = ContentFile(_staff_file(800000, rows), name="staff.csv")
    staff_import = actions.start_staff_import(upload=upload, by=by, commit=True)
    actions.check_staff_import(staff_import=staff_import, by=by)
    run_staff_import.enqueue(staff_import.pk)
    print(f"SEEDED staff_import={staff_import.pk} state={staff_import.state}", flush=True)


def seed_open_cycle() -> None:
    from healthlead.feedback.models import FeedbackCycle, Response
    from healthlead.feedback.tests.report_helpers import make_questionnaire, open_cycle, submit

    instrument = make_questionnaire(((2, 2), (2,)))
    cycle = open_cycle(instrument)
    submit(cycle, "self", [5, 5, 5, 5, 4, 4], instrument=instrument)
    for ratings in ([4, 4, 3, 3, 5, 5], [3, 4, 4, 5, 5, 4], [5, 3, 4, 4, 3, 5]):
        submit(cycle, "peers", ratings, instrument=instrument)
    submit(cycle, "peers", [1, 1, 1, 1, 1, 1], instrument=instrument, state=Response.State.DRAFT)
    FeedbackCycle.objects.filter(pk=cycle.pk).update(deadline=dt.date(2020, 1, 1))
    print(f"SEEDED cycle={cycle.pk}", flush=True)


if __name__ == "__main__":
    import django

    django.setup()
    command, *args = sys.argv[1:]
    if command == "tasks":
        seed_tasks(*(int(a) for a in args[:5]), args[5])
    elif command == "staff-file":
        write_staff_file(args[0], int(args[1]))
    elif command == "checked-import":
        seed_checked_import(int(args[0]))
    elif command == "open-cycle":
        seed_open_cycle()
    else:
        raise SystemExit(f"unknown: {command}")
