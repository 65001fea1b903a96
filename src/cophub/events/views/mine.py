""""My registrations": the person's own events, upcoming and past, with their calendar
files and a cancel button."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from .. import selectors
from .base import viewer_time_zone

PAST_PAGE_SIZE = 20


@login_required
def my_registrations_view(request):
    viewer = request.viewer
    upcoming = list(selectors.my_registrations(user=request.user, viewer=viewer,
                                               upcoming=True))
    past = Paginator(selectors.my_registrations(user=request.user, viewer=viewer,
                                                upcoming=False),
                     PAST_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "events/mine.html", {
        "upcoming": upcoming, "page": past, "zone": viewer_time_zone(request),
    })
