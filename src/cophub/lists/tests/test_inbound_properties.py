"""Property tests: whatever bytes arrive, processing never raises, the message ends PROCESSED
or FAILED with a result, and the stored row (with its raw bytes) is never lost."""

import smtplib
import socket
from email.message import EmailMessage

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cophub.lists.inbound import inbound_message_process, inbound_message_store
from cophub.lists.inbound.mailserver import MailServer
from cophub.lists.models import InboundMessage

from .inbound_helpers import build

DOMAIN = "lists.localhost"
RECIPIENTS = [f"{local}@{DOMAIN}" for local in (
    "ai", "ai-request", "ai-join", "ai-leave", "ai-owner", "ai-bounces",
    "ai-bounces+jane=va.gov", "aipublic", "aipublic-request")]
ENVELOPE_SENDERS = ["", "MAILER-DAEMON@mx.va.gov", "member@va.gov", "pat@example.com",
                    "not an address", "<>", "x" * 400]
PROPERTY_SETTINGS = settings(max_examples=100, deadline=None, derandomize=True,
                             suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                    HealthCheck.too_slow])

header_names = st.sampled_from(["From", "To", "Subject", "Message-ID", "In-Reply-To",
                                "References", "Content-Type", "Content-Transfer-Encoding",
                                "List-Id", "X-Loop", "Auto-Submitted", "Precedence", "Date",
                                "MIME-Version", "Reply-To", "X-Whatever"])
header_values = st.one_of(
    st.text(max_size=200),
    st.just("=?x-unknown-charset?Q?caf=E9?="), st.just("=?utf-8?B?!!!notbase64?="),
    st.just('multipart/mixed; boundary="unterminated'), st.just("text/plain; charset=klingon"),
    st.just("Jane <jane@va.gov"), st.just("<<@>>, ,;:"), st.just("base64"),
    st.text(min_size=1000, max_size=20000, alphabet="ab ,<>@\u00e9"),  # huge header lines
)
charsets = st.sampled_from(["utf-8", "latin-1", "klingon", "utf-16", "ascii", ""])
encodings = st.sampled_from(["7bit", "base64", "quoted-printable", "8bit", "x-uuencode", ""])


def _whole_messages() -> list[bytes]:
    """Well-formed messages to cut short (built once: the email package draws random MIME
    boundaries, which hypothesis must not see inside a strategy)."""
    with_attachment = EmailMessage()
    with_attachment["From"] = "member@va.gov"
    with_attachment["Subject"] = "Slides"
    with_attachment.set_content("text part \u00e9")
    with_attachment.add_attachment(b"\x00\x01" * 200, maintype="application", subtype="pdf",
                                   filename="a.pdf")
    return [build(sender="member@va.gov", subject="Plain", body="Hello list\n" * 20,
                  message_id="<fixed@va.gov>"), with_attachment.as_bytes()]


WHOLE_MESSAGES = _whole_messages()


@st.composite
def mime_tree(draw, depth=0):
    """Raw MIME text: nested multiparts with random boundaries, charsets, encodings, bodies,
    sometimes missing their closing boundary."""
    if depth < 3 and draw(st.booleans()):
        boundary = draw(st.text(alphabet="abc'=_-", min_size=1, max_size=12))
        parts = draw(st.lists(mime_tree(depth=depth + 1), max_size=4))
        closing = f"--{boundary}--\r\n" if draw(st.booleans()) else ""
        inner = "".join(f"--{boundary}\r\n{p}\r\n" for p in parts)
        subtype = draw(st.sampled_from(["mixed", "alternative", "report"]))
        return (f'Content-Type: multipart/{subtype}; boundary="{boundary}"\r\n\r\n'
                f"{inner}{closing}")
    subtype = draw(st.sampled_from(["plain", "html", "calendar"]))
    return (f"Content-Type: text/{subtype}; charset={draw(charsets)}\r\n"
            f"Content-Transfer-Encoding: {draw(encodings)}\r\n\r\n{draw(st.text(max_size=300))}")


@st.composite
def mangled_messages(draw) -> bytes:
    kind = draw(st.sampled_from(["bytes", "headers", "truncated", "tree"]))
    if kind == "bytes":
        return draw(st.binary(max_size=3000))
    if kind == "truncated":
        raw = draw(st.sampled_from(WHOLE_MESSAGES))
        return raw[:draw(st.integers(0, len(raw)))]
    headers = draw(st.lists(st.tuples(header_names, header_values), max_size=12))
    head = "".join(f"{name}: {value}\r\n" for name, value in headers)
    if kind == "tree":
        head += "MIME-Version: 1.0\r\n" + draw(mime_tree())
    else:
        head += "\r\n" + draw(st.text(max_size=500))
    # Encoded with a random codec: wrong charsets, lone surrogates replaced.
    codec = draw(st.sampled_from(["utf-8", "latin-1", "utf-16"]))
    return head.encode(codec, errors="replace")


@pytest.mark.django_db
@PROPERTY_SETTINGS
@given(raw=mangled_messages(),
       rcpt_to=st.lists(st.sampled_from(RECIPIENTS), min_size=1, max_size=3),
       mail_from=st.sampled_from(ENVELOPE_SENDERS))
def test_processing_mangled_messages_never_raises_nor_loses_them(
        gov_list, public_list, make_subscription, raw, rcpt_to, mail_from):
    make_subscription(gov_list, "member@va.gov") if not gov_list.subscriptions.exists() else None
    stored = inbound_message_store(mail_from=mail_from, rcpt_to=rcpt_to, raw=raw, peer="")

    status = inbound_message_process(inbound_id=stored.pk)

    row = InboundMessage.objects.get(pk=stored.pk)
    assert status == row.status
    assert row.status == InboundMessage.Status.PROCESSED, row.result
    assert row.result
    assert bytes(row.raw) == raw


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def live_server_smtp(gov_list, public_list):
    server = MailServer(host="127.0.0.1", port=_free_port(), max_bytes=200_000)
    server.start()
    yield server
    server.stop_gracefully(timeout=5)


@pytest.mark.django_db(transaction=True)
@settings(max_examples=30, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(raw=mangled_messages(), rcpt=st.sampled_from(RECIPIENTS))
def test_smtp_server_answers_every_mangled_message_and_stores_what_it_accepts(
        live_server_smtp, raw, rcpt):
    before = InboundMessage.objects.count()
    with smtplib.SMTP("127.0.0.1", live_server_smtp.port, timeout=30) as client:
        try:
            client.sendmail("member@va.gov", [rcpt], raw)
        except smtplib.SMTPDataError as refused:
            # Only RFC 5321's line length limit may refuse a message here.
            assert refused.smtp_code == 500 and b"Line too long" in refused.smtp_error
            assert InboundMessage.objects.count() == before
            return
        # The server is still answering, and the 250 meant the row was committed.
        assert client.noop()[0] == 250
    stored = InboundMessage.objects.order_by("-pk").first()
    assert InboundMessage.objects.count() == before + 1
    assert stored.rcpt_to == [rcpt]
    assert stored.status in (InboundMessage.Status.PROCESSED, InboundMessage.Status.FAILED)
    assert stored.result
