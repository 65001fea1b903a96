"""What every events page shares: finding an event the person may see (404 otherwise), the
one gate for the pages that run an event, and the time zone times are shown in."""


from django.core.paginator import Paginator
from django.http import Http404

from cophub.communities.decorators import community_or_404, manage_page
from cophub.communities.hub import person_zone

from ..models import Event
from ..selectors import events_visible_to

PAGE_SIZE = 100  # rows on a page after the event (check-in, attendance, comments)
TEMPLATES = "events/attendance/"  # the templates of the pages after the event


def visible_event_or_404(request, community: str, pk: int) -> Event:
    """The event, if the person may see it (drafts: its managers); 404 for everyone else,
    so a URL never reveals that an event exists."""
    events = events_visible_to(viewer=request.viewer, community=community_or_404(community))
    try:
        return events.get(pk=pk)
    except Event.DoesNotExist:
        raise Http404("No such event") from None


def load_event(request, community: str, pk: int):
    """The `manage_page` loader for pages about one event: the view gets
    `(community, event)`; the event is what is managed."""
    event = visible_event_or_404(request, community, pk)
    return event.community, event


event_manage_page = manage_page(load_event)
"""Pages that run one event, before and after it (edit, registrants, check-in, attendance,
materials, feedback results): the community's organizers and the host group's leads
(`core.access.can_manage`), with MFA on. Someone who may not see the event gets a 404 first."""


def viewer_time_zone(request) -> str:
    """The zone times are shown in: the person's own, or Eastern for visitors."""
    return person_zone(request.user)


def paginate(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
