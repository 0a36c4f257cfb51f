from django.urls import path

from healthlead.programmes import (
    application_views,
    curriculum_views,
    intake_views,
    prior_learning_views,
    selection_views,
)

app_name = "programmes"

VERSION = "programmes/<slug:code>/versions/<int:number>/"

urlpatterns = [
    # The curriculum
    path("programmes/", curriculum_views.list_programmes_view, name="list_programmes"),
    path("programmes/new/", curriculum_views.new_programme_view, name="new_programme"),
    path(
        "programmes/fairness/",
        intake_views.show_national_report_view,
        name="show_national_report",
    ),
    path("programmes/<slug:code>/", curriculum_views.show_programme_view, name="show_programme"),
    path("programmes/<slug:code>/check/", curriculum_views.check_gates_view, name="check_gates"),
    path(
        "programmes/<slug:code>/new-version/",
        curriculum_views.new_programme_version_view,
        name="new_programme_version",
    ),
    path(VERSION, curriculum_views.show_programme_version_view, name="show_programme_version"),
    path(
        VERSION + "edit/",
        curriculum_views.edit_programme_version_view,
        name="edit_programme_version",
    ),
    path(VERSION + "gates/new/", curriculum_views.add_gate_view, name="add_gate"),
    path(
        VERSION + "gates/<int:gate_id>/remove/",
        curriculum_views.remove_gate_view,
        name="remove_gate",
    ),
    path(VERSION + "outcomes/new/", curriculum_views.add_outcome_view, name="add_outcome"),
    path(VERSION + "modules/new/", curriculum_views.add_module_view, name="add_module"),
    path(VERSION + "criteria/new/", curriculum_views.add_criterion_view, name="add_criterion"),
    path(
        VERSION + "publish/",
        curriculum_views.publish_programme_version_view,
        name="publish_programme_version",
    ),
    # Prior learning
    path(
        "prior-learning/", prior_learning_views.list_prior_learning_view, name="list_prior_learning"
    ),
    path(
        "prior-learning/new/",
        prior_learning_views.claim_prior_learning_view,
        name="claim_prior_learning",
    ),
    path(
        "prior-learning/to-assess/",
        prior_learning_views.list_claims_to_assess_view,
        name="list_claims_to_assess",
    ),
    path(
        "prior-learning/<int:pk>/",
        prior_learning_views.show_prior_learning_view,
        name="show_prior_learning",
    ),
    path(
        "prior-learning/<int:pk>/evidence/",
        prior_learning_views.download_prior_learning_evidence_view,
        name="download_prior_learning_evidence",
    ),
    path(
        "prior-learning/<int:pk>/decide/",
        prior_learning_views.decide_prior_learning_view,
        name="decide_prior_learning",
    ),
    # Intakes (their managers)
    path("intakes/", intake_views.list_intakes_view, name="list_intakes"),
    path("intakes/new/", intake_views.new_intake_view, name="new_intake"),
    path("intakes/<int:pk>/", intake_views.show_intake_view, name="show_intake"),
    path("intakes/<int:pk>/open/", intake_views.open_intake_view, name="open_intake"),
    path(
        "intakes/<int:pk>/close/", intake_views.close_applications_view, name="close_applications"
    ),
    path("intakes/<int:pk>/allocate/", intake_views.allocate_places_view, name="allocate_places"),
    path("intakes/<int:pk>/finish/", intake_views.finish_intake_view, name="finish_intake"),
    path("intakes/<int:pk>/quotas/new/", intake_views.set_quota_view, name="set_quota"),
    path(
        "intakes/<int:pk>/quotas/<int:quota_id>/remove/",
        intake_views.remove_quota_view,
        name="remove_quota",
    ),
    path(
        "intakes/<int:pk>/panel/new/", intake_views.add_panel_member_view, name="add_panel_member"
    ),
    path(
        "intakes/<int:pk>/panel/<int:member_id>/remove/",
        intake_views.remove_panel_member_view,
        name="remove_panel_member",
    ),
    path(
        "intakes/<int:pk>/applications/",
        intake_views.list_intake_applications_view,
        name="list_intake_applications",
    ),
    path("intakes/<int:pk>/ranking/", intake_views.show_ranking_view, name="show_ranking"),
    path(
        "intakes/<int:pk>/report/", intake_views.show_intake_report_view, name="show_intake_report"
    ),
    path("bursaries/<int:pk>/", intake_views.decide_bursary_view, name="decide_bursary"),
    path("appeals/<int:pk>/", intake_views.decide_appeal_view, name="decide_appeal"),
    path(
        "enrolments/<int:pk>/completion/",
        intake_views.record_completion_view,
        name="record_completion",
    ),
    # Applying
    path("applications/", application_views.list_applications_view, name="list_applications"),
    path(
        "intakes/<int:pk>/apply/",
        application_views.start_application_view,
        name="start_application",
    ),
    path(
        "applications/<int:pk>/", application_views.show_application_view, name="show_application"
    ),
    path(
        "applications/<int:pk>/leadership/",
        application_views.edit_leadership_years_view,
        name="edit_leadership_years",
    ),
    path(
        "applications/<int:pk>/statements/<int:criterion_id>/",
        application_views.edit_statement_view,
        name="edit_statement",
    ),
    path(
        "applications/<int:pk>/line-manager/",
        application_views.confirm_line_manager_view,
        name="confirm_line_manager",
    ),
    path(
        "applications/<int:pk>/bursary/",
        application_views.edit_bursary_view,
        name="edit_bursary",
    ),
    path(
        "applications/<int:pk>/bursary/details/",
        application_views.edit_bursary_details_view,
        name="edit_bursary_details",
    ),
    path(
        "applications/<int:pk>/check/",
        application_views.check_application_view,
        name="check_application",
    ),
    path(
        "applications/<int:pk>/withdraw/",
        application_views.withdraw_application_view,
        name="withdraw_application",
    ),
    path("applications/<int:pk>/appeal/", application_views.lodge_appeal_view, name="lodge_appeal"),
    path("offers/<int:pk>/", application_views.respond_to_offer_view, name="respond_to_offer"),
    path("endorsements/", application_views.list_endorsements_view, name="list_endorsements"),
    path(
        "endorsements/<int:pk>/",
        application_views.endorse_application_view,
        name="endorse_application",
    ),
    path(
        "funding-requests/",
        application_views.list_funding_requests_view,
        name="list_funding_requests",
    ),
    path(
        "funding-requests/<int:pk>/",
        application_views.confirm_funding_view,
        name="confirm_funding",
    ),
    # Selection panels
    path("panels/", selection_views.list_panels_view, name="list_panels"),
    path(
        "intakes/<int:pk>/scoring/",
        selection_views.list_applications_to_score_view,
        name="list_applications_to_score",
    ),
    path("scoring/<int:pk>/", selection_views.score_application_view, name="score_application"),
    path(
        "scoring/<int:pk>/conflict/",
        selection_views.declare_conflict_view,
        name="declare_conflict",
    ),
    path(
        "intakes/<int:pk>/moderation/",
        selection_views.list_moderations_view,
        name="list_moderations",
    ),
    path("moderation/<int:pk>/", selection_views.moderate_view, name="moderate"),
]
