"""Calendar feed pages: one event as an .ics file, each person's private feed, and the
public feeds of a community and of a group (what each holds: `selectors`, "Calendar feeds").

Calendar apps cannot sign in, so the private feed's URL carries a secret token (one
`CalendarFeed` per person; revoking replaces the token). The public feeds are meant to be
shared, so they are built for an anonymous viewer whoever asks: public, published events
only, and never a join link. Every feed goes through `events_visible_to`, as the pages do.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.text import slugify
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from cophub.communities.models import Community, Group
from cophub.core.access import ANONYMOUS, can_view_object
from cophub.core.links import site_url

from ..ical import event_ics, subscription_ics
from ..models import Event
from ..selectors import (
    FEED_PAST,
    calendar_feed_by_token,
    events_visible_to,
    join_url_visible,
    personal_feed_entries,
    public_feed_events,
    registration_for,
)
from ..services.calendar_feeds import calendar_feed_get_or_create, calendar_feed_reset

PUBLIC_FEED_MAX_AGE = 15 * 60  # seconds; public feeds are the same for everyone
ICS_CONTENT_TYPE = "text/calendar; charset=utf-8"


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
    event = events_visible_to(viewer=request.viewer,
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
    feed_url = site_url(reverse("events:personal_feed", kwargs={"token": feed.token}))
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
