"""The credit rule: threshold, cap, fixed points, revocation — in Python and in SQL alike."""

from decimal import Decimal

import pytest

from cophub.events.models import Attendance
from cophub.learning.credit import credit_earned_q, credit_sql
from cophub.learning.services import credit_for

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("minutes,expected", [
    (0, "0.00"),
    (29, "0.00"),      # below half of a 60-minute session: nothing
    (30, "0.50"),      # exactly the threshold earns
    (45, "0.75"),
    (50, "0.83"),      # rounded to hundredths
    (60, "1.00"),
    (95, "1.00"),      # capped at the session's length
])
def test_default_rule_is_one_clp_per_hour_above_half_attendance(
        make_session, attend, gov_member, minutes, expected):
    session = make_session(past=True)
    attendance = attend(gov_member, session, minutes)
    assert credit_for(attendance=attendance, session=session) == Decimal(expected)


def test_revoked_attendance_earns_nothing(make_session, attend, gov_member):
    session = make_session(past=True)
    attendance = attend(gov_member, session, 60, revoked=True)
    assert credit_for(attendance=attendance, session=session) == Decimal("0.00")


def test_no_attendance_earns_nothing(make_session):
    assert credit_for(attendance=None, session=make_session(past=True)) == Decimal("0")


def test_fixed_points_replace_the_hourly_rate_but_keep_the_threshold(
        make_session, attend, make_user):
    session = make_session(past=True, minutes=90, credit_points=Decimal("2"),
                           min_attendance_ratio=Decimal("0.75"))
    full = attend(make_user("a@nasa.gov"), session, 70)
    short = attend(make_user("b@nasa.gov"), session, 60)
    assert credit_for(attendance=full, session=session) == Decimal("2.00")
    assert credit_for(attendance=short, session=session) == Decimal("0.00")


def test_configured_rate_and_threshold(make_session, attend, gov_member):
    session = make_session(past=True, minutes=120, credit_per_hour=Decimal("1.5"),
                           min_attendance_ratio=Decimal("0.25"))
    attendance = attend(gov_member, session, 40)
    assert credit_for(attendance=attendance, session=session) == Decimal("1.00")


def test_sql_credit_agrees_with_python_for_every_case(make_session, attend, make_user):
    sessions = [
        make_session(past=True),
        make_session(past=True, minutes=90, credit_per_hour=Decimal("1.5")),
        make_session(past=True, minutes=45, credit_points=Decimal("0.75"),
                     min_attendance_ratio=Decimal("1")),
        make_session(past=True, minutes=180, min_attendance_ratio=Decimal("0.33")),
        make_session(past=True, minutes=50, min_attendance_ratio=Decimal("0")),
    ]
    people = [make_user(f"p{i}@nasa.gov") for i in range(12)]
    minutes = [0, 1, 14, 22, 29, 30, 44, 45, 59, 60, 61, 200]
    for session in sessions:
        for person, m in zip(people, minutes, strict=True):
            attend(person, session, m, revoked=(m == 61))
    by_pk = {s.event_id: s for s in sessions}
    rows = Attendance.objects.annotate(credit=credit_sql())
    earning = set(Attendance.objects.filter(credit_earned_q()).values_list("pk", flat=True))
    assert rows.count() == 60
    for row in rows:
        expected = credit_for(attendance=row, session=by_pk[row.event_id])
        assert row.credit == expected, (row.minutes, by_pk[row.event_id].event.title)
        assert (row.pk in earning) == (expected > 0 or (
            by_pk[row.event_id].credit_points == 0)), row.minutes
