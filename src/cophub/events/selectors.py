"""Reads about events, always through the access policy: events, registrations,
materials, feedback and the calendar feeds. (The fiscal-year report is in `reports.py`.)"""

import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Avg, Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Window
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone

from cophub.communities.models import Community, Group
from cophub.communities.selectors import viewers_for
from cophub.core.access import (
    ANONYMOUS,
    AccessLevel,
    Viewer,
    can_view_object,
    manageable_q,
    viewer_for_user,
    visible_q,
)

from .models import (
    Attendance,
    CalendarFeed,
    Event,
    Feedback,
    FeedbackRequest,
    Material,
    Question,
    Registration,
)


def events_visible_to(*, viewer: Viewer, community=None) -> QuerySet[Event]:
    """Published and cancelled events the viewer may see; drafts only for the organizers of
    their community and the leads of their group."""
    qs = Event.objects.filter(visible_q(viewer)).filter(
        ~Q(status=Event.Status.DRAFT) | manageable_q(viewer)
    )
    if community is not None:
        qs = qs.filter(community=community)
    return qs.select_related("community", "group")


def registrations_holder_may_see(*, registration_ids) -> set[int]:
    """Those of `registration_ids` whose holder may see the registration's event now, under
    the access policy. The outbox asks this right before it sends a message about an event
    (`events.gates`); two queries however many registrations."""
    registrations = list(Registration.objects.filter(pk__in=registration_ids)
                         .select_related("event", "user"))
    viewers = viewers_for({registration.user for registration in registrations})
    return {registration.pk for registration in registrations
            if can_view_object(viewers[registration.user_id], registration.event)}


def registration_for(*, event: Event, user) -> Registration | None:
    if not user.is_authenticated:
        return None
    return Registration.objects.filter(event=event, user=user).first()


def join_url_visible(*, event: Event, registration: Registration | None) -> bool:
    """The join link is for confirmed registrants only (page, e-mail and feed)."""
    return registration is not None and registration.status == Registration.Status.CONFIRMED


# --- Pages: the event list, the detail page and the organizers' registrant list ---------

def event_list(*, viewer: Viewer, community, kind: str = "", group_ids: Sequence[int] = (),
               starts_from: datetime | None = None,
               starts_before: datetime | None = None) -> QuerySet[Event]:
    """Events of `community` the viewer may see, filtered, each with `confirmed_count` and
    (for a signed-in viewer) `my_status`, the viewer's registration status — one query
    however many events there are."""
    qs = events_visible_to(viewer=viewer, community=community)
    if kind:
        qs = qs.filter(kind=kind)
    for group_id in group_ids:  # a group and a practice area: events hosted by both (AND)
        qs = qs.filter(group_id=group_id)
    if starts_from is not None:
        qs = qs.filter(starts_at__gte=starts_from)
    if starts_before is not None:
        qs = qs.filter(starts_at__lt=starts_before)
    confirmed = (Registration.objects.filter(event=OuterRef("pk"),
                                             status=Registration.Status.CONFIRMED)
                 .order_by().values("event").annotate(n=Count("pk")).values("n"))
    qs = qs.annotate(confirmed_count=Coalesce(Subquery(confirmed), 0))
    if viewer.is_authenticated:
        mine = Registration.objects.filter(event=OuterRef("pk"), user_id=viewer.user_id)
        qs = qs.annotate(my_status=Subquery(mine.values("status")[:1]))
    return qs


def _confirmed_counts(qs: QuerySet[Event]) -> QuerySet[Event]:
    confirmed = (Registration.objects.filter(event=OuterRef("pk"),
                                             status=Registration.Status.CONFIRMED)
                 .order_by().values("event").annotate(n=Count("pk")).values("n"))
    return qs.annotate(confirmed_count=Coalesce(Subquery(confirmed), 0))


@dataclass
class HubEvents:
    """What the home pages show of events: the next ones the viewer may see (with
    `confirmed_count`), the next community meeting among or after them, how many more
    upcoming events the viewer may not see (a count, nothing more), and, for a group's
    page, its latest past events."""

    upcoming: list[Event]
    meeting: Event | None
    hidden: int
    past: list[Event]


def hub_events(*, viewer: Viewer, community=None, group=None, limit: int = 5,
               past: int = 0, now=None) -> HubEvents:
    """Published events for a home page: the site's (every community), a community's or a
    group's. Three queries (four when the next meeting is not among the first `limit`, one
    more with `past`)."""
    now = now or timezone.now()
    scope = Event.objects.filter(status=Event.Status.PUBLISHED)
    if community is not None:
        scope = scope.filter(community=community)
    if group is not None:
        scope = scope.filter(group=group)
    coming = scope.filter(ends_at__gt=now)
    asks = Question.objects.filter(event=OuterRef("pk"), required=True)
    visible = (_confirmed_counts(coming.filter(visible_q(viewer)))
               .annotate(asks_questions=Exists(asks))
               .select_related("community", "group").order_by("starts_at", "id"))
    upcoming = list(visible[:limit])
    counts = coming.aggregate(total=Count("pk"), seen=Count("pk", filter=visible_q(viewer)))
    meeting = next((e for e in upcoming if e.kind == Event.Kind.COMMUNITY_MEETING), None)
    if meeting is None and group is None and counts["seen"] > len(upcoming):
        meeting = visible.filter(kind=Event.Kind.COMMUNITY_MEETING).first()
    earlier = []
    if past:
        earlier = list(scope.filter(visible_q(viewer), ends_at__lte=now)
                       .select_related("community", "group").order_by("-starts_at", "-id")[:past])
    return HubEvents(upcoming=upcoming, meeting=meeting,
                     hidden=counts["total"] - counts["seen"], past=earlier)


def my_upcoming_statuses(*, user, now=None) -> dict[int, str]:
    """The person's status ("confirmed", "waitlisted") for every event still to come that
    they registered for (one query)."""
    now = now or timezone.now()
    return dict(Registration.objects.filter(
        user=user, status__in=[Registration.Status.CONFIRMED, Registration.Status.WAITLISTED],
        event__ends_at__gt=now).values_list("event_id", "status"))


def my_statuses(*, user, event_ids) -> dict[int, str]:
    """The person's registration status for each of `event_ids` they registered for (one
    query)."""
    if not user.is_authenticated or not event_ids:
        return {}
    return dict(Registration.objects.filter(user=user, event_id__in=list(event_ids))
                .exclude(status=Registration.Status.CANCELLED)
                .values_list("event_id", "status"))


def my_registrations(*, user, viewer: Viewer, upcoming: bool, community=None,
                     now=None) -> QuerySet[Registration]:
    """The person's confirmed and wait-listed registrations for events they may (still)
    see: upcoming ones soonest first, or past ones latest first. Cancelled events are
    included (marked by their status), cancelled registrations are not."""
    now = now or timezone.now()
    qs = (Registration.objects.filter(
        user=user, status__in=[Registration.Status.CONFIRMED, Registration.Status.WAITLISTED])
        .filter(visible_q(viewer, prefix="event__"))
        .exclude(event__status=Event.Status.DRAFT)
        .select_related("event__community", "event__group"))
    if community is not None:
        qs = qs.filter(event__community=community)
    if upcoming:
        return qs.filter(event__ends_at__gt=now).order_by("event__starts_at", "event_id")
    return qs.filter(event__ends_at__lte=now).order_by("-event__starts_at", "-event_id")


def event_confirmed_count(*, event: Event) -> int:
    return Registration.objects.filter(event=event,
                                       status=Registration.Status.CONFIRMED).count()


def waitlist_position(*, registration: Registration) -> int | None:
    """1 for the head of the wait-list; None unless the registration is wait-listed."""
    if registration.status != Registration.Status.WAITLISTED:
        return None
    return Registration.objects.filter(
        event_id=registration.event_id, status=Registration.Status.WAITLISTED,
        arrival__lte=registration.arrival).count()


def event_registrants(*, event: Event, status: str = "") -> QuerySet[Registration]:
    """Registrations of an event in arrival order, with the person and `position`: the
    place in the wait-list for wait-listed ones (numbered within their status, so it stays
    right when the list is filtered by status or cut into pages). For organizers only."""
    qs = Registration.objects.filter(event=event)
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("user").annotate(
        position=Window(RowNumber(), partition_by=[F("status")], order_by=F("arrival").asc()),
    ).order_by("arrival")


# Callables `(*, viewer, user, material) -> bool` that may open a material the access policy
# alone would hide. `learning` registers its recording access grants here, so events does
# not import the app that depends on it.
MATERIAL_ACCESS_EXTENSIONS: list = []


def material_visible(*, viewer: Viewer, user, material: Material) -> bool:
    """Whether the viewer may open one material (the event must already be visible)."""
    return can_view_object(viewer, material) or any(
        extension(viewer=viewer, user=user, material=material)
        for extension in MATERIAL_ACCESS_EXTENSIONS
    )


def materials_visible_to(*, viewer: Viewer, user, event: Event) -> list[Material]:
    """An event's recordings and slides the viewer may see; each has its own access level
    (government-only by default), independent of the event's."""
    materials = list(event.materials.all())
    for material in materials:
        material.event = event
    return [m for m in materials if material_visible(viewer=viewer, user=user, material=m)]


# --- Feedback --------------------------------------------------------------------------------

FEEDBACK_SCALE = range(1, 6)


def attendee_of(*, event: Event, user) -> bool:
    """Attended and not revoked: the people whose feedback counts."""
    return (user.is_authenticated and Attendance.objects.filter(
        event=event, user=user, revoked_at__isnull=True).exists())


def feedback_for(*, event: Event, user) -> Feedback | None:
    if not user.is_authenticated:
        return None
    return Feedback.objects.filter(event=event, user=user).first()


def feedback_not_yet_asked(*, event: Event) -> QuerySet[Attendance]:
    """Attendances (not revoked) of people neither asked nor answered yet."""
    return (Attendance.objects.filter(event=event, revoked_at__isnull=True,
                                      user__is_active=True)
            .exclude(user__in=Feedback.objects.filter(event=event).values("user"))
            .exclude(user__in=FeedbackRequest.objects.filter(event=event).values("user")))


def feedback_pending_count(*, event: Event) -> int:
    """Attendees the survey would go to now (not asked yet, not answered yet)."""
    return feedback_not_yet_asked(event=event).count()


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
                      for score in reversed(FEEDBACK_SCALE)])


def feedback_comments(*, event: Event):
    """Comments without names: organizers read what was said, not who said it."""
    return (Feedback.objects.filter(event=event).exclude(comment="")
            .order_by("-created_at", "-id").only("comment", "satisfaction", "created_at"))


# --- Calendar feeds --------------------------------------------------------------------------

# Feeds show the recent past (so last week's meeting is still in the calendar) and all of
# the future, up to a bound that keeps one response small.
FEED_PAST = timedelta(days=90)
FEED_MAX_EVENTS = 1000


def calendar_feed_by_token(*, token: str) -> CalendarFeed | None:
    """The active person's feed for `token`, or None.

    The lookup goes through the unique index; the constant-time comparison afterwards
    guards against a database whose collation matches case-insensitively (MySQL's default),
    where a lookup alone would accept a token that differs in case."""
    feed = CalendarFeed.objects.select_related("user").filter(token=token).first()
    if feed is None or not hmac.compare_digest(feed.token.encode(), token.encode()):
        return None
    if not feed.user.is_active:
        return None
    return feed


def personal_feed_entries(*, user, now=None) -> list[tuple[Event, bool, str]]:
    """`(event, show_join_url, note)` for the person's feed: the events of their confirmed
    and wait-listed registrations that started at most FEED_PAST ago, that they may (still)
    see. Join links for confirmed registrations only; wait-listed and cancelled events are
    marked. Four queries whatever the number of events."""
    now = now or timezone.now()
    events = events_visible_to(viewer=viewer_for_user(user)).exclude(status=Event.Status.DRAFT)
    registrations = (
        Registration.objects.filter(
            user=user,
            status__in=[Registration.Status.CONFIRMED, Registration.Status.WAITLISTED],
            event__in=events.filter(starts_at__gte=now - FEED_PAST),
        )
        .select_related("event__community")
        .order_by("event__starts_at", "event_id")[:FEED_MAX_EVENTS]
    )
    entries = []
    for registration in registrations:
        event = registration.event
        if event.status == Event.Status.CANCELLED:
            entries.append((event, False, "canceled"))  # the note in the title
        elif registration.status == Registration.Status.WAITLISTED:
            entries.append((event, False, "wait-listed"))
        else:
            entries.append((event, join_url_visible(event=event, registration=registration),
                            ""))
    return entries


def public_feed_events(*, community: Community, group: Group | None = None,
                       now=None) -> QuerySet[Event]:
    """Public, published events of a community (or of one of its groups), for anyone.
    Built for the anonymous viewer on purpose: the feed URL is shareable, so what a
    signed-in organizer could see must not leak into it."""
    now = now or timezone.now()
    events = events_visible_to(viewer=ANONYMOUS, community=community).filter(
        status=Event.Status.PUBLISHED, access_level=AccessLevel.PUBLIC,
        starts_at__gte=now - FEED_PAST,
    )
    if group is not None:
        events = events.filter(group=group)
    return events.order_by("starts_at", "id")[:FEED_MAX_EVENTS]
