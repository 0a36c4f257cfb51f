from django.urls import path

from healthlead.core import views

app_name = "core"

urlpatterns = [
    path("healthz", views.healthz_view, name="healthz"),
    path("privacy/", views.privacy_view, name="privacy"),
    path("accessibility/", views.accessibility_view, name="accessibility"),
]
