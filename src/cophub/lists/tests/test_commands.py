"""E-mail commands to -request@, -join@, -leave@ and mail to -owner@."""

import pytest
from django.core import mail

from cophub.lists.inbound.commands import Command, commands_parse, suggest
from cophub.lists.models import Confirmation, InboundMessage, Subscription

from .inbound_helpers import build, list_address, receive

REQUEST = list_address("ai-request")


@pytest.mark.parametrize(("subject", "body", "expected"), [
    ("subscribe", "", [("subscribe", "")]),
    ("Subscribe Jane Doe", "", [("subscribe", "Jane Doe")]),
    ("JOIN", "", [("join", "")]),
    ("Re: Fwd: unsubscribe", "", [("unsubscribe", "")]),
    ("help", "who\nsubscribe", [("help", "")]),  # a subject wins over the body
    ("", "who\n\n  help  \n", [("who", ""), ("help", "")]),
    ("", "> quoted line\nleave", [("leave", "")]),
    ("", "help\n-- \nsubscribe me", [("help", "")]),  # stops at the signature
    ("", "a\nb\nc\nd\ne\nf\ng", [(w, "") for w in "abcde"]),  # at most five lines
    ("", "", []),
    ("confirm abc123", "", [("confirm", "abc123")]),
])
def test_commands_parse_reads_subject_or_first_body_lines(subject, body, expected):
    assert [(c.word, c.argument) for c in commands_parse(subject=subject, body=body)] == expected


@pytest.mark.parametrize(("word", "nearest"), [
    ("subscirbe", "subscribe"), ("unsubscibe", "unsubscribe"), ("hepl", "help"),
    ("confrim", "confirm"), ("xyzzy", ""),
])
def test_typos_suggest_the_nearest_command(word, nearest):
    assert suggest(word) == nearest


def test_unknown_word_is_not_a_command():
    assert Command("subscirbe", "").name == ""
    assert Command("join", "").name == "subscribe"


def test_empty_subject_and_body_on_request_address_subscribes(
        gov_list, django_capture_on_commit_callbacks):
    inbound = receive(django_capture_on_commit_callbacks,
                      build(sender="Jane Doe <jane@va.gov>", to=REQUEST, subject="", body=""),
                      to=REQUEST, mail_from="jane@va.gov")

    assert inbound.status == InboundMessage.Status.PROCESSED
    confirmation = Confirmation.objects.get(email="jane@va.gov", mailing_list=gov_list)
    assert confirmation.action == Confirmation.Action.SUBSCRIBE
    assert confirmation.via == Subscription.Via.EMAIL
    # The confirmation request is the only answer: no second "we sent you a confirmation".
    [sent] = [m for m in mail.outbox if "jane@va.gov" in m.to]
    assert confirmation.token in sent.subject
    assert "no separate reply" in inbound.result
    assert not Subscription.objects.filter(mailing_list=gov_list).exists()  # double opt-in


def test_confirm_by_replying_to_the_confirmation_message(
        gov_list, django_capture_on_commit_callbacks):
    receive(django_capture_on_commit_callbacks,
            build(sender="jane@va.gov", to=REQUEST, subject="subscribe"), to=REQUEST,
            mail_from="jane@va.gov")
    confirmation = Confirmation.objects.get(email="jane@va.gov")
    sent = next(m for m in mail.outbox if confirmation.token in m.subject)

    inbound = receive(django_capture_on_commit_callbacks,
                      build(sender="jane@va.gov", to=REQUEST, subject=f"Re: {sent.subject}",
                            body="> Reply to this message to confirm."),
                      to=REQUEST, mail_from="jane@va.gov")

    assert "confirmed: subscribed" in inbound.result
    subscription = Subscription.objects.get(mailing_list=gov_list,
                                            subscriber__email="jane@va.gov")
    assert subscription.state == Subscription.State.ACTIVE
    assert "jane@va.gov is now subscribed" in mail.outbox[-1].body  # the welcome message


def test_typo_gets_suggestion_and_help_and_changes_nothing(
        gov_list, django_capture_on_commit_callbacks):
    inbound = receive(django_capture_on_commit_callbacks,
                      build(sender="jane@va.gov", to=REQUEST, subject="subscirbe"),
                      to=REQUEST, mail_from="jane@va.gov")

    assert "unknown 'subscirbe'" in inbound.result
    assert not Confirmation.objects.exists()
    (reply,) = mail.outbox
    assert '"subscirbe" is not a command. Did you mean "subscribe"?' in reply.body
    assert "unsubscribe             leave the list" in reply.body  # the help text


def test_government_list_refuses_public_address_with_clear_reply(
        gov_list, public_user, django_capture_on_commit_callbacks):
    inbound = receive(django_capture_on_commit_callbacks,
                      build(sender="pat@example.com", to=REQUEST, subject="subscribe"),
                      to=REQUEST, mail_from="pat@example.com")

    assert "subscribe refused: not eligible" in inbound.result
    assert not Confirmation.objects.exists()
    (reply,) = mail.outbox
    assert reply.to == ["pat@example.com"]
    assert ".gov or .mil" in reply.body
    assert "pat@example.com does not qualify" in reply.body
    assert "government employees" in reply.body


def test_who_lists_subscribers_to_an_owner(gov_list, organizer, make_subscription,
                                           django_capture_on_commit_callbacks):
    make_subscription(gov_list, "a@va.gov")
    make_subscription(gov_list, "b@gsa.gov")
    make_subscription(gov_list, "gone@gsa.gov", state=Subscription.State.UNSUBSCRIBED)

    receive(django_capture_on_commit_callbacks,
            build(sender="organizer@gsa.gov", to=REQUEST, subject="who"), to=REQUEST,
            mail_from="organizer@gsa.gov")

    (reply,) = mail.outbox
    assert "2 active subscriber(s)" in reply.body
    assert "a@va.gov" in reply.body and "b@gsa.gov" in reply.body
    assert "gone@gsa.gov" not in reply.body


def test_who_is_refused_to_a_subscriber_who_is_not_an_owner(
        gov_list, make_subscription, django_capture_on_commit_callbacks):
    make_subscription(gov_list, "a@va.gov")

    inbound = receive(django_capture_on_commit_callbacks,
                      build(sender="a@va.gov", to=REQUEST, subject="who"), to=REQUEST,
                      mail_from="a@va.gov")

    assert "who refused" in inbound.result
    (reply,) = mail.outbox
    assert "Only the owners" in reply.body
    assert "a@va.gov:" not in reply.body


def test_join_address_subscribes_whatever_the_subject_says(
        gov_list, django_capture_on_commit_callbacks):
    join = list_address("ai-join")
    receive(django_capture_on_commit_callbacks,
            build(sender="Jane Doe <jane@va.gov>", to=join, subject="please add me"),
            to=join, mail_from="jane@va.gov")

    confirmation = Confirmation.objects.get(email="jane@va.gov")
    assert confirmation.action == Confirmation.Action.SUBSCRIBE
    assert confirmation.name == "Jane Doe"


def test_leave_address_asks_subscriber_to_confirm(gov_list, make_subscription,
                                                 django_capture_on_commit_callbacks):
    make_subscription(gov_list, "jane@va.gov")
    leave = list_address("ai-leave")

    receive(django_capture_on_commit_callbacks, build(sender="jane@va.gov", to=leave),
            to=leave, mail_from="jane@va.gov")

    assert Confirmation.objects.get(email="jane@va.gov").action == "unsubscribe"


def test_unsubscribe_when_not_subscribed_says_so(gov_list, django_capture_on_commit_callbacks):
    receive(django_capture_on_commit_callbacks,
            build(sender="jane@va.gov", to=REQUEST, subject="unsubscribe"), to=REQUEST,
            mail_from="jane@va.gov")

    (reply,) = mail.outbox
    assert "jane@va.gov is not subscribed" in reply.body


def test_several_body_commands_get_one_reply(gov_list, django_capture_on_commit_callbacks):
    inbound = receive(django_capture_on_commit_callbacks,
                      build(sender="jane@va.gov", to=REQUEST, subject="",
                            body="help\nfrobnicate\n"),
                      to=REQUEST, mail_from="jane@va.gov")

    assert "help; unknown 'frobnicate'" in inbound.result
    (reply,) = mail.outbox
    assert "> help" in reply.body and "> frobnicate" in reply.body


@pytest.mark.parametrize("headers", [
    {"Auto-Submitted": "auto-replied"},
    {"Precedence": "bulk"},
])
def test_commands_from_robots_are_not_run_or_answered(
        gov_list, headers, django_capture_on_commit_callbacks):
    inbound = receive(django_capture_on_commit_callbacks,
                      build(sender="jane@va.gov", to=REQUEST, subject="subscribe",
                            headers=headers),
                      to=REQUEST, mail_from="jane@va.gov")

    assert "automated" in inbound.result
    assert not Confirmation.objects.exists()
    assert mail.outbox == []


def test_bounce_from_mailer_daemon_gets_no_reply(gov_list, django_capture_on_commit_callbacks):
    inbound = receive(django_capture_on_commit_callbacks,
                      build(sender="MAILER-DAEMON@mx.va.gov", to=REQUEST, subject="help"),
                      to=REQUEST, mail_from="")

    assert inbound.status == InboundMessage.Status.PROCESSED
    assert mail.outbox == []


def test_owner_address_forwards_to_the_owners(gov_list, organizer,
                                              django_capture_on_commit_callbacks):
    owner = list_address("ai-owner")
    inbound = receive(django_capture_on_commit_callbacks,
                      build(sender="Jane <jane@va.gov>", to=owner, subject="A question",
                            body="How do I post?"),
                      to=owner, mail_from="jane@va.gov")

    assert inbound.result.endswith("forwarded to the list owners")
    (forward,) = mail.outbox
    assert forward.to == ["organizer@gsa.gov"]
    assert "A question" in forward.subject
    assert "How do I post?" in forward.body and "jane@va.gov" in forward.body


def test_owner_address_drops_auto_replies(gov_list, organizer,
                                          django_capture_on_commit_callbacks):
    owner = list_address("ai-owner")
    inbound = receive(django_capture_on_commit_callbacks,
                      build(sender="jane@va.gov", to=owner, subject="Out of office",
                            headers={"Auto-Submitted": "auto-replied"}),
                      to=owner, mail_from="jane@va.gov")

    assert "dropped: automated" in inbound.result
    assert mail.outbox == []
