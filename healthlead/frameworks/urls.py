from django.urls import path

from healthlead.frameworks import views

app_name = "frameworks"

_VERSION = "frameworks/<slug:code>/versions/<str:version>/"
_ELEMENT = _VERSION + "domains/<str:domain>/elements/<str:element>/"

urlpatterns = [
    path("frameworks/", views.list_frameworks_view, name="list_frameworks"),
    path(
        "framework-imports/new/",
        views.new_framework_import_view,
        name="new_framework_import",
    ),
    path("frameworks/<slug:code>/", views.show_framework_view, name="show_framework"),
    path("frameworks/<slug:code>/versions/", views.list_versions_view, name="list_versions"),
    path("frameworks/<slug:code>/new-version/", views.new_version_view, name="new_version"),
    path(_VERSION, views.show_version_view, name="show_version"),
    path(
        _VERSION + "case-package.json",
        views.download_case_package_view,
        name="download_case_package",
    ),
    path(_VERSION + "publish/", views.publish_version_view, name="publish_version"),
    path(_ELEMENT, views.show_element_view, name="show_element"),
    path(_ELEMENT + "edit/", views.edit_element_view, name="edit_element"),
]
