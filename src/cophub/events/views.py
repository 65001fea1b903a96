from django.http import Http404
from django.shortcuts import get_object_or_404, render

from cophub.communities.models import Community
from cophub.communities.selectors import request_viewer

from . import selectors


def _visible_event(request, community_slug: str, pk: int):
    community = get_object_or_404(Community, slug=community_slug)
    events = selectors.events_visible_to(viewer=request_viewer(request), community=community)
    try:
        return events.get(pk=pk)
    except events.model.DoesNotExist:
        raise Http404("No such event") from None


def event_detail_view(request, community, pk):
    event = _visible_event(request, community, pk)
    registration = selectors.registration_for(event=event, user=request.user)
    return render(request, "events/detail.html", {
        "event": event, "registration": registration,
        "show_join_url": selectors.join_url_visible(event=event, registration=registration),
    })
