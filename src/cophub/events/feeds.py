"""Calendar feeds: one event as an .ics file, each person's private feed, and the public
feeds of a community and of a group.

Calendar apps cannot sign in, so the private feed's URL carries a secret token (one
`CalendarFeed` per person; revoking replaces the token). The public feeds are meant to be
shared, so they are built for an anonymous viewer whoever asks: public, published events
only, and never a join link. Every feed goes through `events_visible_to`, as the pages do.
"""

import hmac
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.text import slugify
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from cophub.communities.models import Community, Group
from cophub.communities.selectors import request_viewer, viewer_for
from cophub.core.access import ANONYMOUS, AccessLevel, can_view_object
from cophub.core.audit import audit_record

from .ical import event_ics, subscription_ics
from .models import CalendarFeed, Event, Registration, new_feed_token
from .selectors import events_visible_to, join_url_visible, registration_for

# Feeds show the recent past (so last week's meeting is still in the calendar) and all of
# the future, up to a bound that keeps one response small.
FEED_PAST = timedelta(days=90)
FEED_MAX_EVENTS = 1000
PUBLIC_FEED_MAX_AGE = 15 * 60  # seconds; public feeds are the same for everyone
ICS_CONTENT_TYPE = "text/calendar; charset=utf-8"


# --- the private feed: writes and reads ----------------------------------------------------


def calendar_feed_get_or_create(*, user) -> CalendarFeed:
    """The person's feed, created with a fresh token on first use."""
    feed, _created = CalendarFeed.objects.get_or_create(user=user)
    return feed


def calendar_feed_reset(*, user, request=None) -> CalendarFeed:
    """Replace the person's feed token: the old URL stops working when this commits.
    Writes one audit row (without the token)."""
    with transaction.atomic():
        feed, _created = CalendarFeed.objects.select_for_update().get_or_create(user=user)
        feed.token = new_feed_token()
        feed.created_at = timezone.now()
        feed.save(update_fields=["token", "created_at"])
        audit_record(actor=user, verb="events.calendar_feed.reset", obj=feed, request=request)
    return feed


def calendar_feed_by_token(*, token: str) -> CalendarFeed | None:
    """The active person's feed for `token`, or None.

    The lookup goes through the unique index; the constant-time comparison afterwards
    guards against a database whose collation matches case-insensitively (MySQL's default),
    where a lookup alone would accept a token that differs in case."""
    feed = CalendarFeed.objects.select_related("user").filter(token=token).first()
    if feed is None or not hmac.compare_digest(feed.token.encode(), token.encode()):
        return None
    if not feed.user.is_active:
        return None
    return feed


def personal_feed_entries(*, user, now=None) -> list[tuple[Event, bool, str]]:
    """`(event, show_join_url, note)` for the person's feed: the events of their confirmed
    and wait-listed registrations that started at most FEED_PAST ago, that they may (still)
    see. Join links for confirmed registrations only; wait-listed and cancelled events are
    marked. Four queries whatever the number of events."""
    now = now or timezone.now()
    events = events_visible_to(viewer=viewer_for(user)).exclude(status=Event.Status.DRAFT)
    registrations = (
        Registration.objects.filter(
            user=user,
            status__in=[Registration.Status.CONFIRMED, Registration.Status.WAITLISTED],
            event__in=events.filter(starts_at__gte=now - FEED_PAST),
        )
        .select_related("event__community")
        .order_by("event__starts_at", "event_id")[:FEED_MAX_EVENTS]
    )
    entries = []
    for registration in registrations:
        event = registration.event
        if event.status == Event.Status.CANCELLED:
            entries.append((event, False, "cancelled"))
        elif registration.status == Registration.Status.WAITLISTED:
            entries.append((event, False, "wait-listed"))
        else:
            entries.append((event, join_url_visible(event=event, registration=registration),
                            ""))
    return entries


def public_feed_events(*, community: Community, group: Group | None = None,
                       now=None) -> QuerySet[Event]:
    """Public, published events of a community (or of one of its groups), for anyone.
    Built for the anonymous viewer on purpose: the feed URL is shareable, so what a
    signed-in organizer could see must not leak into it."""
    now = now or timezone.now()
    events = events_visible_to(viewer=ANONYMOUS, community=community).filter(
        status=Event.Status.PUBLISHED, access_level=AccessLevel.PUBLIC,
        starts_at__gte=now - FEED_PAST,
    )
    if group is not None:
        events = events.filter(group=group)
    return events.order_by("starts_at", "id")[:FEED_MAX_EVENTS]


# --- views -------------------------------------------------------------------------------


def _ics_response(content: str, *, filename: str | None = None) -> HttpResponse:
    response = HttpResponse(content, content_type=ICS_CONTENT_TYPE)
    if filename:
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_safe
@never_cache  # the join link depends on who asks
def event_ics_view(request, community, pk):
    """One event as .ics, with the same access rule as the event page (404 otherwise)."""
    community_obj = get_object_or_404(Community, slug=community)
    event = events_visible_to(viewer=request_viewer(request),
                              community=community_obj).filter(pk=pk).first()
    if event is None:
        raise Http404("No such event")
    registration = registration_for(event=event, user=request.user)
    show_join_url = (event.status != Event.Status.CANCELLED
                     and join_url_visible(event=event, registration=registration))
    filename = f"{slugify(event.title)[:60] or 'event'}.ics"
    return _ics_response(event_ics(event, show_join_url=show_join_url), filename=filename)


@require_safe
@never_cache  # a private feed: no shared cache may keep it
def personal_feed_view(request, token):
    """The private feed. No sign-in (calendar apps cannot); the token is the secret, and a
    wrong or revoked one gets a bare 404."""
    feed = calendar_feed_by_token(token=token)
    if feed is None:
        raise Http404()
    content = subscription_ics(personal_feed_entries(user=feed.user),
                               name=f"My events ({settings.SITE_NAME})")
    response = _ics_response(content)
    response["X-Robots-Tag"] = "noindex"
    return response


def _public_feed_response(events, *, name: str) -> HttpResponse:
    response = _ics_response(subscription_ics(((e, False, "") for e in events), name=name))
    patch_cache_control(response, public=True, max_age=PUBLIC_FEED_MAX_AGE)
    return response


@require_safe
def community_feed_view(request, community):
    community_obj = get_object_or_404(Community, slug=community)
    return _public_feed_response(public_feed_events(community=community_obj),
                                 name=f"{community_obj.name} events")


@require_safe
def group_feed_view(request, community, group):
    community_obj = get_object_or_404(Community, slug=community)
    group_obj = (Group.objects.select_related("community")
                 .filter(community=community_obj, slug=group).first())
    # A group that is not public has no public feed, and its existence is not revealed.
    if group_obj is None or not can_view_object(ANONYMOUS, group_obj):
        raise Http404("No such group")
    name = f"{group_obj.name} events ({community_obj.short_name or community_obj.name})"
    return _public_feed_response(public_feed_events(community=community_obj, group=group_obj),
                                 name=name)


@login_required
@require_safe
@never_cache  # the page shows the secret URL
def my_calendar_view(request):
    feed = calendar_feed_get_or_create(user=request.user)
    feed_url = settings.SITE_URL + reverse("events:personal_feed",
                                           kwargs={"token": feed.token})
    return render(request, "events/calendar/my_calendar.html", {
        "feed_url": feed_url,
        # webcal:// opens the subscription dialog of Apple Calendar and desktop Outlook.
        "webcal_url": "webcal://" + feed_url.split("://", 1)[-1],
        "feed_past_days": FEED_PAST.days,
    })


@login_required
@require_POST
def calendar_feed_reset_view(request):
    calendar_feed_reset(user=request.user, request=request)
    messages.success(request, "Your calendar feed has a new address. The old address no "
                              "longer works: subscribe your calendar app to the new one.")
    return redirect("events:my_calendar")
