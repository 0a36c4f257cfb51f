from django.urls import path

from healthlead.appraisal import appraisal_views, views

app_name = "appraisal"

urlpatterns = [
    # The person's own development plan
    path("development-plan/", views.list_goals_view, name="list_goals"),
    path("development-plan/goals/new/", views.add_goal_view, name="add_goal"),
    path("development-plan/goals/<int:pk>/edit/", views.edit_goal_view, name="edit_goal"),
    path(
        "development-plan/goals/<int:pk>/actions/new/",
        views.add_goal_action_view,
        name="add_goal_action",
    ),
    path(
        "development-plan/actions/<int:pk>/edit/",
        views.edit_goal_action_view,
        name="edit_goal_action",
    ),
    path(
        "development-plan/actions/<int:pk>/evidence/new/",
        views.add_evidence_view,
        name="add_evidence",
    ),
    path(
        "development-plan/evidence/<int:pk>/file/",
        views.download_evidence_view,
        name="download_evidence",
    ),
    # Someone's plan, for their line manager
    path(
        "development-plans/<int:pk>/",
        views.show_development_plan_view,
        name="show_development_plan",
    ),
    path(
        "development-plans/<int:pk>/review/",
        views.review_development_plan_view,
        name="review_development_plan",
    ),
    # Appraisals
    path("appraisals/", appraisal_views.list_appraisals_view, name="list_appraisals"),
    path("appraisals/new/", appraisal_views.start_appraisal_view, name="start_appraisal"),
    path("appraisals/<int:pk>/", appraisal_views.show_appraisal_view, name="show_appraisal"),
    path("appraisals/<int:pk>/edit/", appraisal_views.edit_appraisal_view, name="edit_appraisal"),
    path(
        "appraisals/<int:pk>/submit/",
        appraisal_views.submit_appraisal_view,
        name="submit_appraisal",
    ),
    path(
        "appraisals/<int:pk>/sign-off/",
        appraisal_views.sign_off_appraisal_view,
        name="sign_off_appraisal",
    ),
    path(
        "appraisals/<int:pk>/reopen/",
        appraisal_views.reopen_appraisal_view,
        name="reopen_appraisal",
    ),
    path(
        "appraisals/<int:pk>/addenda/new/",
        appraisal_views.add_appraisal_addendum_view,
        name="add_appraisal_addendum",
    ),
    path(
        "appraisals/<int:pk>/appraiser/",
        appraisal_views.assign_appraiser_view,
        name="assign_appraiser",
    ),
    path(
        "organisations/<str:code>/appraisal-completion/",
        appraisal_views.show_appraisal_completion_view,
        name="show_appraisal_completion",
    ),
]
