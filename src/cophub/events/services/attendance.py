"""Attendance: organizer check-in, import of webinar attendance reports (Zoom and Microsoft
Teams), and revocation.

A report is parsed completely (`attendance_reports`) before anything is written, and the
writes happen in one transaction, so a malformed file changes nothing.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone

from cophub.core.access import can_manage, viewer_for_user
from cophub.core.audit import audit_record

from ..models import Attendance, Event, Registration
from .attendance_reports import (
    AttendanceError,
    AttendanceImportError,
    RowProblem,
    attendance_report_parse,
)

# Check-in opens this long before the start (people arrive early to in-person events).
CHECK_IN_OPENS_BEFORE = timedelta(hours=1)
SHOWN_ROWS = 1000  # rows listed in a report (counts are always complete)
_LOOKUP_CHUNK = 500  # e-mail addresses per query (SQLite's variable limit)


def event_minutes(event: Event) -> int:
    return max(int((event.ends_at - event.starts_at).total_seconds() // 60), 0)


def _check_may_manage(actor, event: Event) -> None:
    """The community's organizers and the host group's leads (`core.access.can_manage`)."""
    if not can_manage(viewer_for_user(actor), event):
        raise PermissionDenied("Only organizers record attendance.")


def _scope(event: Event) -> str:
    return event.community.slug


# --- Check-in and revocation --------------------------------------------------------------

def attendance_check_in(*, event: Event, user, actor, request=None) -> Attendance:
    """Record that a confirmed registrant attended the whole event. Idempotent: checking in
    twice changes nothing; a person already imported from a report is credited with the full
    event. Checking in a person whose attendance was revoked restores it (an organizer's
    explicit decision). Raises AttendanceError for drafts, cancelled events, too early, or a
    person without a confirmed registration."""
    _check_may_manage(actor, event)
    with transaction.atomic():
        locked = Event.objects.select_for_update().select_related("community").get(pk=event.pk)
        if locked.status != Event.Status.PUBLISHED:
            raise AttendanceError("Check-in is only for published events that take place.")
        if timezone.now() < locked.starts_at - CHECK_IN_OPENS_BEFORE:
            raise AttendanceError("Check-in opens an hour before the event starts.")
        if not Registration.objects.filter(event=locked, user=user,
                                           status=Registration.Status.CONFIRMED).exists():
            raise AttendanceError("Only confirmed registrants can be checked in.")
        full = event_minutes(locked)
        attendance = Attendance.objects.filter(event=locked, user=user).first()
        if attendance is None:
            attendance = Attendance.objects.create(event=locked, user=user, minutes=full,
                                                   source=Attendance.Source.CHECK_IN)
            verb = "events.attendance.checked_in"
        elif (attendance.source == Attendance.Source.CHECK_IN and attendance.minutes == full
              and attendance.revoked_at is None):
            return attendance
        else:
            verb = ("events.attendance.restored" if attendance.revoked_at
                    else "events.attendance.checked_in")
            attendance.minutes, attendance.source = full, Attendance.Source.CHECK_IN
            attendance.revoked_at, attendance.recorded_at = None, timezone.now()
            attendance.save(update_fields=["minutes", "source", "revoked_at", "recorded_at"])
        attendance.event = locked
        audit_record(actor=actor, verb=verb, obj=locked, scope=_scope(locked), request=request,
                     data={"user": user.email, "minutes": full})
    return attendance


def attendance_revoke(*, attendance: Attendance, actor, request=None) -> Attendance:
    """Revoke an attendance: it earns no credit and invalidates certificates (the learning
    app reads `revoked_at`). Revoking twice keeps the first time. Imports never undo it."""
    event = Event.objects.select_related("community").get(pk=attendance.event_id)
    _check_may_manage(actor, event)
    with transaction.atomic():
        Event.objects.select_for_update().get(pk=event.pk)
        attendance = Attendance.objects.select_related("user").get(pk=attendance.pk)
        if attendance.revoked_at is not None:
            return attendance
        attendance.revoked_at = timezone.now()
        attendance.save(update_fields=["revoked_at"])
        attendance.event = event
        audit_record(actor=actor, verb="events.attendance.revoked", obj=event,
                     scope=_scope(event), request=request,
                     data={"user": attendance.user.email, "minutes": attendance.minutes})
    return attendance


# --- Importing ----------------------------------------------------------------------------

@dataclass
class ImportResult:
    format: str
    rows: int = 0  # participant rows read
    matched_rows: int = 0
    people: int = 0  # distinct accounts matched
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    kept_check_in: int = 0  # checked in on site: the full event already
    kept_revoked: int = 0  # revoked by an organizer: imports never undo it
    unmatched: list[RowProblem] = field(default_factory=list)
    rejected: list[RowProblem] = field(default_factory=list)

    @property
    def changed(self) -> int:
        return self.created + self.updated


def _accounts_by_email(emails: set[str]) -> dict[str, set[int]]:
    """Verified addresses (any of a person's, compared case-insensitively) → account ids."""
    found: dict[str, set[int]] = {}
    ordered = sorted(emails)
    for start in range(0, len(ordered), _LOOKUP_CHUNK):
        chunk = ordered[start:start + _LOOKUP_CHUNK]
        pairs = (EmailAddress.objects.filter(verified=True, user__is_active=True)
                 .annotate(address=Lower("email")).filter(address__in=chunk)
                 .values_list("address", "user_id"))
        for address, user_id in pairs:
            found.setdefault(address, set()).add(user_id)
    return found


def _check_importable(event: Event) -> None:
    if event.status != Event.Status.PUBLISHED:
        raise AttendanceImportError("Attendance is only recorded for published events; "
                                    "this one is a draft or canceled.")
    if event.starts_at > timezone.now():
        raise AttendanceImportError("This event has not started yet. Import the report "
                                    "after the event.")


def attendance_import(*, event: Event, actor, data: bytes, report_format: str = "auto",
                      time_zone: str | None = None, filename: str = "",
                      request=None) -> ImportResult:
    """Import a Zoom or Teams participant report for `event`.

    Rows are matched to accounts by verified e-mail address; a person's rows (they rejoin)
    are summed and capped at the event's length. All or nothing: a file that cannot be read
    raises AttendanceImportError and nothing changes. Idempotent: the same file twice gives
    the same attendance. Check-ins (already the full event) and revoked attendance are left
    as they are."""
    _check_may_manage(actor, event)
    _check_importable(event)
    report = attendance_report_parse(data=data, event=event, report_format=report_format,
                                     time_zone=time_zone)
    result = ImportResult(format=report.format, rejected=report.rejected,
                          rows=len(report.rows) + len(report.rejected))
    accounts = _accounts_by_email({row.email for row in report.rows if row.email})
    seconds_by_user: dict[int, int] = {}
    for row in report.rows:
        users = accounts.get(row.email, set())
        if not row.email:
            result.unmatched.append(RowProblem(row.line, row.name, "", "No e-mail address in "
                                               "the report (a guest or phone caller)."))
        elif not users:
            result.unmatched.append(RowProblem(row.line, row.name, row.email,
                                               "No account has this verified address."))
        elif len(users) > 1:
            result.rejected.append(RowProblem(row.line, row.name, row.email,
                                              "More than one account has this address."))
        else:
            (user_id,) = users
            result.matched_rows += 1
            seconds_by_user[user_id] = seconds_by_user.get(user_id, 0) + row.seconds
    result.rejected.sort(key=lambda problem: problem.line)
    source = Attendance.Source.ZOOM if report.format == "zoom" else Attendance.Source.TEAMS

    with transaction.atomic():
        locked = Event.objects.select_for_update().select_related("community").get(pk=event.pk)
        _check_importable(locked)
        cap = event_minutes(locked)
        minutes_by_user = {uid: min((secs + 30) // 60, cap)
                           for uid, secs in seconds_by_user.items()}
        result.people = len(minutes_by_user)
        existing = {}
        user_ids = sorted(minutes_by_user)
        for start in range(0, len(user_ids), _LOOKUP_CHUNK):
            for attendance in Attendance.objects.filter(
                    event=locked, user_id__in=user_ids[start:start + _LOOKUP_CHUNK]):
                existing[attendance.user_id] = attendance
        now = timezone.now()
        to_create, to_update = [], []
        for user_id, minutes in minutes_by_user.items():
            attendance = existing.get(user_id)
            if attendance is None:
                to_create.append(Attendance(event=locked, user_id=user_id, minutes=minutes,
                                            source=source, recorded_at=now))
            elif attendance.revoked_at is not None:
                result.kept_revoked += 1
            elif attendance.source == Attendance.Source.CHECK_IN:
                result.kept_check_in += 1
            elif attendance.minutes == minutes and attendance.source == source:
                result.unchanged += 1
            else:
                attendance.minutes, attendance.source, attendance.recorded_at = (
                    minutes, source, now)
                to_update.append(attendance)
        Attendance.objects.bulk_create(to_create, batch_size=500)
        Attendance.objects.bulk_update(to_update, ["minutes", "source", "recorded_at"],
                                       batch_size=500)
        result.created, result.updated = len(to_create), len(to_update)
        audit_record(actor=actor, verb="events.attendance.imported", obj=locked,
                     scope=_scope(locked), request=request, data={
                         "format": report.format, "file": filename[:200],
                         "rows": result.rows, "matched_rows": result.matched_rows,
                         "people": result.people, "created": result.created,
                         "updated": result.updated, "unchanged": result.unchanged,
                         "unmatched": len(result.unmatched), "rejected": len(result.rejected),
                     })
    return result
