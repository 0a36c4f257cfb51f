"""Background work for programmes: emailing offers once places are allocated or cascade."""

from __future__ import annotations

from django_tasks import task

from healthlead.core.actors import System
from healthlead.programmes import selection_actions


@task()
def send_offer_emails(offer_ids: list[int]) -> int:
    """Email each new offer its link; offers already emailed or answered are skipped."""
    return selection_actions.send_offer_emails(
        offer_ids=[int(pk) for pk in offer_ids], by=System("programme_offers")
    )
