"""Every events URL (names `events:…`)."""

from django.urls import path, re_path

from .views import attendance, feedback, feeds, manage, materials, mine, public, reports

app_name = "events"
EVENT = "c/<slug:community>/events/<int:pk>/"

urlpatterns = [
    # For everyone.
    path("c/<slug:community>/events/", public.event_list_view, name="list"),
    path(EVENT, public.event_detail_view, name="detail"),
    path(EVENT + "register/", public.event_register_view, name="register"),
    path(EVENT + "cancel/", public.event_cancel_view, name="cancel"),
    # Running an event.
    path("c/<slug:community>/events/new/", manage.event_create_view, name="create"),
    path(EVENT + "edit/", manage.event_edit_view, name="edit"),
    path(EVENT + "registrants/", manage.event_registrants_view, name="registrants"),
    path(EVENT + "registrants.csv", manage.event_registrants_csv_view, name="registrants_csv"),
    # Calendars.
    path(EVENT + "event.ics", feeds.event_ics_view, name="event_ics"),
    path("c/<slug:community>/events.ics", feeds.community_feed_view, name="community_feed"),
    path("c/<slug:community>/g/<slug:group>/events.ics", feeds.group_feed_view,
         name="group_feed"),
    path("registrations/", mine.my_registrations_view, name="mine"),
    path("calendar/", feeds.my_calendar_view, name="my_calendar"),
    path("calendar/reset/", feeds.calendar_feed_reset_view, name="calendar_feed_reset"),
    # Tokens are url-safe base64 (`secrets.token_urlsafe`); anything else never reaches a view.
    re_path(r"^calendar/(?P<token>[A-Za-z0-9_-]{16,64})\.ics\Z", feeds.personal_feed_view,
            name="personal_feed"),
    # After the event.
    path(EVENT + "check-in/", attendance.checkin_view, name="checkin"),
    path(EVENT + "attendance/", attendance.attendance_list_view, name="attendance"),
    path(EVENT + "attendance/import/", attendance.attendance_import_view,
         name="attendance_import"),
    path(EVENT + "attendance/<int:attendance_pk>/revoke/", attendance.attendance_revoke_view,
         name="attendance_revoke"),
    path(EVENT + "materials/", materials.materials_view, name="materials"),
    path(EVENT + "materials/<int:material_pk>/", materials.material_serve_view,
         name="material"),
    path(EVENT + "materials/<int:material_pk>/delete/", materials.material_delete_view,
         name="material_delete"),
    path(EVENT + "feedback/", feedback.feedback_view, name="feedback"),
    path(EVENT + "feedback/send/", feedback.feedback_send_view, name="feedback_send"),
    path(EVENT + "feedback/results/", feedback.feedback_results_view, name="feedback_results"),
    path("c/<slug:community>/events/report/", reports.fy_report_view, name="fy_report"),
    path("c/<slug:community>/events/report/export.csv", reports.fy_report_csv_view,
         name="fy_report_csv"),
]
