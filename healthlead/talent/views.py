"""Talent pages: the talent home, a person's talent record, talent conversations and their
reviews, the 9-box grids (team, organisation, region) with calibration, and the organisation
and regional talent dashboards (succession gaps flagged)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from healthlead.accounts.decorators import permission_required
from healthlead.accounts.permissions import Permission
from healthlead.core import audit
from healthlead.core.pagination import paginate
from healthlead.feedback.forms import date_input_params
from healthlead.people.models import Organisation, Person, Region
from healthlead.talent import actions, grid, presenters, queries
from healthlead.talent.forms import CalibrationForm, ConversationForm, ReviewForm
from healthlead.talent.models import TalentConversation, TalentReview


def _home_crumbs() -> list[dict[str, str]]:
    return [
        {"href": reverse("accounts:home"), "text": "Home"},
        {"href": reverse("talent:show_talent_home"), "text": "Talent"},
    ]


def _load_person(pk: int, **_: Any) -> Person | None:
    return queries.person_detail(pk)


def _load_conversation(pk: int, **_: Any) -> TalentConversation | None:
    return queries.conversation_detail(pk)


def _load_review(pk: int, **_: Any) -> TalentReview | None:
    return queries.review_detail(pk)


def _load_organisation(code: str, **_: Any) -> Organisation | None:
    return queries.organisation_detail(code)


def _load_region(code: str, **_: Any) -> Region | None:
    return queries.region_detail(code)


def _is_self(request: HttpRequest, person: Person) -> bool:
    return getattr(request.user, "person_id", None) == person.pk


@require_safe
@permission_required(Permission.USE_TALENT)
def show_talent_home_view(request: HttpRequest) -> HttpResponse:
    """Everything talent-related the user may do, in one place."""
    scope = request.scope  # type: ignore[attr-defined]
    person = scope.person
    organisations: list[Organisation] = []
    regions: list[Region] = []
    if scope.national:
        regions = queries.regions_in_set()
    else:
        if scope.region_ids:
            regions = queries.regions_by_ids(scope.region_ids)
        if scope.organisation_ids:
            organisations = queries.organisations_by_ids(scope.organisation_ids)
    profile = queries.profile_of(person) if person is not None else None
    return render(
        request,
        "talent/show_talent_home.jinja",
        {
            "page_title": "Talent",
            "person": person,
            "profile": profile,
            "reviews_due": queries.reviews_due_for(person) if person is not None else [],
            "organisations": organisations,
            "regions": regions,
            "breadcrumbs": [{"href": reverse("accounts:home"), "text": "Home"}],
        },
    )


@require_safe
@permission_required(Permission.VIEW_TALENT_RECORD, _load_person)
def show_talent_record_view(request: HttpRequest, person: Person) -> HttpResponse:
    """A person's place on the grid with its history, and their talent conversations."""
    if not _is_self(request, person):
        audit.record_read("talent.record.viewed", by=request.user, target=person)
    rating = queries.rating_of(person)
    return render(
        request,
        "talent/show_talent_record.jinja",
        {
            "page_title": f"Talent record: {person.full_name}",
            "person": person,
            "is_self": _is_self(request, person),
            "rating": rating,
            "box": grid.box_description(rating.box) if rating else "",
            "box_label": grid.box_label,
            "history": queries.rating_history(person),
            "conversations": queries.conversations_of(person),
            "aspiration_names": presenters.aspiration_names,
            "breadcrumbs": _home_crumbs(),
        },
    )


@require_http_methods(["GET", "POST"])
@permission_required(Permission.START_TALENT_CONVERSATION, _load_person)
def start_talent_conversation_view(request: HttpRequest, person: Person) -> HttpResponse:
    """Record a talent conversation: aspirations, readiness and a place on the grid."""
    today = timezone.localdate()
    appraisal = actions.performance_from_appraisal(person, today)
    form = ConversationForm(
        request.POST or None, initial={"held_on": today}, performance_known=appraisal is not None
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            conversation = actions.start_conversation(
                person=person,
                by=request.user,
                held_on=data["held_on"],
                aspirations=data["aspirations"],
                aspiration_notes=data["aspiration_notes"],
                readiness=data["readiness"],
                performance=data.get("performance"),
                potential=data["potential"],
                notes=data["notes"],
            )
        except actions.TalentError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, "Talent conversation recorded. Reviews are due at 6 and 12 months."
            )
            return redirect("talent:show_talent_conversation", conversation.pk)
    return render(
        request,
        "talent/start_talent_conversation.jinja",
        {
            "page_title": "Record a talent conversation",
            "person": person,
            "form": form,
            "appraisal": appraisal,
            "performance_label": grid.PERFORMANCE_LABELS.get(appraisal.performance or 0, "")
            if appraisal
            else "",
            "held_input": date_input_params(
                form["held_on"], legend="Date of the conversation", hint="For example, 14 3 2027"
            ),
            "breadcrumbs": _home_crumbs(),
        },
    )


@require_safe
@permission_required(Permission.VIEW_TALENT_CONVERSATION, _load_conversation)
def show_talent_conversation_view(
    request: HttpRequest, conversation: TalentConversation
) -> HttpResponse:
    """A talent conversation and its 6- and 12-month reviews."""
    person = conversation.person
    if not _is_self(request, person):
        audit.record_read("talent.conversation.viewed", by=request.user, target=conversation)
    return render(
        request,
        "talent/show_talent_conversation.jinja",
        {
            "page_title": f"Talent conversation: {person.full_name}",
            "conversation": conversation,
            "person": person,
            "rows": presenters.conversation_rows(conversation),
            "reviews": list(conversation.reviews.order_by("months")),
            "may_review": request.user.has_perm(
                Permission.REVIEW_TALENT_CONVERSATION, conversation
            ),
            "breadcrumbs": [
                *_home_crumbs(),
                {
                    "href": reverse("talent:show_talent_record", args=[person.pk]),
                    "text": person.full_name,
                }
                if request.user.has_perm(Permission.VIEW_TALENT_RECORD, person)
                else {"href": reverse("talent:show_talent_home"), "text": "Talent"},
            ],
        },
    )


@require_http_methods(["GET", "POST"])
@permission_required(Permission.REVIEW_TALENT_CONVERSATION, _load_review)
def record_talent_review_view(request: HttpRequest, review: TalentReview) -> HttpResponse:
    """Record the 6- or 12-month review of a talent conversation."""
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.record_review(review=review, notes=form.cleaned_data["notes"], by=request.user)
        except actions.TalentError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"{review.months}-month review recorded.")
            return redirect("talent:show_talent_conversation", review.conversation_id)
    return render(
        request,
        "talent/record_talent_review.jinja",
        {
            "page_title": f"Record the {review.months}-month review",
            "review": review,
            "form": form,
            "breadcrumbs": [
                *_home_crumbs(),
                {
                    "href": reverse(
                        "talent:show_talent_conversation", args=[review.conversation_id]
                    ),
                    "text": "Talent conversation",
                },
            ],
        },
    )


@require_http_methods(["GET", "POST"])
@permission_required(Permission.CALIBRATE_TALENT_RATING, _load_person)
def calibrate_talent_rating_view(request: HttpRequest, person: Person) -> HttpResponse:
    """A lead moves a person between boxes, with a recorded reason."""
    rating = queries.rating_of(person)
    form = CalibrationForm(request.POST or None, current_box=rating.box if rating else None)
    if request.method == "POST" and form.is_valid():
        performance, potential = grid.place_of(form.cleaned_data["box"])
        try:
            actions.calibrate(
                person=person,
                performance=performance,
                potential=potential,
                reason=form.cleaned_data["reason"],
                by=request.user,
            )
        except actions.TalentError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, f"{person.full_name} moved. The reason is kept in their history."
            )
            return redirect("talent:show_talent_record", person.pk)
    return render(
        request,
        "talent/calibrate_talent_rating.jinja",
        {
            "page_title": f"Move {person.full_name} on the grid",
            "person": person,
            "rating": rating,
            "box": grid.box_description(rating.box) if rating else "",
            "form": form,
            "breadcrumbs": [
                *_home_crumbs(),
                {
                    "href": reverse("talent:show_talent_record", args=[person.pk]),
                    "text": person.full_name,
                },
            ],
        },
    )


def _grid_page(
    request: HttpRequest,
    *,
    title: str,
    caption: str,
    data: dict[str, Any],
    people: Any,
    may_calibrate: bool,
    crumbs: list[dict[str, str]],
) -> HttpResponse:
    box = request.GET.get("box", "")
    listing = None
    if box.isdigit() and 1 <= int(box) <= 9:
        page = paginate(queries.people_in_box(people, int(box)), request.GET)
        listing = {"box": int(box), "label": grid.box_description(int(box)), "page": page}
    return render(
        request,
        "talent/show_grid.jinja",
        {
            "page_title": title,
            "caption": caption,
            "grid": presenters.grid_context(data),
            "listing": listing,
            "may_calibrate": may_calibrate,
            "breadcrumbs": crumbs,
        },
    )


@require_safe
@permission_required(Permission.VIEW_TEAM_TALENT_GRID)
def show_team_grid_view(request: HttpRequest) -> HttpResponse:
    """The 9-box grid for everyone below the line manager."""
    me = request.scope.person  # type: ignore[attr-defined]
    return _grid_page(
        request,
        title="Your team's talent grid",
        caption="Everyone you manage, directly or through others",
        data=queries.team_grid(me),
        people=queries.team_people(me),
        may_calibrate=False,
        crumbs=_home_crumbs(),
    )


@require_safe
@permission_required(Permission.VIEW_ORGANISATION_TALENT, _load_organisation)
def show_organisation_grid_view(request: HttpRequest, organisation: Organisation) -> HttpResponse:
    """The organisation's 9-box grid, for leads over it (calibration from each person's record)."""
    audit.record_read("talent.grid.viewed", by=request.user, target=organisation)
    return _grid_page(
        request,
        title=f"Talent grid: {organisation.display_name}",
        caption=f"Staff of {organisation.display_name}",
        data=queries.organisation_grid(organisation),
        people=queries.organisation_people(organisation),
        may_calibrate=True,
        crumbs=[
            *_home_crumbs(),
            {
                "href": reverse("talent:show_organisation_talent", args=[organisation.code]),
                "text": organisation.display_name,
            },
        ],
    )


@require_safe
@permission_required(Permission.VIEW_REGION_TALENT, _load_region)
def show_region_grid_view(request: HttpRequest, region: Region) -> HttpResponse:
    """The region's 9-box grid, for its regional lead and national leads."""
    audit.record_read("talent.grid.viewed", by=request.user, target=region)
    return _grid_page(
        request,
        title=f"Talent grid: {region.name}",
        caption=f"Staff of organisations in {region.name}",
        data=queries.region_grid(region),
        people=queries.region_people(region),
        may_calibrate=True,
        crumbs=[
            *_home_crumbs(),
            {"href": reverse("talent:show_region_talent", args=[region.code]), "text": region.name},
        ],
    )


@require_safe
@permission_required(Permission.VIEW_ORGANISATION_TALENT, _load_organisation)
def show_organisation_talent_view(request: HttpRequest, organisation: Organisation) -> HttpResponse:
    """The organisation's talent dashboard: grid totals and key roles with no ready successor."""
    data = queries.organisation_grid(organisation, names=False)
    return render(
        request,
        "talent/show_organisation_talent.jinja",
        {
            "page_title": f"Talent and succession: {organisation.display_name}",
            "organisation": organisation,
            "grid": presenters.grid_context(data),
            "plans": queries.succession_plans(organisation),
            "gaps": queries.succession_gaps(organisation),
            "breadcrumbs": _home_crumbs(),
        },
    )


@require_safe
@permission_required(Permission.VIEW_REGION_TALENT, _load_region)
def show_region_talent_view(request: HttpRequest, region: Region) -> HttpResponse:
    """The regional talent dashboard: grid totals, and organisations' succession gaps."""
    data = queries.region_grid(region, names=False)
    return render(
        request,
        "talent/show_region_talent.jinja",
        {
            "page_title": f"Talent and succession: {region.name}",
            "region": region,
            "grid": presenters.grid_context(data),
            "organisations": queries.region_succession_summary(region),
            "gap_roles": queries.region_gap_roles(region),
            "breadcrumbs": _home_crumbs(),
        },
    )
