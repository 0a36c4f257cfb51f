"""Service pages with no domain knowledge: health check, errors, privacy and accessibility."""

from __future__ import annotations

from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe


@never_cache
@require_safe
def healthz_view(request: HttpRequest) -> JsonResponse:
    """200 when the database answers, 503 when it does not."""
    try:
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        connection.close()
        return JsonResponse({"status": "unavailable", "database": "not answering"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@require_safe
def privacy_view(request: HttpRequest) -> HttpResponse:
    return render(request, "core/privacy.jinja", {"page_title": "Privacy notice"})


@require_safe
def accessibility_view(request: HttpRequest) -> HttpResponse:
    return render(request, "core/accessibility.jinja", {"page_title": "Accessibility statement"})


def bad_request_view(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "core/400.jinja", {"page_title": "Bad request"}, status=400)


def permission_denied_view(
    request: HttpRequest, exception: Exception | None = None
) -> HttpResponse:
    return render(
        request, "core/403.jinja", {"page_title": "You cannot view this page"}, status=403
    )


def not_found_view(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "core/404.jinja", {"page_title": "Page not found"}, status=404)


def server_error_view(request: HttpRequest) -> HttpResponse:
    return render(
        request, "core/500.jinja", {"page_title": "Sorry, there is a problem"}, status=500
    )


def csrf_failure_view(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(
        request, "core/csrf_failure.jinja", {"page_title": "Your form has expired"}, status=403
    )
