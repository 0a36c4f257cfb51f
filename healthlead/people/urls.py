from django.urls import path

from healthlead.people import import_views, views

app_name = "people"

urlpatterns = [
    path("people/", views.list_people_view, name="list_people"),
    path("people/<int:pk>/", views.show_person_view, name="show_person"),
    path("organisations/", views.list_organisations_view, name="list_organisations"),
    path("organisations/<str:code>/", views.show_organisation_view, name="show_organisation"),
    path("staff-imports/new/", import_views.new_staff_import_view, name="new_staff_import"),
    path("staff-imports/<int:pk>/", import_views.show_staff_import_view, name="show_staff_import"),
    path(
        "staff-imports/<int:pk>/progress/",
        import_views.staff_import_progress_view,
        name="staff_import_progress",
    ),
    path(
        "staff-imports/<int:pk>/problems.csv",
        import_views.download_import_problems_view,
        name="download_import_problems",
    ),
]
