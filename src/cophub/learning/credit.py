"""The credit rule, once in Python (one attendance) and once in SQL (reports and transcripts
over thousands of attendances). A test holds the two to the same answers on SQLite and on
PostgreSQL.

The rule: an attendance earns Continuous Learning Points (CLPs) when it is not revoked and
lasted at least `min_attendance_ratio` of the session's length. It then earns the session's
fixed `credit_points` if set, else `credit_per_hour` per hour attended, rounded to hundredths,
counting at most the session's length (a person who stayed in the webinar room afterwards
earns no more than the session is worth).
"""

from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    Case,
    DecimalField,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    Q,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Least, Round

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
CREDIT_FIELD = DecimalField(max_digits=10, decimal_places=2)
_SESSION = "event__training_session__"


def attendance_qualifies(*, attendance, session) -> bool:
    """Whether an attendance (or None) earns credit at all: not revoked, and long enough."""
    if attendance is None or attendance.revoked_at is not None or attendance.minutes <= 0:
        return False
    duration = session.duration_minutes
    return duration > 0 and Decimal(attendance.minutes) >= session.min_attendance_ratio * duration


def credit_for(*, attendance, session) -> Decimal:
    """The CLPs one attendance earns at `session` (0.00 when none, or no attendance)."""
    if not attendance_qualifies(attendance=attendance, session=session):
        return ZERO
    if session.credit_points is not None:
        return session.credit_points.quantize(CENT)
    hours = Decimal(min(attendance.minutes, session.duration_minutes)) / 60
    return (hours * session.credit_per_hour).quantize(CENT, rounding=ROUND_HALF_UP)


class MinutesBetween(Func):
    """Whole minutes from one datetime column to another, rounded as `Session.duration_minutes`
    rounds. Hand-written because Django cannot turn a datetime difference into a number on
    SQLite (`Extract` on a duration is PostgreSQL-only)."""

    output_field = IntegerField()
    arity = 2

    def as_sql(self, compiler, connection, **extra):
        (start, start_params), (end, end_params) = (compiler.compile(e)
                                                    for e in self.source_expressions)
        params = (*end_params, *start_params)
        if connection.vendor == "sqlite":
            return f"CAST(ROUND((julianday({end}) - julianday({start})) * 1440) AS INTEGER)", \
                params
        if connection.vendor == "postgresql":
            return f"CAST(ROUND(EXTRACT(EPOCH FROM ({end} - {start})) / 60) AS INTEGER)", params
        raise NotImplementedError(f"MinutesBetween does not support {connection.vendor}")


class Quotient(Func):
    """`a / b` as a decimal on every database: SQLite divides integers as integers, and
    stores whole decimals (a credit_per_hour of 1) as integers."""

    output_field = DecimalField(max_digits=16, decimal_places=6)
    arity = 2

    def as_sql(self, compiler, connection, **extra):
        (num, num_params), (den, den_params) = (compiler.compile(e)
                                                for e in self.source_expressions)
        cast = "REAL" if connection.vendor == "sqlite" else "NUMERIC"
        return f"(CAST({num} AS {cast}) / {den})", (*num_params, *den_params)


def _duration() -> MinutesBetween:
    return MinutesBetween(F("event__starts_at"), F("event__ends_at"))


def credit_earned_q() -> Q:
    """For `events.Attendance` querysets: the attendance earns credit (see module doc)."""
    threshold = ExpressionWrapper(F(_SESSION + "min_attendance_ratio") * _duration(),
                                  output_field=DecimalField(max_digits=12, decimal_places=4))
    return Q(revoked_at__isnull=True, minutes__gt=0, minutes__gte=threshold,
             event__training_session__isnull=False)


def credit_sql() -> Case:
    """For `events.Attendance` querysets: the CLPs each attendance earns, as `credit_for`."""
    capped = Least(F("minutes"), _duration())
    per_hour = Round(Quotient(ExpressionWrapper(
        capped * F(_SESSION + "credit_per_hour"),
        output_field=DecimalField(max_digits=12, decimal_places=4)), Value(60)), 2)
    return Case(
        When(credit_earned_q(), then=Coalesce(F(_SESSION + "credit_points"), per_hour,
                                              output_field=CREDIT_FIELD)),
        default=Value(ZERO), output_field=CREDIT_FIELD,
    )
