"""/newsletters/…: each community's archive of sent issues, the web version of an issue, and
the organizers' compose, edit and preview pages."""

from django.urls import path

from . import views

app_name = "newsletters"

urlpatterns = [
    path("<slug:community>/", views.newsletter_index_view, name="index"),
    # Before the issue pattern: "new" is never given to an issue as its slug.
    path("<slug:community>/new/", views.newsletter_compose_view, name="compose"),
    path("<slug:community>/<slug:slug>/", views.newsletter_detail_view, name="detail"),
    path("<slug:community>/<slug:slug>/edit/", views.newsletter_edit_view, name="edit"),
    path("<slug:community>/<slug:slug>/preview/", views.newsletter_preview_view,
         name="preview"),
]
