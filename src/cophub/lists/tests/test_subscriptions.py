"""Double opt-in, confirming by link or reply, leaving, rejoining, delivery options."""

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from cophub.core.models import AuditEvent
from cophub.lists.models import Confirmation, Subscriber, Subscription
from cophub.lists.services import (
    AlreadySubscribed,
    ConfirmationInvalid,
    ListError,
    NotSubscribed,
    confirmation_confirm,
    confirmation_find,
    subscription_cancel,
    subscription_request,
    subscription_update,
    unsubscribe_request,
)

pytestmark = pytest.mark.django_db


def _request(mailing_list, email, capture, **kwargs):
    with capture(execute=True):
        return subscription_request(mailing_list=mailing_list, email=email, via="email",
                                    **kwargs)


def test_subscribing_by_email_sends_a_confirmation_from_the_request_address(
        gov_list, django_capture_on_commit_callbacks, settings):
    confirmation = _request(gov_list, "Jane@VA.gov", django_capture_on_commit_callbacks,
                            name="Jane Doe")
    assert isinstance(confirmation, Confirmation)
    assert len(confirmation.token) == 32
    assert timedelta(days=6, hours=23) < confirmation.expires_at - timezone.now() <= \
        timedelta(days=7)
    assert not Subscription.objects.exists()
    [message] = mail.outbox
    assert message.to == ["Jane@va.gov"]
    assert message.from_email == "ai-request@lists.localhost"
    assert f"confirm {confirmation.token}" in message.subject
    assert f"{settings.SITE_URL}/lists/confirm/{confirmation.token}/" in message.body


def test_confirming_by_link_subscribes_and_sends_a_welcome(gov_list,
                                                           django_capture_on_commit_callbacks):
    confirmation = _request(gov_list, "jane@va.gov", django_capture_on_commit_callbacks,
                            name="Jane Doe", delivery="daily")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        subscription = confirmation_confirm(token=confirmation.token)
    assert subscription.state == Subscription.State.ACTIVE
    assert subscription.delivery == "daily"
    assert subscription.via == "email"
    assert subscription.subscriber.name == "Jane Doe"
    [welcome] = mail.outbox
    assert welcome.subject == "Welcome to AI CoP (ai@lists.localhost)"
    assert "ai-leave@lists.localhost" in welcome.body
    assert "To post, send a message to ai@lists.localhost" in welcome.body
    assert AuditEvent.objects.filter(verb="lists.subscription.created", scope="ai-cop").exists()


def test_confirming_twice_returns_the_same_subscription(gov_list):
    confirmation = subscription_request(mailing_list=gov_list, email="jane@va.gov", via="web")
    first = confirmation_confirm(token=confirmation.token)
    assert confirmation_confirm(token=confirmation.token).pk == first.pk
    assert Subscription.objects.count() == 1


def test_reply_to_the_confirmation_is_matched_by_the_token(gov_list):
    confirmation = subscription_request(mailing_list=gov_list, email="jane@va.gov", via="email")
    subject = f"Re: Confirm your subscription to ai@lists.localhost: confirm {confirmation.token}"
    assert confirmation_find(text=subject) == confirmation
    body = f"> open http://x/lists/confirm/{confirmation.token}/\nthanks"
    assert confirmation_find(text=body) == confirmation
    assert confirmation_find(text="subscribe") is None
    assert confirmation_find(text="confirm " + "A" * 32) is None


def test_expired_confirmation_is_refused_and_subscribes_nobody(gov_list):
    confirmation = subscription_request(mailing_list=gov_list, email="jane@va.gov", via="web")
    Confirmation.objects.filter(pk=confirmation.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(ConfirmationInvalid, match="expired"):
        confirmation_confirm(token=confirmation.token)
    assert not Subscription.objects.exists()


@pytest.mark.parametrize("token", ["", "nonsense", "x" * 500])
def test_unknown_token_is_refused(token, gov_list):
    with pytest.raises(ConfirmationInvalid, match="not valid"):
        confirmation_confirm(token=token)


def test_signed_in_person_subscribes_own_verified_address_at_once(gov_list, gov_member):
    subscription = subscription_request(mailing_list=gov_list, email="member@va.gov",
                                        user=gov_member, via="web")
    assert isinstance(subscription, Subscription)
    assert subscription.subscriber.user == gov_member
    assert not Confirmation.objects.exists()


def test_signed_in_person_needs_confirmation_for_someone_elses_address(gov_list, gov_member):
    result = subscription_request(mailing_list=gov_list, email="colleague@va.gov",
                                  user=gov_member, via="web")
    assert isinstance(result, Confirmation)


def test_subscribing_again_while_subscribed_is_refused(gov_list, make_subscription):
    make_subscription(gov_list, "jane@va.gov")
    with pytest.raises(AlreadySubscribed, match="jane@va.gov is already subscribed"):
        subscription_request(mailing_list=gov_list, email="JANE@va.gov", via="web")


def test_confirmation_is_rechecked_against_the_audience(gov_list, public_list):
    confirmation = subscription_request(mailing_list=public_list, email="pat@example.com",
                                        via="web")
    public_list.audience = "government"
    public_list.save()
    with pytest.raises(ConfirmationInvalid, match="Only government employees"):
        confirmation_confirm(token=confirmation.token)
    assert not Subscription.objects.exists()


def test_leaving_by_email_is_confirmed_then_cancels(gov_list, make_subscription,
                                                    django_capture_on_commit_callbacks):
    make_subscription(gov_list, "jane@va.gov")
    with django_capture_on_commit_callbacks(execute=True):
        confirmation = unsubscribe_request(mailing_list=gov_list, email="Jane@va.gov",
                                           via="email")
    [message] = mail.outbox
    assert f"confirm {confirmation.token}" in message.subject
    assert Subscription.objects.get().state == Subscription.State.ACTIVE
    subscription = confirmation_confirm(token=confirmation.token)
    assert subscription.state == Subscription.State.UNSUBSCRIBED
    assert AuditEvent.objects.filter(verb="lists.subscription.cancelled").count() == 1


def test_leaving_a_list_one_is_not_on_is_refused(gov_list):
    with pytest.raises(NotSubscribed, match="nobody@va.gov is not subscribed to ai@"):
        unsubscribe_request(mailing_list=gov_list, email="nobody@va.gov", via="email")


def test_rejoining_reactivates_the_same_subscription(gov_list, make_subscription):
    original = make_subscription(gov_list, "jane@va.gov")
    subscription_cancel(subscription=original, via="web")
    confirmation = subscription_request(mailing_list=gov_list, email="jane@va.gov", via="web")
    rejoined = confirmation_confirm(token=confirmation.token)
    assert rejoined.pk == original.pk
    assert rejoined.state == Subscription.State.ACTIVE
    assert AuditEvent.objects.filter(verb="lists.subscription.reactivated").exists()


def test_cancelling_twice_changes_nothing_the_second_time(gov_list, make_subscription):
    subscription = make_subscription(gov_list, "jane@va.gov")
    subscription_cancel(subscription=subscription, via="web")
    again = subscription_cancel(subscription=subscription, via="web")
    assert again.state == Subscription.State.UNSUBSCRIBED
    assert AuditEvent.objects.filter(verb="lists.subscription.cancelled").count() == 1


def test_delivery_options_change_and_bad_options_are_refused(gov_list, public_list,
                                                             make_subscription):
    subscription = make_subscription(gov_list, "jane@va.gov")
    updated = subscription_update(subscription=subscription, delivery="weekly",
                                  digest_format="plain")
    assert (updated.delivery, updated.digest_format) == ("weekly", "plain")
    with pytest.raises(ListError, match="not a delivery option"):
        subscription_update(subscription=subscription, delivery="hourly", digest_format="mime")
    announce = make_subscription(public_list, "pat@example.com")
    with pytest.raises(ListError, match="does not send digests"):
        subscription_update(subscription=announce, delivery="daily", digest_format="mime")


@pytest.mark.django_db(transaction=True)
def test_concurrent_confirmations_of_one_token_make_one_subscription(gov_list):
    confirmation = subscription_request(mailing_list=gov_list, email="jane@va.gov", via="web")
    barrier = threading.Barrier(6)
    results, errors = [], []

    def confirm():
        try:
            barrier.wait()
            results.append(confirmation_confirm(token=confirmation.token).pk)
        except Exception as exc:  # noqa: BLE001 — reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=confirm) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(set(results)) == 1
    assert Subscription.objects.count() == 1
    assert Subscriber.objects.count() == 1
    assert AuditEvent.objects.filter(verb="lists.subscription.created").count() == 1


def test_repeated_requests_do_not_mail_a_stranger_again_and_again(
        gov_list, public_list, django_capture_on_commit_callbacks):
    from django.core import mail

    from cophub.lists.services import ListError, subscription_request

    with django_capture_on_commit_callbacks(execute=True):
        first = subscription_request(mailing_list=gov_list, email="target@va.gov", via="web")
        again = subscription_request(mailing_list=gov_list, email="target@va.gov", via="web")
    assert again.pk == first.pk
    assert len([m for m in mail.outbox if m.to == ["target@va.gov"]]) == 1

    from datetime import timedelta

    from django.utils import timezone

    from cophub.lists.models import Confirmation

    earlier = timezone.now() - timedelta(hours=1)
    for n in range(4):  # earlier today, up to the daily cap
        Confirmation.objects.create(token=f"t{n}", mailing_list=public_list,
                                    email="target@va.gov", action="subscribe", via="web",
                                    created_at=earlier, expires_at=first.expires_at)
    with pytest.raises(ListError, match="several confirmation messages"):
        subscription_request(mailing_list=public_list, email="target@va.gov", via="web")
