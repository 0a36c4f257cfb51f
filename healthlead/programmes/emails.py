"""The emails programmes send: endorsement and funding requests, and offers (text and HTML).

Messages are built inside the action that causes them and sent after its transaction commits.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.urls import reverse

from healthlead.core.emails import absolute_url, templated_message
from healthlead.core.formatting import nhs_date
from healthlead.programmes.models import Endorsement, FundingConfirmation, Offer

logger = logging.getLogger(__name__)


def _message(template: str, context: dict[str, Any], to: list[str]) -> EmailMultiAlternatives:
    """Subject, text and HTML from programmes/emails/<template>_subject.txt, .txt and .html."""
    return templated_message(f"programmes/emails/{template}", context, to)


def send_after_commit(messages: Iterable[EmailMultiAlternatives]) -> None:
    """Send the messages once the current transaction has committed (never if it rolls back)."""
    batch = [m for m in messages if m.to]
    if not batch:
        return

    def send() -> None:
        for message in batch:
            try:
                message.send()
            except Exception:  # a mail server outage must not undo the work
                logger.exception("Could not send %r", message.subject)

    transaction.on_commit(send)


def endorsement_request(endorsement: Endorsement) -> EmailMultiAlternatives:
    application = endorsement.application
    intake = application.intake
    context = {
        "manager_name": endorsement.manager.full_name,
        "applicant_name": application.person.full_name,
        "programme": intake.version.programme.name,
        "intake": intake.name,
        "closes_on": nhs_date(intake.closes_on),
        "link": absolute_url(reverse("programmes:endorse_application", args=[endorsement.pk])),
    }
    return _message("endorsement_request", context, [endorsement.manager.work_email])


def funding_request(funding: FundingConfirmation, to: list[str]) -> EmailMultiAlternatives:
    application = funding.application
    intake = application.intake
    context = {
        "organisation": funding.organisation.display_name,
        "applicant_name": application.person.full_name,
        "programme": intake.version.programme.name,
        "amount": f"£{funding.amount:,}",
        "closes_on": nhs_date(intake.closes_on),
        "link": absolute_url(reverse("programmes:confirm_funding", args=[funding.pk])),
    }
    return _message("funding_request", context, to)


def offer_made(offer: Offer) -> EmailMultiAlternatives:
    application = offer.application
    context = {
        "applicant_name": application.person.full_name,
        "programme": application.intake.version.programme.name,
        "intake": application.intake.name,
        "deadline": nhs_date(offer.deadline),
        "link": absolute_url(reverse("programmes:show_application", args=[application.pk])),
    }
    return _message("offer_made", context, [application.person.work_email])
