"""Writes about a person's private calendar feed (its secret token). Calendar apps cannot
sign in, so the feed's URL carries the token; resetting it replaces the URL."""

from django.db import transaction
from django.utils import timezone

from cophub.core.audit import audit_record

from ..models import CalendarFeed, new_feed_token


def calendar_feed_get_or_create(*, user) -> CalendarFeed:
    """The person's feed, created with a fresh token on first use."""
    feed, _created = CalendarFeed.objects.get_or_create(user=user)
    return feed


def calendar_feed_reset(*, user, request=None) -> CalendarFeed:
    """Replace the person's feed token: the old URL stops working when this commits.
    Writes one audit row (without the token)."""
    with transaction.atomic():
        feed, _created = CalendarFeed.objects.select_for_update().get_or_create(user=user)
        feed.token = new_feed_token()
        feed.created_at = timezone.now()
        feed.save(update_fields=["token", "created_at"])
        audit_record(actor=user, verb="events.calendar_feed.reset", obj=feed, request=request)
    return feed
