"""Enrolment in a series or a track, which registers for its sessions through the events
app, so capacity, wait-lists, invites and messages are exactly those of event pages."""

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks import task

from cophub.core.audit import audit_record
from cophub.events.models import Event, Registration
from cophub.events.services import (
    RegistrationError,
    registration_cancel,
    registration_create_safely,
)

from ..models import Enrolment, Series, Session, Track
from .common import EnrolmentError, require_manager


@dataclass
class EnrolmentResult:
    enrolment: Enrolment
    created: bool
    confirmed: list[Event] = field(default_factory=list)
    waitlisted: list[Event] = field(default_factory=list)
    skipped: list[tuple[Event, str]] = field(default_factory=list)  # event, reason for people


def _sessions_in_scope(*, series: Series, track: Track | None):
    qs = Session.objects.filter(series=series)
    if track is not None:
        qs = qs.filter(tracks=track)
    return qs


def _upcoming(qs):
    # Ordered by start then id: every enrolment locks events in the same order, so two
    # enrolments running at once cannot deadlock on each other's event locks.
    return list(qs.filter(event__status=Event.Status.PUBLISHED, event__ends_at__gt=timezone.now())
                .select_related("event__community").order_by("event__starts_at", "event_id"))


def enrolment_create(*, user, series: Series, track: Track | None = None,
                     request=None) -> EnrolmentResult:
    """Enrol `user` in a series (track None) or one of its tracks, and register them for
    every upcoming session in it through `events.services.registration_create_safely`: a full
    session wait-lists them in arrival order, as on the event page, and each registration
    sends its own confirmation with a calendar invite. Sessions they may not register for
    (closed, not allowed, needing answers to questions) are reported in `skipped`.
    Enrolling twice keeps one enrolment (and registers for sessions added since)."""
    if track is not None and track.series_id != series.pk:
        raise EnrolmentError("That track is not part of this series.")
    if not user.is_authenticated:
        raise EnrolmentError("Sign in to enroll.")
    sessions = _upcoming(_sessions_in_scope(series=series, track=track))
    with transaction.atomic():
        try:
            with transaction.atomic():
                enrolment, created = Enrolment.objects.get_or_create(user=user, series=series,
                                                                     track=track)
        except IntegrityError:  # a concurrent request by the same person (double-click) won
            enrolment, created = Enrolment.objects.get(user=user, series=series,
                                                       track=track), False
        result = EnrolmentResult(enrolment=enrolment, created=created)
        for session in sessions:
            _register(result, user=user, event=session.event, request=request)
        audit_record(actor=user, verb="learning.enrolment." + ("created" if created
                                                              else "renewed"),
                     obj=track or series, scope=series.community.slug, request=request,
                     data={"confirmed": len(result.confirmed),
                           "waitlisted": len(result.waitlisted),
                           "skipped": len(result.skipped)})
    return result


def _register(result: EnrolmentResult, *, user, event: Event, request=None) -> None:
    try:
        registration = registration_create_safely(event=event, user=user, request=request)
    except RegistrationError as exc:
        result.skipped.append((event, str(exc)))
        return
    if registration.status == Registration.Status.CONFIRMED:
        result.confirmed.append(event)
    else:
        result.waitlisted.append(event)


def _covered_session_ids(*, user, series: Series, excluding: Enrolment) -> set[int]:
    """Sessions of the series that the person's other enrolments still cover."""
    others = Enrolment.objects.filter(user=user, series=series).exclude(pk=excluding.pk)
    if any(e.track_id is None for e in others):
        return set(Session.objects.filter(series=series).values_list("pk", flat=True))
    return set(Session.objects.filter(tracks__in=[e.track_id for e in others])
               .values_list("pk", flat=True))


def enrolment_cancel(*, enrolment: Enrolment, actor, request=None) -> list[Event]:
    """End an enrolment and cancel the person's registrations for its upcoming sessions,
    except sessions another of their enrolments still covers (a track inside a series they
    are also enrolled in as a whole). Seats freed go to the wait-list at once. Returns the
    events whose registration was cancelled. Cancelling twice changes nothing."""
    if actor.pk != enrolment.user_id:
        require_manager(actor, enrolment.series)
    cancelled = []
    with transaction.atomic():
        enrolment = (Enrolment.objects.select_for_update(of=("self",)).select_related(
            "series__community", "track", "user").filter(pk=enrolment.pk).first())
        if enrolment is None:
            return []
        series = enrolment.series
        keep = _covered_session_ids(user=enrolment.user, series=series, excluding=enrolment)
        sessions = [s for s in _upcoming(_sessions_in_scope(series=series,
                                                            track=enrolment.track))
                    if s.pk not in keep]
        live = {r.event_id: r for r in Registration.objects.filter(
            user=enrolment.user, event__in=[s.event_id for s in sessions]).exclude(
            status=Registration.Status.CANCELLED)}
        for session in sessions:
            registration = live.get(session.event_id)
            if registration is not None:
                registration_cancel(registration=registration, actor=actor, request=request)
                cancelled.append(session.event)
        audit_record(actor=actor, verb="learning.enrolment.cancelled",
                     obj=enrolment.track or series, scope=series.community.slug, request=request,
                     data={"user": enrolment.user.email, "cancelled": len(cancelled)})
        enrolment.delete()
    return cancelled


ENROLMENT_SYNC_BATCH = 2000


def enrolments_sync(*, session_id: int | None = None) -> int:
    """Register enrolled people for upcoming sessions whose registration is open and for which
    they have never registered (a session added to their track, or whose registration opened
    after they enrolled). A person who cancelled one session is not registered again.
    Sessions with required registration questions are left alone: enrolment cannot answer
    them. Registers at most ENROLMENT_SYNC_BATCH people per run. Returns how many."""
    sessions = _upcoming(Session.objects.filter(pk=session_id) if session_id
                         else Session.objects.all())
    done = 0
    for session in sessions:
        event = session.event
        if event.registration_state() != "open" or event.questions.filter(required=True).exists():
            continue
        track_ids = list(session.tracks.values_list("pk", flat=True))
        enrolled = Enrolment.objects.filter(series_id=session.series_id).filter(
            Q(track__isnull=True) | Q(track_id__in=track_ids)).values("user_id")
        people = (get_user_model().objects.filter(pk__in=enrolled, is_active=True)
                  .exclude(registrations__event=event).order_by("pk")
                  [:ENROLMENT_SYNC_BATCH - done])
        for person in people:
            try:
                registration_create_safely(event=event, user=person)
            except RegistrationError:
                continue
            done += 1
        if done >= ENROLMENT_SYNC_BATCH:
            break
    return done


@task()
def enrolments_sync_task(session_id: int) -> int:
    """Register the people enrolled in a session's series or tracks (after it is added)."""
    return enrolments_sync(session_id=session_id)
