"""Replies by e-mail to a notification's personal reply address, through the inbound mail
path (stored, then routed by the task): accepted from the recipient's own verified address
only, with its own words only; forged, expired or foreign tokens, closed topics, empty
and HTML-only mail, robots, and the same message twice."""

from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from django.core import mail
from django.utils import timezone

from cophub.forum.addresses import reply_address, reply_token_read
from cophub.forum.services import reply_create, topic_moderate, topic_start
from cophub.lists.inbound import authentication
from cophub.lists.inbound.mailserver import recipient_known
from cophub.lists.models import InboundMessage, Post
from cophub.lists.tests.auth_helpers import dkim_sign, dns_with_test_key
from cophub.lists.tests.inbound_helpers import receive


@pytest.fixture(autouse=True)
def dkim_keys(monkeypatch):
    monkeypatch.setattr(authentication, "DNS_LOOKUP", dns_with_test_key)


@pytest.fixture
def thread(general, gov_member, make_user):
    ana = make_user("ana@nih.gov", name="Ana Analyst")
    topic = topic_start(category=general, author=gov_member, title="Model cards",
                        body_markdown="Who writes them?").forum_topic
    return {"topic": topic, "ana": ana, "to": reply_address(user_id=ana.pk,
                                                            post_id=topic.root_id)}


def _mail(*, sender="Ana Analyst <ana@nih.gov>", to, body="We do.\n\nOn Monday Mia wrote:\n"
          "> Who writes them?\n", html=None, headers=None, sign=True, message_id=None):
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = "Re: [General] Model cards"
    message["Message-ID"] = message_id or make_msgid(domain="nih.gov")
    for name, value in (headers or {}).items():
        message[name] = value
    if html is not None:
        message.set_content(html, subtype="html")
    else:
        message.set_content(body)
    raw = message.as_bytes()
    domain = sender.rpartition("@")[2].rstrip(">")
    return dkim_sign(raw, domain=domain) if sign else raw


def _send(capture, raw, to, mail_from="ana@nih.gov") -> InboundMessage:
    return receive(capture, raw, to=to, mail_from=mail_from)


def test_reply_lands_in_the_topic_without_the_quote(thread,
                                                    django_capture_on_commit_callbacks):
    inbound = _send(django_capture_on_commit_callbacks, _mail(to=thread["to"]), thread["to"])
    assert "posted in topic" in inbound.result
    reply = Post.objects.get(thread=thread["topic"].root, source=Post.Source.EMAIL)
    assert reply.body_text == "We do." and reply.author == thread["ana"]
    assert reply.parent_id == thread["topic"].root_id and reply.authenticated
    thread["topic"].refresh_from_db()
    assert thread["topic"].reply_count == 1


def test_same_message_twice_posts_once(thread, django_capture_on_commit_callbacks):
    raw = _mail(to=thread["to"], message_id="<once@nih.gov>")
    _send(django_capture_on_commit_callbacks, raw, thread["to"])
    _send(django_capture_on_commit_callbacks, raw, thread["to"])
    assert Post.objects.filter(message_id="once@nih.gov").count() == 1


def test_html_only_reply_becomes_text(thread, django_capture_on_commit_callbacks):
    raw = _mail(to=thread["to"], html="<p>Yes, <b>we</b> do.</p><script>x()</script>")
    _send(django_capture_on_commit_callbacks, raw, thread["to"])
    reply = Post.objects.get(thread=thread["topic"].root, source=Post.Source.EMAIL)
    assert "we" in reply.body_text and "<" not in reply.body_text and reply.body_html == ""


@pytest.mark.parametrize(("case", "expected"), [
    ("other sender", "belongs to another person"),
    ("forged token", "not one we made"),
    ("unsigned", "did not sign"),
    ("closed", "closed to new replies"),
    ("empty", "empty once the quoted text"),
])
def test_refused_replies_get_one_clear_answer_and_change_nothing(
        thread, make_user, organizer, case, expected, django_capture_on_commit_callbacks):
    to, kwargs = thread["to"], {}
    mail_from = "ana@nih.gov"
    if case == "other sender":
        make_user("eve@nih.gov")
        kwargs = {"sender": "Eve <eve@nih.gov>"}
        mail_from = "eve@nih.gov"
    elif case == "forged token":
        token = to.partition("+")[2].partition("@")[0]
        to = to.replace(token, token[:-1] + ("a" if token[-1] != "a" else "b"))
    elif case == "unsigned":
        kwargs = {"sign": False}
    elif case == "closed":
        topic_moderate(topic=thread["topic"], actor=organizer, closed=True)
    elif case == "empty":
        kwargs = {"body": "\nOn Monday Mia wrote:\n> Who writes them?\n"}
    inbound = _send(django_capture_on_commit_callbacks, _mail(to=to, **kwargs), to, mail_from)
    assert expected in inbound.result
    assert not Post.objects.filter(source=Post.Source.EMAIL).exists()
    [answer] = [m for m in mail.outbox if m.to == [mail_from]]
    assert expected in answer.body and answer.message()["Auto-Submitted"] == "auto-replied"


def test_expired_token_is_refused(thread, settings, django_capture_on_commit_callbacks):
    settings.COPHUB_REPLY_TOKEN_DAYS = 30
    old = reply_address(user_id=thread["ana"].pk, post_id=thread["topic"].root_id,
                        today=timezone.localdate() - timedelta(days=31))
    inbound = _send(django_capture_on_commit_callbacks, _mail(to=old), old)
    assert "expired" in inbound.result


def test_robot_replies_are_dropped_without_answer(thread, django_capture_on_commit_callbacks):
    raw = _mail(to=thread["to"], headers={"Auto-Submitted": "auto-replied"})
    inbound = _send(django_capture_on_commit_callbacks, raw, thread["to"])
    assert inbound.result.endswith("no reply: automated sender")
    assert not mail.outbox


def test_token_round_trip_and_tampering():
    address = reply_address(user_id=42, post_id=4711)
    local = address.partition("@")[0]
    assert len(local) <= 64
    token = reply_token_read(local.partition("+")[2])
    assert (token.user_id, token.post_id) == (42, 4711) and not token.expired
    assert reply_token_read("notbase32!") is None
    assert reply_token_read(local.partition("+")[2][:-2]) is None


def test_reply_to_a_reply_threads_under_it(thread, gov_member,
                                           django_capture_on_commit_callbacks):
    first = reply_create(topic=thread["topic"], author=gov_member, body_markdown="Mine")
    to = reply_address(user_id=thread["ana"].pk, post_id=first.pk)
    _send(django_capture_on_commit_callbacks, _mail(to=to), to)
    reply = Post.objects.get(source=Post.Source.EMAIL)
    assert reply.parent == first and reply.in_reply_to == first.message_id


def test_mail_server_takes_reply_addresses_and_refuses_forged_ones_at_rcpt(thread):
    assert recipient_known(thread["to"])
    token = thread["to"].partition("+")[2].partition("@")[0]
    forged = thread["to"].replace(token, token[:-1] + ("a" if token[-1] != "a" else "b"))
    assert not recipient_known(forged)
    assert not recipient_known("reply@lists.localhost")
    assert not recipient_known("nobody+x@lists.localhost")
