"""The curriculum: programmes by tier, a programme's page, checking its gates, and (for national
leads) drafting, changing and publishing versions."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from healthlead.accounts.decorators import permission_required
from healthlead.accounts.permissions import Permission
from healthlead.programmes import actions, facts, gates, presenters, queries
from healthlead.programmes.forms import (
    ConfirmForm,
    CriterionForm,
    GateForm,
    ModuleForm,
    NewProgrammeForm,
    OutcomeForm,
    VersionForm,
)
from healthlead.programmes.models import Gate, Programme, ProgrammeVersion


def _load_programme(code: str, **_: Any) -> Programme | None:
    return queries.programme_by_code(code)


def _load_version(code: str, number: int, **_: Any) -> ProgrammeVersion | None:
    return queries.version_by_number(code, number)


def _load_draft(code: str, number: int, **_: Any) -> ProgrammeVersion | None:
    version = queries.version_by_number(code, number)
    return version if version is not None and version.is_draft else None


def _breadcrumbs(version: ProgrammeVersion | None = None) -> list[dict[str, str]]:
    crumbs = [
        {"href": reverse("accounts:home"), "text": "Home"},
        {"href": reverse("programmes:list_programmes"), "text": "Programmes"},
    ]
    if version is not None:
        crumbs.append(
            {
                "href": reverse("programmes:show_programme", args=[version.programme.code]),
                "text": version.programme.name,
            }
        )
    return crumbs


def _version_url(version: ProgrammeVersion) -> str:
    return reverse(
        "programmes:show_programme_version", args=[version.programme.code, version.number]
    )


@require_safe
@permission_required(Permission.VIEW_PROGRAMMES, login=False)
def list_programmes_view(request: HttpRequest) -> HttpResponse:
    """Every published programme, by tier."""
    user: Any = request.user
    return render(
        request,
        "programmes/list_programmes.jinja",
        {
            "page_title": "Leadership programmes",
            "tiers": queries.tiers_with_programmes(),
            "may_manage": user.has_perm(Permission.MANAGE_PROGRAMMES),
            "breadcrumbs": [{"href": reverse("accounts:home"), "text": "Home"}],
        },
    )


def _version_context(request: HttpRequest, version: ProgrammeVersion) -> dict[str, Any]:
    user: Any = request.user
    known = facts.catalogue()
    return {
        "version": version,
        "programme": version.programme,
        "rows": presenters.version_rows(version),
        "outcomes": presenters.outcome_items(version),
        "gates": presenters.gate_descriptions(version, known),
        "may_manage": user.has_perm(Permission.MANAGE_PROGRAMMES),
        "may_check": user.has_perm(Permission.CHECK_PROGRAMME_GATES),
    }


@require_safe
@permission_required(Permission.VIEW_PROGRAMMES, _load_programme, login=False)
def show_programme_view(request: HttpRequest, programme: Programme) -> HttpResponse:
    """A programme's published version, its gates in plain English and its open intakes."""
    version = queries.published_version(programme.code)
    if version is None:
        user: Any = request.user
        draft = queries.draft_of(programme)
        if draft is not None and user.has_perm(Permission.MANAGE_PROGRAMMES):
            return redirect(_version_url(draft))
        raise Http404("This programme has not been published.")
    context = _version_context(request, version)
    context.update(
        {
            "page_title": programme.name,
            "intakes": queries.open_intakes(programme) if version.tier.competitive else [],
            "draft": queries.draft_of(programme) if context["may_manage"] else None,
            "breadcrumbs": _breadcrumbs(),
        }
    )
    return render(request, "programmes/show_programme.jinja", context)


@require_safe
@permission_required(Permission.VIEW_PROGRAMME_VERSION, _load_version, login=False)
def show_programme_version_view(request: HttpRequest, version: ProgrammeVersion) -> HttpResponse:
    """One version of a programme: a draft being prepared, or a past version."""
    context = _version_context(request, version)
    context.update(
        {
            "page_title": f"{version.programme.name}, version {version.number}",
            "intakes": [],
            "versions": queries.versions_of(version.programme),
            "breadcrumbs": _breadcrumbs(version),
        }
    )
    return render(request, "programmes/show_programme_version.jinja", context)


@require_safe
@permission_required(Permission.CHECK_PROGRAMME_GATES, _load_programme)
def check_gates_view(request: HttpRequest, programme: Programme) -> HttpResponse:
    """Each entry gate for the signed-in person: met, not met or waiting, and why."""
    version = queries.published_version(programme.code)
    if version is None:
        raise Http404("This programme has not been published.")
    person = request.scope.person  # type: ignore[attr-defined]
    results = facts.check_person(person, version, today=timezone.localdate())
    outcome = gates.overall(results)
    return render(
        request,
        "programmes/check_gates.jinja",
        {
            "page_title": f"Can you apply to {programme.name}?",
            "programme": programme,
            "rows": presenters.gate_rows([r.as_dict() for r in results]),
            "outcome": outcome,
            "has_gates": bool(results),
            "intakes": queries.open_intakes(programme) if version.tier.competitive else [],
            "breadcrumbs": _breadcrumbs(version),
        },
    )


# Managing versions (national leads) -------------------------------------------------------------


def _form_page(request: HttpRequest, context: dict[str, Any], status: int = 200) -> HttpResponse:
    return render(request, "programmes/form_page.jinja", context, status=status)


@require_http_methods(["GET", "POST"])
@permission_required(Permission.MANAGE_PROGRAMMES)
def new_programme_view(request: HttpRequest) -> HttpResponse:
    """Start a new programme: its first version, as a draft."""
    form = NewProgrammeForm(request.POST or None, tiers=queries.tiers())
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                version = actions.create_programme(
                    code=data["code"],
                    name=data["name"],
                    tier=form.chosen_tier(),
                    summary=data["summary"],
                    audience=data["audience"],
                    description=data["description"],
                    duration_text=data["duration_text"],
                    delivery_mode=data["delivery_mode"],
                    cost_per_place=data["cost_per_place"],
                    award=data["award"],
                    by=request.user,
                )
            except actions.ProgrammeError as error:
                form.add_error("code" if "code" in error.message else None, error.message)
            else:
                messages.success(request, "The programme is saved as a draft.")
                return redirect(_version_url(version))
    return _form_page(
        request,
        {
            "page_title": "New programme",
            "form": form,
            "button_text": "Save as a draft",
            "breadcrumbs": _breadcrumbs(),
        },
        status,
    )


@require_http_methods(["GET", "POST"])
@permission_required(Permission.MANAGE_PROGRAMMES, _load_programme)
def new_programme_version_view(request: HttpRequest, programme: Programme) -> HttpResponse:
    """Make a new draft version of a programme, copied from its latest version."""
    form = ConfirmForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            draft = actions.create_draft_version(programme=programme, by=request.user)
        except actions.ProgrammeError as error:
            messages.info(request, error.message)
            existing = queries.draft_of(programme)
            return redirect(
                _version_url(existing)
                if existing
                else reverse("programmes:show_programme", args=[programme.code])
            )
        messages.success(request, f"Version {draft.number} is a draft: change it, then publish it.")
        return redirect(_version_url(draft))
    return _form_page(
        request,
        {
            "page_title": f"Make a new version of {programme.name}",
            "intro": [
                "Published programmes never change: a new version is a copy you can change and "
                "then publish. Intakes already open keep the version they were opened for."
            ],
            "form": form,
            "button_text": "Make a new version",
            "breadcrumbs": _breadcrumbs(),
        },
    )


@require_http_methods(["GET", "POST"])
@permission_required(Permission.MANAGE_PROGRAMMES, _load_draft)
def edit_programme_version_view(request: HttpRequest, version: ProgrammeVersion) -> HttpResponse:
    """Change a draft version's details."""
    initial = {
        "tier": str(version.tier_id),
        **{
            name: getattr(version, name)
            for name in (
                "summary",
                "audience",
                "description",
                "duration_text",
                "delivery_mode",
                "cost_per_place",
                "award",
            )
        },
    }
    form = VersionForm(request.POST or None, initial=initial, tiers=queries.tiers())
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = dict(form.cleaned_data)
            data.pop("tier")
            try:
                actions.update_version(
                    version=version, tier=form.chosen_tier(), by=request.user, **data
                )
            except actions.ProgrammeError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, "The draft is saved.")
                return redirect(_version_url(version))
    return _form_page(
        request,
        {
            "page_title": f"Change {version.programme.name}, version {version.number}",
            "form": form,
            "button_text": "Save",
            "cancel": {"href": _version_url(version), "text": "Cancel"},
            "breadcrumbs": _breadcrumbs(version),
        },
        status,
    )


def _add_part_view(
    request: HttpRequest,
    version: ProgrammeVersion,
    form: Any,
    *,
    title: str,
    save: Any,
    intro: list[str] | None = None,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                save(form)
            except actions.ProgrammeError as error:
                for problem in error.problems or ([error.message] if error.message else []):
                    form.add_error(None, problem)
            else:
                messages.success(request, f"{title}: saved.")
                return redirect(_version_url(version))
    return _form_page(
        request,
        {
            "page_title": f"{title}: {version.programme.name}, version {version.number}",
            "intro": intro or [],
            "form": form,
            "button_text": "Save",
            "cancel": {"href": _version_url(version), "text": "Cancel"},
            "breadcrumbs": _breadcrumbs(version),
            **(extra or {}),
        },
        status,
    )


@require_http_methods(["GET", "POST"])
@permission_required(Permission.MANAGE_PROGRAMMES, _load_draft)
def add_gate_view(request: HttpRequest, version: ProgrammeVersion) -> HttpResponse:
    """Add an entry gate: a rule and its parameters, checked before it is saved."""
    form = GateForm(request.POST or None)

    def save(form: GateForm) -> None:
        try:
            actions.add_gate(
                version=version,
                rule=form.cleaned_data["rule"],
                params=form.cleaned_data["params"],
                by=request.user,
            )
        except actions.ProgrammeError as error:
            for problem in error.problems or [error.message]:
                form.add_error("params", problem)
            raise actions.ProgrammeError("") from None  # shown on the field already

    rules = presenters.rule_rows()
    return _add_part_view(
        request,
        version,
        form,
        title="Add an entry gate",
        save=save,
        intro=["Applicants must pass every gate. Use any_of for alternatives."],
        extra={"rules": rules},
    )


@require_http_methods(["GET", "POST"])
@permission_required(Permission.MANAGE_PROGRAMMES, _load_draft)
def add_outcome_view(request: HttpRequest, version: ProgrammeVersion) -> HttpResponse:
    form = OutcomeForm(request.POST or None, known=queries.element_lookup())
    return _add_part_view(
        request,
        version,
        form,
        title="Add a learning outcome",
        save=lambda f: actions.add_outcome(
            version=version,
            text=f.cleaned_data["text"],
            elements=f.cleaned_data["elements"],
            by=request.user,
        ),
    )


@require_http_methods(["GET", "POST"])
@permission_required(Permission.MANAGE_PROGRAMMES, _load_draft)
def add_module_view(request: HttpRequest, version: ProgrammeVersion) -> HttpResponse:
    form = ModuleForm(request.POST or None)
    return _add_part_view(
        request,
        version,
        form,
        title="Add a module",
        save=lambda f: actions.add_module(
            version=version,
            title=f.cleaned_data["title"],
            description=f.cleaned_data["description"],
            hours=f.cleaned_data["hours"],
            by=request.user,
        ),
    )


@require_http_methods(["GET", "POST"])
@permission_required(Permission.MANAGE_PROGRAMMES, _load_draft)
def add_criterion_view(request: HttpRequest, version: ProgrammeVersion) -> HttpResponse:
    form = CriterionForm(request.POST or None)
    return _add_part_view(
        request,
        version,
        form,
        title="Add a selection criterion",
        save=lambda f: actions.add_criterion(
            version=version,
            title=f.cleaned_data["title"],
            guidance=f.cleaned_data["guidance"],
            weight=f.cleaned_data["weight"],
            by=request.user,
        ),
    )


def _load_gate(code: str, number: int, gate_id: int, **_: Any) -> Gate | None:
    return (
        Gate.objects.select_related("version__programme")
        .filter(
            pk=gate_id,
            version__programme__code=code,
            version__number=number,
            version__state=ProgrammeVersion.State.DRAFT,
        )
        .first()
    )


@require_http_methods(["GET", "POST"])
@permission_required(Permission.MANAGE_PROGRAMMES, _load_gate)
def remove_gate_view(request: HttpRequest, gate: Gate) -> HttpResponse:
    version = gate.version
    form = ConfirmForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        actions.remove_gate(gate=gate, by=request.user)
        messages.success(request, "The gate is removed.")
        return redirect(_version_url(version))
    return _form_page(
        request,
        {
            "page_title": "Remove this gate?",
            "intro": [gates.describe(gate.rule, gate.params, facts.catalogue())],
            "form": form,
            "button_text": "Remove the gate",
            "cancel": {"href": _version_url(version), "text": "Keep it"},
            "breadcrumbs": _breadcrumbs(version),
        },
    )


@require_http_methods(["GET", "POST"])
@permission_required(Permission.MANAGE_PROGRAMMES, _load_draft)
def publish_programme_version_view(request: HttpRequest, version: ProgrammeVersion) -> HttpResponse:
    """Publish a draft: it can never change after this."""
    form = ConfirmForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            actions.publish_version(version=version, by=request.user)
        except actions.ProgrammeError as error:
            for problem in error.problems or [error.message]:
                form.add_error(None, problem)
            status = 400
        else:
            messages.success(request, f"Version {version.number} is published.")
            return redirect("programmes:show_programme", version.programme.code)
    return _form_page(
        request,
        {
            "page_title": f"Publish {version.programme.name}, version {version.number}?",
            "intro": [
                "Once published, this version cannot change. It replaces the version "
                "published now; intakes already open keep theirs."
            ],
            "form": form,
            "button_text": "Publish",
            "cancel": {"href": _version_url(version), "text": "Not yet"},
            "breadcrumbs": _breadcrumbs(version),
        },
        status,
    )
