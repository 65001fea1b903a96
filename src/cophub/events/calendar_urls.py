"""Calendar feeds (see feeds.py). Included by events/urls.py, so the names are `events:…`."""

from django.urls import path, re_path

from . import feeds

urlpatterns = [
    path("c/<slug:community>/events/<int:pk>/event.ics", feeds.event_ics_view,
         name="event_ics"),
    path("c/<slug:community>/events.ics", feeds.community_feed_view, name="community_feed"),
    path("c/<slug:community>/g/<slug:group>/events.ics", feeds.group_feed_view,
         name="group_feed"),
    path("calendar/", feeds.my_calendar_view, name="my_calendar"),
    path("calendar/reset/", feeds.calendar_feed_reset_view, name="calendar_feed_reset"),
    # Tokens are url-safe base64 (`secrets.token_urlsafe`); anything else never reaches a view.
    re_path(r"^calendar/(?P<token>[A-Za-z0-9_-]{16,64})\.ics\Z", feeds.personal_feed_view,
            name="personal_feed"),
]
