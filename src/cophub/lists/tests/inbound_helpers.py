"""Helpers for the inbound mail tests: build a message, hand it to the store as the mail
server would, and let the (immediate) task process it."""

from email.message import EmailMessage
from email.utils import make_msgid

from django.conf import settings

from cophub.lists.inbound import inbound_message_store
from cophub.lists.models import InboundMessage


def list_address(local_part: str) -> str:
    return f"{local_part}@{settings.COPHUB_LIST_DOMAIN}"


def build(*, sender: str = "member@va.gov", to: str = "", subject: str | None = "",
          body: str = "", headers: dict | None = None, message_id: str = "") -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to or list_address("ai")
    if subject is not None:
        message["Subject"] = subject
    message["Message-ID"] = message_id or make_msgid(domain="va.gov")
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    return message.as_bytes()


def receive(capture, raw: bytes, *, to: str | list[str], mail_from: str = "member@va.gov",
            ) -> InboundMessage:
    """Store as the mail server does and run everything that follows the commit (the
    processing task, then the mail it sends). `capture` is
    django_capture_on_commit_callbacks."""
    rcpts = [to] if isinstance(to, str) else to
    with capture(execute=True):
        inbound = inbound_message_store(mail_from=mail_from, rcpt_to=rcpts, raw=raw,
                                        peer="127.0.0.1")
    inbound.refresh_from_db()
    return inbound
