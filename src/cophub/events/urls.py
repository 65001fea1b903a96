from django.urls import include, path

from . import views

app_name = "events"
urlpatterns = [
    path("c/<slug:community>/events/<int:pk>/", views.event_detail_view, name="detail"),
    path("", include("cophub.events.calendar_urls")),
    path("", include("cophub.events.attendance_urls")),
]
