"""The emails a 360 cycle sends: invitation, reminder and report ready (text and HTML).

Messages are built inside the action that causes them and sent after its transaction
commits. A link token appears only in the message, never in the database or the logs.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.mail import EmailMultiAlternatives
from django.urls import reverse

from healthlead.core.emails import absolute_url, templated_message
from healthlead.core.formatting import nhs_date
from healthlead.feedback.models import FeedbackCycle, Invitation
from healthlead.feedback.presenters import rater_role

logger = logging.getLogger(__name__)


def _message(template: str, context: dict[str, Any], to: list[str]) -> EmailMultiAlternatives:
    """Subject, text and HTML from feedback/emails/<template>_{subject,text,html}."""
    return templated_message(f"feedback/emails/{template}", context, to)


def rater_message(
    invitation: Invitation, token: str, *, reminder: bool = False
) -> EmailMultiAlternatives:
    """The invitation (or reminder) to a rater, with their personal link."""
    cycle = invitation.cycle
    subject = cycle.subject
    version = cycle.questionnaire.framework_version
    context = {
        "rater_name": invitation.name,
        "subject_name": subject.full_name,
        "occupation": subject.occupation,
        "organisation": subject.organisation.display_name,
        "framework": version.framework.name,
        "group": invitation.group,
        "rater_role": rater_role(invitation.group),
        "deadline": nhs_date(cycle.deadline),
        "link": absolute_url(reverse("feedback:respond", args=[token])),
        "reminder": reminder,
    }
    return _message("rater_invitation", context, [invitation.email])


def report_ready_message(
    cycle: FeedbackCycle, *, to: str, for_facilitator: bool, released: bool = False
) -> EmailMultiAlternatives:
    """Tell the subject (or the facilitator, who sees it first) that a report is ready.

    `released`: the facilitator has recorded the debrief, so the subject may now see it.
    """
    context = {
        "subject_name": cycle.subject.full_name,
        "first_name": cycle.subject.first_name,
        "for_facilitator": for_facilitator,
        "released": released,
        "facilitator_name": cycle.facilitator.display_name if cycle.facilitator else "",
        "link": absolute_url(
            reverse("feedback:show_report" if released else "feedback:show_cycle", args=[cycle.pk])
        ),
    }
    return _message("report_ready", context, [to])


def subject_address(cycle: FeedbackCycle) -> str:
    """Where to write to the subject: their account's email, else their work email."""
    user = getattr(cycle.subject, "user", None)
    if user is not None and user.email:
        return str(user.email)
    return cycle.subject.work_email


def send(message: EmailMultiAlternatives) -> bool:
    """Send now; a mail server failure is logged, not shown to whoever caused the email."""
    try:
        message.send()
    except Exception:
        logger.exception("Could not send the email %r", message.subject)
        return False
    return True


def send_report_ready(cycle: FeedbackCycle) -> bool:
    """Email whoever sees the report first: the facilitator if there is one, else the subject."""
    if cycle.facilitator_id and cycle.facilitator is not None:
        message = report_ready_message(cycle, to=cycle.facilitator.email, for_facilitator=True)
    else:
        address = subject_address(cycle)
        if not address:
            return False
        message = report_ready_message(cycle, to=address, for_facilitator=False)
    return send(message)


def send_report_released(cycle: FeedbackCycle) -> bool:
    """Tell the subject that the facilitator has released their report after the debrief."""
    address = subject_address(cycle)
    if not address:
        return False
    return send(report_ready_message(cycle, to=address, for_facilitator=False, released=True))
