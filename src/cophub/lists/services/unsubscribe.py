"""Signed one-click unsubscribe links (RFC 8058): one per subscription, in each copy's
List-Unsubscribe header (`delivery`) and in the welcome message (`subscriptions`)."""

from django.core import signing
from django.urls import reverse

from cophub.core.links import site_url

from ..models import Subscription

_UNSUBSCRIBE_SALT = "cophub.lists.unsubscribe"
TOKEN_PLACEHOLDER = "TOKEN-PLACEHOLDER"


def unsubscribe_signer() -> signing.Signer:
    # No expiry: an old message's link must still work (RFC 8058 asks for durable links).
    return signing.Signer(salt=_UNSUBSCRIBE_SALT)


def unsubscribe_token(subscription_id: int) -> str:
    return unsubscribe_signer().sign(str(subscription_id))


def unsubscribe_token_read(token: str) -> Subscription | None:
    """The subscription a one-click token names, or None if the token is forged/garbled."""
    try:
        value = unsubscribe_signer().unsign(token or "")
    except signing.BadSignature:
        return None
    if not value.isdigit():
        return None
    return (Subscription.objects.select_related("mailing_list", "subscriber")
            .filter(pk=int(value)).first())


def unsubscribe_url_template() -> str:
    """The one-click URL with `TOKEN_PLACEHOLDER` for the token: reversed once per list,
    filled in per recipient."""
    return site_url(reverse("lists:unsubscribe_one_click", args=[TOKEN_PLACEHOLDER]))


def unsubscribe_url(*, subscription: Subscription) -> str:
    return unsubscribe_url_template().replace(TOKEN_PLACEHOLDER,
                                              unsubscribe_token(subscription.pk))
