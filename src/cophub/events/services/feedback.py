"""Feedback after an event: the survey e-mail to attendees, answers, and per-event results.

Who has been asked is a `FeedbackRequest` row written with the survey e-mail, under the
event's row lock; its unique constraint means a second press of the button (or two
organizers at once) never asks anyone twice."""

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.urls import reverse

from cophub.core.access import can_manage, viewer_for_user
from cophub.core.audit import audit_record
from cophub.core.links import site_url
from cophub.core.mail import mail_enqueue_template

from ..models import Event, Feedback, FeedbackRequest
from ..selectors import FEEDBACK_SCALE, attendee_of, feedback_not_yet_asked

FEEDBACK_TEMPLATE = "events/email/feedback_request"
FEEDBACK_HEADER = "X-Cophub-Feedback"


class FeedbackError(Exception):
    """Feedback the rules do not take; the message is for people."""


class FeedbackAlreadyGiven(FeedbackError):
    def __init__(self):
        super().__init__("You have already given feedback on this event. Thank you!")


def feedback_url(event: Event) -> str:
    return site_url(reverse("events:feedback", kwargs={
        "community": event.community.slug, "pk": event.pk}))


def feedback_submit(*, event: Event, user, satisfaction: int, usefulness: int,
                    would_recommend: bool, comment: str = "", request=None) -> Feedback:
    """One answer per attendee, after the event has ended. Raises FeedbackAlreadyGiven for
    a second answer (also when two arrive at once), FeedbackError otherwise."""
    if satisfaction not in FEEDBACK_SCALE or usefulness not in FEEDBACK_SCALE:
        raise FeedbackError("Rate satisfaction and usefulness from 1 to 5.")
    comment = (comment or "").strip()
    if len(comment) > 5000:
        raise FeedbackError("Keep the comment under 5,000 characters.")
    if event.status != Event.Status.PUBLISHED or not event.is_past:
        raise FeedbackError("Feedback opens when the event has ended.")
    if not attendee_of(event=event, user=user):
        raise FeedbackError("Only people who attended this event can give feedback on it.")
    try:
        with transaction.atomic():
            if Feedback.objects.filter(event=event, user=user).exists():
                raise FeedbackAlreadyGiven()
            feedback = Feedback.objects.create(
                event=event, user=user, satisfaction=satisfaction, usefulness=usefulness,
                would_recommend=bool(would_recommend), comment=comment)
            audit_record(actor=user, verb="events.feedback.submitted", obj=event,
                         scope=event.community.slug, request=request)
    except IntegrityError:  # a concurrent submission by the same person won
        raise FeedbackAlreadyGiven() from None
    return feedback


def feedback_request_send(*, event: Event, actor, request=None) -> int:
    """E-mail the survey to every attendee (not revoked) who has neither been asked nor
    answered. Each attendee is asked at most once, however often this runs. Returns how
    many were e-mailed now."""
    if not can_manage(viewer_for_user(actor), event):
        raise PermissionDenied("Only organizers send the feedback survey.")
    with transaction.atomic():
        locked = Event.objects.select_for_update().select_related("community").get(pk=event.pk)
        if locked.status != Event.Status.PUBLISHED or not locked.is_past:
            raise FeedbackError("Send the survey after the event has ended.")
        attendances = (feedback_not_yet_asked(event=locked).select_related("user")
                       .order_by("user_id"))
        url = feedback_url(locked)
        sent = 0
        for attendance in attendances:
            person = attendance.user
            FeedbackRequest.objects.create(event=locked, user=person)
            mail_enqueue_template(
                to=person.email, template_prefix=FEEDBACK_TEMPLATE,
                context={"event": locked, "person": person, "feedback_url": url,
                         "minutes": attendance.minutes},
                headers={FEEDBACK_HEADER: str(locked.pk)})
            sent += 1
        audit_record(actor=actor, verb="events.feedback.requested", obj=locked,
                     scope=locked.community.slug, request=request, data={"sent": sent})
    return sent
