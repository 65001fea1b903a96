from django.urls import path

from . import views

app_name = "events"
urlpatterns = [
    path("c/<slug:community>/events/<int:pk>/", views.event_detail_view, name="detail"),
]
