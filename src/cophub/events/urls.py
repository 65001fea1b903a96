from django.urls import include, path

from . import views

app_name = "events"
urlpatterns = [
    path("c/<slug:community>/events/", views.event_list_view, name="list"),
    path("c/<slug:community>/events/new/", views.event_create_view, name="create"),
    path("c/<slug:community>/events/<int:pk>/", views.event_detail_view, name="detail"),
    path("c/<slug:community>/events/<int:pk>/register/", views.event_register_view,
         name="register"),
    path("c/<slug:community>/events/<int:pk>/cancel/", views.event_cancel_view, name="cancel"),
    path("c/<slug:community>/events/<int:pk>/edit/", views.event_edit_view, name="edit"),
    path("c/<slug:community>/events/<int:pk>/registrants/", views.event_registrants_view,
         name="registrants"),
    path("c/<slug:community>/events/<int:pk>/registrants.csv",
         views.event_registrants_csv_view, name="registrants_csv"),
    path("", include("cophub.events.calendar_urls")),
    path("", include("cophub.events.attendance_urls")),
]
