"""RFC 8058 one-click unsubscribe: a POST of `List-Unsubscribe=One-Click` to the signed
per-recipient URL unsubscribes with no session and no CSRF token; a GET never does (link
scanners follow links); a forged token answers 400 and changes nothing; a replay is
harmless."""

import re

import pytest
from django.test import Client

from cophub.lists.models import Subscription
from cophub.lists.services.delivery import recipient_headers, unsubscribe_url

pytestmark = pytest.mark.django_db

BODY = {"List-Unsubscribe": "One-Click"}


@pytest.fixture
def subscription(gov_list, make_subscription):
    return make_subscription(gov_list, "jane@va.gov")


@pytest.fixture
def strict_client():
    """Like a mail provider: no cookies, and CSRF checks on (the test client skips them by
    default, which would hide a missing csrf_exempt)."""
    return Client(enforce_csrf_checks=True)


def local(url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(url).path


def test_post_with_no_session_unsubscribes(strict_client, subscription):
    response = strict_client.post(local(unsubscribe_url(subscription=subscription)), BODY)
    assert response.status_code == 200
    subscription.refresh_from_db()
    assert subscription.state == Subscription.State.UNSUBSCRIBED


def test_the_url_in_the_headers_is_the_one_that_works(strict_client, gov_list, subscription):
    headers = recipient_headers(mailing_list=gov_list, subscription=subscription)
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    https_url = next(u for u in re.findall(r"<([^>]+)>", headers["List-Unsubscribe"])
                     if u.startswith("http"))
    assert strict_client.post(local(https_url), BODY).status_code == 200
    subscription.refresh_from_db()
    assert subscription.state == Subscription.State.UNSUBSCRIBED


def test_get_shows_a_button_and_changes_nothing(strict_client, subscription):
    response = strict_client.get(local(unsubscribe_url(subscription=subscription)))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'name="List-Unsubscribe" value="One-Click"' in page and "jane@va.gov" in page
    subscription.refresh_from_db()
    assert subscription.state == Subscription.State.ACTIVE


def test_bad_token_is_400_and_changes_nothing(strict_client, subscription):
    good = local(unsubscribe_url(subscription=subscription))
    forged = good.replace(f"/{subscription.pk}:", f"/{subscription.pk + 1}:")
    for path in (forged, "/lists/unsubscribe/garbage/"):
        assert strict_client.post(path, BODY).status_code == 400
        response = strict_client.get(path)
        assert response.status_code == 400 and "not valid" in response.content.decode()
    subscription.refresh_from_db()
    assert subscription.state == Subscription.State.ACTIVE


def test_post_without_the_one_click_body_is_refused(strict_client, subscription):
    response = strict_client.post(local(unsubscribe_url(subscription=subscription)), {})
    assert response.status_code == 400
    subscription.refresh_from_db()
    assert subscription.state == Subscription.State.ACTIVE


def test_replay_is_harmless(strict_client, subscription):
    path = local(unsubscribe_url(subscription=subscription))
    first = strict_client.post(path, BODY)
    second = strict_client.post(path, BODY)
    assert first.status_code == second.status_code == 200
    subscription.refresh_from_db()
    assert subscription.state == Subscription.State.UNSUBSCRIBED
    assert "You have left" in strict_client.get(path).content.decode()


def test_only_the_one_click_view_skips_csrf(strict_client, gov_list, gov_member,
                                            make_subscription):
    mine = make_subscription(gov_list, "member@va.gov", user=gov_member)
    strict_client.force_login(gov_member)
    response = strict_client.post("/lists/ai/", {"action": "leave"})
    assert response.status_code == 403
    mine.refresh_from_db()
    assert mine.state == Subscription.State.ACTIVE
