"""Framework browser pages."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from healthlead.accounts.decorators import permission_required
from healthlead.accounts.permissions import Permission
from healthlead.frameworks.models import Framework


@require_safe
@permission_required(Permission.VIEW_FRAMEWORKS, login=False)
def list_frameworks_view(request: HttpRequest) -> HttpResponse:
    frameworks = list(Framework.objects.order_by("status", "name"))
    return render(
        request,
        "frameworks/list_frameworks.jinja",
        {"page_title": "Leadership frameworks", "frameworks": frameworks},
    )
