"""Feedback pages: self-assessment, 360 cycles, and answering by link or card."""

from django.urls import path

from healthlead.feedback import (
    cycle_views,
    rater_views,
    report_views,
    self_assessment_views,
    views,
)

app_name = "feedback"

urlpatterns = [
    path("feedback/", views.list_feedback_view, name="list_feedback"),
    # Self-assessment
    path(
        "feedback/self-assessments/new/",
        self_assessment_views.start_self_assessment_view,
        name="start_self_assessment",
    ),
    path(
        "feedback/self-assessments/<int:pk>/",
        self_assessment_views.show_self_assessment_view,
        name="show_self_assessment",
    ),
    path(
        "feedback/self-assessments/<int:pk>/sections/<int:domain_id>/",
        self_assessment_views.rate_self_assessment_section_view,
        name="rate_self_assessment_section",
    ),
    path(
        "feedback/self-assessments/<int:pk>/finish/",
        self_assessment_views.finish_self_assessment_view,
        name="finish_self_assessment",
    ),
    path(
        "feedback/self-assessments/<int:pk>/start-cycle/",
        self_assessment_views.start_cycle_from_self_assessment_view,
        name="start_cycle_from_self_assessment",
    ),
    # 360 cycles
    path("feedback/cycles/new/", cycle_views.start_cycle_view, name="start_cycle"),
    path("feedback/cycles/<int:pk>/", cycle_views.show_cycle_view, name="show_cycle"),
    path("feedback/cycles/<int:pk>/invite/", cycle_views.invite_raters_view, name="invite_raters"),
    path("feedback/cycles/<int:pk>/cards/", cycle_views.print_cards_view, name="print_cards"),
    path("feedback/cycles/<int:pk>/launch/", cycle_views.launch_cycle_view, name="launch_cycle"),
    path(
        "feedback/cycles/<int:pk>/deadline/",
        cycle_views.change_deadline_view,
        name="change_deadline",
    ),
    path("feedback/cycles/<int:pk>/close/", cycle_views.close_cycle_view, name="close_cycle"),
    path(
        "feedback/cycles/<int:pk>/invitations/<int:invitation_id>/withdraw/",
        cycle_views.withdraw_invitation_view,
        name="withdraw_invitation",
    ),
    # The subject's own ratings in a cycle
    path(
        "feedback/cycles/<int:pk>/self/",
        rater_views.start_self_response_view,
        name="start_self_response",
    ),
    path(
        "feedback/cycles/<int:pk>/self/sections/<int:domain_id>/",
        rater_views.answer_self_section_view,
        name="answer_self_section",
    ),
    path(
        "feedback/cycles/<int:pk>/self/check/",
        rater_views.check_self_response_view,
        name="check_self_response",
    ),
    # Raters: by emailed link (no account) or by card code
    path("feedback/respond/<str:token>/", rater_views.start_response_view, name="respond"),
    path(
        "feedback/respond/<str:token>/sections/<int:domain_id>/",
        rater_views.answer_section_view,
        name="answer_section",
    ),
    path(
        "feedback/respond/<str:token>/check/",
        rater_views.check_response_view,
        name="check_response",
    ),
    path("feedback/thank-you/", rater_views.thank_you_view, name="thank_you"),
    path("feedback/card/", rater_views.enter_card_code_view, name="enter_card_code"),
    # Report pages (report_views.py) are added below this line.
    path("feedback/cycles/<int:pk>/report/", report_views.show_report_view, name="show_report"),
    path(
        "feedback/cycles/<int:pk>/report/pdf/",
        report_views.download_report_pdf_view,
        name="download_report_pdf",
    ),
    path(
        "feedback/cycles/<int:pk>/report/csv/",
        report_views.download_report_csv_view,
        name="download_report_csv",
    ),
    path(
        "feedback/cycles/<int:pk>/debrief/",
        report_views.record_debrief_view,
        name="record_debrief",
    ),
    path(
        "feedback/cycles/<int:pk>/report/comments/<str:ref>/remove/",
        report_views.redact_comment_view,
        name="redact_comment",
    ),
    path(
        "feedback/instrument/",
        report_views.show_instrument_statistics_view,
        name="show_instrument_statistics",
    ),
]
