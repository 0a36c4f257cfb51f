"""URL configuration: each app's urls plus the JSON API and CASE endpoints."""

from django.urls import include, path

from healthlead.config.api import api
from healthlead.core import views as core_views

urlpatterns = [
    path("", include("healthlead.core.urls")),
    path("", include("healthlead.accounts.urls")),
    path("", include("healthlead.people.urls")),
    path("", include("healthlead.frameworks.urls")),
    path("", include("healthlead.feedback.urls")),
    path("", include("healthlead.appraisal.urls")),
    path("", include("healthlead.talent.urls")),
    path("", include("healthlead.programmes.urls")),
    path("", include("healthlead.privacy.urls")),
    path("ims/case/v1p0/", include("healthlead.frameworks.case_urls")),
    path("api/v1/", api.urls),
]

handler400 = core_views.bad_request_view
handler403 = core_views.permission_denied_view
handler404 = core_views.not_found_view
handler500 = core_views.server_error_view
