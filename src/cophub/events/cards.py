"""Link cards for events (core/cards.py): a link to an event's page in a post shows when and
where it is, to those who may see the event (`selectors.events_visible_to`, which also gives
drafts to the people who run them). Found by core's autodiscovery."""

import zoneinfo
from collections.abc import Sequence

from django.utils import dateformat

from cophub.core.access import Viewer
from cophub.core.cards import Card, Link, card_provider_register
from cophub.core.timezones import DEFAULT_TIME_ZONE

from .models import Event
from .selectors import events_visible_to


def event_cards(viewer: Viewer, links: Sequence[Link]) -> dict[Link, Card]:
    """The cards of the linked events the viewer may see: one query for a whole page."""
    events = {event.pk: event for event in events_visible_to(viewer=viewer).filter(
        pk__in={link.kwargs["pk"] for link in links})}
    cards = {}
    for link in links:
        event = events.get(link.kwargs["pk"])
        # The page answers under the event's own community only, and so does its card.
        if event is not None and event.community.slug == link.kwargs["community"]:
            cards[link] = event_card(event)
    return cards


def event_card(event: Event) -> Card:
    facts = [("When", _when(event))]
    where = [event.location] if event.location else []
    if event.join_url:  # that it is online, not the link (registrants only)
        where.append("Online")
    if where:
        facts.append(("Where", " · ".join(where)))
    if event.status != Event.Status.PUBLISHED:
        facts.append(("Status", event.get_status_display()))
    return Card(kind="Event", title=event.title,
                url=event.get_absolute_url(), facts=tuple(facts))


def _when(event: Event) -> str:
    """The start in the zone the event is planned in, with its abbreviation: a card does
    not know the reader's zone."""
    try:
        zone = zoneinfo.ZoneInfo(event.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo(DEFAULT_TIME_ZONE)
    return dateformat.format(event.starts_at.astimezone(zone), "D, M j, Y, g:i A T")


card_provider_register(["events:detail"], event_cards)
