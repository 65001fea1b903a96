"""Bulk sending: one drain task per bulk enqueue, batches over reused SMTP connections, the
same bytes as the single-row path, 5xx recipients failed at once, a throttle."""

import email
import email.policy
import smtplib
import socket
import threading
from unittest import mock

import pytest
from aiosmtpd.controller import Controller
from django.core import mail as django_mail
from django.db import connection
from django.test import override_settings

from cophub.core.mail import (
    mail_content_create,
    mail_enqueue,
    mail_enqueue_many,
    outbox_drain,
    outgoing_mail_deliver,
)
from cophub.core.mail.smtp import TokenBucket
from cophub.core.models import OutgoingMail

pytestmark = pytest.mark.django_db

Status = OutgoingMail.Status
NO_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    return tmp_path


def content(**overrides):
    fields = {
        "from_email": "Jane Doe via AI CoP <ai@lists.example.gov>",
        "subject": "Évaluation des modèles: résultats",
        "body_text": "Hello list.\n.a line starting with a dot\n",
        "body_html": "<p>Hello <b>list</b>.</p>",
        "headers": {"List-Id": "<ai.lists.example.gov>", "Precedence": "list"},
        "message_id": "<post-1@lists.example.gov>",
    }
    return mail_content_create(**(fields | overrides))


def recipients(n: int, *, bounce: bool = True) -> list[tuple[str, dict, str]]:
    return [(f"member{i}@agency.gov",
             {"List-Unsubscribe": f"<https://cop.example.gov/u/{i}>", "Precedence": "bulk"},
             f"ai-bounces+member{i}=agency.gov@lists.example.gov" if bounce else "")
            for i in range(n)]


def parse(raw: bytes):
    return email.message_from_bytes(raw.replace(b"\r\n", b"\n"), policy=email.policy.default)


def test_bulk_enqueue_schedules_one_drain_that_sends_every_copy_once(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert mail_enqueue_many(content=content(), recipients=recipients(450)) == 450

    assert len(callbacks) == 1  # one drain task, not one task per row
    assert sorted(m.to[0] for m in django_mail.outbox) == sorted(
        f"member{i}@agency.gov" for i in range(450))
    assert set(OutgoingMail.objects.values_list("status", flat=True)) == {Status.SENT}
    assert outbox_drain().sent == 0  # nothing is sent twice


def test_drain_sends_the_same_bytes_as_the_single_row_path():
    mail_enqueue_many(content=content(), recipients=recipients(2))
    first, second = OutgoingMail.objects.order_by("pk")
    second.to = first.to  # compare one recipient's message built both ways
    second.headers = first.headers
    second.envelope_from = first.envelope_from
    second.save()

    outgoing_mail_deliver(mail_id=first.pk)
    outbox_drain()

    single, drained = (m.message().as_bytes(linesep="\r\n") for m in django_mail.outbox)
    assert single == drained
    message = parse(drained)
    assert str(message["Subject"]) == "Évaluation des modèles: résultats"
    assert b"=?utf-8?" in drained.split(b"\r\n\r\n")[0]  # RFC 2047, not raw 8-bit
    assert message["Message-ID"] == "<post-1@lists.example.gov>"
    assert message["Precedence"] == "bulk"  # the row's header replaces the content's
    assert message["List-Id"] == "<ai.lists.example.gov>"
    assert message["MIME-Version"] == "1.0"
    assert message.get_body(("plain",)).get_content().startswith("Hello list.\n.a line")
    assert "<b>list</b>" in message.get_body(("html",)).get_content()
    assert django_mail.outbox[1].from_email.startswith("ai-bounces+member0=")


def test_copies_without_a_shared_message_id_carry_their_own():
    mail_enqueue_many(content=content(message_id=""), recipients=recipients(2))
    outbox_drain()
    ids = {parse(m.message().as_bytes())["Message-ID"] for m in django_mail.outbox}
    assert ids == set(OutgoingMail.objects.values_list("message_id", flat=True))


def test_raw_mime_content_is_sent_verbatim_under_the_row_headers():
    digest = ("Content-Type: multipart/digest; boundary=\"XX\"\n\n--XX\n\n"
              "Content-Type: message/rfc822\n\nSubject: one\n\nfirst post\n--XX--\n")
    mail_enqueue_many(content=content(raw_mime=digest, subject="AI CoP digest, Vol 1"),
                      recipients=recipients(1))
    outbox_drain()

    raw = django_mail.outbox[0].message().as_bytes(linesep="\r\n")
    assert raw.endswith(digest.replace("\n", "\r\n").encode())
    message = parse(raw)
    assert message.get_content_type() == "multipart/digest"
    assert message["Subject"] == "AI CoP digest, Vol 1"
    assert message["To"] == "member0@agency.gov"


def test_rows_without_content_are_drained_too(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        mail_enqueue(to="ada@agency.gov", subject="Welcome", body_text="Hello Ada.")
    assert outbox_drain().sent == 1
    assert django_mail.outbox[0].subject == "Welcome"


class Sink:
    """An in-process SMTP server: each message's envelope, bytes and connection."""

    def __init__(self, refuse=(), pipelining=False):
        self.refuse, self.pipelining = set(refuse), pipelining
        self.messages = []
        self.lock = threading.Lock()

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        if self.pipelining:  # aiosmtpd reads pipelined commands fine but does not say so
            responses.insert(1, "250-PIPELINING")
        return responses

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.append((envelope.mail_from, tuple(envelope.rcpt_tos),
                                  envelope.original_content, session.peer))
        return "250 OK queued"


@pytest.fixture(params=[False, True], ids=["plain", "pipelining"])
def smtp_sink(settings, request):
    sink = Sink(pipelining=request.param)
    with socket.socket() as probe:  # a free port (aiosmtpd cannot report one it chose)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.COPHUB_MAIL_CONNECTIONS = 3
    yield sink
    controller.stop()


def test_smtp_drain_delivers_one_copy_each_over_reused_connections(smtp_sink):
    mail_enqueue_many(content=content(), recipients=recipients(500))

    with mock.patch.object(smtplib.SMTP, "mail", autospec=True,
                           side_effect=smtplib.SMTP.mail) as one_command_at_a_time:
        report = outbox_drain(batch_size=100)

    assert one_command_at_a_time.called is not smtp_sink.pipelining
    assert report.sent == 500 and report.connects == 3
    assert len({peer for *_, peer in smtp_sink.messages}) == 3
    by_rcpt = {}
    for mail_from, rcpts, raw, _peer in smtp_sink.messages:
        assert len(rcpts) == 1
        by_rcpt.setdefault(rcpts[0], []).append((mail_from, raw))
    assert len(by_rcpt) == 500 and all(len(v) == 1 for v in by_rcpt.values())
    mail_from, raw = by_rcpt["member7@agency.gov"][0]
    assert mail_from == "ai-bounces+member7=agency.gov@lists.example.gov"
    message = parse(raw)
    assert message["To"] == "member7@agency.gov"
    assert message["From"] == "Jane Doe via AI CoP <ai@lists.example.gov>"
    assert message["List-Unsubscribe"] == "<https://cop.example.gov/u/7>"
    assert ".a line starting" in message.get_body(("plain",)).get_content()
    assert set(OutgoingMail.objects.values_list("status", flat=True)) == {Status.SENT}


def test_smtp_drain_sends_bytes_the_single_row_path_would_send(smtp_sink, settings):
    mail_enqueue_many(content=content(), recipients=recipients(2, bounce=False))
    first, second = OutgoingMail.objects.order_by("pk")
    outgoing_mail_deliver(mail_id=first.pk)  # through Django's SMTP backend
    outbox_drain()
    (from1, _, raw1, _), (from2, _, raw2, _) = smtp_sink.messages
    assert from1 == from2 == "Jane Doe via AI CoP <ai@lists.example.gov>".split("<")[1][:-1]
    def anonymise(raw: bytes, i: int) -> bytes:
        return raw.replace(b"member%d" % i, b"memberN").replace(b"/u/%d" % i, b"/u/N")

    assert anonymise(raw1, 0) == anonymise(raw2, 1)


def test_recipient_refused_with_5xx_fails_at_once_and_others_still_go(smtp_sink):
    smtp_sink.refuse.add("member3@agency.gov")
    mail_enqueue_many(content=content(), recipients=recipients(6))

    report = outbox_drain()

    assert (report.sent, report.refused) == (5, 1)
    refused = OutgoingMail.objects.get(to="member3@agency.gov")
    assert refused.status == Status.FAILED and "550" in refused.last_error
    assert OutgoingMail.objects.filter(status=Status.SENT).count() == 5


def test_unreachable_server_requeues_with_backoff(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 1  # nothing listens there
    mail_enqueue_many(content=content(), recipients=recipients(3))

    report = outbox_drain()

    assert report.failed == 3
    for row in OutgoingMail.objects.all():
        assert row.status == Status.QUEUED and row.attempts == 1
        assert row.next_attempt_at > row.created_at and "Connection" in row.last_error


class FakeTime:
    def __init__(self):
        self.now, self.slept = 100.0, []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(seconds)
        self.now += seconds


def test_token_bucket_spaces_messages_at_the_rate_after_a_burst():
    fake = FakeTime()
    bucket = TokenBucket(10, burst=2, clock=fake.clock, sleep=fake.sleep)
    for _ in range(12):
        bucket.take()
    assert fake.slept == pytest.approx([0.1] * 10)  # 2 free, then one every 1/10 s
    fake.now += 5  # idle: the bucket refills only up to its burst
    bucket.take(), bucket.take(), bucket.take()
    assert fake.slept[10:] == pytest.approx([0.1])


def test_drain_throttles_to_the_configured_rate(settings):
    settings.COPHUB_MAIL_RATE = 50
    fake = FakeTime()
    mail_enqueue_many(content=content(), recipients=recipients(30))
    outbox_drain(clock=fake.clock, sleep=fake.sleep)
    assert len(django_mail.outbox) == 30
    assert sum(fake.slept) == pytest.approx((30 - 5) / 50)  # burst of rate/10 = 5


@pytest.mark.django_db(transaction=True)
def test_concurrent_drains_never_send_a_row_twice(smtp_sink):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises every writer; the race is worth testing on PostgreSQL")
    with override_settings(TASKS=NO_TASKS):  # autocommit: the drain would run right here
        mail_enqueue_many(content=content(), recipients=recipients(600))
    start, reports = threading.Barrier(4), []

    def worker():
        try:
            start.wait()
            reports.append(outbox_drain(batch_size=25))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    rcpts = [rcpts[0] for _, rcpts, _, _ in smtp_sink.messages]
    assert len(rcpts) == len(set(rcpts)) == 600
    assert sum(r.sent for r in reports) == 600
    assert sum(1 for r in reports if r.sent) > 1  # they really did share the work

