"""Delivery: list headers on every copy, DMARC-safe From, subject prefix, VERP, one-click
unsubscribe tokens, and a fan-out that resumes after a crash without duplicates."""

from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cophub.core.models import MailContent, OutgoingMail
from cophub.lists.addresses import address_parse, verp_address
from cophub.lists.models import Post, Subscription
from cophub.lists.services import (
    delivery,
    post_compose,
    post_moderate,
    post_receive,
    subscription_cancel,
)
from cophub.lists.services.delivery import (
    list_headers,
    post_fanout,
    recipient_headers,
    subject_with_prefix,
    unsubscribe_token_read,
    unsubscribe_url,
)

pytestmark = pytest.mark.django_db


def _publish(mailing_list, author, subject="Agenda for May", body="**Hi** all"):
    return post_compose(mailing_list=mailing_list, author=author, subject=subject,
                        body_markdown=body)


def _subscribe_many(mailing_list, make_subscription, count, domain="va.gov"):
    return [make_subscription(mailing_list, f"person{i}@{domain}") for i in range(count)]


def test_list_headers_follow_rfc_2369_and_2919(gov_list, public_list, settings):
    headers = list_headers(mailing_list=gov_list)
    assert headers["List-Id"] == '"AI CoP" <ai.lists.localhost>'
    assert headers["List-Post"] == "<mailto:ai@lists.localhost>"
    assert headers["List-Help"] == "<mailto:ai-request@lists.localhost?subject=help>"
    assert headers["List-Archive"] == f"<{settings.SITE_URL}/lists/ai/archive/>"
    assert headers["List-Subscribe"] == (
        f"<mailto:ai-join@lists.localhost>, <{settings.SITE_URL}/lists/ai/subscribe/>")
    assert headers["Precedence"] == "list"
    assert headers["X-Loop"] == "ai@lists.localhost"
    assert list_headers(mailing_list=public_list)["List-Post"] == "NO"


def test_one_click_token_names_the_subscription_and_resists_forgery(gov_list,
                                                                    make_subscription,
                                                                    settings):
    subscription = make_subscription(gov_list, "jane@va.gov")
    url = unsubscribe_url(subscription=subscription)
    assert url.startswith(f"{settings.SITE_URL}/lists/unsubscribe/")
    token = url.rstrip("/").rsplit("/", 1)[1]
    assert unsubscribe_token_read(token) == subscription
    assert unsubscribe_token_read(token.replace(str(subscription.pk), "999", 1)) is None
    assert unsubscribe_token_read("garbage") is None
    assert unsubscribe_token_read("") is None
    headers = recipient_headers(mailing_list=gov_list, subscription=subscription)
    assert headers["List-Unsubscribe"] == f"<mailto:ai-leave@lists.localhost>, <{url}>"
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


@pytest.mark.parametrize("subject,expected", [
    ("Hello", "[AI] Hello"), ("Re: [AI] Hello", "Re: [AI] Hello"),
    ("re: [ai] hello", "re: [ai] hello")])
def test_subject_is_prefixed_once(gov_list, subject, expected):
    assert subject_with_prefix(mailing_list=gov_list, subject=subject) == expected


def test_every_copy_has_list_headers_dmarc_safe_from_and_its_own_unsubscribe(
        gov_list, organizer, make_subscription, django_capture_on_commit_callbacks):
    subscriptions = _subscribe_many(gov_list, make_subscription, 3)
    make_subscription(gov_list, "digest@va.gov", delivery=Subscription.Delivery.DAILY)
    make_subscription(gov_list, "gone@va.gov", state=Subscription.State.UNSUBSCRIBED)
    organizer.name = "Olivia Organizer"
    with django_capture_on_commit_callbacks(execute=True):
        post = _publish(gov_list, organizer)
    assert sorted(m.to[0] for m in mail.outbox) == [s.subscriber.email for s in subscriptions]
    seen_unsubscribe = set()
    for sent in mail.outbox:
        message = message_from_bytes(sent.message().as_bytes(), policy=policy.default)
        [sender] = message["From"].addresses
        assert (sender.display_name, sender.addr_spec) == ("Olivia Organizer via AI CoP",
                                                           "ai@lists.localhost")
        assert message["Reply-To"] == "ai@lists.localhost"
        assert message["Subject"] == "[AI] Agenda for May"
        assert message["Message-ID"] == f"<{post.message_id}>"
        assert message["List-Id"] == '"AI CoP" <ai.lists.localhost>'
        assert message["Precedence"] == "list"
        assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert "ai-leave@lists.localhost" in message.get_body(("plain",)).get_content()
        seen_unsubscribe.add(message["List-Unsubscribe"])
    assert len(seen_unsubscribe) == 3
    rows = OutgoingMail.objects.filter(content__isnull=False)
    # VERP, signed since issue 17 (finding 2): ai-bounces+<token>-person0=va.gov@…
    assert {r.envelope_from for r in rows} == {
        verp_address(local_part="ai", recipient=f"person{i}@va.gov") for i in range(3)}
    assert {r.envelope_from.partition("+")[0] for r in rows} == {"ai-bounces"}
    assert {r.envelope_from.split("-", 2)[2] for r in rows} == {
        f"person{i}=va.gov@lists.localhost" for i in range(3)}
    assert {address_parse(r.envelope_from).verp_email for r in rows} == {
        f"person{i}@va.gov" for i in range(3)}
    assert MailContent.objects.count() == 1


def test_announce_post_comes_from_the_list_name_without_reply_to(public_list, organizer,
                                                                 make_subscription):
    make_subscription(public_list, "pat@example.com")
    post = _publish(public_list, organizer)
    post_fanout(post_id=post.pk)
    content = MailContent.objects.get()
    assert content.from_email == "AI CoP Public <aipublic@lists.localhost>"
    assert "Reply-To" not in content.headers
    assert content.subject == "[AIPUBLIC] Agenda for May"


def test_reply_copies_carry_threading_headers(gov_list, organizer, make_subscription):
    make_subscription(gov_list, "jane@va.gov")
    root = _publish(gov_list, organizer)
    post_fanout(post_id=root.pk)
    reply = _publish(gov_list, organizer, subject="Re: [AI] Agenda for May")
    Post.objects.filter(pk=reply.pk).update(in_reply_to=root.message_id,
                                            references=root.message_id)
    post_fanout(post_id=reply.pk)
    content = MailContent.objects.get(message_id=f"<{reply.message_id}>")
    assert content.headers["In-Reply-To"] == f"<{root.message_id}>"
    assert content.headers["References"] == f"<{root.message_id}>"
    assert content.subject == "Re: [AI] Agenda for May"


def test_fanout_resumes_after_a_crash_without_a_second_copy(gov_list, organizer,
                                                            make_subscription):
    _subscribe_many(gov_list, make_subscription, 25)
    post = _publish(gov_list, organizer)
    # The worker "dies" after two chunks of ten: the cursor says where it got to.
    assert post_fanout(post_id=post.pk, chunk=10, max_chunks=2) == 20
    post.refresh_from_db()
    assert post.fanout_done_at is None
    assert OutgoingMail.objects.count() == 20
    assert post_fanout(post_id=post.pk, chunk=10) == 25
    assert post_fanout(post_id=post.pk, chunk=10) == 25  # a repeated task does nothing
    recipients = list(OutgoingMail.objects.values_list("to", flat=True))
    assert len(recipients) == len(set(recipients)) == 25
    assert MailContent.objects.count() == 1
    post.refresh_from_db()
    assert post.fanout_done_at is not None and post.recipients_count == 25


def test_a_chunk_that_fails_leaves_nothing_behind(gov_list, organizer, make_subscription,
                                                  monkeypatch):
    _subscribe_many(gov_list, make_subscription, 5)
    post = _publish(gov_list, organizer)
    def crash(**kwargs):
        raise RuntimeError("worker killed")

    monkeypatch.setattr(delivery, "mail_enqueue_many", crash)
    with pytest.raises(RuntimeError):
        post_fanout(post_id=post.pk)
    assert not OutgoingMail.objects.exists()
    assert Post.objects.get(pk=post.pk).fanout_cursor == 0
    monkeypatch.undo()
    assert post_fanout(post_id=post.pk) == 5


def test_subscribers_who_left_before_their_chunk_get_nothing(gov_list, organizer,
                                                             make_subscription):
    subscriptions = _subscribe_many(gov_list, make_subscription, 4)
    post = _publish(gov_list, organizer)
    post_fanout(post_id=post.pk, chunk=2, max_chunks=1)
    subscription_cancel(subscription=subscriptions[3], via="web")
    post_fanout(post_id=post.pk, chunk=2)
    assert sorted(OutgoingMail.objects.values_list("to", flat=True)) == [
        "person0@va.gov", "person1@va.gov", "person2@va.gov"]


def test_held_posts_are_not_delivered_until_approved(make_list, organizer, make_subscription):
    ml = make_list("mod", moderation="all")
    make_subscription(ml, "jane@va.gov")
    make_subscription(ml, "joe@va.gov")
    message = EmailMessage()
    message["From"] = "jane@va.gov"
    message["Subject"] = "Held"
    message.set_content("x")
    post = post_receive(mailing_list=ml, message=message)
    assert post_fanout(post_id=post.pk) == 0
    assert not OutgoingMail.objects.filter(content__isnull=False).exists()
    post_moderate(post=post, actor=organizer, action="approve")
    assert post_fanout(post_id=post.pk) == 2


def test_fanout_queries_do_not_grow_with_recipients(gov_list, organizer, make_subscription):
    _subscribe_many(gov_list, make_subscription, 5)
    small = _publish(gov_list, organizer)
    with CaptureQueriesContext(connection) as few:
        post_fanout(post_id=small.pk)
    _subscribe_many(gov_list, make_subscription, 40, domain="nasa.gov")
    large = _publish(gov_list, organizer, subject="Second")
    with CaptureQueriesContext(connection) as many:
        post_fanout(post_id=large.pk)
    assert OutgoingMail.objects.filter(content__message_id=f"<{large.message_id}>").count() == 45
    assert len(many.captured_queries) == len(few.captured_queries)
