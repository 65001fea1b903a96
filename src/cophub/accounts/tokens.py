"""Signed links that prove a mailbox: the confirmation link of a qualifying address's yearly
check (`QualifyingAddressCheck`), also sent again on request for a lapsed address.

Following the link proves that whoever holds it reads that mailbox, so it works without
signing in. Each link names the address and what is pending for it when it was sent: this
year's request (`r` and its time) or one lapse (`l` and its id). It confirms only while that
same thing is still pending, so a link is good once (a confirmation clears what it named), and
a link sent before the address lapsed can never lift the lapse (mail kept from before a hard
bounce proves nothing about the mailbox after it). It expires after the grace period.

Hand-written around Django's `TimestampSigner` (its own salt) rather than allauth's
confirmation keys, which confirm unverified addresses only."""

import hashlib
from dataclasses import dataclass
from datetime import UTC, timedelta

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core import signing
from django.urls import reverse

from cophub.core.links import site_url

SALT = "cophub.accounts.address-check"


class LinkExpired(Exception):
    pass


class LinkInvalid(Exception):
    pass


@dataclass(frozen=True)
class AddressLink:
    email_address_id: int
    email_digest: str
    state: str


def link_max_age() -> timedelta:
    return timedelta(days=settings.COPHUB_GOV_RECONFIRM_GRACE_DAYS)


def email_digest(email: str) -> str:
    """Binds a link to the address's text without putting the address in the URL."""
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:16]


def address_state(*, lapse_id: int | None, requested_at) -> str:
    """What a link for an address confirms: its lapse if it has one, else this year's
    request, else nothing ("")."""
    if lapse_id is not None:
        return f"l{lapse_id}"
    if requested_at is not None:
        return "r" + requested_at.astimezone(UTC).strftime("%Y%m%d%H%M%S%f")
    return ""


def address_token_make(*, email_address: EmailAddress, state: str) -> str:
    if not state:
        raise ValueError("Nothing is pending for this address; there is nothing to confirm.")
    signer = signing.TimestampSigner(salt=SALT)
    return signer.sign_object([email_address.pk, email_digest(email_address.email), state])


def address_token_read(token: str) -> AddressLink:
    """The link's content; raises `LinkExpired` or `LinkInvalid` (forged, tampered, cut)."""
    signer = signing.TimestampSigner(salt=SALT)
    try:
        address_id, digest, state = signer.unsign_object(token, max_age=link_max_age())
    except signing.SignatureExpired as exc:
        raise LinkExpired from exc
    except (signing.BadSignature, ValueError, TypeError) as exc:
        raise LinkInvalid from exc
    if not isinstance(address_id, int) or not isinstance(digest, str) \
            or not isinstance(state, str) or not state:
        raise LinkInvalid
    return AddressLink(email_address_id=address_id, email_digest=digest, state=state)


def address_link_url(*, email_address: EmailAddress, state: str) -> str:
    token = address_token_make(email_address=email_address, state=state)
    return site_url(reverse("accounts:address_confirm", kwargs={"token": token}))
