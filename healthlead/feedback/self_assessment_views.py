"""Self-assessment: rate yourself against a framework, one domain per page; see the result.

A self-assessment is private to its owner. A completed one can become a 360 cycle, its
answers becoming the subject's own ratings in the cycle.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from healthlead.accounts.decorators import permission_required
from healthlead.accounts.permissions import Permission
from healthlead.feedback import actions, presenters, queries
from healthlead.feedback.forms import (
    ConfirmForm,
    SectionForm,
    StartCycleForm,
    StartSelfAssessmentForm,
    date_input_params,
)
from healthlead.feedback.models import SelfAssessment
from healthlead.feedback.queries import DraftAnswers

DEADLINE_HINT = "For example, 27 3 2027. Raters can answer until the end of this day."


def _load(pk: int, **_: Any) -> SelfAssessment | None:
    return queries.self_assessment_detail(pk)


def _breadcrumbs(self_assessment: SelfAssessment | None = None) -> list[dict[str, str]]:
    crumbs = [
        {"href": reverse("accounts:home"), "text": "Home"},
        {"href": reverse("feedback:list_feedback"), "text": "360 feedback"},
    ]
    if self_assessment is not None:
        crumbs.append(
            {
                "href": reverse("feedback:show_self_assessment", args=[self_assessment.pk]),
                "text": "Your self-assessment",
            }
        )
    return crumbs


def _section_url(self_assessment: SelfAssessment, domain_id: int) -> str:
    return reverse("feedback:rate_self_assessment_section", args=[self_assessment.pk, domain_id])


def _framework_name(self_assessment: SelfAssessment) -> str:
    version = self_assessment.questionnaire.framework_version
    return f"{version.framework.name} ({version.version})"


@never_cache
@require_http_methods(["GET", "POST"])
@permission_required(Permission.START_SELF_ASSESSMENT)
def start_self_assessment_view(request: HttpRequest) -> HttpResponse:
    """Choose a framework to assess yourself against."""
    versions = queries.published_framework_versions()
    form = StartSelfAssessmentForm(request.POST or None, versions=versions)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            version = queries.published_framework_version(
                int(form.cleaned_data["framework_version"])
            )
            if version is None:
                form.add_error("framework_version", "Choose one of the frameworks shown.")
            else:
                try:
                    self_assessment = actions.start_self_assessment(
                        person=request.scope.person,  # type: ignore[attr-defined]
                        framework_version=version,
                        by=request.user,
                    )
                except actions.FeedbackError as error:
                    form.add_error("framework_version", error.message)
                else:
                    return redirect("feedback:show_self_assessment", self_assessment.pk)
    return render(
        request,
        "feedback/start_self_assessment.jinja",
        {
            "page_title": "Assess yourself against a leadership framework",
            "form": form,
            "has_frameworks": bool(versions),
            "breadcrumbs": _breadcrumbs(),
        },
        status=status,
    )


@never_cache
@require_safe
@permission_required(Permission.VIEW_SELF_ASSESSMENT, _load)
def show_self_assessment_view(
    request: HttpRequest, self_assessment: SelfAssessment
) -> HttpResponse:
    """A draft's sections and progress, or a completed self-assessment's result."""
    sections = queries.questionnaire_sections(self_assessment.questionnaire_id)
    framework = _framework_name(self_assessment)
    if self_assessment.state == SelfAssessment.State.SUBMITTED:
        result = presenters.self_assessment_result(
            person=self_assessment.person,
            framework_name=framework,
            sections=sections,
            ratings=self_assessment.ratings,
            stages=queries.framework_stages(self_assessment.questionnaire.framework_version_id),
        )
        return render(
            request,
            "feedback/show_self_assessment_result.jinja",
            {
                "page_title": f"Your self-assessment: {framework}",
                "self_assessment": self_assessment,
                "result": result,
                "breadcrumbs": _breadcrumbs(),
            },
        )
    answered = {int(key) for key in self_assessment.ratings}
    links = presenters.section_links(
        sections, answered, lambda domain_id: _section_url(self_assessment, domain_id)
    )
    next_link = next((link for link in links if not link.complete), None)
    return render(
        request,
        "feedback/show_self_assessment.jinja",
        {
            "page_title": f"Your self-assessment: {framework}",
            "self_assessment": self_assessment,
            "framework": framework,
            "sections": links,
            "continue_url": next_link.href if next_link else None,
            "complete": next_link is None,
            "finish_url": reverse("feedback:finish_self_assessment", args=[self_assessment.pk]),
            "breadcrumbs": _breadcrumbs(),
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
@permission_required(Permission.VIEW_SELF_ASSESSMENT, _load)
def rate_self_assessment_section_view(
    request: HttpRequest, self_assessment: SelfAssessment
) -> HttpResponse:
    """One domain of a self-assessment."""
    if self_assessment.state != SelfAssessment.State.DRAFT:
        return redirect("feedback:show_self_assessment", self_assessment.pk)
    match = request.resolver_match
    domain_id = int(match.kwargs["domain_id"]) if match else 0
    sections = queries.questionnaire_sections(self_assessment.questionnaire_id)
    section = queries.section_for(sections, domain_id)
    if section is None:
        return render(
            request,
            "feedback/link_problem.jinja",
            {
                "page_title": "This page is not part of your self-assessment",
                "reason": "not_in_questionnaire",
                "message": "Go back to your self-assessment and choose a section from the list.",
            },
            status=404,
        )
    draft = DraftAnswers(
        ratings={
            item.pk: self_assessment.ratings[str(item.pk)]
            for item in section.items
            if str(item.pk) in self_assessment.ratings
        }
    )
    form = SectionForm(
        request.POST or None,
        section=section,
        audience="self",
        with_importance=False,
        with_comments=False,
        draft=draft,
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
                actions.save_self_assessment_ratings(
                    self_assessment=self_assessment,
                    domain=section.domain,
                    ratings=form.ratings(),
                    by=request.user,
                )
            except actions.FeedbackError as error:
                form.add_error(None, error.message)
            else:
                if "save_and_stop" in request.POST:
                    messages.success(request, "Your answers are saved. Carry on when you like.")
                    return redirect("feedback:show_self_assessment", self_assessment.pk)
                following = next((s for s in sections if s.number == section.number + 1), None)
                if following is not None:
                    return redirect(_section_url(self_assessment, following.domain.pk))
                return redirect("feedback:finish_self_assessment", self_assessment.pk)
    previous = next((s for s in sections if s.number == section.number - 1), None)
    return render(
        request,
        "feedback/answer_section.jinja",
        {
            "page_title": f"{section.domain.name} (section {section.number} of {len(sections)})",
            "audience": "self",
            "form": form,
            "section": section,
            "total": len(sections),
            "subject_name": self_assessment.person.full_name,
            "back_url": (
                _section_url(self_assessment, previous.domain.pk)
                if previous
                else reverse("feedback:show_self_assessment", args=[self_assessment.pk])
            ),
            "start_url": reverse("feedback:show_self_assessment", args=[self_assessment.pk]),
        },
        status=status,
    )


@never_cache
@require_http_methods(["GET", "POST"])
@permission_required(Permission.VIEW_SELF_ASSESSMENT, _load)
def finish_self_assessment_view(
    request: HttpRequest, self_assessment: SelfAssessment
) -> HttpResponse:
    """Check every section is answered, then complete the self-assessment."""
    if self_assessment.state != SelfAssessment.State.DRAFT:
        return redirect("feedback:show_self_assessment", self_assessment.pk)
    sections = queries.questionnaire_sections(self_assessment.questionnaire_id)
    form = ConfirmForm(request.POST or None)
    error = ""
    status = 200
    if request.method == "POST":
        try:
            actions.submit_self_assessment(self_assessment=self_assessment, by=request.user)
        except actions.FeedbackError as problem:
            error = problem.message
            status = 400
        else:
            messages.success(request, "Your self-assessment is complete.")
            return redirect("feedback:show_self_assessment", self_assessment.pk)
    answered = {int(key) for key in self_assessment.ratings}
    links = presenters.section_links(
        sections, answered, lambda domain_id: _section_url(self_assessment, domain_id)
    )
    return render(
        request,
        "feedback/check_response.jinja",
        {
            "page_title": "Check and finish your self-assessment",
            "audience": "self_assessment",
            "form": form,
            "error": error,
            "sections": links,
            "complete": all(link.complete for link in links),
            "subject_name": self_assessment.person.full_name,
            "start_url": reverse("feedback:show_self_assessment", args=[self_assessment.pk]),
        },
        status=status,
    )


@never_cache
@require_http_methods(["GET", "POST"])
@permission_required(Permission.VIEW_SELF_ASSESSMENT, _load)
def start_cycle_from_self_assessment_view(
    request: HttpRequest, self_assessment: SelfAssessment
) -> HttpResponse:
    """Turn a completed self-assessment into a 360 cycle."""
    if self_assessment.cycle_id is not None:
        return redirect("feedback:show_cycle", self_assessment.cycle_id)
    if self_assessment.state != SelfAssessment.State.SUBMITTED:
        messages.info(request, "Finish your self-assessment before you ask others for feedback.")
        return redirect("feedback:show_self_assessment", self_assessment.pk)
    person = self_assessment.person
    facilitators = [u for u in queries.facilitators() if u.person_id != person.pk]
    form = StartCycleForm(
        request.POST or None,
        initial={"subject": str(person.pk)},
        me=person,
        reports=[],
        versions=[],
        facilitators=facilitators,
        with_framework=False,
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            facilitator = next(
                (u for u in facilitators if str(u.pk) == form.cleaned_data["facilitator"]), None
            )
            try:
                cycle = actions.start_cycle_from_self_assessment(
                    self_assessment=self_assessment,
                    deadline=form.cleaned_data["deadline"],
                    facilitator=facilitator,
                    by=request.user,
                )
            except actions.FeedbackError as error:
                field = "deadline" if "deadline" in error.message.lower() else None
                form.add_error(field, error.message)
            else:
                messages.success(
                    request,
                    "Your 360 cycle is set up with your self-assessment as your own ratings. "
                    "Now invite your raters.",
                )
                return redirect("feedback:show_cycle", cycle.pk)
    return render(
        request,
        "feedback/start_cycle.jinja",
        {
            "page_title": "Ask others for feedback (360)",
            "form": form,
            "has_frameworks": True,
            "from_self_assessment": _framework_name(self_assessment),
            "deadline_input": date_input_params(
                form["deadline"], legend="Deadline for raters", hint=DEADLINE_HINT
            ),
            "breadcrumbs": _breadcrumbs(self_assessment),
        },
        status=status,
    )
