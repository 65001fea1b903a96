"""Event pages: the list, the detail page with registration, and the organizers' pages
(create, edit, registrants and their CSV export).

Every page finds its event through `events_visible_to`, so a person who may not see an
event gets a 404 on every URL about it, organizer pages included, before anything else."""

import csv
import zoneinfo
from datetime import datetime, time, timedelta
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_POST

from cophub.accounts.decorators import mfa_required
from cophub.communities.models import Community, Group
from cophub.communities.selectors import groups_visible_to, request_viewer
from cophub.core.access import Viewer, can_view_object
from cophub.core.csv_export import Echo, csv_safe

from . import selectors, services
from .forms import (
    DEFAULT_TIME_ZONE,
    EventFilterForm,
    EventForm,
    QuestionFormSet,
    RegistrantFilterForm,
    RegistrationForm,
    question_initial,
)
from .models import Event, Registration

PAST_PAGE_SIZE = 20
UPCOMING_LIMIT = 100
REGISTRANTS_PAGE_SIZE = 100


# --- Helpers ---------------------------------------------------------------------------------

def _community(slug: str) -> Community:
    return get_object_or_404(Community, slug=slug)


def _visible_event(request, community_slug: str, pk: int):
    community = get_object_or_404(Community, slug=community_slug)
    events = selectors.events_visible_to(viewer=request_viewer(request), community=community)
    try:
        return events.get(pk=pk)
    except events.model.DoesNotExist:
        raise Http404("No such event") from None


def viewer_time_zone(request) -> str:
    """The zone times are shown in: the person's own, or Eastern for visitors."""
    zone = getattr(request.user, "time_zone", "") if request.user.is_authenticated else ""
    if zone:
        try:
            zoneinfo.ZoneInfo(zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            zone = ""
    return zone or DEFAULT_TIME_ZONE


def _can_manage(viewer: Viewer, event: Event) -> bool:
    return viewer.is_organizer(event.community_id) or (
        event.group_id is not None and viewer.leads(event.group_id))


def _hostable_groups(viewer: Viewer, community: Community):
    """Groups the person may host events for: every group of the community for its
    organizers, the groups they lead for leads."""
    groups = Group.objects.filter(community=community).order_by("name")
    if viewer.is_organizer(community.pk):
        return groups
    return groups.filter(pk__in=sorted(viewer.led_group_ids))


def event_creator_page(view):
    """Creating events: the community's organizers and its group leads (for their groups),
    with MFA on."""

    @wraps(view)
    @login_required
    def wrapper(request, community, *args, **kwargs):
        community = _community(community)
        viewer = request_viewer(request)
        if not (viewer.is_organizer(community.pk)
                or _hostable_groups(viewer, community).exists()):
            raise PermissionDenied("Only this community's organizers and group leads can "
                                   "create events.")
        return mfa_required(view)(request, community, *args, **kwargs)

    return wrapper


def event_manager_page(view):
    """Pages that run one event: the community's organizers and the leads of the event's
    host group, with MFA on. Someone who may not see the event gets a 404 first."""

    @wraps(view)
    def wrapper(request, community, pk, *args, **kwargs):
        event = _visible_event(request, community, pk)
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not _can_manage(request_viewer(request), event):
            raise PermissionDenied("Only this community's organizers and the host group's "
                                   "leads can see this page.")
        return mfa_required(view)(request, event.community, event, *args, **kwargs)

    return wrapper


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
    community = _community(community)
    viewer = request_viewer(request)
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
        "can_create": viewer.is_organizer(community.pk) or (
            bool(viewer.led_group_ids) and _hostable_groups(viewer, community).exists()),
        "is_organizer": viewer.is_organizer(community.pk),
    }
    if request.headers.get("HX-Request"):  # htmx: only the results, as the person filters
        response = render(request, "events/partials/_event_results.html", context)
    else:
        response = render(request, "events/list.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


# --- The event page and registration -----------------------------------------------------------

REGISTRATION_STATE_MESSAGES = services.RegistrationClosed.MESSAGES


def _render_detail(request, event: Event, *, form: RegistrationForm | None = None):
    viewer = request_viewer(request)
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
        "can_manage": _can_manage(viewer, event),
        "is_organizer": viewer.is_organizer(event.community_id),
    })


def event_detail_view(request, community, pk):
    event = _visible_event(request, community, pk)
    return _render_detail(request, event)


@require_POST
def event_register_view(request, community, pk):
    event = _visible_event(request, community, pk)
    if not request.user.is_authenticated:
        return redirect_to_login(event.get_absolute_url())
    prior = selectors.registration_for(event=event, user=request.user)
    if prior is not None and prior.status != Registration.Status.CANCELLED:
        # Registering twice (a second tab, a double click) changes nothing.
        messages.info(request, "You are already registered for this event."
                      if prior.status == Registration.Status.CONFIRMED
                      else "You are already on the wait-list for this event.")
        return redirect(event)
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
            viewer=request_viewer(request), questions=questions)
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
    return redirect(event)


@require_POST
def event_cancel_view(request, community, pk):
    event = _visible_event(request, community, pk)
    if not request.user.is_authenticated:
        return redirect_to_login(event.get_absolute_url())
    registration = selectors.registration_for(event=event, user=request.user)
    if registration is None or registration.status == Registration.Status.CANCELLED:
        messages.info(request, "You are not registered for this event.")
        return redirect(event)
    was_confirmed = registration.status == Registration.Status.CONFIRMED
    services.registration_cancel(registration=registration, actor=request.user,
                                 request=request)
    messages.success(request, "Your registration is cancelled."
                     + (" We sent a calendar cancellation to your e-mail." if was_confirmed
                        else " You are off the wait-list."))
    return redirect(event)


# --- Organizers: create and edit -------------------------------------------------------------

def _event_form_page(request, community, *, form, questions, event=None):
    return render(request, "events/event_form.html", {
        "community": community, "form": form, "questions": questions, "event": event,
        "title": f"Edit {event.title}" if event else "New event",
    })


@event_creator_page
def event_create_view(request, community):
    viewer = request_viewer(request)
    lead_only = not viewer.is_organizer(community.pk)
    form = EventForm(request.POST or None, groups=_hostable_groups(viewer, community),
                     creating=True, group_required=lead_only)
    questions = QuestionFormSet(request.POST or None, prefix="questions")
    if request.method == "POST" and form.is_valid() and questions.is_valid():
        try:
            events = services.event_create(community=community, actor=request.user,
                                  data=form.event_data(),
                                  occurrences=form.cleaned_data["occurrences"],
                                  questions=questions.questions(), request=request)
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            if len(events) > 1:
                messages.success(request, f"Created {len(events)} occurrences of "
                                 f"{events[0].title}, on "
                                 f"{form.cleaned_data['recurrence_text']}.")
            else:
                messages.success(request, f"Created {events[0].title}.")
            return redirect(events[0])
    return _event_form_page(request, community, form=form, questions=questions)


@event_manager_page
def event_edit_view(request, community, event):
    viewer = request_viewer(request)
    lead_only = not viewer.is_organizer(community.pk)
    # The form validates a copy: a ModelForm writes into its instance while cleaning, and
    # the service (which decides what changed and whom to tell) compares with the stored row.
    form = EventForm(request.POST or None, instance=Event.objects.get(pk=event.pk),
                     groups=_hostable_groups(viewer, community), creating=False,
                     group_required=lead_only)
    questions = QuestionFormSet(request.POST or None, prefix="questions",
                                initial=None if request.method == "POST"
                                else question_initial(event))
    if request.method == "POST" and form.is_valid() and questions.is_valid():
        try:
            event = services.event_edit(event=event, actor=request.user, data=form.event_data(),
                               questions=questions.questions(), request=request)
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, f"Saved {event.title}.")
            return redirect(event)
    return _event_form_page(request, community, form=form, questions=questions, event=event)


# --- Organizers: registrants -----------------------------------------------------------------

def _registrant_rows(registrations, questions, zone: str):
    tz = zoneinfo.ZoneInfo(zone)
    for registration in registrations:
        person = registration.user
        yield {
            "registration": registration,
            "name": person.display_name, "email": person.email,
            "organization": person.organization,
            "status": registration.get_status_display(),
            "position": (registration.position
                         if registration.status == Registration.Status.WAITLISTED else None),
            "answers": [registration.answers.get(str(q.pk), "") for q in questions],
            "registered_at": registration.created_at.astimezone(tz),
        }


@event_manager_page
def event_registrants_view(request, community, event):
    form = RegistrantFilterForm(request.GET or None)
    status = form.cleaned_data["status"] if form.is_valid() else ""
    questions = list(event.questions.all())
    page = Paginator(selectors.event_registrants(event=event, status=status),
                     REGISTRANTS_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    zone = viewer_time_zone(request)
    return render(request, "events/registrants.html", {
        "community": community, "event": event, "form": form, "page": page,
        "query": query.urlencode(), "questions": questions, "zone": zone,
        "rows": list(_registrant_rows(page, questions, zone)),
        "csv_url": reverse("events:registrants_csv", kwargs={
            "community": community.slug, "pk": event.pk}) + (f"?status={status}"
                                                             if status else ""),
    })


@event_manager_page
def event_registrants_csv_view(request, community, event):
    form = RegistrantFilterForm(request.GET or None)
    status = form.cleaned_data["status"] if form.is_valid() else ""
    questions = list(event.questions.all())
    zone = viewer_time_zone(request)
    registrations = selectors.event_registrants(event=event, status=status)

    def lines():
        writer = csv.writer(Echo())
        yield writer.writerow([csv_safe(c) for c in [
            "Name", "E-mail", "Organization", "Status", "Wait-list position",
            *[q.label for q in questions], f"Registered at ({zone})"]])
        for row in _registrant_rows(registrations.iterator(chunk_size=1000), questions, zone):
            yield writer.writerow([csv_safe(c) for c in [
                row["name"], row["email"], row["organization"], row["status"],
                row["position"] or "", *row["answers"],
                row["registered_at"].strftime("%Y-%m-%d %H:%M")]])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{community.slug}-event-{event.pk}-registrants.csv"')
    return response
