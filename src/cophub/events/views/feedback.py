"""Feedback pages: the survey for attendees, and for whoever runs the event, sending it and
reading the results."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from .. import selectors, services
from ..forms import FeedbackForm
from ..models import Event
from .base import TEMPLATES, event_manage_page, paginate, visible_event_or_404


@login_required
def feedback_view(request, community, pk):
    event = visible_event_or_404(request, community, pk)
    community = event.community
    given = selectors.feedback_for(event=event, user=request.user)
    state, status = "open", 200
    if given is not None:
        state = "given"
    elif event.status != Event.Status.PUBLISHED or not event.is_past:
        state = "not_yet"
    elif not selectors.attendee_of(event=event, user=request.user):
        state, status = "not_attendee", 403
    form = FeedbackForm(request.POST or None) if state == "open" else None
    if form is not None and request.method == "POST" and form.is_valid():
        try:
            services.feedback_submit(event=event, user=request.user, request=request,
                                     **form.cleaned_data)
        except services.FeedbackError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "Thank you for your feedback.")
        return redirect("events:feedback", community=community.slug, pk=event.pk)
    if form is not None and form.errors:
        status = 400
    return render(request, TEMPLATES + "feedback.html", {
        "community": community, "event": event, "form": form, "state": state,
        "given": given,
    }, status=status)


@require_POST
@event_manage_page
def feedback_send_view(request, community, event):
    try:
        sent = services.feedback_request_send(event=event, actor=request.user,
                                              request=request)
    except services.FeedbackError as exc:
        messages.error(request, str(exc))
    else:
        if sent:
            messages.success(request, f"Sent the feedback survey to {sent} "
                             f"attendee{'s' if sent != 1 else ''}.")
        else:
            messages.info(request, "Every attendee has already been sent the survey or has "
                          "answered it. Nobody was e-mailed again.")
    return redirect("events:feedback_results", community=community.slug, pk=event.pk)


@event_manage_page
def feedback_results_view(request, community, event):
    return render(request, TEMPLATES + "feedback_results.html", {
        "community": community, "event": event,
        "results": selectors.feedback_results(event=event),
        "comments": paginate(request, selectors.feedback_comments(event=event)),
        "pending": selectors.feedback_pending_count(event=event),
        "can_send": event.status == Event.Status.PUBLISHED and event.is_past,
    })
