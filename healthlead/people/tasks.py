"""Background work for the people app: checking and importing uploaded staff files."""

from __future__ import annotations

import logging

from django_tasks import task

from healthlead.core.actors import System
from healthlead.people import actions
from healthlead.people.models import StaffImport

logger = logging.getLogger(__name__)

SYSTEM = System("staff_import")
UNEXPECTED_FAILURE = (
    "Something went wrong while handling this file, and nothing was imported. Try again; if "
    "it happens again, tell your Healthlead administrator the reference {reference}."
)


@task()
def run_staff_import(staff_import_id: int) -> str:
    """Check an uploaded staff file and, if asked, import it. Safe to run more than once.

    A finished import (checked, imported, failed) is left alone; one stopped part way (a
    worker killed mid-task) starts again from its last committed state, and an import
    that was under way is all or nothing, so running it again cannot apply it twice.
    """
    staff_import = (
        StaffImport.objects.select_related("uploaded_by").filter(pk=staff_import_id).first()
    )
    if staff_import is None:
        return "missing"
    if staff_import.finished:
        return staff_import.state
    # The person who uploaded the file answers for what it does; the system carries it out.
    by = staff_import.uploaded_by or SYSTEM
    try:
        if staff_import.state in {StaffImport.State.UPLOADED, StaffImport.State.VALIDATING}:
            actions.check_staff_import(staff_import=staff_import, by=by)
        if staff_import.commit and staff_import.state in {
            StaffImport.State.VALID,
            StaffImport.State.APPLYING,
        }:
            staff_import = actions.apply_staff_import(staff_import=staff_import, by=by)
    except actions.StaffImportError as error:
        actions.fail_staff_import(staff_import=staff_import, by=SYSTEM, message=str(error))
    except Exception:
        logger.exception("Staff import %s failed", staff_import_id)
        message = UNEXPECTED_FAILURE.format(reference=f"staff import {staff_import_id}")
        actions.fail_staff_import(staff_import=staff_import, by=SYSTEM, message=message)
    return staff_import.state


def enqueue_unfinished_imports() -> int:
    """Queue again every staff file whose check or import has not finished (after a restart).

    Safe even if a worker is still busy with one: the import takes a row lock and checks its
    state inside its transaction, so a file is never applied twice.
    """
    waiting = StaffImport.objects.filter(
        state__in=[
            StaffImport.State.UPLOADED,
            StaffImport.State.VALIDATING,
            StaffImport.State.APPLYING,
        ]
    ) | StaffImport.objects.filter(state=StaffImport.State.VALID, commit=True)
    pks = list(waiting.values_list("pk", flat=True))
    for pk in pks:
        run_staff_import.enqueue(pk)
    return len(pks)
