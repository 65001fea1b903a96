from django.urls import path, re_path

from .views import organize, public

app_name = "learning"
T = "c/<slug:community>/training/"
urlpatterns = [
    path(T, public.series_list_view, name="series_list"),
    path(T + "request-access/", public.access_request_view, name="access_request"),
    # The link mailed to someone who asked by e-mail (a signed token: `services.access`).
    path(T + "request-access/<str:token>/", public.access_request_confirm_view,
         name="access_request_confirm"),
    # Organizer pages.
    path(T + "organize/", organize.organize_view, name="organize"),
    path(T + "organize/access-requests/", organize.access_requests_view,
         name="access_requests"),
    path(T + "organize/access-requests/<int:pk>/", organize.access_request_decide_view,
         name="access_request_decide"),
    path(T + "organize/series/new/", organize.series_create_view, name="series_create"),
    path(T + "organize/instructors/new/", organize.instructor_edit_view,
         name="instructor_create"),
    path(T + "organize/instructors/<int:pk>/", organize.instructor_edit_view,
         name="instructor_edit"),
    # A series and its organizer pages (series slugs may not be "organize" or
    # "request-access": see management.RESERVED_SLUGS).
    path(T + "<slug:series>/", public.series_detail_view, name="series_detail"),
    path(T + "<slug:series>/enrol/", public.enrol_view, name="enrol"),
    path(T + "<slug:series>/unenrol/", public.enrolment_cancel_view, name="enrolment_cancel"),
    path(T + "<slug:series>/report/", organize.series_report_view, name="series_report"),
    path(T + "<slug:series>/edit/", organize.series_edit_view, name="series_edit"),
    path(T + "<slug:series>/tracks/new/", organize.track_edit_view, name="track_create"),
    path(T + "<slug:series>/tracks/<slug:track>/edit/", organize.track_edit_view,
         name="track_edit"),
    path(T + "<slug:series>/sessions/new/", organize.session_edit_view, name="session_create"),
    path(T + "<slug:series>/sessions/<int:pk>/edit/", organize.session_edit_view,
         name="session_edit"),
    # The person's own record, and certificates.
    path("training/transcript/", public.transcript_view, name="transcript"),
    path("training/certificates/", public.certificate_issue_view, name="certificate_issue"),
    re_path(r"^training/certificates/(?P<code>[A-Za-z0-9_-]{16,32})/certificate\.pdf$",
            public.certificate_pdf_view, name="certificate_pdf"),
    # Public: anyone holding a code may check it. Malformed codes never reach the database.
    re_path(r"^certificates/(?P<code>[A-Za-z0-9_-]{16,32})/$", public.certificate_verify_view,
            name="certificate_verify"),
]
