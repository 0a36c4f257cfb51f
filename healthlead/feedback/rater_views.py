"""Answering a questionnaire: raters by emailed link or card code, and subjects for themselves.

Raters need no account. Their link's token is the only key; each page looks it up by hash
and checks it can still be used. A link that cannot be used (forged or replaced, withdrawn,
already used, past the deadline) gets a page saying so plainly, with a 404 or 410 status.
One section (domain) per page; answers are saved on every page, so a rater can stop and
come back with the same link.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from healthlead.accounts.decorators import permission_required
from healthlead.accounts.permissions import Permission
from healthlead.core.formatting import nhs_date
from healthlead.core.ratelimit import rate_limit
from healthlead.feedback import actions, presenters, queries
from healthlead.feedback.forms import CardCodeForm, ConfirmForm, SectionForm
from healthlead.feedback.models import CycleGroupMinimum, FeedbackCycle, Invitation

# Tokens are 43 URL-safe characters; anything else cannot be one.
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{20,100}$")
# Link pages: a rater uses about thirty requests; guessing a 256-bit token is hopeless anyway.
LINK_LIMIT = {"limit": 300, "period": 300, "methods": ("GET", "POST")}
# Card codes are short, so tries are limited tightly per address.
CARD_LIMIT = {"limit": 30, "period": 300, "methods": ("POST",)}

# Raters act anonymously even when signed in: the audit log must not name who answered.
ANONYMOUS_RATER = AnonymousUser()

PROBLEM_TITLES = {
    "unknown": "We do not recognise this link",
    "withdrawn": "This invitation has been withdrawn",
    "used": "You have already sent your feedback",
    "closed": "This feedback has closed",
    "not_open": "This feedback has not started yet",
}


@dataclass(frozen=True)
class Respondent:
    """Who is answering and where their pages are: a rater by token, or the subject."""

    invitation: Invitation
    audience: str
    start_url: str
    check_url: str
    section_url: Callable[[int], str]
    done_url: str

    @property
    def cycle(self) -> FeedbackCycle:
        return self.invitation.cycle

    def actor(self, request: HttpRequest) -> Any:
        """Who the audit log records: the subject by name, a rater never."""
        return request.user if self.audience == "self" else ANONYMOUS_RATER


def _link_problem(request: HttpRequest, reason: str, message: str, status: int) -> HttpResponse:
    return render(
        request,
        "feedback/link_problem.jinja",
        {
            "page_title": PROBLEM_TITLES.get(reason, "This link cannot be used"),
            "reason": reason,
            "message": message,
        },
        status=status,
    )


def _rater(token: str, invitation: Invitation) -> Respondent:
    return Respondent(
        invitation=invitation,
        audience=presenters.audience_for(invitation),
        start_url=reverse("feedback:respond", args=[token]),
        check_url=reverse("feedback:check_response", args=[token]),
        section_url=lambda domain_id: reverse("feedback:answer_section", args=[token, domain_id]),
        done_url=reverse("feedback:thank_you"),
    )


def _load_rater(request: HttpRequest, token: str) -> Respondent | HttpResponse:
    """The respondent for a token, or the page explaining why the link cannot be used."""
    invitation = actions.invitation_for_token(token) if TOKEN_PATTERN.match(token) else None
    if invitation is None:
        return _link_problem(
            request,
            "unknown",
            "Check you used the whole link from your email. If you were sent a reminder, "
            "only the link in the newest email works.",
            404,
        )
    try:
        actions.check_usable(invitation)
    except actions.LinkNotUsable as refusal:
        return _link_problem(request, refusal.reason, refusal.message, refusal.status)
    return _rater(token, invitation)


def _load_cycle(pk: int, **_: Any) -> FeedbackCycle | None:
    return queries.cycle_detail(pk)


def _domain_id(request: HttpRequest) -> int:
    """The section in the URL (the permission decorator passes the view only the cycle)."""
    match = request.resolver_match
    return int(match.kwargs["domain_id"]) if match else 0


def _subject(request: HttpRequest, cycle: FeedbackCycle) -> Respondent | HttpResponse:
    invitation = actions.self_invitation(cycle)
    invitation.cycle = cycle
    try:
        actions.check_usable(invitation)
    except actions.LinkNotUsable as refusal:
        messages.info(request, refusal.message)
        return redirect("feedback:show_cycle", cycle.pk)
    return Respondent(
        invitation=invitation,
        audience="self",
        start_url=reverse("feedback:start_self_response", args=[cycle.pk]),
        check_url=reverse("feedback:check_self_response", args=[cycle.pk]),
        section_url=lambda domain_id: reverse(
            "feedback:answer_self_section", args=[cycle.pk, domain_id]
        ),
        done_url=reverse("feedback:show_cycle", args=[cycle.pk]),
    )


def _minimum(invitation: Invitation) -> int | None:
    row = CycleGroupMinimum.objects.filter(
        cycle_id=invitation.cycle_id, group_id=invitation.group_id
    ).first()
    return row.minimum if row else None


# The pages, shared by raters and subjects -------------------------------------------------


def _start_page(request: HttpRequest, respondent: Respondent) -> HttpResponse:
    invitation = respondent.invitation
    cycle = respondent.cycle
    sections = queries.questionnaire_sections(cycle.questionnaire_id)
    response = queries.draft_response(invitation)
    answered = queries.answered_item_ids(response)
    links = presenters.section_links(sections, answered, respondent.section_url)
    next_link = next((link for link in links if not link.complete), None)
    return render(
        request,
        "feedback/start_response.jinja",
        {
            "page_title": (
                "Your own ratings"
                if respondent.audience == "self"
                else f"Feedback for {cycle.subject.full_name}"
            ),
            "audience": respondent.audience,
            "cycle": cycle,
            "subject_name": cycle.subject.full_name,
            "rater_role": presenters.rater_role(invitation.group),
            "deadline": nhs_date(cycle.deadline),
            "notice": presenters.anonymity_notice(
                invitation,
                minimum=_minimum(invitation),
                all_others_minimum=cycle.all_others_minimum,
            ),
            "sections": links,
            "started": response is not None,
            "continue_url": next_link.href if next_link else respondent.check_url,
            "check_url": respondent.check_url,
            "question_count": sum(len(s.items) for s in sections),
        },
    )


def _section_page(request: HttpRequest, respondent: Respondent, domain_id: int) -> HttpResponse:
    invitation = respondent.invitation
    cycle = respondent.cycle
    sections = queries.questionnaire_sections(cycle.questionnaire_id)
    section = queries.section_for(sections, domain_id)
    if section is None:
        return _link_problem(
            request,
            "not_in_questionnaire",
            "This page is not part of the questionnaire you were asked to answer. "
            "Go back to the start of your link.",
            404,
        )
    # A sent form shows what was sent, so the saved draft is read only for an empty form.
    draft = (
        None if request.POST else queries.draft_answers(queries.draft_response(invitation), section)
    )
    form = SectionForm(
        request.POST or None, section=section, audience=respondent.audience, draft=draft
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.unexpected_fields():
            form.add_error(
                None,
                "This page was sent with answers to questions that are not on it, so nothing "
                "was saved. Answer the questions below and try again.",
            )
        elif form.is_valid():
            try:
                actions.save_answers(
                    invitation=invitation,
                    domain=section.domain,
                    answers=actions.DomainAnswers(
                        ratings=form.ratings(),
                        importance=form.importance(),
                        strengths=form.cleaned_data.get("strengths", ""),
                        suggestions=form.cleaned_data.get("suggestions", ""),
                    ),
                    by=respondent.actor(request),
                )
            except actions.LinkNotUsable as refusal:
                return _link_problem(request, refusal.reason, refusal.message, refusal.status)
            except actions.FeedbackError as error:
                form.add_error(None, error.message)
            else:
                if "save_and_stop" in request.POST:
                    messages.success(
                        request,
                        "Your answers are saved. Come back with the same link before "
                        f"{nhs_date(cycle.deadline)} to finish.",
                    )
                    return redirect(respondent.start_url)
                following = next((s for s in sections if s.number == section.number + 1), None)
                return redirect(
                    respondent.section_url(following.domain.pk)
                    if following
                    else respondent.check_url
                )
    previous = next((s for s in sections if s.number == section.number - 1), None)
    return render(
        request,
        "feedback/answer_section.jinja",
        {
            "page_title": f"{section.domain.name} (section {section.number} of {len(sections)})",
            "audience": respondent.audience,
            "form": form,
            "section": section,
            "total": len(sections),
            "subject_name": cycle.subject.full_name,
            "back_url": (
                respondent.section_url(previous.domain.pk) if previous else respondent.start_url
            ),
            "start_url": respondent.start_url,
        },
        status=status,
    )


def _check_page(request: HttpRequest, respondent: Respondent) -> HttpResponse:
    invitation = respondent.invitation
    cycle = respondent.cycle
    sections = queries.questionnaire_sections(cycle.questionnaire_id)
    form = ConfirmForm(request.POST or None)
    error = ""
    status = 200
    if request.method == "POST":
        try:
            actions.submit_response(invitation=invitation, by=respondent.actor(request))
        except actions.LinkNotUsable as refusal:
            return _link_problem(request, refusal.reason, refusal.message, refusal.status)
        except actions.FeedbackError as problem:
            error = problem.message
            status = 400
        else:
            if respondent.audience == "self":
                messages.success(request, "Your own ratings have been sent.")
            return redirect(respondent.done_url)
    response = queries.draft_response(invitation)
    answered = queries.answered_item_ids(response)
    links = presenters.section_links(sections, answered, respondent.section_url)
    return render(
        request,
        "feedback/check_response.jinja",
        {
            "page_title": "Check and send your feedback",
            "audience": respondent.audience,
            "form": form,
            "error": error,
            "sections": links,
            "complete": all(link.complete for link in links),
            "subject_name": cycle.subject.full_name,
            "start_url": respondent.start_url,
        },
        status=status,
    )


# Raters, by emailed link --------------------------------------------------------------------


@never_cache
@require_safe
@rate_limit("feedback_link", **LINK_LIMIT)  # type: ignore[arg-type]
def start_response_view(request: HttpRequest, token: str) -> HttpResponse:
    """The first page of a rater's link: who is asking, how anonymity works, the sections."""
    respondent = _load_rater(request, token)
    if isinstance(respondent, HttpResponse):
        return respondent
    return _start_page(request, respondent)


@never_cache
@require_http_methods(["GET", "POST"])
@rate_limit("feedback_link", **LINK_LIMIT)  # type: ignore[arg-type]
def answer_section_view(request: HttpRequest, token: str, domain_id: int) -> HttpResponse:
    """One section of the questionnaire for a rater."""
    respondent = _load_rater(request, token)
    if isinstance(respondent, HttpResponse):
        return respondent
    return _section_page(request, respondent, domain_id)


@never_cache
@require_http_methods(["GET", "POST"])
@rate_limit("feedback_link", **LINK_LIMIT)  # type: ignore[arg-type]
def check_response_view(request: HttpRequest, token: str) -> HttpResponse:
    """Check every section is answered, then send."""
    respondent = _load_rater(request, token)
    if isinstance(respondent, HttpResponse):
        return respondent
    return _check_page(request, respondent)


@require_safe
def thank_you_view(request: HttpRequest) -> HttpResponse:
    """After sending: thanks, and no answers."""
    return render(request, "feedback/thank_you.jinja", {"page_title": "Thank you"})


@never_cache
@require_http_methods(["GET", "POST"])
@rate_limit("feedback_card", **CARD_LIMIT)  # type: ignore[arg-type]
def enter_card_code_view(request: HttpRequest) -> HttpResponse:
    """A patient or carer types the code from their card (or scans its QR code)."""
    if request.method == "POST":
        form = CardCodeForm(request.POST)
        if form.is_valid():
            try:
                _, token = actions.redeem_card_code(
                    code=form.cleaned_data["code"], by=ANONYMOUS_RATER
                )
            except actions.LinkNotUsable as refusal:
                if refusal.reason in {"format", "unknown"}:
                    form.add_error("code", refusal.message)
                else:
                    return _link_problem(request, refusal.reason, refusal.message, refusal.status)
            else:
                return redirect("feedback:respond", token)
        status = 400
    else:
        form = CardCodeForm(initial={"code": request.GET.get("code", "")[:20]})
        status = 200
    return render(
        request,
        "feedback/enter_card_code.jinja",
        {"page_title": "Give feedback with your card", "form": form},
        status=status,
    )


# The subject, signed in ---------------------------------------------------------------------


@require_safe
@permission_required(Permission.RESPOND_AS_SELF, _load_cycle)
def start_self_response_view(request: HttpRequest, cycle: FeedbackCycle) -> HttpResponse:
    """The subject's own ratings in their cycle."""
    respondent = _subject(request, cycle)
    if isinstance(respondent, HttpResponse):
        return respondent
    return _start_page(request, respondent)


@require_http_methods(["GET", "POST"])
@permission_required(Permission.RESPOND_AS_SELF, _load_cycle)
def answer_self_section_view(request: HttpRequest, cycle: FeedbackCycle) -> HttpResponse:
    """One section of the subject's own ratings."""
    respondent = _subject(request, cycle)
    if isinstance(respondent, HttpResponse):
        return respondent
    return _section_page(request, respondent, _domain_id(request))


@require_http_methods(["GET", "POST"])
@permission_required(Permission.RESPOND_AS_SELF, _load_cycle)
def check_self_response_view(request: HttpRequest, cycle: FeedbackCycle) -> HttpResponse:
    """Check and send the subject's own ratings."""
    respondent = _subject(request, cycle)
    if isinstance(respondent, HttpResponse):
        return respondent
    return _check_page(request, respondent)
