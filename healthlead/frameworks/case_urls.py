"""IMS CASE 1.0 read endpoints, mounted at /ims/case/v1p0/ (names as in the standard)."""

from django.urls import path

from healthlead.frameworks import case_views

app_name = "case"

urlpatterns = [
    path("CFDocuments", case_views.list_cf_documents_view, name="list_cf_documents"),
    path("CFDocuments/<str:sourced_id>", case_views.show_cf_document_view, name="show_cf_document"),
    path("CFPackages/<str:sourced_id>", case_views.show_cf_package_view, name="show_cf_package"),
    path("CFItems/<str:sourced_id>", case_views.show_cf_item_view, name="show_cf_item"),
    path(
        "CFAssociations/<str:sourced_id>",
        case_views.show_cf_association_view,
        name="show_cf_association",
    ),
    path("CFConcepts/<str:sourced_id>", case_views.show_cf_concept_view, name="show_cf_concept"),
]
