"""The events' panels on the home pages (`communities.hub`): the next events with a
register button, and the person's own next registrations."""

from django.utils import timezone

from cophub.communities.hub import Scope, hub_cached, hub_panel_register

from . import selectors
from .models import Event

UPCOMING = 5
GROUP_PAST = 3
MINE = 3


def upcoming(scope: Scope) -> dict:
    """Personal (the register buttons and "You are registered" are the person's), but the
    events themselves are the audience's, so only their statuses cost a query per request."""
    found: selectors.HubEvents = hub_cached(scope, "events.upcoming", lambda: selectors.hub_events(
        viewer=scope.viewer, community=scope.community, group=scope.group, limit=UPCOMING,
        past=GROUP_PAST if scope.place == "group" else 0))
    shown = found.upcoming + ([found.meeting] if found.meeting and found.meeting not in
                              found.upcoming else [])
    statuses = selectors.my_statuses(user=scope.request.user, event_ids={e.pk for e in shown})
    now = timezone.now()
    for event in shown:
        event.my_status = statuses.get(event.pk)
        event.one_click = (not event.asks_questions and event.registration_state(now) == "open")
        event.seats_left = (max(event.capacity - event.confirmed_count, 0)
                            if event.capacity is not None else None)
    return {"found": found, "zone": scope.zone, "community": scope.community,
            "group": scope.group, "next": scope.request.get_full_path()}


def mine(scope: Scope) -> dict | None:
    registrations = list(selectors.my_registrations(
        user=scope.request.user, viewer=scope.viewer, upcoming=True,
        community=scope.community)[:MINE])
    return {"registrations": registrations, "zone": scope.zone,
            "cancelled": Event.Status.CANCELLED}


hub_panel_register(key="events.upcoming", order=10, places={"site", "community", "group"},
                   template="events/hub/_upcoming.html", load=upcoming, shared=False)
hub_panel_register(key="events.mine", order=10, places={"site", "community"},
                   template="events/hub/_mine.html", load=mine, column="side", shared=False,
                   signed_in_only=True)
