from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from cophub.events.models import Attendance, Event
from cophub.learning.models import Instructor, Series, Session, Track


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The access-request form counts requests per address in the cache."""
    cache.clear()


@pytest.fixture
def series(community):
    return Series.objects.create(community=community, slug="2024-ai-training",
                                 title="2024 AI Training Series", year=2024,
                                 description="Role-based training for the federal workforce.")


@pytest.fixture
def make_track(series):
    def make(name: str = "Acquisition", **fields):
        return Track.objects.create(series=fields.pop("series", series), slug=name.lower(),
                                    name=name, **fields)

    return make


@pytest.fixture
def instructor():
    return Instructor.objects.create(name="Ada Professor", affiliation="Stanford University",
                                     title="Professor of Computer Science")


@pytest.fixture
def make_session(community, series):
    """A training session: an Event (published, an hour long, a week ahead unless `past`)
    linked to the series. Event fields and session fields are both accepted."""
    counter = iter(range(1, 10_000))

    def make(*, tracks=(), instructors=(), past: bool = False, minutes: int = 60,
             **fields):
        session_fields = {k: fields.pop(k) for k in ("credit_per_hour", "min_attendance_ratio",
                                                     "credit_points") if k in fields}
        the_series = fields.pop("series", series)
        n = next(counter)
        start = timezone.now() + (timedelta(days=-30 + n) if past else timedelta(days=7 + n))
        event_fields = {"community": community, "kind": Event.Kind.TRAINING,
                        "title": f"Session {n}: AI fundamentals", "starts_at": start,
                        "ends_at": start + timedelta(minutes=minutes),
                        "status": Event.Status.PUBLISHED, "access_level": "signed_in",
                        "join_url": "https://zoom.example/j/42"}
        event_fields.update(fields)
        event = Event.objects.create(**event_fields)
        session = Session.objects.create(event=event, series=the_series, **session_fields)
        session.tracks.set(tracks)
        session.instructors.set(instructors)
        return session

    return make


@pytest.fixture
def attend():
    """Attendance rows as the import (being written in events) will create them."""

    def make(user, session, minutes: int, *, revoked: bool = False):
        return Attendance.objects.create(
            event=session.event, user=user, minutes=minutes, source=Attendance.Source.ZOOM,
            revoked_at=timezone.now() if revoked else None)

    return make
