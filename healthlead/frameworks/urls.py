from django.urls import path

from healthlead.frameworks import views

app_name = "frameworks"

urlpatterns = [
    path("frameworks/", views.list_frameworks_view, name="list_frameworks"),
]
