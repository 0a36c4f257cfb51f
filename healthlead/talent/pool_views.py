"""The national talent pool: a person's membership (join, sharing, withdraw, who viewed them);
leads' searches and profile views, each with a stated reason; shortlists."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from healthlead.accounts.decorators import permission_required
from healthlead.accounts.permissions import Permission
from healthlead.core.pagination import paginate
from healthlead.talent import actions, presenters, queries
from healthlead.talent.forms import (
    AddToShortlistForm,
    JoinPoolForm,
    PoolProfileForm,
    PoolSearchForm,
    ReasonForm,
    ShortlistForm,
)
from healthlead.talent.models import (
    SHARING_CHOICES,
    PoolEntry,
    PoolSearch,
    Shortlist,
    ShortlistEntry,
)


def _crumbs(*more: dict[str, str]) -> list[dict[str, str]]:
    return [
        {"href": reverse("accounts:home"), "text": "Home"},
        {"href": reverse("talent:show_talent_home"), "text": "Talent"},
        *more,
    ]


def _membership() -> dict[str, str]:
    return {"href": reverse("talent:show_pool_membership"), "text": "You and the talent pool"}


def _searching() -> dict[str, str]:
    return {"href": reverse("talent:search_talent_pool"), "text": "Search the talent pool"}


def _load_search(pk: int, **_: Any) -> PoolSearch | None:
    return queries.search_detail(pk)


def _load_entry(pk: int, **_: Any) -> PoolEntry | None:
    return queries.pool_entry_for_person_id(pk)


def _load_shortlist(pk: int, **_: Any) -> Shortlist | None:
    return queries.shortlist_detail(pk)


def _load_shortlist_entry(pk: int, **_: Any) -> ShortlistEntry | None:
    return queries.shortlist_entry_detail(pk)


# The person's own membership -----------------------------------------------------------------


def _profile_initial(profile: Any, person: Any) -> dict[str, Any]:
    if profile is None:
        from healthlead.talent.models import profession_for

        return {"profession": profession_for(person.staff_group), "sharing": []}
    return {
        "profession": profile.profession,
        "statement": profile.statement,
        "sharing": [name for name, _ in SHARING_CHOICES if getattr(profile, name)],
    }


@require_safe
@permission_required(Permission.JOIN_TALENT_POOL)
def show_pool_membership_view(request: HttpRequest) -> HttpResponse:
    """Whether you are in the talent pool, what you share, and who last viewed your profile."""
    person = request.user.person  # type: ignore[union-attr]
    profile = queries.profile_of(person)  # type: ignore[arg-type]
    views = list(queries.views_of_profile(person)[:10])  # type: ignore[arg-type]
    sharing = []
    if profile is not None:
        sharing = [label for name, label in SHARING_CHOICES if getattr(profile, name)]
    return render(
        request,
        "talent/show_pool_membership.jinja",
        {
            "page_title": "You and the talent pool",
            "profile": profile,
            "sharing": sharing,
            "views": views,
            "profession": presenters.PROFESSION_LABELS.get(profile.profession, "")
            if profile
            else "",
            "breadcrumbs": _crumbs(),
        },
    )


@require_http_methods(["GET", "POST"])
@permission_required(Permission.JOIN_TALENT_POOL)
def join_talent_pool_view(request: HttpRequest) -> HttpResponse:
    """Opt in to the pool: the consent text, what to share, and explicit agreement."""
    person = request.user.person  # type: ignore[union-attr]
    profile = queries.profile_of(person)  # type: ignore[arg-type]
    if profile is not None and profile.in_pool:
        return redirect("talent:show_pool_membership")
    form = JoinPoolForm(request.POST or None, initial=_profile_initial(profile, person))
    if request.method == "POST" and form.is_valid():
        try:
            actions.join_pool(
                person=person,  # type: ignore[arg-type]
                by=request.user,
                consent=form.cleaned_data["consent"],
                profession=form.cleaned_data["profession"],
                statement=form.cleaned_data["statement"],
                sharing=form.sharing_choices(),
            )
        except actions.TalentError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "You have joined the national talent pool.")
            return redirect("talent:show_pool_membership")
    return render(
        request,
        "talent/join_talent_pool.jinja",
        {
            "page_title": "Join the national talent pool",
            "form": form,
            "consent_text": actions.CONSENT_TEXT,
            "consent_version": actions.CONSENT_TEXT_VERSION,
            "breadcrumbs": _crumbs(_membership()),
        },
    )


@require_http_methods(["GET", "POST"])
@permission_required(Permission.JOIN_TALENT_POOL)
def change_pool_sharing_view(request: HttpRequest) -> HttpResponse:
    """Change what you share with leads who search the pool."""
    person = request.user.person  # type: ignore[union-attr]
    profile = queries.profile_of(person)  # type: ignore[arg-type]
    if profile is None or not profile.in_pool:
        return redirect("talent:join_talent_pool")
    form = PoolProfileForm(request.POST or None, initial=_profile_initial(profile, person))
    if request.method == "POST" and form.is_valid():
        try:
            actions.change_sharing(
                profile=profile,
                by=request.user,
                profession=form.cleaned_data["profession"],
                statement=form.cleaned_data["statement"],
                sharing=form.sharing_choices(),
            )
        except actions.TalentError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "What you share has changed. Searches see it at once.")
            return redirect("talent:show_pool_membership")
    return render(
        request,
        "talent/change_pool_sharing.jinja",
        {
            "page_title": "Change what you share",
            "form": form,
            "breadcrumbs": _crumbs(_membership()),
        },
    )


@require_http_methods(["GET", "POST"])
@permission_required(Permission.JOIN_TALENT_POOL)
def withdraw_from_talent_pool_view(request: HttpRequest) -> HttpResponse:
    """Leave the pool: you disappear from every search at once."""
    person = request.user.person  # type: ignore[union-attr]
    profile = queries.profile_of(person)  # type: ignore[arg-type]
    if profile is None or not profile.in_pool:
        return redirect("talent:show_pool_membership")
    if request.method == "POST":
        try:
            actions.withdraw_from_pool(profile=profile, by=request.user)
        except actions.TalentError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, "You have left the talent pool. No search will find you.")
        return redirect("talent:show_pool_membership")
    return render(
        request,
        "talent/withdraw_from_talent_pool.jinja",
        {"page_title": "Leave the talent pool", "breadcrumbs": _crumbs(_membership())},
    )


@require_safe
@permission_required(Permission.JOIN_TALENT_POOL)
def list_pool_profile_views_view(request: HttpRequest) -> HttpResponse:
    """Everyone who viewed your pool profile, when, and why they said they were looking."""
    person = request.user.person  # type: ignore[union-attr]
    page = paginate(queries.views_of_profile(person), request.GET)  # type: ignore[arg-type]
    return render(
        request,
        "talent/list_pool_profile_views.jinja",
        {
            "page_title": "Who viewed your profile",
            "page": page,
            "breadcrumbs": _crumbs(_membership()),
        },
    )


# Searching (national and regional leads) --------------------------------------------------------


def _search_form(request: HttpRequest, data: Any = None) -> PoolSearchForm:
    scope = request.scope  # type: ignore[attr-defined]
    regions = queries.region_choices()
    if not scope.national:
        regions = [(code, name) for code, name in regions if code in _region_codes(scope)]
    return PoolSearchForm(data, regions=regions, domains=queries.domain_choices())


def _region_codes(scope: Any) -> set[str]:
    return set(queries.region_codes(scope.region_ids))


@require_http_methods(["GET", "POST"])
@permission_required(Permission.SEARCH_TALENT_POOL)
def search_talent_pool_view(request: HttpRequest) -> HttpResponse:
    """The search form; each search is recorded with its reason before any result is shown."""
    form = _search_form(request, request.POST or None)
    if request.method == "POST" and form.is_valid():
        filters = form.filters()
        count = queries.count_matches(request.scope, filters)  # type: ignore[attr-defined]
        try:
            search = actions.record_search(
                by=request.user,
                reason=form.cleaned_data["reason"],
                filters=filters,
                result_count=count,
            )
        except actions.TalentError as error:
            form.add_error("reason", str(error))
        else:
            return redirect("talent:show_pool_search", search.pk)
    return render(
        request,
        "talent/search_talent_pool.jinja",
        {
            "page_title": "Search the talent pool",
            "form": form,
            "recent": queries.recent_searches(request.user),
            "breadcrumbs": _crumbs(),
        },
    )


@require_safe
@permission_required(Permission.VIEW_POOL_SEARCH, _load_search)
def show_pool_search_view(request: HttpRequest, search: PoolSearch) -> HttpResponse:
    """The results of one of your recorded searches, as they stand now (so anyone who has left
    the pool since is gone), showing only what each person shares."""
    filters = actions.PoolFilters(**search.filters)
    page = queries.page_of_matches(queries.search_pool(request.scope, filters), request.GET)  # type: ignore[attr-defined]
    entries = queries.with_details(page.items)
    return render(
        request,
        "talent/show_pool_search.jinja",
        {
            "page_title": "Talent pool search results",
            "search": search,
            "filters": presenters.filter_lines(search.filters),
            "page": page,
            "cards": [presenters.pool_card(e) for e in entries],
            "breadcrumbs": _crumbs(_searching()),
        },
    )


@require_safe
@permission_required(Permission.VIEW_POOL_PROFILE, _load_entry)
def show_pool_profile_view(request: HttpRequest, entry: PoolEntry) -> HttpResponse:
    """One person's pool profile. Shown only once the viewer has given a reason (their search's
    reason when they come from one); every view is recorded and the person sees it."""
    search = None
    search_id = request.GET.get("search", "")
    if search_id.isdigit():
        found = queries.search_detail(int(search_id))
        if found is not None and request.user.has_perm(Permission.VIEW_POOL_SEARCH, found):
            search = found
    form = ReasonForm(request.GET if "reason" in request.GET else None)
    reason = ""
    if search is not None:
        reason = f"From a search: {search.reason}"[:500]
    elif form.is_bound and form.is_valid():
        reason = form.cleaned_data["reason"]
    if not reason:
        return render(
            request,
            "talent/give_pool_view_reason.jinja",
            {
                "page_title": "Why are you looking at this profile?",
                "form": form,
                "entry": entry,
                "breadcrumbs": _crumbs(_searching()),
            },
        )
    actions.log_profile_view(
        person=entry.person,
        by=request.user,
        reason=reason,
        viewer_role=presenters.viewer_role(request.scope),  # type: ignore[attr-defined]
        search=search,
    )
    card = presenters.pool_card(queries.with_details([entry])[0])
    shortlists = queries.shortlists_of(request.user)
    return render(
        request,
        "talent/show_pool_profile.jinja",
        {
            "page_title": entry.full_name,
            "card": card,
            "entry": entry,
            "reason": reason,
            "add_form": AddToShortlistForm(
                initial={"person": entry.person_id}, shortlists=shortlists
            )
            if shortlists
            else None,
            "breadcrumbs": _crumbs(_searching()),
        },
    )


# Shortlists -------------------------------------------------------------------------------------


@require_safe
@permission_required(Permission.SEARCH_TALENT_POOL)
def list_shortlists_view(request: HttpRequest) -> HttpResponse:
    """Your shortlists for named appointments."""
    return render(
        request,
        "talent/list_shortlists.jinja",
        {
            "page_title": "Your shortlists",
            "shortlists": queries.shortlists_of(request.user),
            "breadcrumbs": _crumbs(),
        },
    )


@require_http_methods(["GET", "POST"])
@permission_required(Permission.SEARCH_TALENT_POOL)
def new_shortlist_view(request: HttpRequest) -> HttpResponse:
    """Start a shortlist for a named appointment."""
    form = ShortlistForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            shortlist = actions.create_shortlist(
                appointment=form.cleaned_data["appointment"], by=request.user
            )
        except actions.TalentError as error:
            form.add_error("appointment", str(error))
        else:
            messages.success(
                request, "Shortlist started. Add people to it from their pool profiles."
            )
            return redirect("talent:show_shortlist", shortlist.pk)
    return render(
        request,
        "talent/new_shortlist.jinja",
        {
            "page_title": "Start a shortlist",
            "form": form,
            "breadcrumbs": _crumbs(
                {"href": reverse("talent:list_shortlists"), "text": "Your shortlists"}
            ),
        },
    )


@require_safe
@permission_required(Permission.MANAGE_SHORTLIST, _load_shortlist)
def show_shortlist_view(request: HttpRequest, shortlist: Shortlist) -> HttpResponse:
    """A shortlist: who is on it (as they share themselves), and who has left it."""
    return render(
        request,
        "talent/show_shortlist.jinja",
        {
            "page_title": shortlist.appointment,
            "shortlist": shortlist,
            "entries": queries.shortlist_entries(shortlist),
            "card": presenters.shortlist_line,
            "breadcrumbs": _crumbs(
                {"href": reverse("talent:list_shortlists"), "text": "Your shortlists"}
            ),
        },
    )


@require_POST
@permission_required(Permission.SEARCH_TALENT_POOL)
def add_shortlist_candidate_view(request: HttpRequest) -> HttpResponse:
    """Add the person whose profile you are viewing to one of your shortlists."""
    shortlists = queries.shortlists_of(request.user)
    form = AddToShortlistForm(request.POST, shortlists=shortlists)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("talent:list_shortlists")
    shortlist = queries.shortlist_detail(int(form.cleaned_data["shortlist"]))
    entry = queries.pool_entry_for_person_id(form.cleaned_data["person"])
    if (
        shortlist is None
        or not request.user.has_perm(Permission.MANAGE_SHORTLIST, shortlist)
        or entry is None
        or not request.user.has_perm(Permission.VIEW_POOL_PROFILE, entry)
    ):
        messages.error(request, "That person is not in the part of the talent pool you can see.")
        return redirect("talent:list_shortlists")
    try:
        actions.add_to_shortlist(
            shortlist=shortlist, entry=entry, note=form.cleaned_data["note"], by=request.user
        )
    except actions.TalentError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{entry.full_name} added to the shortlist.")
    return redirect("talent:show_shortlist", shortlist.pk)


@require_POST
@permission_required(Permission.MANAGE_SHORTLIST, _load_shortlist_entry)
def remove_shortlist_candidate_view(request: HttpRequest, entry: ShortlistEntry) -> HttpResponse:
    """Take someone off one of your shortlists."""
    try:
        actions.remove_from_shortlist(entry=entry, by=request.user)
    except actions.TalentError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Taken off the shortlist.")
    return redirect("talent:show_shortlist", entry.shortlist_id)
