"""Framework browser pages, and the pages national leads use to import, draft and publish."""

from __future__ import annotations

import json

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from healthlead.accounts.decorators import permission_required
from healthlead.accounts.permissions import Permission
from healthlead.frameworks import actions, case, presenters, queries
from healthlead.frameworks.errors import FrameworkError
from healthlead.frameworks.forms import CasePackageForm, EditElementForm, NewVersionForm
from healthlead.frameworks.models import Element, Framework, FrameworkVersion

MAX_PROBLEMS_SHOWN = 20


def _load_framework(code: str) -> Framework | None:
    return queries.framework_by_code(code)


def _load_version(code: str, version: str) -> FrameworkVersion | None:
    return queries.version_by_label(code, version)


def _load_element(code: str, version: str, domain: str, element: str) -> Element | None:
    return queries.element_detail(code, version, domain, element)


def _can_manage(request: HttpRequest) -> bool:
    return bool(request.user.has_perm(Permission.MANAGE_FRAMEWORKS))


def _problems_to_form(form: CasePackageForm | NewVersionForm, error: FrameworkError) -> None:
    problems = error.problems
    shown = problems[:MAX_PROBLEMS_SHOWN]
    if len(problems) > MAX_PROBLEMS_SHOWN:
        shown.append(f"And {len(problems) - MAX_PROBLEMS_SHOWN} more problems.")
    if error.message not in shown:
        form.add_error(None, error.message)
    for problem in shown:
        form.add_error(None, problem)


@require_safe
@permission_required(Permission.VIEW_FRAMEWORKS, login=False)
def list_frameworks_view(request: HttpRequest) -> HttpResponse:
    """Every framework, current ones first, superseded ones tagged."""
    current, superseded = presenters.framework_rows(queries.frameworks_with_published_versions())
    return render(
        request,
        "frameworks/list_frameworks.jinja",
        {
            "page_title": "Leadership frameworks",
            "current": current,
            "superseded": superseded,
            "can_manage": _can_manage(request),
            "breadcrumbs": [{"href": "/", "text": "Home"}],
        },
    )


def _render_version(
    request: HttpRequest, version: FrameworkVersion, *, latest: bool
) -> HttpResponse:
    tree = queries.version_tree(version.pk)
    can_manage = _can_manage(request)
    page = presenters.version_page(tree, editable=can_manage and not tree.is_published)
    framework = tree.framework
    extra = (
        [] if latest else [(reverse("frameworks:list_versions", args=[framework.code]), "Versions")]
    )
    crumbs = presenters.breadcrumbs_for(framework, *extra)
    if latest:
        crumbs = crumbs[:-1]
    return render(
        request,
        "frameworks/show_version.jinja",
        {
            "page_title": framework.name if latest else f"{framework.name}, version {tree.version}",
            "page": page,
            "latest": latest,
            "can_manage": can_manage,
            "breadcrumbs": crumbs,
        },
    )


@require_safe
@permission_required(Permission.VIEW_FRAMEWORKS, _load_framework, login=False)
def show_framework_view(request: HttpRequest, framework: Framework) -> HttpResponse:
    """The framework's latest published version."""
    version = queries.latest_published_version(framework)
    if version is None:
        return render(
            request,
            "frameworks/show_framework_unpublished.jinja",
            {
                "page_title": framework.name,
                "framework": framework,
                "can_manage": _can_manage(request),
                "breadcrumbs": presenters.breadcrumbs_for(framework)[:-1],
            },
        )
    return _render_version(request, version, latest=True)


@require_safe
@permission_required(Permission.VIEW_FRAMEWORKS, _load_framework, login=False)
def list_versions_view(request: HttpRequest, framework: Framework) -> HttpResponse:
    """Published versions, and drafts for those who manage frameworks."""
    can_manage = _can_manage(request)
    versions = [v for v in queries.versions_of(framework) if v.is_published or can_manage]
    return render(
        request,
        "frameworks/list_versions.jinja",
        {
            "page_title": f"Versions of the {framework.name}",
            "framework": framework,
            "versions": versions,
            "can_manage": can_manage,
            "has_draft": any(not v.is_published for v in versions),
            "breadcrumbs": presenters.breadcrumbs_for(framework),
        },
    )


@require_safe
@permission_required(Permission.VIEW_FRAMEWORK_VERSION, _load_version, login=False)
def show_version_view(request: HttpRequest, version: FrameworkVersion) -> HttpResponse:
    """One version, published or (for national leads) draft."""
    return _render_version(request, version, latest=False)


@require_safe
@permission_required(Permission.VIEW_FRAMEWORK_VERSION, _load_element, login=False)
def show_element_view(request: HttpRequest, element: Element) -> HttpResponse:
    """One element: its description, stage expectation, indicators and crosswalks."""
    domain = element.domain
    version = domain.version
    framework = version.framework
    stages = list(version.stages.all())
    editable = _can_manage(request) and not version.is_published
    block = presenters.element_block(element, domain, stages, editable=editable)
    return render(
        request,
        "frameworks/show_element.jinja",
        {
            "page_title": f"{element.name} - {framework.name}",
            "framework": framework,
            "version": version,
            "domain": domain,
            "element": block,
            "breadcrumbs": presenters.breadcrumbs_for(
                framework,
                (presenters.version_url(version), f"Version {version.version}"),
            ),
        },
    )


@require_safe
@permission_required(Permission.VIEW_FRAMEWORK_VERSION, _load_version, login=False)
def download_case_package_view(request: HttpRequest, version: FrameworkVersion) -> HttpResponse:
    """The version as an IMS CASE 1.0 CFPackage, to save."""
    package = case.package(queries.version_tree(version.pk))
    response = HttpResponse(
        json.dumps(package, indent=2, ensure_ascii=False),
        content_type="application/json; charset=utf-8",
    )
    filename = f"{version.framework.code}-{version.version}-case.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_http_methods(["GET", "HEAD", "POST"])
@permission_required(Permission.MANAGE_FRAMEWORKS)
def new_framework_import_view(request: HttpRequest) -> HttpResponse:
    """Upload a CASE package. It is checked in full first; nothing is written if it fails."""
    form = CasePackageForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            outcome = actions.import_case_package(
                package=form.cleaned_data["package"],
                code=form.cleaned_data["code"] or None,
                by=request.user,
            )
        except FrameworkError as error:
            _problems_to_form(form, error)
        else:
            version = outcome.version
            name = f"version {version.version} of the {version.framework.name}"
            messages.success(
                request,
                f"Imported {name}."
                if outcome.created
                else f"{name.capitalize()} was already here.",
            )
            return redirect(presenters.version_url(version))
    return render(
        request,
        "frameworks/new_framework_import.jinja",
        {
            "page_title": "Import a framework from a CASE package",
            "form": form,
            "breadcrumbs": [
                {"href": "/", "text": "Home"},
                {"href": reverse("frameworks:list_frameworks"), "text": "Leadership frameworks"},
            ],
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
@permission_required(Permission.MANAGE_FRAMEWORKS, _load_framework)
def new_version_view(request: HttpRequest, framework: Framework) -> HttpResponse:
    """Start a draft version as a copy of the latest published one."""
    latest = queries.latest_published_version(framework)
    form = NewVersionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if latest is None:
            form.add_error(None, f"{framework.name} has no published version to copy.")
        else:
            try:
                draft = actions.create_draft_version(
                    version=latest, label=form.cleaned_data["label"], by=request.user
                )
            except FrameworkError as error:
                _problems_to_form(form, error)
            else:
                messages.success(request, f"Draft version {draft.version} created.")
                return redirect(presenters.version_url(draft))
    return render(
        request,
        "frameworks/new_version.jinja",
        {
            "page_title": f"New version of the {framework.name}",
            "framework": framework,
            "latest": latest,
            "form": form,
            "breadcrumbs": presenters.breadcrumbs_for(
                framework, (reverse("frameworks:list_versions", args=[framework.code]), "Versions")
            ),
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
@permission_required(Permission.MANAGE_FRAMEWORKS, _load_version)
def publish_version_view(request: HttpRequest, version: FrameworkVersion) -> HttpResponse:
    """Confirm, then publish a draft."""
    framework = version.framework
    error = None
    if request.method == "POST":
        try:
            actions.publish_version(version=version, by=request.user)
        except FrameworkError as refused:
            error = refused.message
        else:
            messages.success(request, f"Version {version.version} is published.")
            return redirect(presenters.version_url(version))
    elif version.is_published:
        error = f"Version {version.version} of the {framework.name} is already published."
    return render(
        request,
        "frameworks/publish_version.jinja",
        {
            "page_title": f"Publish version {version.version} of the {framework.name}",
            "version": version,
            "framework": framework,
            "error": error,
            "breadcrumbs": presenters.breadcrumbs_for(
                framework, (presenters.version_url(version), f"Version {version.version}")
            ),
        },
        status=409 if error and request.method == "POST" else 200,
    )


@require_http_methods(["GET", "HEAD", "POST"])
@permission_required(Permission.MANAGE_FRAMEWORKS, _load_element)
def edit_element_view(request: HttpRequest, element: Element) -> HttpResponse:
    """Change the text of an element and its indicators in a draft version."""
    version = element.domain.version
    framework = version.framework
    if version.is_published:
        messages.error(
            request,
            f"Version {version.version} is published and cannot be changed. "
            "Create a new draft version to make changes.",
        )
        return redirect(presenters.element_url(element))
    form = EditElementForm(request.POST or None, element=element)
    if request.method == "POST" and form.is_valid():
        try:
            actions.edit_element(
                element=element,
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
                indicator_texts=form.indicator_texts(),
                by=request.user,
            )
        except FrameworkError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"{element.name} saved.")
            return redirect(presenters.element_url(element))
    return render(
        request,
        "frameworks/edit_element.jinja",
        {
            "page_title": f"Change {element.name}",
            "element": element,
            "version": version,
            "framework": framework,
            "form": form,
            "breadcrumbs": presenters.breadcrumbs_for(
                framework, (presenters.version_url(version), f"Version {version.version}")
            ),
        },
    )
