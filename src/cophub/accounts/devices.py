"""Device cookies: a stranger's failed sign-ins must not lock the owner out (ADR 0008).

OWASP's "Slow Down Online Guessing Attacks with Device Cookies": a browser that completed a
sign-in carries a signed cookie naming the person and a random nonce. When the per-address
limit on failed sign-ins holds, that browser is still let in, limited by its own counter
(see `adapter.AccountAdapter.pre_authenticate`). Hand-written because allauth has no such
thing; it is built on Django's signing and allauth's rate limits.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from allauth.account.utils import filter_users_by_email
from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponseBase

COOKIE_NAME = "cophub_device"
SALT = "cophub.accounts.devices"
MAX_AGE = 365 * 24 * 3600
NONCE_BYTES = 16  # 22 characters of URL-safe base64


@dataclass(frozen=True)
class Device:
    user_id: int
    nonce: str


def device_read(request: HttpRequest) -> Device | None:
    """The device this browser's cookie names, or None for no cookie, a bad signature (forged,
    tampered, signed for another purpose) or one older than a year."""
    value = request.COOKIES.get(COOKIE_NAME)
    if not value:
        return None
    try:
        data = signing.loads(value, salt=SALT, max_age=MAX_AGE)
    except (signing.BadSignature, ValueError):  # SignatureExpired is a BadSignature
        return None
    if not isinstance(data, dict):
        return None
    user_id, nonce = data.get("u"), data.get("n")
    if not isinstance(user_id, int) or not isinstance(nonce, str) or len(nonce) < 16:
        return None
    return Device(user_id=user_id, nonce=nonce)


def device_for_login(request: HttpRequest, *, email: str) -> Device | None:
    """This browser's device if its cookie is valid and was issued to the person who signs in
    with `email` (looked up as allauth's backend does); None for anyone else's cookie."""
    device = device_read(request)
    if device is None or not email:
        return None
    users = filter_users_by_email(email, prefer_verified=True)
    if not any(user.pk == device.user_id for user in users):
        return None
    return device


def device_cookie_issue(*, request: HttpRequest, response: HttpResponseBase, user) -> None:
    """Mark this browser as one `user` signed in from, for a year. A browser that already
    holds a valid cookie for `user` keeps its nonce, so its own failure counter survives."""
    device = device_read(request)
    if device is not None and device.user_id == user.pk:
        nonce = device.nonce
    else:
        nonce = secrets.token_urlsafe(NONCE_BYTES)
    value = signing.dumps({"u": user.pk, "n": nonce}, salt=SALT)
    secure = settings.SITE_URL.startswith("https://") or request.is_secure()
    response.set_cookie(COOKIE_NAME, value, max_age=MAX_AGE, httponly=True, secure=secure,
                        samesite="Lax")
