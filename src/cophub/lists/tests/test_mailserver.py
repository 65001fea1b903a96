"""The SMTP/LMTP server end to end: a real aiosmtpd server on a free port, smtplib client."""

import smtplib
import socket

import pytest

from cophub.lists.inbound import mailserver as mailserver_module
from cophub.lists.inbound.mailserver import MailServer
from cophub.lists.models import InboundMessage

from .inbound_helpers import build, list_address

pytestmark = pytest.mark.django_db(transaction=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def server(gov_list):
    servers = []

    def start(*, lmtp: bool = False, max_bytes: int | None = None) -> MailServer:
        server = MailServer(host="127.0.0.1", port=free_port(), lmtp=lmtp, max_bytes=max_bytes)
        server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop_gracefully(timeout=5)


def test_unknown_address_is_refused_with_550(server):
    smtp = server()
    with smtplib.SMTP("127.0.0.1", smtp.port) as client:
        client.ehlo()
        assert client.mail("a@va.gov")[0] == 250
        for address in ("nolist@lists.localhost", "ai@example.com",
                        "ai-request+x@lists.localhost"):
            code, reply = client.rcpt(address)
            assert (code, reply) == (550, f"5.1.1 No such list: <{address}>".encode())
    assert not InboundMessage.objects.exists()


def test_inactive_list_is_refused(server, gov_list):
    gov_list.is_active = False
    gov_list.save(update_fields=["is_active"])
    smtp = server()
    with smtplib.SMTP("127.0.0.1", smtp.port) as client, \
            pytest.raises(smtplib.SMTPRecipientsRefused):
        client.sendmail("a@va.gov", [list_address("ai")], build(subject="x", body="y"))


def test_message_is_stored_before_250(server):
    smtp = server()
    raw = build(subject="Stored first", body="Hello list")
    with smtplib.SMTP("127.0.0.1", smtp.port) as client:
        client.ehlo()
        client.mail("member@va.gov")
        client.rcpt(list_address("ai-request"))
        code, reply = client.data(raw)

    assert code == 250
    stored_id = int(reply.decode().rsplit(" ", 1)[1])
    stored = InboundMessage.objects.get(pk=stored_id)  # exists the moment 250 arrived
    assert stored.mail_from == "member@va.gov"
    assert stored.rcpt_to == [list_address("ai-request")]
    assert b"Hello list" in bytes(stored.raw)
    assert stored.peer == "127.0.0.1"


def test_oversize_message_is_refused_with_552(server):
    smtp = server(max_bytes=4000)
    big = build(subject="big", body="x" * 70 + ("\n" + "y" * 70) * 100)
    with smtplib.SMTP("127.0.0.1", smtp.port) as client:
        with pytest.raises((smtplib.SMTPSenderRefused, smtplib.SMTPDataError)) as refused:
            client.sendmail("a@va.gov", [list_address("ai")], big)
    assert refused.value.smtp_code == 552
    assert not InboundMessage.objects.exists()


def test_store_failure_answers_451_so_the_sender_retries(server, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(mailserver_module, "inbound_message_store", broken)
    smtp = server()
    with smtplib.SMTP("127.0.0.1", smtp.port) as client:
        with pytest.raises(smtplib.SMTPDataError) as refused:
            client.sendmail("a@va.gov", [list_address("ai")], build(subject="s", body="b"))
    assert refused.value.smtp_code == 451
    assert b"4.3.0 Try again later" in refused.value.smtp_error


def test_lmtp_answers_once_per_recipient(server):
    smtp = server(lmtp=True)
    raw = build(subject="help", body="")
    with socket.create_connection(("127.0.0.1", smtp.port), timeout=10) as sock:
        reader = sock.makefile("rb")

        def command(line: bytes) -> bytes:
            sock.sendall(line + b"\r\n")
            reply = reader.readline()
            while reply[3:4] == b"-":
                reply = reader.readline()
            return reply

        assert reader.readline().startswith(b"220")
        assert command(b"LHLO client.va.gov").startswith(b"250")
        assert command(b"MAIL FROM:<member@va.gov>").startswith(b"250")
        assert command(f"RCPT TO:<{list_address('ai-request')}>".encode()).startswith(b"250")
        assert command(b"RCPT TO:<nolist@lists.localhost>").startswith(b"550")
        assert command(f"RCPT TO:<{list_address('ai-owner')}>".encode()).startswith(b"250")
        assert command(b"DATA").startswith(b"354")
        sock.sendall(raw.replace(b"\n", b"\r\n") + b"\r\n.\r\n")
        replies = [reader.readline(), reader.readline()]
        sock.sendall(b"QUIT\r\n")

    assert all(r.startswith(b"250 2.0.0") for r in replies)
    stored = InboundMessage.objects.get()
    assert stored.rcpt_to == [list_address("ai-request"), list_address("ai-owner")]


def test_lmtp_refuses_smtp_greeting(server):
    smtp = server(lmtp=True)
    with socket.create_connection(("127.0.0.1", smtp.port), timeout=10) as sock:
        reader = sock.makefile("rb")
        reader.readline()
        sock.sendall(b"EHLO client\r\n")
        assert reader.readline().startswith(b"500")


def test_server_keeps_serving_after_a_bad_session(server):
    smtp = server()
    with socket.create_connection(("127.0.0.1", smtp.port), timeout=10) as sock:
        sock.sendall(b"EHLO x\r\nMAIL FROM:<a@va.gov>\r\nRCPT TO:<ai@lists.localhost>\r\n"
                     b"DATA\r\npartial message, then the client vanishes")
    with smtplib.SMTP("127.0.0.1", smtp.port) as client:
        client.sendmail("a@va.gov", [list_address("ai-request")], build(subject="help"))
    assert InboundMessage.objects.count() == 1


def test_mailserver_command_rejects_bad_port():
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="--port must be between"):
        call_command("mailserver", "--port", "70000")
