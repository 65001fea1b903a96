"""Event pages for everyone: the list and the detail page with registration.

Every page finds its event through `events_visible_to`, so a person who may not see an
event gets a 404 on every URL about it, before anything else."""

import zoneinfo
from datetime import datetime, time, timedelta

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from cophub.communities.decorators import community_or_404
from cophub.communities.selectors import groups_visible_to
from cophub.core.access import CREATE, can_manage, can_view_object

from .. import selectors, services
from ..forms import EventFilterForm, RegistrationForm
from ..models import Event, Registration
from .base import viewer_time_zone, visible_event_or_404

PAST_PAGE_SIZE = 20
UPCOMING_LIMIT = 100


def _back(request, event):
    """Where a register or cancel button sends the person back to: the page it was on (the
    home page, "My registrations") when it says so and is of this site, else the event."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return redirect(target)
    return redirect(event)


# --- The event list --------------------------------------------------------------------------

def _day_start(day, zone: str) -> datetime:
    return datetime.combine(day, time(), tzinfo=zoneinfo.ZoneInfo(zone))


def _decorate(events: list[Event], *, visible_group_ids: set[int], now) -> None:
    """What an event card shows beyond the event: its host group, unless the viewer may not
    see that group (its name alone would reveal it), and seats left for upcoming events."""
    for event in events:
        event.host_group = event.group if event.group_id in visible_group_ids else None
        event.seats_left = (max(event.capacity - event.confirmed_count, 0)
                            if event.capacity is not None and event.ends_at > now
                            and event.status == Event.Status.PUBLISHED else None)


def event_list_view(request, community):
    community = community_or_404(community)
    viewer = request.viewer
    zone = viewer_time_zone(request)
    groups = list(groups_visible_to(viewer=viewer, community=community).order_by("name"))
    form = EventFilterForm(request.GET or None, groups=groups)
    filters = form.cleaned_data if form.is_valid() else {}
    group_ids = [g.pk for g in (filters.get("group"), filters.get("practice_area")) if g]
    events = selectors.event_list(
        viewer=viewer, community=community, kind=filters.get("kind", ""), group_ids=group_ids,
        starts_from=_day_start(filters["date_from"], zone) if filters.get("date_from") else None,
        starts_before=(_day_start(filters["date_to"] + timedelta(days=1), zone)
                       if filters.get("date_to") else None),
    )
    now = timezone.now()
    upcoming = list(events.filter(ends_at__gt=now).order_by("starts_at", "id")
                    [:UPCOMING_LIMIT + 1])
    past = Paginator(events.filter(ends_at__lte=now).order_by("-starts_at", "-id"),
                     PAST_PAGE_SIZE).get_page(request.GET.get("page"))
    past.object_list = list(past.object_list)
    visible_group_ids = {g.pk for g in groups}
    _decorate(upcoming, visible_group_ids=visible_group_ids, now=now)
    _decorate(past.object_list, visible_group_ids=visible_group_ids, now=now)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "community": community, "form": form, "zone": zone,
        "upcoming": upcoming[:UPCOMING_LIMIT], "more_upcoming": len(upcoming) > UPCOMING_LIMIT,
        "page": past, "query": query.urlencode(), "filtered": any(filters.values()),
        "can_create": can_manage(viewer, community, action=CREATE),
        # The fiscal-year report is about the whole community: its organizers'.
        "can_report": can_manage(viewer, community),
    }
    # htmx: only the results, as the person filters (a page restored from history: all of it).
    if request.headers.get("HX-Request") and not request.headers.get("HX-History-Restore-Request"):
        response = render(request, "events/partials/_event_results.html", context)
    else:
        response = render(request, "events/list.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


# --- The event page and registration -----------------------------------------------------------

REGISTRATION_STATE_MESSAGES = services.RegistrationClosed.MESSAGES


def _render_detail(request, event: Event, *, form: RegistrationForm | None = None):
    viewer = request.viewer
    registration = selectors.registration_for(event=event, user=request.user)
    active = registration is not None and registration.status != Registration.Status.CANCELLED
    state = event.registration_state()
    questions = form.questions if form is not None else list(event.questions.all())
    if form is None and state == "open" and not active and request.user.is_authenticated:
        form = RegistrationForm(questions=questions)
    confirmed = (selectors.event_confirmed_count(event=event)
                 if event.capacity is not None else None)
    show_join_url = selectors.join_url_visible(event=event, registration=registration)
    materials = selectors.materials_visible_to(viewer=viewer, user=request.user, event=event)
    return render(request, "events/detail.html", {
        "event": event, "community": event.community, "registration": registration,
        "active_registration": active,
        "position": selectors.waitlist_position(registration=registration) if active else None,
        "show_join_url": show_join_url,
        "state": state, "state_message": REGISTRATION_STATE_MESSAGES.get(state, ""),
        "form": form,
        "seats_left": (max(event.capacity - confirmed, 0) if confirmed is not None else None),
        "show_seats": confirmed is not None and state in ("open", "not_open"),
        "has_required": any(q.required for q in questions),
        "group_visible": event.group is not None and can_view_object(viewer, event.group),
        "speakers": [line.strip() for line in event.speakers.splitlines() if line.strip()],
        "zone": viewer_time_zone(request),
        "materials": materials,
        "can_manage": can_manage(viewer, event),
    })


def event_detail_view(request, community, pk):
    event = visible_event_or_404(request, community, pk)
    return _render_detail(request, event)


@require_POST
def event_register_view(request, community, pk):
    event = visible_event_or_404(request, community, pk)
    if not request.user.is_authenticated:
        return redirect_to_login(event.get_absolute_url())
    prior = selectors.registration_for(event=event, user=request.user)
    if prior is not None and prior.status != Registration.Status.CANCELLED:
        # Registering twice (a second tab, a double click) changes nothing.
        messages.info(request, "You are already registered for this event."
                      if prior.status == Registration.Status.CONFIRMED
                      else "You are already on the wait-list for this event.")
        return _back(request, event)
    state = event.registration_state()
    if state != "open":
        messages.error(request, REGISTRATION_STATE_MESSAGES.get(state, "Registration is not "
                                                                       "open."))
        return redirect(event)
    questions = list(event.questions.all())
    form = RegistrationForm(request.POST, questions=questions)
    if not form.is_valid():
        return _render_detail(request, event, form=form)
    try:
        registration = services.registration_create_safely(
            event=event, user=request.user, answers=form.answers(), request=request,
            viewer=request.viewer, questions=questions)
    except services.AnswersInvalid as exc:
        form.add_answer_errors(exc.errors)
        return _render_detail(request, event, form=form)
    except services.RegistrationError as exc:  # closed meanwhile, or not open to this person
        messages.error(request, str(exc))
        return redirect(event)
    if registration.status == Registration.Status.CONFIRMED:
        messages.success(request, f"You are registered for {event.title}. A calendar "
                         f"invitation is on its way to {request.user.email}.")
    else:
        position = selectors.waitlist_position(registration=registration)
        messages.info(request, f"{event.title} is full, so you are on the wait-list "
                      f"(position {position}). We will e-mail you if a seat opens.")
    return _back(request, event)


@require_POST
def event_cancel_view(request, community, pk):
    event = visible_event_or_404(request, community, pk)
    if not request.user.is_authenticated:
        return redirect_to_login(event.get_absolute_url())
    registration = selectors.registration_for(event=event, user=request.user)
    if registration is None or registration.status == Registration.Status.CANCELLED:
        messages.info(request, "You are not registered for this event.")
        return _back(request, event)
    was_confirmed = registration.status == Registration.Status.CONFIRMED
    services.registration_cancel(registration=registration, actor=request.user,
                                 request=request)
    messages.success(request, "Your registration is canceled."
                     + (" We sent a calendar cancellation to your e-mail." if was_confirmed
                        else " You are off the wait-list."))
    return _back(request, event)
