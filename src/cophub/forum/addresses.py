"""Per-recipient reply addresses for forum notifications: `reply+<token>@<list domain>`.

The token names the person the notification went to and the post it is about, and the day
it was made, with an HMAC only this site can make (salted for this purpose; keys in
`SECRET_KEY_FALLBACKS` still verify after a rotation). A reply is accepted only from that
person's verified addresses (services.replies), so a token copied from a forwarded
notification lets nobody else post; a token older than COPHUB_REPLY_TOKEN_DAYS is refused
with a reply saying how to answer on the web.

Hand-written for the same reason as lists.addresses: a local part has 64 octets, and
django.core.signing's signatures do not fit. 4 + 4 + 2 bytes of ids and day, and 10 bytes
(80 bits) of HMAC, in base32: 32 characters, `reply+` and the token 38."""

import base64
import struct
from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from cophub.lists.services import list_domain

LOCAL_PART = "reply"
_SALT = "cophub.forum.reply"
_EPOCH = date(2020, 1, 1)
_IDS = struct.Struct(">IIH")
_MAC_BYTES = 10


@dataclass(frozen=True)
class ReplyToken:
    user_id: int
    post_id: int
    issued: date

    @property
    def expired(self) -> bool:
        return timezone.localdate() - self.issued > timedelta(
            days=settings.COPHUB_REPLY_TOKEN_DAYS)


def reply_address(*, user_id: int, post_id: int, today: date | None = None) -> str:
    day = ((today or timezone.localdate()) - _EPOCH).days
    ids = _IDS.pack(user_id, post_id, max(0, min(day, 0xFFFF)))
    token = base64.b32encode(ids + _mac(ids)).decode().lower()
    return f"{LOCAL_PART}+{token}@{list_domain()}"


def reply_token_read(extension: str) -> ReplyToken | None:
    """The token of `reply+<extension>@`, or None if it is malformed or forged."""
    try:
        raw = base64.b32decode(extension.strip().upper())
    except (ValueError, TypeError):
        return None
    if len(raw) != _IDS.size + _MAC_BYTES:
        return None
    ids, mac = raw[:_IDS.size], raw[_IDS.size:]
    if not any(constant_time_compare(mac, _mac(ids, secret)) for secret in _secrets()):
        return None
    user_id, post_id, day = _IDS.unpack(ids)
    return ReplyToken(user_id=user_id, post_id=post_id, issued=_EPOCH + timedelta(days=day))


def _secrets() -> list[str]:
    return [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", ())]


def _mac(ids: bytes, secret: str | None = None) -> bytes:
    return salted_hmac(_SALT, ids, secret=secret or None, algorithm="sha256").digest()[
        :_MAC_BYTES]


# --- Category addresses ----------------------------------------------------------------------
# `forum+<community>.<category>@<list domain>` starts a topic in a category bound to no list
# (a bound category's address is its list's). Not secret: who may post is checked on the
# sender (services.replies.topic_by_email), as for a list.

CATEGORY_LOCAL_PART = "forum"
_LOCAL_PART_MAX = 64  # RFC 5321 §4.5.3.1.1


def category_address(category) -> str | None:
    """The address that starts a topic in `category` by e-mail; None for a bound category
    (its list's address does) or slugs too long for a local part."""
    if category.mailing_list_id is not None:
        return None
    local = f"{CATEGORY_LOCAL_PART}+{category.community.slug}.{category.slug}"
    return f"{local}@{list_domain()}" if len(local) <= _LOCAL_PART_MAX else None


def category_address_read(extension: str) -> tuple[str, str] | None:
    """(community slug, category slug) of `forum+<extension>@`, or None if malformed."""
    community, dot, slug = extension.strip().lower().partition(".")
    return (community, slug) if dot and community and slug else None
