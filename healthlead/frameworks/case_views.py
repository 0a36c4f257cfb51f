"""The IMS CASE 1.0 read endpoints under /ims/case/v1p0/: public, read-only, published only.

Failures answer with the standard's imsx_StatusInfo body: 400 for an identifier that is not
a UUID (invaliduuid) or a bad paging or sorting parameter, 404 for one that is not here
(unknownobject).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_safe

from healthlead.accounts.decorators import permission_required
from healthlead.accounts.permissions import Permission
from healthlead.frameworks import case, queries
from healthlead.frameworks.identifiers import parse_uuid

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
SORT_FIELDS = {
    "title": lambda v: (v.framework.name.lower(), v.version),
    "version": lambda v: (v.version, v.framework.name.lower()),
    "lastChangeDateTime": lambda v: (v.last_changed_at, v.pk),
    "identifier": lambda v: (str(v.case_uuid),),
}


def _json(data: dict[str, Any], status: int = 200) -> JsonResponse:
    response = JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})
    # Public, read-only data: any site may read it.
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _failure(status: int, code_minor: str, description: str) -> JsonResponse:
    return _json(case.status_info(code_minor, description), status=status)


def _by_identifier(
    view: Callable[[HttpRequest, Any], JsonResponse],
) -> Callable[[HttpRequest, str], JsonResponse]:
    """Turn the sourcedId into a UUID, or answer 400 invaliduuid."""

    @wraps(view)
    def wrapped(request: HttpRequest, sourced_id: str) -> JsonResponse:
        identifier = parse_uuid(sourced_id)
        if identifier is None:
            return _failure(400, "invaliduuid", f"{sourced_id[:100]!r} is not a UUID.")
        return view(request, identifier)

    return wrapped


def _unknown(what: str) -> JsonResponse:
    return _failure(404, "unknownobject", f"There is no published {what} with this identifier.")


def _whole_number(value: str | None, default: int, minimum: int) -> int | None:
    if value is None or value == "":
        return default
    if not value.isdigit() or len(value) > 9:
        return None
    number = int(value)
    return number if number >= minimum else None


@require_safe
@permission_required(Permission.VIEW_FRAMEWORKS, login=False)
def list_cf_documents_view(request: HttpRequest) -> JsonResponse:
    """GET CFDocuments: every published version, with limit, offset, sort and orderBy."""
    limit = _whole_number(request.GET.get("limit"), DEFAULT_LIMIT, 1)
    offset = _whole_number(request.GET.get("offset"), 0, 0)
    if limit is None or offset is None:
        return _failure(
            400, "invalid_selection_field", "limit must be 1 or more and offset 0 or more."
        )
    sort = request.GET.get("sort") or "title"
    if sort not in SORT_FIELDS:
        return _failure(
            400,
            "invalid_sort_field",
            f"Documents can be sorted by {', '.join(SORT_FIELDS)}.",
        )
    order = request.GET.get("orderBy") or "asc"
    if order not in {"asc", "desc"}:
        return _failure(400, "invalid_sort_field", "orderBy must be asc or desc.")
    versions = sorted(queries.published_versions(), key=SORT_FIELDS[sort], reverse=order == "desc")
    total = len(versions)
    page = versions[offset : offset + min(limit, MAX_LIMIT)]
    if not page:
        return _unknown("document in this range" if total else "document")
    response = _json({"CFDocuments": [case.document(v) for v in page]})
    response["X-Total-Count"] = str(total)
    return response


@require_safe
@permission_required(Permission.VIEW_FRAMEWORKS, login=False)
@_by_identifier
def show_cf_document_view(request: HttpRequest, identifier: Any) -> JsonResponse:
    version = queries.published_version_by_uuid(identifier)
    if version is None:
        return _unknown("document")
    return _json(case.document(version))


@require_safe
@permission_required(Permission.VIEW_FRAMEWORKS, login=False)
@_by_identifier
def show_cf_package_view(request: HttpRequest, identifier: Any) -> JsonResponse:
    version = queries.published_version_by_uuid(identifier)
    if version is None:
        return _unknown("package")
    return _json(case.package(queries.version_tree(version.pk)))


@require_safe
@permission_required(Permission.VIEW_FRAMEWORKS, login=False)
@_by_identifier
def show_cf_item_view(request: HttpRequest, identifier: Any) -> JsonResponse:
    domain = queries.published_domain(identifier)
    if domain is not None:
        return _json(case.item_for_domain(domain))
    element = queries.published_element(identifier)
    if element is not None:
        return _json(case.item_for_element(element))
    indicator = queries.published_indicator(identifier)
    if indicator is not None:
        return _json(case.item_for_indicator(indicator))
    return _unknown("item")


@require_safe
@permission_required(Permission.VIEW_FRAMEWORKS, login=False)
@_by_identifier
def show_cf_association_view(request: HttpRequest, identifier: Any) -> JsonResponse:
    crosswalk = queries.published_crosswalk(identifier)
    if crosswalk is not None:
        return _json(case.association_for_crosswalk(crosswalk))
    node = (
        queries.published_domain(identifier, field="link_uuid")
        or queries.published_element(identifier, field="link_uuid")
        or queries.published_indicator(identifier, field="link_uuid")
    )
    if node is None:
        return _unknown("association")
    return _json(case.association_for_node(node))


@require_safe
@permission_required(Permission.VIEW_FRAMEWORKS, login=False)
@_by_identifier
def show_cf_concept_view(request: HttpRequest, identifier: Any) -> JsonResponse:
    stage = queries.published_stage(identifier)
    if stage is None:
        return _unknown("concept")
    return _json(case.concept_set_for_stage(stage))
