"""Writes about the training programme: enrolment (which registers for sessions through the
events app, so capacity and wait-lists behave exactly as on event pages), certificates, and
the recording access requests. Each is atomic and audited; mail goes through the outbox.
Series, tracks, instructors and sessions are edited in `management.py`."""

from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from cophub.communities.models import CommunityRole
from cophub.communities.selectors import viewer_for
from cophub.core.audit import audit_record
from cophub.core.mail import mail_enqueue_template
from cophub.events.models import Attendance, Event, Registration
from cophub.events.services import (
    RegistrationError,
    registration_cancel,
    registration_create_safely,
)

from .credit import attendance_qualifies, credit_for  # noqa: F401 — credit_for is offered here
from .models import (
    AccessRequest,
    Certificate,
    Enrolment,
    RecordingAccessGrant,
    Series,
    Session,
    Track,
)


class LearningError(Exception):
    """An action the rules do not allow; the message is for people."""


class EnrolmentError(LearningError):
    pass


class CertificateNotEarned(LearningError):
    pass


class AccessRequestError(LearningError):
    pass


def _scope(series: Series) -> str:
    return series.community.slug


def _require_organizer(actor, community) -> None:
    if not viewer_for(actor).is_organizer(community.pk):
        raise PermissionDenied("Only this community's organizers can do this.")


# --- enrolment -------------------------------------------------------------------------------


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
        raise EnrolmentError("Sign in to enrol.")
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
                     obj=track or series, scope=_scope(series), request=request,
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
        _require_organizer(actor, enrolment.series.community)
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
                     obj=enrolment.track or series, scope=_scope(series), request=request,
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


# --- certificates ----------------------------------------------------------------------------


def _holder_name(user) -> str:
    name = (user.name or "").strip()
    if not name:
        raise CertificateNotEarned("Add your name to your profile first: it is printed on the "
                                   "certificate.")
    return name


def certificate_issue(*, user, session: Session, request=None) -> Certificate:
    """A certificate for a session whose attendance earns credit. Idempotent: a live
    certificate for the same person and session is returned as it is.
    Raises CertificateNotEarned (no qualifying attendance, or no name to print)."""
    attendance = Attendance.objects.filter(event_id=session.event_id, user=user).first()
    if not attendance_qualifies(attendance=attendance, session=session):
        raise CertificateNotEarned("Your attendance at this session does not earn credit, so "
                                   "there is no certificate for it.")
    name = _holder_name(user)
    with transaction.atomic():
        existing = Certificate.objects.filter(user=user, session=session,
                                              revoked_at__isnull=True).first()
        if existing is not None:
            return existing
        try:
            with transaction.atomic():
                certificate = Certificate.objects.create(
                    user=user, session=session, holder_name=name,
                    credit=credit_for(attendance=attendance, session=session))
        except IntegrityError:  # the same person, twice at once
            return Certificate.objects.get(user=user, session=session, revoked_at__isnull=True)
        certificate.covers.set([session])
        audit_record(actor=user, verb="learning.certificate.issued", obj=certificate,
                     scope=_scope(session.series), request=request,
                     data={"session": session.pk, "credit": str(certificate.credit)})
    return certificate


def certificate_issue_for_track(*, user, track: Track, request=None) -> Certificate:
    """A certificate for a completed track: every published session of the track has taken
    place and the person's attendance at each earns credit. Its CLPs are the sum of theirs.
    Idempotent like `certificate_issue`. Raises CertificateNotEarned."""
    sessions = list(track.sessions.filter(event__status=Event.Status.PUBLISHED)
                    .select_related("event"))
    if not sessions:
        raise CertificateNotEarned("This track has no sessions yet.")
    if any(not s.event.is_past for s in sessions):
        raise CertificateNotEarned("This track has sessions still to come.")
    attendances = {a.event_id: a for a in Attendance.objects.filter(
        user=user, event__in=[s.event_id for s in sessions])}
    missing = [s for s in sessions
               if not attendance_qualifies(attendance=attendances.get(s.event_id), session=s)]
    if missing:
        raise CertificateNotEarned(
            f"You have earned credit in {len(sessions) - len(missing)} of the track's "
            f"{len(sessions)} sessions; a track certificate needs all of them.")
    name = _holder_name(user)
    credit = sum(credit_for(attendance=attendances[s.event_id], session=s) for s in sessions)
    with transaction.atomic():
        existing = Certificate.objects.filter(user=user, track=track,
                                              revoked_at__isnull=True).first()
        if existing is not None:
            return existing
        try:
            with transaction.atomic():
                certificate = Certificate.objects.create(user=user, track=track,
                                                         holder_name=name, credit=credit)
        except IntegrityError:
            return Certificate.objects.get(user=user, track=track, revoked_at__isnull=True)
        certificate.covers.set(sessions)
        audit_record(actor=user, verb="learning.certificate.issued", obj=certificate,
                     scope=_scope(track.series), request=request,
                     data={"track": track.pk, "credit": str(credit)})
    return certificate


def certificate_revoke(*, certificate: Certificate, actor, request=None) -> Certificate:
    """An organizer withdraws a certificate; its verification page says so from then on.
    (Revoking the attendance behind it has the same effect without this call.)"""
    series = certificate.session.series if certificate.session_id else certificate.track.series
    _require_organizer(actor, series.community)
    with transaction.atomic():
        certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if certificate.revoked_at is None:
            certificate.revoked_at = timezone.now()
            certificate.save(update_fields=["revoked_at"])
            audit_record(actor=actor, verb="learning.certificate.revoked", obj=certificate,
                         scope=series.community.slug, request=request)
    return certificate


# --- access to recordings --------------------------------------------------------------------


def _series_url(series: Series) -> str:
    return settings.SITE_URL + series.get_absolute_url()


def access_request_submit(*, series: Series, name: str, email: str, agency: str, reason: str,
                          user=None, request=None) -> AccessRequest:
    """Record a "Request for AI Training Links" and tell the community's organizers. Anyone
    may ask, signed in or not. A second request from the same address for the same series
    while the first waits returns the first (and tells nobody again)."""
    email = email.strip().lower()
    community = series.community
    with transaction.atomic():
        existing = AccessRequest.objects.filter(
            series=series, email=email, status=AccessRequest.Status.REQUESTED).first()
        if existing is not None:
            return existing
        access_request = AccessRequest.objects.create(
            community=community, series=series, name=name.strip(), email=email,
            agency=agency.strip(), reason=reason.strip(),
            user=user if user is not None and user.is_authenticated else None)
        audit_record(actor=user, verb="learning.access_request.submitted", obj=access_request,
                     scope=community.slug, request=request, data={"email": email})
        queue_url = settings.SITE_URL + reverse("learning:access_requests",
                                                kwargs={"community": community.slug})
        organizers = CommunityRole.objects.filter(
            community=community, role=CommunityRole.Role.ORGANIZER,
            user__is_active=True).select_related("user")
        for role in organizers:
            mail_enqueue_template(
                to=role.user.email, template_prefix="learning/email/access_requested",
                context={"access_request": access_request, "series": series,
                         "queue_url": queue_url, "person": role.user})
    return access_request


def _decide(access_request: AccessRequest, *, actor, status: str, request=None):
    _require_organizer(actor, access_request.community)
    locked = (AccessRequest.objects.select_for_update().select_related("series__community")
              .get(pk=access_request.pk))
    if locked.status != AccessRequest.Status.REQUESTED:
        raise AccessRequestError(f"This request was already {locked.status}.")
    locked.status = status
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    locked.save(update_fields=["status", "decided_by", "decided_at"])
    audit_record(actor=actor, verb=f"learning.access_request.{status}", obj=locked,
                 scope=locked.community.slug, request=request, data={"email": locked.email})
    return locked


def access_request_approve(*, access_request: AccessRequest, actor,
                           request=None) -> RecordingAccessGrant:
    """Approve a request: the address gets a grant for the series' recordings (effective
    once its holder signs in with that address verified), and they are e-mailed how to see
    them. Raises AccessRequestError if the request was already decided."""
    with transaction.atomic():
        decided = _decide(access_request, actor=actor, status=AccessRequest.Status.APPROVED,
                          request=request)
        grant, _ = RecordingAccessGrant.objects.update_or_create(
            series=decided.series, email=decided.email.lower(),
            defaults={"access_request": decided, "granted_by": actor,
                      "granted_at": timezone.now(), "revoked_at": None})
        mail_enqueue_template(
            to=decided.email, template_prefix="learning/email/access_approved",
            context={"access_request": decided, "series": decided.series,
                     "series_url": _series_url(decided.series),
                     "signup_url": settings.SITE_URL + reverse("account_signup"),
                     "login_url": settings.SITE_URL + reverse("account_login")})
    return grant


def access_request_decline(*, access_request: AccessRequest, actor,
                           request=None) -> AccessRequest:
    """Decline a request and tell the requester. Raises AccessRequestError if decided."""
    with transaction.atomic():
        decided = _decide(access_request, actor=actor, status=AccessRequest.Status.DECLINED,
                          request=request)
        mail_enqueue_template(
            to=decided.email, template_prefix="learning/email/access_declined",
            context={"access_request": decided, "series": decided.series,
                     "series_url": _series_url(decided.series)})
    return decided


def access_grant_revoke(*, grant: RecordingAccessGrant, actor,
                        request=None) -> RecordingAccessGrant:
    """Withdraw a grant; the address sees only what its tier allows from then on."""
    _require_organizer(actor, grant.series.community)
    with transaction.atomic():
        grant = RecordingAccessGrant.objects.select_for_update().get(pk=grant.pk)
        if grant.revoked_at is None:
            grant.revoked_at = timezone.now()
            grant.save(update_fields=["revoked_at"])
            audit_record(actor=actor, verb="learning.access_grant.revoked", obj=grant.series,
                         scope=grant.series.community.slug, request=request,
                         data={"email": grant.email})
    return grant
