"""Recognition of prior learning: a person's claims with evidence, and assessors' decisions.

Evidence files are stored outside the web root and served only here, to the claimant and to
assessors, always as a download; an assessor's view or download is audited."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.files.storage import default_storage
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_http_methods, require_safe

from healthlead.accounts.decorators import permission_required
from healthlead.accounts.permissions import Permission
from healthlead.core import audit
from healthlead.core.pagination import paginate
from healthlead.programmes import actions, queries
from healthlead.programmes.forms import PriorLearningDecisionForm, PriorLearningForm
from healthlead.programmes.models import PriorLearningClaim


def _load_claim(pk: int, **_: Any) -> PriorLearningClaim | None:
    return queries.claim_detail(pk)


def _breadcrumbs(assessor: bool = False) -> list[dict[str, str]]:
    crumbs = [{"href": reverse("accounts:home"), "text": "Home"}]
    if assessor:
        crumbs.append(
            {"href": reverse("programmes:list_claims_to_assess"), "text": "Claims to assess"}
        )
    else:
        crumbs.append(
            {"href": reverse("programmes:list_prior_learning"), "text": "Your prior learning"}
        )
    return crumbs


@require_safe
@permission_required(Permission.CLAIM_PRIOR_LEARNING)
def list_prior_learning_view(request: HttpRequest) -> HttpResponse:
    """The person's own claims and their decisions."""
    person = request.scope.person  # type: ignore[attr-defined]
    return render(
        request,
        "programmes/list_prior_learning.jinja",
        {
            "page_title": "Your prior learning",
            "claims": queries.claims_of(person),
            "breadcrumbs": [{"href": reverse("accounts:home"), "text": "Home"}],
        },
    )


@require_http_methods(["GET", "POST"])
@permission_required(Permission.CLAIM_PRIOR_LEARNING)
def claim_prior_learning_view(request: HttpRequest) -> HttpResponse:
    """Claim prior learning, with an evidence file."""
    programmes = queries.programmes_with_published_version()
    initial = {"programme": request.GET.get("programme", "")}
    form = PriorLearningForm(
        request.POST or None, request.FILES or None, initial=initial, programmes=programmes
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                claim = actions.claim_prior_learning(
                    person=request.scope.person,  # type: ignore[attr-defined]
                    kind=data["kind"],
                    title=data["title"],
                    provider=data["provider"],
                    completed_year=data["completed_year"],
                    description=data["description"],
                    programme=form.chosen_programme(),
                    upload=data["evidence"],
                    by=request.user,
                )
            except actions.ProgrammeError as error:
                field = "evidence" if "file" in error.message.lower() else None
                form.add_error(field, error.message)
            else:
                messages.success(request, "Your claim is sent. An assessor will decide it.")
                return redirect("programmes:show_prior_learning", claim.pk)
    return render(
        request,
        "programmes/form_page.jinja",
        {
            "page_title": "Claim prior learning",
            "intro": [
                "A health MBA, a masters degree, another leadership programme or your experience "
                "can count towards a programme's entry gates or exempt you from some of its "
                "modules. Send evidence; an assessor decides and gives reasons."
            ],
            "form": form,
            "button_text": "Send the claim",
            "breadcrumbs": _breadcrumbs(),
        },
        status=status,
    )


@require_safe
@permission_required(Permission.VIEW_PRIOR_LEARNING, _load_claim)
def show_prior_learning_view(request: HttpRequest, claim: PriorLearningClaim) -> HttpResponse:
    """A claim, its evidence and its decisions."""
    user: Any = request.user
    is_owner = user.person_id == claim.person_id
    if not is_owner:
        audit.record_read("programmes.prior_learning.viewed", by=user, target=claim)
    return render(
        request,
        "programmes/show_prior_learning.jinja",
        {
            "page_title": claim.title,
            "claim": claim,
            "is_owner": is_owner,
            "decisions": list(claim.decisions.all()),
            "may_assess": user.has_perm(Permission.ASSESS_PRIOR_LEARNING, claim),
            "breadcrumbs": _breadcrumbs(assessor=not is_owner),
        },
    )


@require_safe
@permission_required(Permission.VIEW_PRIOR_LEARNING, _load_claim)
def download_prior_learning_evidence_view(
    request: HttpRequest, claim: PriorLearningClaim
) -> HttpResponse:
    """The evidence file, always as a download, never rendered by the browser."""
    user: Any = request.user
    if user.person_id != claim.person_id:
        audit.record_read("programmes.prior_learning.evidence_downloaded", by=user, target=claim)
    try:
        with default_storage.open(claim.stored_path, "rb") as handle:
            data = handle.read()  # at most 10 MB (checked on upload); no handle left open
    except FileNotFoundError:
        raise Http404("The file is no longer stored.") from None
    response = HttpResponse(data, content_type=claim.content_type)
    response["Content-Disposition"] = content_disposition_header(True, claim.file_name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@require_safe
@permission_required(Permission.ASSESS_PRIOR_LEARNING)
def list_claims_to_assess_view(request: HttpRequest) -> HttpResponse:
    """Claims waiting for a decision, oldest first."""
    page = paginate(queries.claims_to_assess(request.scope), request.GET)  # type: ignore[attr-defined]
    return render(
        request,
        "programmes/list_claims_to_assess.jinja",
        {
            "page_title": "Prior learning claims to assess",
            "page": page,
            "breadcrumbs": [{"href": reverse("accounts:home"), "text": "Home"}],
        },
    )


@require_http_methods(["GET", "POST"])
@permission_required(Permission.ASSESS_PRIOR_LEARNING, _load_claim)
def decide_prior_learning_view(request: HttpRequest, claim: PriorLearningClaim) -> HttpResponse:
    """Decide a claim: equivalent to a programme, partly recognised (module exemptions), or not
    recognised, with reasons."""
    audit.record_read("programmes.prior_learning.viewed", by=request.user, target=claim)
    programmes = queries.programmes_with_published_version()
    modules = queries.modules_for(claim.programme)
    form = PriorLearningDecisionForm(
        request.POST or None,
        initial={"programme": claim.programme.code if claim.programme else ""},
        programmes=programmes,
        modules=modules,
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                actions.decide_prior_learning(
                    claim=claim,
                    outcome=form.cleaned_data["outcome"],
                    programme=form.chosen_programme(),
                    modules=form.chosen_modules(),
                    reasons=form.cleaned_data["reasons"],
                    by=request.user,
                )
            except actions.ProgrammeError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, "Your decision is recorded.")
                return redirect("programmes:show_prior_learning", claim.pk)
    summary = [
        {"key": {"text": "Person"}, "value": {"text": claim.person.full_name}},
        {"key": {"text": "Kind"}, "value": {"text": claim.get_kind_display()}},
        {"key": {"text": "Awarded by"}, "value": {"text": claim.provider or "Not given"}},
        {
            "key": {"text": "Counts towards"},
            "value": {"text": claim.programme.name if claim.programme else "No programme named"},
        },
        {"key": {"text": "Description"}, "value": {"text": claim.description or "None"}},
    ]
    return render(
        request,
        "programmes/form_page.jinja",
        {
            "page_title": f"Decide: {claim.title}",
            "summary_rows": summary,
            "links": [
                {
                    "href": reverse("programmes:download_prior_learning_evidence", args=[claim.pk]),
                    "text": f"Download the evidence ({claim.file_name})",
                }
            ],
            "form": form,
            "button_text": "Record the decision",
            "breadcrumbs": _breadcrumbs(assessor=True),
        },
        status=status,
    )
