"""Pages after the event (included by events/urls.py, app_name "events")."""

from django.urls import path
from django.views.decorators.http import require_safe

from . import attendance_views as views
from .materials import material_serve_view

EVENT = "c/<slug:community>/events/<int:pk>/"

urlpatterns = [
    path(EVENT + "check-in/", views.checkin_view, name="checkin"),
    path(EVENT + "attendance/", views.attendance_list_view, name="attendance"),
    path(EVENT + "attendance/import/", views.attendance_import_view, name="attendance_import"),
    path(EVENT + "attendance/<int:attendance_pk>/revoke/", views.attendance_revoke_view,
         name="attendance_revoke"),
    path(EVENT + "materials/", views.materials_view, name="materials"),
    path(EVENT + "materials/<int:material_pk>/", require_safe(material_serve_view),
         name="material"),
    path(EVENT + "materials/<int:material_pk>/delete/", views.material_delete_view,
         name="material_delete"),
    path(EVENT + "feedback/", views.feedback_view, name="feedback"),
    path(EVENT + "feedback/send/", views.feedback_send_view, name="feedback_send"),
    path(EVENT + "feedback/results/", views.feedback_results_view, name="feedback_results"),
    path("c/<slug:community>/events/report/", views.fy_report_view, name="fy_report"),
    path("c/<slug:community>/events/report/export.csv", views.fy_report_csv_view,
         name="fy_report_csv"),
]
