"""Certificates for a session or a completed track, and their withdrawal. (Whether one is
still valid is read live: `selectors.certificate_is_valid`.)"""

from django.db import IntegrityError, transaction
from django.utils import timezone

from cophub.core.audit import audit_record
from cophub.events.models import Attendance, Event

from ..credit import attendance_qualifies, credit_for
from ..models import Certificate, Session, Track
from .common import CertificateNotEarned, require_manager


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
                     scope=session.series.community.slug, request=request,
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
                     scope=track.series.community.slug, request=request,
                     data={"track": track.pk, "credit": str(credit)})
    return certificate


def certificate_revoke(*, certificate: Certificate, actor, request=None) -> Certificate:
    """An organizer withdraws a certificate; its verification page says so from then on.
    (Revoking the attendance behind it has the same effect without this call.)"""
    series = certificate.session.series if certificate.session_id else certificate.track.series
    require_manager(actor, series)
    with transaction.atomic():
        certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if certificate.revoked_at is None:
            certificate.revoked_at = timezone.now()
            certificate.save(update_fields=["revoked_at"])
            audit_record(actor=actor, verb="learning.certificate.revoked", obj=certificate,
                         scope=series.community.slug, request=request)
    return certificate
