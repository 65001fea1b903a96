"""Return paths chosen when a message is built (mail/return_path.py): a row stored without an
`envelope_from` goes out with the return path the registered builder names for its
recipient, on every sending path (single rows, the drain, Django's SMTP backend, our own SMTP
sender, the .eml files); a row with its own keeps it; without a builder, or when it declines,
the From address stays the return path. The header From never changes."""

import email
import email.policy
import socket
import threading

import pytest
from aiosmtpd.controller import Controller
from django.core import mail as django_mail

from cophub.core.mail import (
    mail_content_create,
    mail_enqueue,
    mail_enqueue_many,
    outbox_drain,
    outgoing_mail_deliver,
    return_path,
    return_path_register,
)
from cophub.core.models import OutgoingMail

pytestmark = pytest.mark.django_db

FROM = "AI CoP <notices@cop.example.gov>"


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path  # the drain's crash journal
    return tmp_path


@pytest.fixture
def builder(monkeypatch):
    """A builder like the one lists registers: a return path naming the recipient, or ""
    (the From address) for mail from anyone but the site's notices sender."""
    asked = []

    def build(*, to: str, from_email: str) -> str:
        asked.append(to)
        if from_email != FROM:
            return ""
        local, _, domain = to.partition("@")
        return f"bounces+{local}={domain}@bounces.example.gov"

    monkeypatch.setattr(return_path, "_builder", None)  # restored after the test
    return_path_register(build)
    build.asked = asked
    return build


@pytest.fixture
def no_builder(monkeypatch):
    monkeypatch.setattr(return_path, "_builder", None)


def notice(**overrides) -> OutgoingMail:
    fields = {"to": "ada@agency.gov", "subject": "Welcome", "body_text": "Hello Ada.",
              "from_email": FROM}
    return mail_enqueue(**(fields | overrides))


def copies(recipients) -> int:
    content = mail_content_create(from_email=FROM, subject="Reminder: LLMs in HR",
                                  body_text="Tomorrow at 10.", body_html="<p>Tomorrow</p>")
    return mail_enqueue_many(content=content, recipients=recipients)


def parse(raw: bytes):
    return email.message_from_bytes(raw.replace(b"\r\n", b"\n"), policy=email.policy.default)


def test_a_message_without_a_return_path_gets_the_builders(builder):
    row = notice(body_html="<p>Hello Ada.</p>")

    outgoing_mail_deliver(mail_id=row.pk)

    [sent] = django_mail.outbox
    assert sent.from_email == "bounces+ada=agency.gov@bounces.example.gov"  # the envelope
    assert sent.message()["From"] == FROM
    assert "Return-Path" not in sent.message()
    row.refresh_from_db()
    assert (row.status, row.envelope_from) == (OutgoingMail.Status.SENT, "")  # built, not stored


def test_drained_copies_get_the_builders_and_a_copy_with_its_own_keeps_it(builder):
    copies([("ada@agency.gov", {}, ""),
            ("bo@agency.gov", {}, "ai-bounces+bo=agency.gov@lists.example.gov")])

    assert outbox_drain().sent == 2

    by_to = {m.to[0]: m for m in django_mail.outbox}
    assert by_to["ada@agency.gov"].from_email == "bounces+ada=agency.gov@bounces.example.gov"
    assert by_to["bo@agency.gov"].from_email == "ai-bounces+bo=agency.gov@lists.example.gov"
    assert builder.asked == ["ada@agency.gov"]  # a row's own return path is never replaced
    for sent in by_to.values():
        assert parse(sent.message().as_bytes())["From"] == FROM


def test_a_declining_builder_keeps_the_from_address(builder):
    outgoing_mail_deliver(mail_id=notice(from_email="ai-request@lists.example.gov").pk)

    assert django_mail.outbox[0].from_email == "ai-request@lists.example.gov"


def test_without_a_builder_the_from_address_is_the_return_path(no_builder):
    outgoing_mail_deliver(mail_id=notice().pk)
    copies([("bo@agency.gov", {}, "")])
    outbox_drain()

    assert [m.from_email for m in django_mail.outbox] == [FROM, FROM]


def test_the_eml_files_show_the_message_as_sent(builder, settings, tmp_path):
    settings.EMAIL_BACKEND = "cophub.core.mail_backends.EmlFileBackend"
    settings.MAIL_DIR = tmp_path / "mail"
    single = notice()
    copies([("bo@agency.gov", {}, "")])

    outgoing_mail_deliver(mail_id=single.pk)
    outbox_drain()

    files = sorted((tmp_path / "mail").glob("*.eml"))
    assert len(files) == 2
    messages = [parse(path.read_bytes()) for path in files]
    assert {m["From"] for m in messages} == {FROM}
    assert {m["To"] for m in messages} == {"ada@agency.gov", "bo@agency.gov"}
    assert single.message_id in {m["Message-ID"] for m in messages}


class Sink:
    """An in-process SMTP server keeping each message's envelope sender and bytes."""

    def __init__(self):
        self.messages, self.lock = [], threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.append((envelope.mail_from, tuple(envelope.rcpt_tos),
                                  envelope.original_content))
        return "250 OK queued"


@pytest.fixture
def smtp_sink(settings):
    sink = Sink()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    yield sink
    controller.stop()


def test_smtp_sends_the_return_path_in_mail_from_on_both_paths(builder, smtp_sink):
    outgoing_mail_deliver(mail_id=notice().pk)  # Django's SMTP backend
    copies([("bo@agency.gov", {}, "")])
    outbox_drain()  # our own SMTP sender

    envelopes = {rcpts[0]: (mail_from, parse(raw)["From"])
                 for mail_from, rcpts, raw in smtp_sink.messages}
    assert envelopes == {
        "ada@agency.gov": ("bounces+ada=agency.gov@bounces.example.gov", FROM),
        "bo@agency.gov": ("bounces+bo=agency.gov@bounces.example.gov", FROM),
    }

