"""The federal fiscal-year report of a community's events: events held, registrations,
unique attendees, attendance rate and satisfaction, in total, by kind and by host group.

Every figure is aggregated in the database: a fixed number of queries (four per breakdown)
whatever the number of events, registrations or attendees."""

import zoneinfo
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Avg, Count, Exists, F, OuterRef, Q, QuerySet
from django.utils import timezone

from .models import Attendance, Event, Feedback, Registration

FISCAL_TZ = zoneinfo.ZoneInfo("America/New_York")  # the federal fiscal calendar's clock
NO_GROUP = "No host group"


def fiscal_year_bounds(fy: int) -> tuple[datetime, datetime]:
    """[start, end) of federal fiscal year `fy`: FY2023 runs from 1 October 2022 to
    30 September 2023, midnight to midnight in Washington."""
    return (datetime(fy - 1, 10, 1, tzinfo=FISCAL_TZ), datetime(fy, 10, 1, tzinfo=FISCAL_TZ))


def fiscal_year_of(moment: datetime) -> int:
    local = timezone.localtime(moment, FISCAL_TZ)
    return local.year + 1 if local.month >= 10 else local.year


@dataclass
class ReportRow:
    label: str
    events: int = 0
    registrations: int = 0  # confirmed or wait-listed at the end
    confirmed: int = 0
    attended_registrants: int = 0  # confirmed registrants with (unrevoked) attendance
    attendances: int = 0  # every unrevoked attendance, registered or not
    unique_attendees: int = 0
    responses: int = 0
    average_satisfaction: float | None = None

    @property
    def attendance_rate(self) -> float | None:
        """Attended ÷ confirmed registrations."""
        return self.attended_registrants / self.confirmed if self.confirmed else None


@dataclass
class FiscalYearReport:
    fy: int
    starts: datetime
    ends: datetime  # exclusive
    total: ReportRow
    by_kind: list[ReportRow] = field(default_factory=list)
    by_group: list[ReportRow] = field(default_factory=list)

    @property
    def first_day(self) -> date:
        return self.starts.date()

    @property
    def last_day(self) -> date:
        return (self.ends - timedelta(days=1)).date()


def fy_events(*, community, fy: int) -> QuerySet[Event]:
    """Events that took place in the fiscal year: published (not drafts, not cancelled) and
    starting inside it."""
    start, end = fiscal_year_bounds(fy)
    return Event.objects.filter(community=community, status=Event.Status.PUBLISHED,
                                starts_at__gte=start, starts_at__lt=end)


def _figures(events: QuerySet[Event], key: str | None) -> dict[str, dict]:
    """Figures per value of the Event field `key` (None: the total), four queries."""
    def grouped(qs, prefix: str, **aggregates) -> dict:
        if key is None:
            return {None: qs.aggregate(**aggregates)}
        rows = qs.values(k=F(prefix + key)).annotate(**aggregates).order_by()
        return {row.pop("k"): row for row in rows}

    confirmed = Q(status=Registration.Status.CONFIRMED)
    attended = Exists(Attendance.objects.filter(
        event=OuterRef("event_id"), user=OuterRef("user_id"), revoked_at__isnull=True))
    return {
        "events": grouped(events, "", events=Count("id")),
        "registrations": grouped(
            Registration.objects.filter(event__in=events), "event__",
            registrations=Count("id", filter=~Q(status=Registration.Status.CANCELLED)),
            confirmed=Count("id", filter=confirmed),
            attended_registrants=Count("id", filter=confirmed & attended)),
        "attendance": grouped(
            Attendance.objects.filter(event__in=events, revoked_at__isnull=True), "event__",
            attendances=Count("id"), unique_attendees=Count("user_id", distinct=True)),
        "feedback": grouped(Feedback.objects.filter(event__in=events), "event__",
                            responses=Count("id"), average_satisfaction=Avg("satisfaction")),
    }


def _row(figures: dict[str, dict], key, label: str) -> ReportRow:
    row = ReportRow(label=label)
    for part in figures.values():
        for name, value in (part.get(key) or {}).items():
            setattr(row, name, value)
    row.events = row.events or 0
    return row


def fy_report(*, community, fy: int) -> FiscalYearReport:
    """The report for one community and fiscal year (13 queries)."""
    start, end = fiscal_year_bounds(fy)
    events = fy_events(community=community, fy=fy)
    total = _row(_figures(events, None), None, f"All events, FY{fy}")

    kinds = _figures(events, "kind")
    labels = dict(Event.Kind.choices)
    by_kind = [_row(kinds, kind, labels.get(kind, kind))
               for kind in sorted(kinds["events"], key=lambda k: labels.get(k, k))]

    groups = _figures(events, "group_id")
    names = dict(events.filter(group__isnull=False).values_list("group_id", "group__name")
                 .distinct().order_by())
    order = sorted(groups["events"], key=lambda g: (g is None, (names.get(g) or "").lower()))
    by_group = [_row(groups, group_id, names.get(group_id) or NO_GROUP) for group_id in order]
    return FiscalYearReport(fy=fy, starts=start, ends=end, total=total, by_kind=by_kind,
                            by_group=by_group)
