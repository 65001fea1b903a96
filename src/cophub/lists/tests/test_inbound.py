"""Routing of stored inbound messages: posts, loops, refusals, the sweep, failures."""

from datetime import timedelta

import pytest
from django.core import mail
from django.db import OperationalError
from django.utils import timezone

from cophub.lists.inbound import router as inbound_module
from cophub.lists.inbound.router import (
    MAX_ATTEMPTS,
    inbound_message_process,
    inbound_message_store,
    inbound_sweep,
)
from cophub.lists.models import InboundMessage, Post

from .inbound_helpers import build, list_address, receive

AI = list_address("ai")


def test_subscriber_post_to_discussion_list_is_published(
        gov_list, gov_member, make_subscription, django_capture_on_commit_callbacks):
    make_subscription(gov_list, "member@va.gov", user=gov_member)

    inbound = receive(django_capture_on_commit_callbacks,
                      build(sender="Mia Member <member@va.gov>", subject="Model cards",
                            body="Has anyone written model cards?"), to=AI)

    assert inbound.status == InboundMessage.Status.PROCESSED
    post = Post.objects.get(mailing_list=gov_list)
    assert post.subject == "Model cards"
    assert post.inbound == inbound
    assert f"{AI}: " in inbound.result


@pytest.mark.parametrize("headers", [
    {"List-Id": "AI CoP <ai.lists.localhost>"},
    {"X-Loop": "ai@lists.localhost"},
])
def test_message_carrying_our_own_list_headers_is_dropped_as_loop(
        gov_list, make_subscription, headers, django_capture_on_commit_callbacks):
    make_subscription(gov_list, "member@va.gov")

    inbound = receive(django_capture_on_commit_callbacks,
                      build(subject="Re: hello", body="loop", headers=headers), to=AI)

    assert inbound.result == f"{AI}: dropped: mail loop"
    assert not Post.objects.exists()
    assert mail.outbox == []


def test_another_lists_list_id_is_not_a_loop(gov_list, make_subscription,
                                             django_capture_on_commit_callbacks):
    make_subscription(gov_list, "member@va.gov")
    inbound = receive(django_capture_on_commit_callbacks,
                      build(subject="Fwd", body="from another list",
                            headers={"List-Id": "<data.lists.example.gov>"}), to=AI)

    assert "loop" not in inbound.result
    assert Post.objects.count() == 1


def test_post_refused_by_policy_gets_reply_with_reason(
        public_list, public_user, django_capture_on_commit_callbacks):
    raw = build(sender="pat@example.com", to=list_address("aipublic"), subject="Hi all",
                body="May I announce something?")
    inbound = receive(django_capture_on_commit_callbacks, raw, to=list_address("aipublic"),
                      mail_from="pat@example.com")

    assert "refused: " in inbound.result
    assert not Post.objects.exists()
    (reply,) = mail.outbox
    assert reply.to == ["pat@example.com"]
    assert "announcement list" in reply.body
    assert reply.from_email == public_list.companion("request")
    assert reply.extra_headers["Auto-Submitted"] == "auto-replied"
    assert reply.extra_headers["In-Reply-To"].startswith("<")


@pytest.mark.parametrize(("headers", "mail_from"), [
    ({"Precedence": "junk"}, "pat@example.com"),
    ({}, ""),
    ({}, "MAILER-DAEMON@mx.example.com"),
])
def test_refused_post_from_robot_gets_no_reply(public_list, headers, mail_from,
                                               django_capture_on_commit_callbacks):
    raw = build(sender="pat@example.com", to=list_address("aipublic"), subject="Auto",
                body="text", headers=headers)
    inbound = receive(django_capture_on_commit_callbacks, raw, to=list_address("aipublic"),
                      mail_from=mail_from)

    assert "no reply: automated sender" in inbound.result
    assert mail.outbox == []


def test_auto_submitted_message_to_list_is_never_posted(
        gov_list, make_subscription, django_capture_on_commit_callbacks):
    make_subscription(gov_list, "member@va.gov")
    inbound = receive(django_capture_on_commit_callbacks,
                      build(subject="Out of office", body="back Monday",
                            headers={"Auto-Submitted": "auto-replied"}), to=AI)

    assert "dropped: automated message" in inbound.result
    assert not Post.objects.exists()


def test_message_for_list_deactivated_after_acceptance_is_kept_and_ignored(
        gov_list, django_capture_on_commit_callbacks):
    gov_list.is_active = False
    gov_list.save(update_fields=["is_active"])

    inbound = receive(django_capture_on_commit_callbacks, build(subject="x", body="y"), to=AI)

    assert inbound.status == InboundMessage.Status.PROCESSED
    assert "no such list" in inbound.result
    assert bytes(inbound.raw).startswith(b"From: ")


def test_message_without_from_header_is_refused_to_envelope_sender(
        gov_list, django_capture_on_commit_callbacks):
    raw = b"Subject: no sender\r\nMessage-ID: <x1@va.gov>\r\n\r\nbody\r\n"
    inbound = receive(django_capture_on_commit_callbacks, raw, to=AI,
                      mail_from="jane@va.gov")

    assert inbound.status == InboundMessage.Status.PROCESSED
    assert "refused" in inbound.result
    assert [m.to for m in mail.outbox] == [["jane@va.gov"]]


def test_processing_twice_does_nothing_the_second_time(gov_list, make_subscription,
                                                       django_capture_on_commit_callbacks):
    make_subscription(gov_list, "member@va.gov")
    inbound = receive(django_capture_on_commit_callbacks, build(subject="s", body="b"), to=AI)

    assert inbound_message_process(inbound_id=inbound.pk) == InboundMessage.Status.PROCESSED
    assert Post.objects.count() == 1
    inbound.refresh_from_db()
    assert inbound.attempts == 1


def test_unexpected_error_fails_the_message_and_keeps_it(gov_list, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("router exploded")

    monkeypatch.setattr(inbound_module, "inbound_route", broken)
    stored = inbound_message_store(mail_from="a@va.gov", rcpt_to=[AI], raw=b"x", peer="")

    assert inbound_message_process(inbound_id=stored.pk) == InboundMessage.Status.FAILED
    stored.refresh_from_db()
    assert "RuntimeError: router exploded" in stored.result
    assert bytes(stored.raw) == b"x"


def test_transient_database_error_leaves_message_for_the_sweep(gov_list, monkeypatch):
    def locked(**kwargs):
        raise OperationalError("database is locked")

    monkeypatch.setattr(inbound_module, "inbound_route", locked)
    stored = inbound_message_store(mail_from="a@va.gov", rcpt_to=[AI], raw=b"x", peer="")

    assert inbound_message_process(inbound_id=stored.pk) == InboundMessage.Status.RECEIVED
    stored.refresh_from_db()
    assert stored.attempts == 1
    assert "database is locked" in stored.result


def test_sweep_enqueues_lost_messages_again(gov_list, make_subscription,
                                            django_capture_on_commit_callbacks):
    make_subscription(gov_list, "member@va.gov")
    # Stored, but the task was lost: no on-commit callbacks ran.
    stored = inbound_message_store(mail_from="member@va.gov", rcpt_to=[AI],
                                   raw=build(subject="lost", body="b"), peer="")
    InboundMessage.objects.filter(pk=stored.pk).update(
        received_at=timezone.now() - timedelta(minutes=5))

    with django_capture_on_commit_callbacks(execute=True):
        assert inbound_sweep() == 1

    stored.refresh_from_db()
    assert stored.status == InboundMessage.Status.PROCESSED
    assert Post.objects.get().subject == "lost"


def test_sweep_leaves_fresh_messages_alone(gov_list, django_capture_on_commit_callbacks):
    inbound_message_store(mail_from="a@va.gov", rcpt_to=[AI], raw=b"x", peer="")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert inbound_sweep() == 0
    assert callbacks == []


def test_sweep_gives_up_after_max_attempts_keeping_the_error(gov_list):
    stored = inbound_message_store(mail_from="a@va.gov", rcpt_to=[AI], raw=b"x", peer="")
    InboundMessage.objects.filter(pk=stored.pk).update(
        received_at=timezone.now() - timedelta(minutes=5), attempts=MAX_ATTEMPTS,
        result="attempt 5: OperationalError: database is locked")

    assert inbound_sweep() == 1

    stored.refresh_from_db()
    assert stored.status == InboundMessage.Status.FAILED
    assert "gave up after 5 attempts" in stored.result
    assert "database is locked" in stored.result
