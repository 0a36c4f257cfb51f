"""After selection: recording that a participant completed the programme they took up.

A completion goes straight into the person's development plan as evidence (appraisal's
`record_completion_evidence`), on every plan action that names the programme, and so into their
talent pool record.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from healthlead.appraisal.actions import actor_label, record_completion_evidence
from healthlead.core import audit
from healthlead.core.actors import Actor
from healthlead.core.formatting import nhs_date
from healthlead.programmes.actions import ProgrammeError
from healthlead.programmes.models import EnrolmentHandOff


@transaction.atomic
def record_completion(
    *, enrolment: EnrolmentHandOff, completed_on: dt.date, by: Actor
) -> EnrolmentHandOff:
    """Record the day a participant completed their programme; the same day again is a no-op."""
    enrolment = (
        EnrolmentHandOff.objects.select_for_update(of=("self",))
        .select_related("person", "version__programme")
        .get(pk=enrolment.pk)
    )
    name = enrolment.person.full_name
    if completed_on > timezone.localdate():
        raise ProgrammeError("A programme cannot be completed in the future.")
    accepted_on = timezone.localtime(enrolment.created_at).date()
    if completed_on < accepted_on:
        raise ProgrammeError(
            f"{name} accepted their place on {nhs_date(accepted_on)}, "
            "so cannot have completed it before then."
        )
    if enrolment.completed_on is not None:
        if enrolment.completed_on == completed_on:
            return enrolment
        raise ProgrammeError(
            f"{name}'s completion is already recorded, on {nhs_date(enrolment.completed_on)}."
        )
    enrolment.completed_on = completed_on
    enrolment.completion_recorded_by_label = actor_label(by)
    enrolment.save(update_fields=["completed_on", "completion_recorded_by_label"])
    audit.record(
        "programmes.enrolment.completed",
        by=by,
        target=enrolment,
        detail={"person": enrolment.person_id, "completed_on": completed_on.isoformat()},
    )
    record_completion_evidence(
        person=enrolment.person,
        programme_name=enrolment.version.programme.name,
        completed_on=completed_on,
        by=by,
        reference=f"enrolment:{enrolment.pk}",
    )
    return enrolment
