"""Feedback after an event: the survey e-mail to attendees, answers, and per-event results.

Who has been asked is a `FeedbackRequest` row written with the survey e-mail, under the
event's row lock; its unique constraint means a second press of the button (or two
organizers at once) never asks anyone twice."""

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, Q
from django.urls import reverse

from cophub.communities.selectors import viewer_for
from cophub.core.audit import audit_record
from cophub.core.mail import mail_enqueue_template

from .models import Attendance, Event, Feedback, FeedbackRequest

FEEDBACK_TEMPLATE = "events/email/feedback_request"
FEEDBACK_HEADER = "X-Cophub-Feedback"
SCALE = range(1, 6)


class FeedbackError(Exception):
    """Feedback the rules do not take; the message is for people."""


class FeedbackAlreadyGiven(FeedbackError):
    def __init__(self):
        super().__init__("You have already given feedback on this event. Thank you!")


def feedback_url(event: Event) -> str:
    return settings.SITE_URL + reverse("events:feedback", kwargs={
        "community": event.community.slug, "pk": event.pk})


def attendee_of(*, event: Event, user) -> bool:
    """Attended and not revoked: the people whose feedback counts."""
    return (user.is_authenticated and Attendance.objects.filter(
        event=event, user=user, revoked_at__isnull=True).exists())


def feedback_for(*, event: Event, user) -> Feedback | None:
    if not user.is_authenticated:
        return None
    return Feedback.objects.filter(event=event, user=user).first()


def feedback_submit(*, event: Event, user, satisfaction: int, usefulness: int,
                    would_recommend: bool, comment: str = "", request=None) -> Feedback:
    """One answer per attendee, after the event has ended. Raises FeedbackAlreadyGiven for
    a second answer (also when two arrive at once), FeedbackError otherwise."""
    if satisfaction not in SCALE or usefulness not in SCALE:
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


def _not_yet_asked(event: Event):
    """Attendances (not revoked) of people neither asked nor answered yet."""
    return (Attendance.objects.filter(event=event, revoked_at__isnull=True,
                                      user__is_active=True)
            .exclude(user__in=Feedback.objects.filter(event=event).values("user"))
            .exclude(user__in=FeedbackRequest.objects.filter(event=event).values("user")))


def feedback_pending_count(*, event: Event) -> int:
    """Attendees the survey would go to now (not asked yet, not answered yet)."""
    return _not_yet_asked(event).count()


def feedback_request_send(*, event: Event, actor, request=None) -> int:
    """E-mail the survey to every attendee (not revoked) who has neither been asked nor
    answered. Each attendee is asked at most once, however often this runs. Returns how
    many were e-mailed now."""
    viewer = viewer_for(actor)
    if not (viewer.is_organizer(event.community_id)
            or (event.group_id and viewer.leads(event.group_id))):
        raise PermissionDenied("Only organizers send the feedback survey.")
    with transaction.atomic():
        locked = Event.objects.select_for_update().select_related("community").get(pk=event.pk)
        if locked.status != Event.Status.PUBLISHED or not locked.is_past:
            raise FeedbackError("Send the survey after the event has ended.")
        attendances = _not_yet_asked(locked).select_related("user").order_by("user_id")
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


@dataclass
class FeedbackResults:
    responses: int
    attendees: int
    average_satisfaction: float | None
    average_usefulness: float | None
    would_recommend: int
    distribution: list[tuple[int, int, int]]  # (score, satisfaction count, usefulness count)

    @property
    def response_rate(self) -> float | None:
        return self.responses / self.attendees if self.attendees else None

    @property
    def recommend_share(self) -> float | None:
        return self.would_recommend / self.responses if self.responses else None


def feedback_results(*, event: Event) -> FeedbackResults:
    """Counts, averages and the 1–5 distributions, aggregated in the database (4 queries)."""
    answers = Feedback.objects.filter(event=event)
    totals = answers.aggregate(
        responses=Count("id"), satisfaction=Avg("satisfaction"), usefulness=Avg("usefulness"),
        recommend=Count("id", filter=Q(would_recommend=True)))
    by_satisfaction = dict(answers.values_list("satisfaction").annotate(n=Count("id"))
                           .order_by())
    by_usefulness = dict(answers.values_list("usefulness").annotate(n=Count("id")).order_by())
    attendees = Attendance.objects.filter(event=event, revoked_at__isnull=True).count()
    return FeedbackResults(
        responses=totals["responses"], attendees=attendees,
        average_satisfaction=totals["satisfaction"], average_usefulness=totals["usefulness"],
        would_recommend=totals["recommend"],
        distribution=[(score, by_satisfaction.get(score, 0), by_usefulness.get(score, 0))
                      for score in reversed(SCALE)])


def feedback_comments(*, event: Event):
    """Comments without names: organizers read what was said, not who said it."""
    return (Feedback.objects.filter(event=event).exclude(comment="")
            .order_by("-created_at", "-id").only("comment", "satisfaction", "created_at"))
