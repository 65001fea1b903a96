"""Writes about lists: subscriptions, confirmations, posts, moderation."""

from .models import Subscriber


def subscriber_link_user(*, user, email: str) -> int:
    """Link the e-mail-only subscriber with this address to `user`, who has just verified
    it, so the person has one subscriber record, not two. Returns how many were linked."""
    return Subscriber.objects.filter(email__iexact=email, user__isnull=True).update(user=user)
