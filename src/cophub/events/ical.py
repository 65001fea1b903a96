"""iCalendar (RFC 5545) for events: invites (METHOD:REQUEST / CANCEL) and feeds.

Written with the `icalendar` library; only the choice of fields is ours. The UID is the
event's stable UUID, so calendars update the same entry; SEQUENCE grows with every change.

The ORGANIZER is the community's contact address, which reaches its organizers (replies and
"accept"/"decline" answers from calendar programs go there, not to an address nobody reads),
sent on its behalf (SENT-BY, RFC 5545 3.2.18) by the site's own sending address. The
description is the event's Markdown as plain text.
"""

from datetime import timedelta
from email.utils import parseaddr

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, vCalAddress, vText
from icalendar import Event as VEvent

from cophub.core.links import site_url
from cophub.core.markdown import markdown_to_text

PRODID = "-//cophub//events//EN"


def _calendar(method: str | None = None, name: str = "") -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    if method:
        cal.add("method", method)
    if name:
        cal.add("x-wr-calname", name)
    return cal


def event_vevent(event, *, show_join_url: bool, cancelled: bool = False,
                 attendee_email: str | None = None) -> VEvent:
    vevent = VEvent()
    vevent.add("uid", f"{event.uid}@cophub")
    vevent.add("sequence", event.sequence)
    vevent.add("dtstamp", timezone.now())
    vevent.add("dtstart", event.starts_at)
    vevent.add("dtend", event.ends_at)
    vevent.add("summary", event.title)
    url = site_url(event.get_absolute_url())
    vevent.add("url", url)
    description = [markdown_to_text(event.description[:2000]), "", url]
    location = event.location
    if show_join_url and event.join_url:
        description += ["", f"Join: {event.join_url}"]
        location = location or event.join_url
    vevent.add("description", "\n".join(description).strip())
    if location:
        vevent.add("location", location)
    vevent.add("organizer", event_organizer(event))
    if attendee_email:
        attendee = vCalAddress(f"mailto:{attendee_email}")
        attendee.params["role"] = vText("REQ-PARTICIPANT")
        vevent.add("attendee", attendee)
    vevent.add("status", "CANCELLED" if cancelled or event.status == "cancelled"
               else "CONFIRMED")
    return vevent


def site_sender_address() -> str:
    """The address the site sends mail from (`COPHUB_FROM_EMAIL`), without its name."""
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1] or settings.DEFAULT_FROM_EMAIL


def event_organizer(event) -> vCalAddress:
    """ORGANIZER: the community's organizers at its contact address, the site sending."""
    organizer = vCalAddress(f"mailto:{event.community.contact_address}")
    organizer.params["cn"] = vText(f"{event.community.name} organizers")
    organizer.params["sent-by"] = vText(f"mailto:{site_sender_address()}")
    return organizer


def invite_ics(event, *, email: str, method: str) -> str:
    """A one-event invite for one registrant: METHOD:REQUEST (with the join link) or
    METHOD:CANCEL."""
    cal = _calendar(method)
    cal.add_component(event_vevent(event, show_join_url=method == "REQUEST",
                                   cancelled=method == "CANCEL", attendee_email=email))
    return cal.to_ical().decode()


def invite_attachment(event, *, email: str, method: str) -> dict:
    """The outbox attachment for `invite_ics`."""
    return {"filename": "invite.ics", "mimetype": "text/calendar",
            "params": {"method": method}, "content": invite_ics(event, email=email,
                                                                  method=method)}


def feed_ics(events, *, name: str, join_url_event_ids: frozenset[int] = frozenset()) -> str:
    """A calendar feed; join links only for the events in `join_url_event_ids`."""
    cal = _calendar(name=name)
    for event in events:
        cal.add_component(event_vevent(event, show_join_url=event.pk in join_url_event_ids))
    return cal.to_ical().decode()


# Calendar apps poll a subscribed feed at the interval the feed suggests (RFC 7986
# REFRESH-INTERVAL; Outlook reads X-PUBLISHED-TTL instead).
FEED_REFRESH = timedelta(hours=1)


def subscription_ics(entries, *, name: str) -> str:
    """A feed that calendar apps subscribe to (the personal, community and group feeds).

    `entries` are `(event, show_join_url, note)`; a note such as "wait-listed" is added to
    the summary in brackets, so the person sees it in their calendar. The feed suggests an
    hourly refresh."""
    cal = _calendar(name=name)
    cal.add("refresh-interval", FEED_REFRESH, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT1H")
    for event, show_join_url, note in entries:
        vevent = event_vevent(event, show_join_url=show_join_url)
        if note:
            vevent["summary"] = vText(f"{event.title} ({note})")
        cal.add_component(vevent)
    return cal.to_ical().decode()


def event_ics(event, *, show_join_url: bool) -> str:
    """One event to download and import (METHOD:PUBLISH: a copy, not an invitation)."""
    cal = _calendar("PUBLISH")
    cal.add_component(event_vevent(event, show_join_url=show_join_url))
    return cal.to_ical().decode()
