"""/lists/…: list pages, subscribing, archives, moderation (web_urls), under one namespace."""

from django.urls import include, path

app_name = "lists"

urlpatterns = [
    path("", include("cophub.lists.web_urls")),
]
