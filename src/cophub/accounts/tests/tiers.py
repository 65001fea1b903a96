"""Changing a person's tier the way the product does (verified addresses, then
`user_tier_refresh`), for the tests of every app that must react to it."""

from allauth.account.models import EmailAddress

from cophub.accounts.models import Tier
from cophub.accounts.services import user_tier_refresh


def leaves_government(user, *, new_address: str = "mia@example.com") -> None:
    """The person adds a personal address, makes it primary and removes their .gov one; the
    tier is recomputed as allauth's `email_removed` signal does."""
    personal = EmailAddress.objects.create(user=user, email=new_address, verified=True)
    personal.set_as_primary()
    EmailAddress.objects.filter(user=user).exclude(pk=personal.pk).delete()
    user_tier_refresh(user=user)
    user.refresh_from_db()
    assert not user.is_government


def rejoins_government(user, *, address: str = "member@va.gov") -> None:
    EmailAddress.objects.create(user=user, email=address, verified=True)
    user_tier_refresh(user=user)
    user.refresh_from_db()
    assert user.is_government


def with_personal_address(user, *, address: str):
    """A government member who also has a verified personal address."""
    EmailAddress.objects.create(user=user, email=address, verified=True)
    user_tier_refresh(user=user)
    user.refresh_from_db()
    assert user.tier == Tier.GOVERNMENT
    return user
