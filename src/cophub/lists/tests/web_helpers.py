"""Helpers for the web tests: archived posts as e-mail would make them (through
post_receive, so threading comes from the real headers), and a verified second address."""

from email.message import EmailMessage
from email.utils import format_datetime

from django.utils import timezone

from cophub.lists import services

from .auth_helpers import authenticated


def mail_post(mailing_list, *, sender="Mia Member <member@va.gov>", subject="Hello",
              body="Hello all.", message_id=None, in_reply_to=None, approve_as=None):
    """A post sent by e-mail, DKIM-signed by the sender's domain, and published (the sender
    must be allowed to post). A post the list holds is approved by `approve_as`, if given (an
    owner's e-mail is always held on an announcement list)."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mailing_list.address
    message["Subject"] = subject
    message["Date"] = format_datetime(timezone.now())
    message["Message-ID"] = f"<{message_id or subject.replace(' ', '.')}@example.org>"
    if in_reply_to:
        message["In-Reply-To"] = f"<{in_reply_to}@example.org>"
        message["References"] = f"<{in_reply_to}@example.org>"
    message.set_content(body)
    post = services.post_receive(mailing_list=mailing_list, message=message,
                                 authentication=authenticated(message))
    if approve_as is not None and post.status == post.Status.HELD:
        post = services.post_moderate(post=post, actor=approve_as, action="approve")
    return post
