"""The 360 feedback home: your self-assessments, your cycles, and those you support.

The other pages live in self_assessment_views.py, cycle_views.py and rater_views.py.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from healthlead.accounts.decorators import permission_required
from healthlead.accounts.permissions import Permission
from healthlead.feedback import queries


@require_safe
@permission_required(Permission.USE_FEEDBACK)
def list_feedback_view(request: HttpRequest) -> HttpResponse:
    """Self-assessments and cycles the user owns, manages or facilitates."""
    user: Any = request.user
    person = request.scope.person  # type: ignore[attr-defined]
    return render(
        request,
        "feedback/list_feedback.jinja",
        {
            "page_title": "360 feedback and self-assessment",
            "person": person,
            "self_assessments": queries.self_assessments_for(person) if person else [],
            "own_cycles": queries.cycles_about(person) if person else [],
            "team_cycles": queries.cycles_of_team(person) if person else [],
            "facilitated_cycles": queries.cycles_facilitated_by(user),
            "breadcrumbs": [{"href": reverse("accounts:home"), "text": "Home"}],
        },
    )
