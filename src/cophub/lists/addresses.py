"""List addresses: `ai@<list domain>` and its companions, and signed VERP bounce addresses.

    ai@lists.example.gov                  post to the list
    ai-request@, ai-join@, ai-leave@      commands (subscribe, unsubscribe, help, who, confirm)
    ai-owner@                             the people who run the list
    ai-bounces@                           bounces nobody can attribute (kept for review only)
    ai-bounces+<token>-jane=agency.gov@   the bounce of the copy sent to jane@agency.gov
    ai-bounces+<token>-4711@              the same for a long address: subscription 4711
    bounces+<token>-jane=agency.gov@      the bounce of a notice sent to jane@agency.gov (an
                                          event reminder, a forum notification, account mail)

Only a bounce to a VERP address whose token verifies is scored (issue 17, finding 2): anyone
can send a report to `ai-bounces@` naming any subscriber, or write `ai-bounces+jane=…` by
hand. The token is ten base32 characters (50 bits) of an HMAC with the secret key, salted for
this purpose, over the list's local part and what follows the token; `SECRET_KEY_FALLBACKS`
still verify, so rotating the key does not orphan bounces of mail already sent.

RFC 5321 allows 64 octets of local part. `ai-bounces+<token>-` costs 22 octets, leaving 42
for the address: enough for `firstname.lastname@agency.gov`, not for a contractor's
`alexandra.konstantinopoulou@contractors.cms.hhs.gov` or a list with a long name. Then the
token names the subscription id instead (post and digest fan-out know it; the newsletter
passes none), and if even that does not fit, or the address needs characters a bare local
part cannot carry, the copy goes out from the plain `-bounces@`: its bounces are kept for
review and never scored, which is the safe side.

Notices — the site's own mail, From DEFAULT_FROM_EMAIL under any display name (event
confirmations and reminders, forum notifications, account mail), queued without a return
path — get one when the outbox builds them (`core.mail.return_path`):
`bounces+<token>-<address>@`, the same token salted for that purpose over the encoded address
alone, so a list's token never verifies as a notice's nor the other way round. `bounces+` and
the token cost 19 octets, leaving 45 for the address; an address that does not fit keeps the
From address as its return path, as before. Mail From another address keeps it too: a list's
command replies, confirmations and owner notices, a test newsletter, mail sent on a list's
behalf — that sender's bounces are its own. A notice's bounce is verified when the mail
server is asked to take it (RCPT): a forged one is refused.

VERP addresses without a token (messages sent before tokens) are refused, not accepted for
a transition period: they are exactly what the forger writes, and a real bounce comes back
within minutes to days, so the cost is a few days of unscored bounces after the upgrade.

Hand-written: the format is ours (Mailman's VERP convention plus a token), a few lines of
string work; django.core.signing's 43-character signatures would not fit in 64 octets.
"""

import base64
import re
from dataclasses import dataclass
from email.utils import parseaddr
from functools import lru_cache

from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac

ROLES = ("request", "join", "leave", "owner", "bounces")
POST = "post"

LOCAL_PART_MAX = 64  # RFC 5321 §4.5.3.1.1, in octets
TOKEN_LENGTH = 10  # base32 characters: 50 bits, against an attacker sending one mail a guess
_VERP_SALT = "cophub.lists.verp"
# `bounces+<token>-<address>@`: the return path of notices; a reserved local part (no list,
# no other app's handler may take it).
NOTICE_BOUNCES = "bounces"
_NOTICE_SALT = "cophub.lists.notice-verp"
# What an unquoted local part may hold (RFC 5322 atext and dots), lower case as we write it.
_ATEXT = re.compile(r"^[a-z0-9!#$%&'*+/=?^_`{|}~.-]+$")


@dataclass(frozen=True)
class ListAddress:
    local_part: str  # the list's own local part ("ai"); "" for a notice's bounces+ address
    role: str  # POST or one of ROLES
    verp_email: str = ""  # a verified bounces+<token>-<address>@: whose copy bounced
    verp_subscription_id: int | None = None  # a verified bounces+<token>-<id>@
    verp_unverified: str = ""  # an extension whose token did not verify (for review)

    @property
    def verp_verified(self) -> bool:
        return bool(self.verp_email) or self.verp_subscription_id is not None

    @property
    def is_notice_bounce(self) -> bool:
        """`bounces+…@`: the return path of a notice, not of a list's copy."""
        return self.role == "bounces" and not self.local_part


def list_domain() -> str:
    return settings.COPHUB_LIST_DOMAIN.lower()


def address_parse(address: str) -> ListAddress | None:
    """What an envelope recipient means, or None if it is not one of ours. Does not look the
    list up: `ai-owner@` parses even if there is no list `ai`. A bounces address with an
    extension always parses; only a valid token fills `verp_email` or
    `verp_subscription_id`."""
    local, at, domain = address.strip().strip("<>").rpartition("@")
    if not at or not local or domain.lower() != list_domain():
        return None
    local = local.lower()
    base, plus, extension = local.partition("+")
    if base == NOTICE_BOUNCES and plus:
        return _verp_read("", extension, salt=_NOTICE_SALT)
    for role in ROLES:
        suffix = f"-{role}"
        if base.endswith(suffix) and len(base) > len(suffix):
            list_part = base[: -len(suffix)]
            if role == "bounces" and plus:
                return _verp_read(list_part, extension)
            if plus:  # only bounces take an extension
                return None
            return ListAddress(list_part, role)
    if plus:
        return None
    return ListAddress(base, POST)


def verp_address(*, local_part: str, recipient: str, subscription_id: int | None = None) -> str:
    """The Return-Path for the copy sent to `recipient`: its bounce names the recipient (or
    the subscription), with a token only we can make. Falls back as the module says."""
    lp = local_part.lower()
    domain = list_domain()
    encoded = verp_encode(recipient)
    candidates = []
    if _ATEXT.match(encoded) and "=" in encoded:
        candidates.append(encoded)
    if subscription_id is not None:
        candidates.append(str(int(subscription_id)))
    for value in candidates:
        local = f"{lp}-bounces+{_token(lp, value)}-{value}"
        if len(local.encode()) <= LOCAL_PART_MAX:
            return f"{local}@{domain}"
    return f"{lp}-bounces@{domain}"


def notice_return_path(*, to: str, from_email: str) -> str:
    """The return path of a notice to `to` (the outbox's builder, `core.mail.return_path`):
    `bounces+<token>-<to encoded>@<list domain>`, whose bounce names `to` with a token only
    we can make. "" (the From address stays the return path) for mail from any sender but
    the site's own, and for an address that cannot be written in 64 octets."""
    if _address_of(from_email) != _address_of(settings.DEFAULT_FROM_EMAIL):
        return ""
    encoded = verp_encode(to)
    if "=" not in encoded or not _ATEXT.match(encoded):
        return ""
    local = f"{NOTICE_BOUNCES}+{_token('', encoded, salt=_NOTICE_SALT)}-{encoded}"
    if len(local.encode()) > LOCAL_PART_MAX:
        return ""
    return f"{local}@{list_domain()}"


@lru_cache(maxsize=256)
def _address_of(from_email: str) -> str:
    """The bare address of a From value, lower case (cached: a fan-out asks per copy)."""
    return parseaddr(from_email)[1].lower()


def verp_encode(email: str) -> str:
    local, _, domain = email.rpartition("@")
    return f"{local}={domain}".lower()


def verp_decode(extension: str) -> str:
    local, eq, domain = extension.rpartition("=")
    if not eq or not local or not domain:
        return ""
    return f"{local}@{domain}"


def _verp_read(list_part: str, extension: str, *, salt: str = _VERP_SALT) -> ListAddress:
    unverified = ListAddress(list_part, "bounces", verp_unverified=extension[:200])
    token, dash, value = extension.partition("-")
    if not dash or len(token) != TOKEN_LENGTH or not value:
        return unverified
    if not any(constant_time_compare(token, _token(list_part, value, secret, salt=salt))
               for secret in _secrets()):
        return unverified
    if value.isdigit():
        if salt == _NOTICE_SALT:  # notices name an address, never a subscription
            return unverified
        return ListAddress(list_part, "bounces", verp_subscription_id=int(value))
    email = verp_decode(value)
    if not email:
        return unverified
    return ListAddress(list_part, "bounces", verp_email=email)


def _secrets() -> list[str]:
    return [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", ())]


def _token(list_part: str, value: str, secret: str | None = None, *,
           salt: str = _VERP_SALT) -> str:
    digest = salted_hmac(salt, f"{list_part}\n{value}", secret=secret or None,
                         algorithm="sha256").digest()
    return base64.b32encode(digest).decode()[:TOKEN_LENGTH].lower()
