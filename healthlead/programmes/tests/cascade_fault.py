"""Helpers run in separate processes by the offer-cascade fault test in
tests/test_fault_processes.py (not tests themselves).

`python -m healthlead.programmes.tests.cascade_fault seed` makes an intake with offers out and
one declined place not yet passed on; `... hang` runs the cascade and stops inside its
transaction, after the new offer is written and before the step is committed, printing HANGING,
so that the test can kill the process there.
"""

from __future__ import annotations

import sys
import time


def seed() -> None:
    from django.utils import timezone

    from healthlead.accounts.tests.factories import UserFactory
    from healthlead.people.tests.factories import OrganisationFactory, PersonFactory
    from healthlead.programmes import actions, selection_actions
    from healthlead.programmes.models import Application, Offer
    from healthlead.programmes.tests.helpers import (
        SYSTEM,
        apply,
        complete,
        load_curriculum,
        open_intake,
        score_all,
    )

    load_curriculum()
    organisation = OrganisationFactory()
    manager = PersonFactory(organisation=organisation)
    intake = open_intake("mary-seacole", places=2, region=organisation.region)
    for i in range(5):
        person = PersonFactory(organisation=organisation, line_manager=manager, last_name=f"P{i}")
        complete(person, "Edward Jenner")
        apply(intake, person)
    actions.add_panel_member(intake=intake, user=UserFactory(person=PersonFactory()), by=SYSTEM)
    selection_actions.close_applications(intake=intake, by=SYSTEM)
    score_all(intake)
    selection_actions.allocate_places(intake=intake, by=SYSTEM)
    # A decline recorded, its place not yet passed on (as if the cascade had failed).
    offer = Offer.objects.filter(intake=intake).order_by("pk").first()
    assert offer is not None
    Offer.objects.filter(pk=offer.pk).update(state="declined", responded_at=timezone.now())
    Application.objects.filter(pk=offer.application_id).update(state="declined")
    print(f"SEEDED intake={intake.pk}", flush=True)


def hang() -> None:
    from healthlead.core import audit
    from healthlead.core.actors import System
    from healthlead.programmes import selection_actions
    from healthlead.programmes.models import Intake

    record = audit.record

    def record_then_hang(action: str, **kwargs: object) -> object:
        event = record(action, **kwargs)  # type: ignore[arg-type]
        if action == "programmes.intake.cascaded":
            print("HANGING", flush=True)
            time.sleep(600)
        return event

    audit.record = record_then_hang  # type: ignore[assignment]
    intake = Intake.objects.get(state=Intake.State.OFFERS)
    selection_actions.cascade_step(intake=intake, by=System("cascade_fault"))


if __name__ == "__main__":
    import django

    django.setup()
    {"seed": seed, "hang": hang}[sys.argv[1]]()
