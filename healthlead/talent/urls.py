from django.urls import path

from healthlead.talent import pool_views, succession_views, views

app_name = "talent"

urlpatterns = [
    path("talent/", views.show_talent_home_view, name="show_talent_home"),
    # People's talent records and conversations
    path("talent/people/<int:pk>/", views.show_talent_record_view, name="show_talent_record"),
    path(
        "talent/people/<int:pk>/conversations/new/",
        views.start_talent_conversation_view,
        name="start_talent_conversation",
    ),
    path(
        "talent/people/<int:pk>/calibrate/",
        views.calibrate_talent_rating_view,
        name="calibrate_talent_rating",
    ),
    path(
        "talent/conversations/<int:pk>/",
        views.show_talent_conversation_view,
        name="show_talent_conversation",
    ),
    path("talent/reviews/<int:pk>/", views.record_talent_review_view, name="record_talent_review"),
    # Grids and dashboards
    path("talent/grid/", views.show_team_grid_view, name="show_team_grid"),
    path(
        "talent/organisations/<str:code>/",
        views.show_organisation_talent_view,
        name="show_organisation_talent",
    ),
    path(
        "talent/organisations/<str:code>/grid/",
        views.show_organisation_grid_view,
        name="show_organisation_grid",
    ),
    path("talent/regions/<str:code>/", views.show_region_talent_view, name="show_region_talent"),
    path("talent/regions/<str:code>/grid/", views.show_region_grid_view, name="show_region_grid"),
    # The national talent pool: the person's own membership
    path("talent-pool/you/", pool_views.show_pool_membership_view, name="show_pool_membership"),
    path("talent-pool/you/join/", pool_views.join_talent_pool_view, name="join_talent_pool"),
    path(
        "talent-pool/you/sharing/", pool_views.change_pool_sharing_view, name="change_pool_sharing"
    ),
    path(
        "talent-pool/you/withdraw/",
        pool_views.withdraw_from_talent_pool_view,
        name="withdraw_from_talent_pool",
    ),
    path(
        "talent-pool/you/views/",
        pool_views.list_pool_profile_views_view,
        name="list_pool_profile_views",
    ),
    # Searching, profiles and shortlists (national and regional leads)
    path("talent-pool/search/", pool_views.search_talent_pool_view, name="search_talent_pool"),
    path(
        "talent-pool/searches/<int:pk>/", pool_views.show_pool_search_view, name="show_pool_search"
    ),
    path(
        "talent-pool/people/<int:pk>/", pool_views.show_pool_profile_view, name="show_pool_profile"
    ),
    path("talent-pool/shortlists/", pool_views.list_shortlists_view, name="list_shortlists"),
    path("talent-pool/shortlists/new/", pool_views.new_shortlist_view, name="new_shortlist"),
    path("talent-pool/shortlists/<int:pk>/", pool_views.show_shortlist_view, name="show_shortlist"),
    path(
        "talent-pool/shortlist-candidates/new/",
        pool_views.add_shortlist_candidate_view,
        name="add_shortlist_candidate",
    ),
    path(
        "talent-pool/shortlist-candidates/<int:pk>/remove/",
        pool_views.remove_shortlist_candidate_view,
        name="remove_shortlist_candidate",
    ),
    # Succession plans
    path(
        "succession/organisations/<str:code>/",
        succession_views.list_succession_plans_view,
        name="list_succession_plans",
    ),
    path(
        "succession/organisations/<str:code>/new/",
        succession_views.new_succession_plan_view,
        name="new_succession_plan",
    ),
    path(
        "succession/plans/<int:pk>/",
        succession_views.show_succession_plan_view,
        name="show_succession_plan",
    ),
    path(
        "succession/plans/<int:pk>/candidates/new/",
        succession_views.add_succession_candidate_view,
        name="add_succession_candidate",
    ),
    path(
        "succession/candidates/<int:pk>/edit/",
        succession_views.edit_succession_candidate_view,
        name="edit_succession_candidate",
    ),
]
