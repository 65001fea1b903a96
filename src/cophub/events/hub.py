"""The events' panels on the home pages (`communities.hub`): the next events with a
register button, and the person's own next registrations."""

import re
from functools import partial

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.middleware.csrf import get_token
from django.utils import timezone
from django.utils.html import format_html

from cophub.communities.hub import Scope, hub_panel_register, hub_person_changed

from . import selectors
from .models import Event, Registration

UPCOMING = 5
GROUP_PAST = 3
MINE = 3

# The audience's panel carries these; `fill` puts the person's own in.
CSRF_MARK = "hub-csrf-token"
REGION = re.compile(r"<!--hub-register:(\d+)-->(.*?)<!--/hub-register-->", re.S)
STATUS_TAGS = {
    Registration.Status.CONFIRMED: ("usa-tag usa-tag--big bg-green", "You are registered"),
    Registration.Status.WAITLISTED: ("usa-tag usa-tag--big", "You are on the wait-list"),
}


def upcoming(scope: Scope) -> dict:
    found = selectors.hub_events(
        viewer=scope.viewer, community=scope.community, group=scope.group, limit=UPCOMING,
        past=GROUP_PAST if scope.place == "group" else 0)
    now = timezone.now()
    for event in found.upcoming + ([found.meeting] if found.meeting else []):
        event.one_click = (not event.asks_questions and event.registration_state(now) == "open")
        event.seats_left = (max(event.capacity - event.confirmed_count, 0)
                            if event.capacity is not None else None)
    return {"found": found, "zone": scope.zone, "community": scope.community,
            "group": scope.group, "viewer": scope.viewer, "next": scope.request.path,
            "csrf_mark": CSRF_MARK}


def my_statuses(scope: Scope) -> dict[int, str]:
    return selectors.my_upcoming_statuses(user=scope.request.user)


def fill(scope: Scope, html: str, statuses: dict[int, str] | None) -> str:
    """The person's own part of the cached panel: "You are registered" (or on the wait-list)
    instead of the button where they are, and their CSRF token in the forms."""
    if not scope.viewer.is_authenticated:
        return html
    statuses = statuses or {}

    def region(match: re.Match) -> str:
        tag = STATUS_TAGS.get(statuses.get(int(match.group(1))))
        return format_html('<span class="{}">{}</span>', *tag) if tag else match.group(2)

    html = REGION.sub(region, html)
    return html.replace(CSRF_MARK, get_token(scope.request)) if CSRF_MARK in html else html


def mine(scope: Scope) -> dict | None:
    registrations = list(selectors.my_registrations(
        user=scope.request.user, viewer=scope.viewer, upcoming=True,
        community=scope.community)[:MINE])
    return {"registrations": registrations, "zone": scope.zone,
            "cancelled": Event.Status.CANCELLED}


hub_panel_register(key="events.upcoming", order=10, places={"site", "community", "group"},
                   template="events/hub/_upcoming.html", load=upcoming, fill=fill,
                   person_data=my_statuses)
hub_panel_register(key="events.mine", order=10, places={"site", "community"},
                   template="events/hub/_mine.html", load=mine, column="side", cache="person",
                   signed_in_only=True)


def _registration_changed(sender, instance: Registration, **kwargs) -> None:
    # Now, and again once the change is committed: a page rendered in between read the
    # old rows, and what it kept must count as stale too.
    hub_person_changed(instance.user_id)
    transaction.on_commit(partial(hub_person_changed, instance.user_id))


# Registering, cancelling and being promoted save the registration: the person's panels
# show it at once. (Bulk updates, if any, show within the cache's minute.)
post_save.connect(_registration_changed, sender=Registration,
                  dispatch_uid="events.hub.registration_saved")
post_delete.connect(_registration_changed, sender=Registration,
                    dispatch_uid="events.hub.registration_deleted")
