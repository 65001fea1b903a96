"""Pages that run an event before it: create and edit (with questions and monthly
recurrence), and the registrants with their CSV export. Creating is for the community's
organizers and the leads of its groups (for the groups they lead); the rest is for whoever
may manage the event (`core.access.can_manage`)."""

import csv
import zoneinfo

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from cophub.communities.decorators import load_community, manage_page
from cophub.communities.models import Group
from cophub.communities.selectors import groups_manageable_by
from cophub.core.access import CREATE, ORGANIZE, can_manage, can_manage_in
from cophub.core.csv_export import Echo, csv_safe

from .. import selectors, services
from ..forms import EventForm, QuestionFormSet, RegistrantFilterForm, question_initial
from ..models import Event, Registration
from .base import event_manage_page, viewer_time_zone

REGISTRANTS_PAGE_SIZE = 100


# --- Create and edit ------------------------------------------------------------------------

def _event_form_page(request, community, *, form, questions, event=None):
    return render(request, "events/event_form.html", {
        "community": community, "form": form, "questions": questions, "event": event,
        "title": f"Edit {event.title}" if event else "New event",
    })


@manage_page(load_community, action=CREATE)
def event_create_view(request, community):
    viewer = request.viewer
    # Leads host for the groups they lead; an event without a host group is the organizers'.
    form = EventForm(request.POST or None,
                     groups=groups_manageable_by(viewer=viewer, community=community),
                     creating=True,
                     group_required=not can_manage_in(viewer, community_id=community.pk))
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


@event_manage_page
def event_edit_view(request, community, event):
    viewer = request.viewer
    # Moving an event to another host group is the organizers' (ORGANIZE); a lead keeps it
    # in their group.
    if can_manage(viewer, event, action=ORGANIZE):
        groups = groups_manageable_by(viewer=viewer, community=community)
    else:
        groups = Group.objects.filter(pk=event.group_id)
    # The form validates a copy: a ModelForm writes into its instance while cleaning, and
    # the service (which decides what changed and whom to tell) compares with the stored row.
    form = EventForm(request.POST or None, instance=Event.objects.get(pk=event.pk),
                     groups=groups, creating=False,
                     group_required=not can_manage_in(viewer, community_id=community.pk))
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


# --- Registrants ----------------------------------------------------------------------------

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


@event_manage_page
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


@event_manage_page
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
