"""Issue 17, finding 8: a stranger must not be able to lock the owner out of their account.

OWASP's "device cookies": a browser that has signed in successfully before carries a signed
cookie; when the named account is locked by failed sign-ins, that browser is limited by its
own counter instead. Everyone else (the stranger, unknown browsers, forged cookies) stays
locked, and failures are also limited per address and network together.
"""

import base64
import json
import time

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core import signing
from django.test import Client, override_settings
from django.urls import reverse

from cophub.accounts import devices
from cophub.conftest import TOTP_SECRET

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery staple"
OWNER = "member@va.gov"
HOME = "198.51.100.20"
# One address in each of several /24 networks: a stranger spreading guesses across networks.
STRANGER_NETWORKS = ["203.0.113.7", "192.0.2.7", "100.64.0.7", "198.18.0.7", "198.19.0.7",
                     "100.65.0.7", "100.66.0.7", "100.67.0.7"]


def sign_in(client, *, password, ip, login=OWNER):
    return client.post(reverse("account_login"), {"login": login, "password": password},
                       REMOTE_ADDR=ip)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def refused_as_too_many(response) -> bool:
    return "too many failed sign-in attempts" in response.content.decode().lower()


def known_browser(*, login=OWNER, ip=HOME) -> Client:
    """A browser that signed in successfully once and then signed out (it keeps its device
    cookie: signing out ends the session, not the trust in the browser)."""
    browser = Client()
    sign_in(browser, login=login, password=PASSWORD, ip=ip)
    assert signed_in(browser)
    browser.post(reverse("account_logout"), REMOTE_ADDR=ip)
    assert not signed_in(browser)
    return browser


def lock_the_account(login=OWNER) -> Client:
    """A stranger, from their own browser and several networks, fails until the account-wide
    limit (allauth's `login_failed`, per address) holds."""
    stranger = Client()
    for ip in STRANGER_NETWORKS[:5]:
        sign_in(stranger, login=login, password="wrong password", ip=ip)
        assert not signed_in(stranger)
    assert refused_as_too_many(sign_in(stranger, login=login, password="wrong password",
                                       ip=STRANGER_NETWORKS[5]))
    return stranger


def test_stranger_cannot_lock_the_owner_out_of_a_browser_that_signed_in_before(make_user):
    make_user(OWNER, password=PASSWORD)
    home = known_browser()
    lock_the_account()
    response = sign_in(home, password=PASSWORD, ip=HOME)
    assert response.status_code == 302
    assert signed_in(home)


def test_unknown_browsers_and_the_stranger_stay_locked_after_the_failures(make_user):
    make_user(OWNER, password=PASSWORD)
    known_browser()
    stranger = lock_the_account()
    # Even the right password is refused, from the stranger's browser or any other unknown one.
    response = sign_in(stranger, password=PASSWORD, ip=STRANGER_NETWORKS[6])
    assert refused_as_too_many(response) and not signed_in(stranger)
    new_laptop = Client()
    response = sign_in(new_laptop, password=PASSWORD, ip=HOME)
    assert refused_as_too_many(response) and not signed_in(new_laptop)


def _tampered(value: str, **changes) -> str:
    """The payload of a signed value with fields changed, the signature left as it was."""
    payload, rest = value.split(":", 1)
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    data.update(changes)
    forged = base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode())
    return forged.decode().rstrip("=") + ":" + rest


def _forged_cookie(kind: str, *, owner, monkeypatch) -> str:
    if kind == "garbage":
        return "not-a-device-cookie"
    if kind == "other_users":
        return known_browser(login="mallory@example.com").cookies[devices.COOKIE_NAME].value
    if kind == "tampered_to_the_owner":
        mallorys = known_browser(login="mallory@example.com").cookies[devices.COOKIE_NAME].value
        return _tampered(mallorys, u=owner.pk)
    if kind == "signed_for_another_purpose":
        return signing.dumps({"u": owner.pk, "n": "x" * 22}, salt="some.other.salt")
    if kind == "expired":
        with monkeypatch.context() as m:
            issued = time.time() - devices.MAX_AGE - 3600
            m.setattr(signing.time, "time", lambda: issued)
            return signing.dumps({"u": owner.pk, "n": "y" * 22}, salt=devices.SALT)
    raise AssertionError(kind)


@pytest.mark.parametrize("kind", ["garbage", "other_users", "tampered_to_the_owner",
                                  "signed_for_another_purpose", "expired"])
def test_a_forged_or_foreign_device_cookie_does_not_bypass_the_lock(make_user, monkeypatch,
                                                                    kind):
    owner = make_user(OWNER, password=PASSWORD)
    make_user("mallory@example.com", password=PASSWORD)  # a stranger with an account
    stranger = lock_the_account()
    stranger.cookies[devices.COOKIE_NAME] = _forged_cookie(kind, owner=owner,
                                                           monkeypatch=monkeypatch)
    for ip in STRANGER_NETWORKS[6:8]:
        response = sign_in(stranger, password="another guess", ip=ip)
        assert refused_as_too_many(response)
    response = sign_in(stranger, password=PASSWORD, ip=STRANGER_NETWORKS[7])
    assert refused_as_too_many(response) and not signed_in(stranger)


def test_failures_from_a_known_browser_lock_that_browser_only(make_user):
    make_user(OWNER, password=PASSWORD)
    home, laptop = known_browser(), known_browser(ip="198.51.100.21")
    for _ in range(5):
        sign_in(home, password="mistyped", ip=HOME)
    response = sign_in(home, password=PASSWORD, ip=HOME)
    assert refused_as_too_many(response) and not signed_in(home)
    # The owner's other browser, and even an unknown browser elsewhere, are not locked: the
    # device is, not the account.
    sign_in(laptop, password=PASSWORD, ip="198.51.100.21")
    assert signed_in(laptop)
    elsewhere = Client()
    sign_in(elsewhere, password=PASSWORD, ip="192.0.2.50")
    assert signed_in(elsewhere)


def test_failures_are_limited_per_address_and_network_together(make_user):
    make_user(OWNER, password=PASSWORD)
    make_user("colleague@va.gov", password=PASSWORD)
    stranger = Client()
    for _ in range(3):
        sign_in(stranger, password="wrong password", ip="203.0.113.7")
    # The stranger's network is refused for this address, from any of its addresses …
    for ip in ["203.0.113.7", "203.0.113.99"]:
        response = sign_in(stranger, password=PASSWORD, ip=ip)
        assert refused_as_too_many(response) and not signed_in(stranger)
    # … but not for another address, and one network alone cannot lock the account.
    sign_in(stranger, login="colleague@va.gov", password=PASSWORD, ip="203.0.113.7")
    assert signed_in(stranger)
    elsewhere = Client()
    sign_in(elsewhere, password=PASSWORD, ip="192.0.2.50")
    assert signed_in(elsewhere)


def test_ipv6_networks_are_limited_as_one(make_user):
    make_user(OWNER, password=PASSWORD)
    stranger = Client()
    for host in range(3):
        sign_in(stranger, password="wrong password", ip=f"2001:db8:1:2::{host + 1}")
    response = sign_in(stranger, password=PASSWORD, ip="2001:db8:1:2:ffff::9")
    assert refused_as_too_many(response) and not signed_in(stranger)


def test_device_cookie_is_signed_http_only_lax_and_lasts_a_year(make_user):
    owner = make_user(OWNER, password=PASSWORD)
    browser = Client()
    sign_in(browser, password="wrong password", ip=HOME)
    assert devices.COOKIE_NAME not in browser.cookies  # only a success earns one
    response = sign_in(browser, password=PASSWORD, ip=HOME)
    cookie = response.cookies[devices.COOKIE_NAME]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert int(cookie["max-age"]) == devices.MAX_AGE == 365 * 24 * 3600
    assert not cookie["secure"]  # the test site is http://
    data = signing.loads(cookie.value, salt=devices.SALT, max_age=devices.MAX_AGE)
    assert data["u"] == owner.pk and len(data["n"]) >= 22


@override_settings(SITE_URL="https://cop.example.gov")
def test_device_cookie_is_secure_on_an_https_site(make_user):
    make_user(OWNER, password=PASSWORD)
    response = sign_in(Client(), password=PASSWORD, ip=HOME)
    assert response.cookies[devices.COOKIE_NAME]["secure"]


def test_signing_in_again_keeps_the_browsers_identity(make_user):
    make_user(OWNER, password=PASSWORD)
    home = known_browser()
    first = signing.loads(home.cookies[devices.COOKIE_NAME].value, salt=devices.SALT)
    sign_in(home, password=PASSWORD, ip=HOME)
    again = signing.loads(home.cookies[devices.COOKIE_NAME].value, salt=devices.SALT)
    assert first["n"] == again["n"]


def test_known_browser_still_needs_the_second_factor(make_user):
    make_user(OWNER, password=PASSWORD, mfa=True)
    home = Client()
    response = sign_in(home, password=PASSWORD, ip=HOME)
    assert response.status_code == 302 and not signed_in(home)
    assert devices.COOKIE_NAME not in home.cookies  # not before the second factor
    code = format_hotp_value(hotp_value(TOTP_SECRET, int(time.time()) // 30))
    home.post(reverse("mfa_authenticate"), {"code": code}, REMOTE_ADDR=HOME)
    assert signed_in(home) and home.cookies[devices.COOKIE_NAME].value
    home.post(reverse("account_logout"), REMOTE_ADDR=HOME)
    lock_the_account()
    response = sign_in(home, password=PASSWORD, ip=HOME)
    assert response.status_code == 302 and "2fa" in response["Location"]
    assert not signed_in(home)
