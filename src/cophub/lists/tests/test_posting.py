"""Posting by e-mail and web: who may post, what is held, threading, moderation decisions."""

from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from django.core import mail

from cophub.core.models import AuditEvent
from cophub.lists.models import AllowedSender, MailingList, Post
from cophub.lists.services import (
    ListError,
    NotAllowed,
    post_compose,
    post_moderate,
    post_receive,
)

from .auth_helpers import authenticated

pytestmark = pytest.mark.django_db


def _message(sender="Jane Doe <jane@va.gov>", subject="Model cards", body="Hello all.\n",
             message_id="<m1@va.gov>", **headers) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "ai@lists.localhost"
    message["Subject"] = subject
    if message_id:
        message["Message-ID"] = message_id
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message


def _receive_signed(mailing_list, message):
    """Received as the router would hand it over with a valid DKIM signature of the
    sender's domain (the subject of these tests is moderation, not authentication)."""
    return post_receive(mailing_list=mailing_list, message=message,
                        authentication=authenticated(message))


@pytest.fixture
def jane(gov_list, make_subscription):
    return make_subscription(gov_list, "jane@va.gov", name="Jane Doe")


def test_subscriber_post_is_published_with_its_text_and_ids(gov_list, jane):
    message = _message()
    post = _receive_signed(gov_list, message)
    assert post.status == Post.Status.PUBLISHED
    assert post.published_at is not None
    assert (post.sender_email, post.sender_name) == ("jane@va.gov", "Jane Doe")
    assert post.subject == "Model cards"
    assert post.body_text == "Hello all."
    assert post.message_id == "m1@va.gov"
    assert post.thread_id == post.pk
    assert post.source == Post.Source.EMAIL


def test_same_message_twice_makes_one_post(gov_list, jane):
    first = post_receive(mailing_list=gov_list, message=_message())
    assert post_receive(mailing_list=gov_list, message=_message()).pk == first.pk
    assert Post.objects.count() == 1


def test_missing_message_id_is_generated(gov_list, jane):
    post = post_receive(mailing_list=gov_list, message=_message(message_id=None))
    assert post.message_id.endswith("@lists.localhost")
    assert "<" not in post.message_id


def test_reply_threads_under_its_parent_by_in_reply_to_or_references(gov_list, jane):
    root = post_receive(mailing_list=gov_list, message=_message())
    reply = post_receive(mailing_list=gov_list, message=_message(
        subject="Re: [AI] Model cards", message_id="<m2@va.gov>", In_Reply_To="<m1@va.gov>"))
    deeper = post_receive(mailing_list=gov_list, message=_message(
        subject="Re: Re", message_id="<m3@va.gov>",
        References="<unknown@x.gov> <m1@va.gov> <m2@va.gov>"))
    assert (reply.parent, reply.thread) == (root, root)
    assert (deeper.parent, deeper.thread) == (reply, root)
    assert deeper.references == "unknown@x.gov m1@va.gov m2@va.gov"


def test_attachments_are_not_kept_but_named_in_the_body(gov_list, jane):
    message = _message(body="See attached.\n")
    message.add_attachment(b"%PDF-1.4", maintype="application", subtype="pdf",
                           filename="roadmap.pdf")
    post = post_receive(mailing_list=gov_list, message=message)
    assert post.body_text == "See attached.\n\n[attachment removed: roadmap.pdf]"


def test_html_is_sanitised_and_bad_charsets_do_not_crash(gov_list, jane):
    raw = (b"From: jane@va.gov\r\nSubject: =?utf-8?q?Caf=C3=A9?=\r\nMessage-ID: <h@va.gov>\r\n"
           b"MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=b\r\n\r\n"
           b"--b\r\nContent-Type: text/plain; charset=x-unknown\r\n\r\ncaf\xe9\r\n"
           b"--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
           b"<p onclick=x>Hi<script>alert(1)</script></p>\r\n--b--\r\n")
    post = post_receive(mailing_list=gov_list,
                        message=message_from_bytes(raw, policy=policy.default))
    assert post.subject == "Café"
    assert post.body_text == "caf\ufffd"
    assert "script" not in post.body_html and "onclick" not in post.body_html
    assert "<p>Hi</p>" in post.body_html


def test_message_without_sender_is_refused(gov_list):
    message = _message()
    del message["From"]
    with pytest.raises(NotAllowed, match="no sender address"):
        post_receive(mailing_list=gov_list, message=message)


def test_non_subscriber_cannot_post_to_a_discussion_list(gov_list):
    with pytest.raises(NotAllowed, match="Only subscribers can post to ai@lists.localhost"):
        post_receive(mailing_list=gov_list, message=_message())
    assert not Post.objects.exists()


def test_non_subscriber_post_is_held_under_that_policy_and_owners_told(
        make_list, organizer, django_capture_on_commit_callbacks):
    ml = make_list("open", moderation=MailingList.Moderation.NON_SUBSCRIBERS)
    with django_capture_on_commit_callbacks(execute=True):
        post = post_receive(mailing_list=ml, message=_message())
    assert post.status == Post.Status.HELD
    assert post.published_at is None
    [notice] = mail.outbox
    assert notice.to == ["organizer@gsa.gov"]
    assert notice.from_email == "open-owner@lists.localhost"
    assert "/lists/open/moderation/" in notice.body
    assert "not subscribed" in notice.body


def test_announce_list_takes_posts_only_from_organizers(public_list, organizer, make_user):
    outsider = make_user("someone@example.com")
    with pytest.raises(NotAllowed, match="only its organizers"):
        post_compose(mailing_list=public_list, author=outsider, subject="Hi", body_markdown="x")
    with pytest.raises(NotAllowed, match="only its organizers"):
        post_receive(mailing_list=public_list, message=_message(sender="someone@example.com"))
    post = post_compose(mailing_list=public_list, author=organizer, subject="News",
                        body_markdown="The training series is open.")
    assert post.status == Post.Status.PUBLISHED and post.author == organizer


def test_emailed_announcement_from_an_organizer_address_waits_for_web_approval(
        public_list, organizer):
    """From can be forged: e-mail from an organizer's address is only a claim."""
    post = post_receive(mailing_list=public_list,
                        message=_message(sender="organizer@gsa.gov"))
    assert post.status == Post.Status.HELD and post.author == organizer
    assert "can be forged" in post.held_reason
    post = post_moderate(post=post, actor=organizer, action="approve")
    assert post.status == Post.Status.PUBLISHED


def test_group_lead_may_post_to_the_group_announce_list(make_list, make_group, make_user,
                                                        make_lead):
    group = make_group()
    lead = make_user("lead@nasa.gov")
    make_lead(group, lead)
    ml = make_list("genai-news", kind=MailingList.Kind.ANNOUNCE, group=group,
                   audience=MailingList.Audience.GROUP)
    post = post_compose(mailing_list=ml, author=lead, subject="News", body_markdown="*Hi*")
    assert post.status == Post.Status.PUBLISHED


def test_every_post_is_held_on_a_fully_moderated_list(make_list, make_subscription):
    ml = make_list("mod", moderation=MailingList.Moderation.ALL)
    make_subscription(ml, "jane@va.gov")
    message = _message()
    post = _receive_signed(ml, message)
    assert post.status == Post.Status.HELD
    assert post.held_reason == "Every post to this list is moderated."


def test_first_post_is_held_then_later_posts_pass(make_list, make_subscription, organizer):
    ml = make_list("first", moderation=MailingList.Moderation.FIRST_POST)
    make_subscription(ml, "jane@va.gov")
    message = _message()
    first = _receive_signed(ml, message)
    assert first.status == Post.Status.HELD
    post_moderate(post=first, actor=organizer, action="approve")
    message = _message(message_id="<m2@va.gov>")
    second = _receive_signed(ml, message)
    assert second.status == Post.Status.PUBLISHED


def test_approve_and_whitelist_lets_later_posts_skip_moderation(make_list, make_subscription,
                                                                organizer):
    ml = make_list("mod", moderation=MailingList.Moderation.ALL)
    make_subscription(ml, "jane@va.gov")
    message = _message()
    held = _receive_signed(ml, message)
    approved = post_moderate(post=held, actor=organizer, action="approve_whitelist")
    assert approved.status == Post.Status.PUBLISHED
    assert approved.decided_by == organizer
    assert AllowedSender.objects.filter(mailing_list=ml, email="jane@va.gov").exists()
    message = _message(message_id="<m9@va.gov>")
    later = _receive_signed(ml, message)
    assert later.status == Post.Status.PUBLISHED


def test_rejecting_tells_the_sender_why_and_discarding_tells_nobody(
        make_list, make_subscription, organizer, django_capture_on_commit_callbacks):
    ml = make_list("mod", moderation=MailingList.Moderation.ALL)
    make_subscription(ml, "jane@va.gov")
    one = post_receive(mailing_list=ml, message=_message())
    two = post_receive(mailing_list=ml, message=_message(message_id="<m2@va.gov>"))
    with django_capture_on_commit_callbacks(execute=True):
        post_moderate(post=one, actor=organizer, action="reject", reason="Off topic.")
        post_moderate(post=two, actor=organizer, action="discard")
    [rejection] = mail.outbox
    assert rejection.to == ["jane@va.gov"]
    assert "Off topic." in rejection.body
    assert Post.objects.get(pk=one.pk).status == Post.Status.REJECTED
    assert Post.objects.get(pk=two.pk).status == Post.Status.DISCARDED
    assert set(AuditEvent.objects.filter(verb__startswith="lists.post.")
               .values_list("verb", flat=True)) >= {"lists.post.rejected",
                                                    "lists.post.discarded"}


def test_only_owners_moderate_and_only_once(make_list, make_subscription, organizer,
                                            gov_member):
    ml = make_list("mod", moderation=MailingList.Moderation.ALL)
    make_subscription(ml, "jane@va.gov")
    held = post_receive(mailing_list=ml, message=_message())
    with pytest.raises(NotAllowed, match="Only the owners of mod@"):
        post_moderate(post=held, actor=gov_member, action="approve")
    post_moderate(post=held, actor=organizer, action="approve")
    with pytest.raises(ListError, match="already decided"):
        post_moderate(post=held, actor=organizer, action="discard")
    with pytest.raises(ListError, match="not a moderation action"):
        post_moderate(post=held, actor=organizer, action="bless")


def test_web_post_renders_markdown_to_safe_html(gov_list, organizer):
    post = post_compose(mailing_list=gov_list, author=organizer, subject="  Agenda ",
                        body_markdown="**Bold** <script>x</script>")
    assert post.subject == "Agenda"
    assert "<strong>Bold</strong>" in post.body_html
    assert "<script>" not in post.body_html
    assert post.body_markdown == "**Bold** <script>x</script>"
    assert post.source == Post.Source.WEB


@pytest.mark.parametrize("subject,body,match", [("", "x", "subject"), ("Hi", "  ", "Write")])
def test_web_post_needs_a_subject_and_a_body(gov_list, organizer, subject, body, match):
    with pytest.raises(ListError, match=match):
        post_compose(mailing_list=gov_list, author=organizer, subject=subject,
                     body_markdown=body)


def test_publishing_enqueues_the_fanout_after_commit(gov_list, jane,
                                                     django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = _message()
        post = _receive_signed(gov_list, message)
    post.refresh_from_db()
    assert post.fanout_done_at is not None
    assert post.recipients_count == 1
