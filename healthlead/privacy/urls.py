from django.urls import path

from healthlead.privacy import views

app_name = "privacy"

urlpatterns = [
    path(
        "people/<int:pk>/personal-data/",
        views.show_personal_data_view,
        name="show_personal_data",
    ),
    path(
        "people/<int:pk>/personal-data/export/",
        views.export_personal_data_view,
        name="export_personal_data",
    ),
    path(
        "people/<int:pk>/personal-data/erase/",
        views.erase_person_view,
        name="erase_person",
    ),
]
