"""Staff import pages: upload, progress, result and problem report."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse

from healthlead.accounts.decorators import permission_required
from healthlead.accounts.permissions import Permission


@permission_required(Permission.IMPORT_STAFF)
def new_staff_import_view(request: HttpRequest) -> HttpResponse:
    raise Http404("Not built yet")


def show_staff_import_view(request: HttpRequest, pk: int) -> HttpResponse:
    raise Http404("Not built yet")


def staff_import_progress_view(request: HttpRequest, pk: int) -> HttpResponse:
    raise Http404("Not built yet")


def download_import_problems_view(request: HttpRequest, pk: int) -> HttpResponse:
    raise Http404("Not built yet")
