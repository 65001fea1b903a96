from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("profile/", views.profile_view, name="profile"),
    path("profile/export/", views.export_view, name="export"),
    path("profile/delete/", views.delete_view, name="delete"),
    path("profile/addresses/<int:pk>/confirmation-link/", views.address_confirm_link_view,
         name="address_confirm_link"),
    path("addresses/confirm/<str:token>/", views.address_confirm_view, name="address_confirm"),
    path("directory/", views.directory_view, name="directory"),
    path("operator/domains/", views.domain_rules_view, name="domain_rules"),
    path("operator/domains/<int:pk>/delete/", views.domain_rule_delete_view,
         name="domain_rule_delete"),
    path("operator/audit/", views.audit_view, name="audit"),
]
