"""Emails from templates: every Healthlead email has a subject, a text body and an HTML body."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string


def absolute_url(path: str) -> str:
    """The address of a Healthlead page from its path, for emails and printed cards."""
    return f"{settings.SITE_URL}{path}"


def templated_message(base: str, context: dict[str, Any], to: list[str]) -> EmailMultiAlternatives:
    """The message made from `<base>_subject.txt` (one line), `<base>.txt` and `<base>.html`."""
    subject = " ".join(render_to_string(f"{base}_subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"{base}.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=to,
    )
    message.attach_alternative(render_to_string(f"{base}.html", context), "text/html")
    return message
