"""Organizers set up the programme: series, tracks, instructors, and which events are sessions
of a series (with their credit rules). Atomic and audited, like every write."""

from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction

from cophub.core.audit import audit_record

from ..models import Instructor, Series, Session, Track
from .common import require_manager
from .enrolment import enrolments_sync_task

# Paths under /c/<community>/training/ that a series slug must not take.
RESERVED_SLUGS = frozenset({"organize", "request-access"})

SERIES_FIELDS = ("title", "slug", "year", "description")
TRACK_FIELDS = ("name", "slug", "description", "position")
INSTRUCTOR_FIELDS = ("name", "title", "affiliation", "bio")
SESSION_FIELDS = ("credit_per_hour", "min_attendance_ratio", "credit_points")


def _apply(obj, data: dict, fields) -> list[str]:
    changed = [f for f in fields if f in data and getattr(obj, f) != data[f]]
    for name in changed:
        setattr(obj, name, data[name])
    return changed


def series_save(*, community, actor, data: dict, series: Series | None = None,
                request=None) -> Series:
    """Create or edit a series of the community (organizers only)."""
    require_manager(actor, series or community)
    if data.get("slug") in RESERVED_SLUGS:
        raise ValidationError({"slug": "That address is taken by a page; choose another."})
    with transaction.atomic():
        created = series is None
        series = Series(community=community) if created else \
            Series.objects.select_for_update().get(pk=series.pk)
        changed = _apply(series, data, SERIES_FIELDS)
        series.full_clean()
        series.save()
        audit_record(actor=actor, verb="learning.series." + ("created" if created else "updated"),
                     obj=series, scope=community.slug, request=request,
                     data={"fields": changed})
    return series


def track_save(*, series: Series, actor, data: dict, track: Track | None = None,
               request=None) -> Track:
    require_manager(actor, series)
    with transaction.atomic():
        created = track is None
        track = Track(series=series) if created else \
            Track.objects.select_for_update().get(pk=track.pk, series=series)
        changed = _apply(track, data, TRACK_FIELDS)
        track.full_clean()
        track.save()
        audit_record(actor=actor, verb="learning.track." + ("created" if created else "updated"),
                     obj=track, scope=series.community.slug, request=request,
                     data={"fields": changed})
    return track


def instructor_save(*, community, actor, data: dict, instructor: Instructor | None = None,
                    request=None) -> Instructor:
    """Instructors are shared by every community (faculty teach for several); any community's
    organizers may add and correct them."""
    require_manager(actor, community)
    with transaction.atomic():
        created = instructor is None
        instructor = Instructor() if created else \
            Instructor.objects.select_for_update().get(pk=instructor.pk)
        changed = _apply(instructor, data, INSTRUCTOR_FIELDS)
        instructor.full_clean()
        instructor.save()
        audit_record(actor=actor,
                     verb="learning.instructor." + ("created" if created else "updated"),
                     obj=instructor, scope=community.slug, request=request,
                     data={"fields": changed})
    return instructor


def session_save(*, series: Series, actor, data: dict, session: Session | None = None,
                 request=None) -> Session:
    """Make an event of the series' community a session of the series, or change a session's
    tracks, instructors and credit rules. People enrolled in the series, or in a track the
    session joins, are registered for it after commit (`enrolments_sync_task`)."""
    community = series.community
    require_manager(actor, series)
    tracks = list(data.get("tracks") or [])
    if any(t.series_id != series.pk for t in tracks):
        raise ValidationError({"tracks": "Choose tracks of this series."})
    with transaction.atomic():
        created = session is None
        if created:
            event = data["event"]
            if event.community_id != community.pk:
                raise ValidationError({"event": "Choose an event of this community."})
            if Session.objects.filter(event=event).exists():
                raise ValidationError({"event": "That event is already a training session."})
            session = Session(event=event, series=series)
        else:
            session = Session.objects.select_for_update().get(pk=session.pk, series=series)
        changed = _apply(session, data, SESSION_FIELDS)
        session.full_clean(exclude=["event"] if not created else None)
        session.save()
        if "tracks" in data:
            session.tracks.set(tracks)
        if "instructors" in data:
            session.instructors.set(data["instructors"])
        audit_record(actor=actor, verb="learning.session." + ("created" if created
                                                             else "updated"),
                     obj=session.event, scope=community.slug, request=request,
                     data={"fields": changed, "series": series.pk,
                           "tracks": [t.pk for t in tracks]})
        transaction.on_commit(partial(enrolments_sync_task.enqueue, session.pk), robust=True)
    return session
