"""The issue's whole journey over real SMTP: join the government list by e-mail with an empty
subject, confirm by replying, receive a post, leave with one click, read the archive; and a
public participant who can neither join the list nor read its archive."""

import re
import smtplib
import socket
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import make_msgid
from urllib.parse import urlsplit

import pytest
from django.core import mail

from cophub.lists.inbound.mailserver import MailServer
from cophub.lists.models import Post, Subscription

pytestmark = pytest.mark.django_db(transaction=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server(gov_list, public_list):
    server = MailServer(host="127.0.0.1", port=free_port())
    server.start()
    yield server
    server.stop_gracefully(timeout=5)


def send(server, *, sender: str, to: str, subject: str = "", body: str = "",
         in_reply_to: str = "") -> None:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2])
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
    message.set_content(body)
    with smtplib.SMTP("127.0.0.1", server.port) as client:
        client.send_message(message, from_addr=sender, to_addrs=[to])


def delivered_to(address: str) -> list:
    """What reached `address`, parsed as a mail client would (the outbox sends the bytes)."""
    return [message_from_bytes(m.message().as_bytes(), policy=policy.default)
            for m in mail.outbox if address in m.to]


def test_join_by_empty_subject_confirm_receive_one_click_leave_and_read_archive(
        smtp_server, gov_list, organizer, gov_member, client):
    jane = "jane.doe@va.gov"

    # Join: an empty message to ai-request@, as the AI CoP tells people to.
    send(smtp_server, sender=jane, to=gov_list.companion("request"))
    [confirmation] = delivered_to(jane)  # the confirmation is the only answer
    assert confirmation["From"].addresses[0].addr_spec == gov_list.companion("request")
    token = re.search(r"confirm (\S+)", confirmation["Subject"]).group(1)
    assert f"/lists/confirm/{token}/" in confirmation.get_body(("plain",)).get_content()
    assert not Subscription.objects.exists()  # double opt-in: nothing until confirmed

    # Confirm by replying to the confirmation.
    send(smtp_server, sender=jane, to=gov_list.companion("request"),
         subject=f"Re: {confirmation['Subject']}", in_reply_to=confirmation["Message-ID"])
    subscription = Subscription.objects.get(subscriber__email=jane)
    [_, welcome] = delivered_to(jane)
    assert "leave" in welcome.get_body(("plain",)).get_content()
    assert subscription.state == Subscription.State.ACTIVE
    assert subscription.subscriber.user is None  # an e-mail-only subscriber

    # An organizer posts on the web; Jane receives it with the list headers.
    mail.outbox.clear()
    client.force_login(organizer)  # an organizer with MFA set up
    response = client.post(f"/lists/{gov_list.local_part}/compose/",
                           {"subject": "Community meeting on Thursday",
                            "body_markdown": "Join us for the **monthly meeting**.",
                            "action": "send"})
    assert response.status_code == 302
    assert Post.objects.filter(status="published").count() == 1
    [post] = delivered_to(jane)
    assert post["Subject"] == "[AI] Community meeting on Thursday"
    assert post["List-Id"].endswith(f"<{gov_list.list_id}>")
    assert post["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert post["Precedence"] == "list"
    one_click = re.search(r"<(https?://[^>]+)>", post["List-Unsubscribe"]).group(1)
    # On the wire the URL is whole, not RFC 2047-encoded (clients do not decode it there).
    [raw] = [m.message().as_bytes() for m in mail.outbox if jane in m.to]
    assert f"<{one_click}>".encode() in raw and b"=?utf-8?" not in raw

    # Leave with one click: a single POST, no session, no CSRF token (RFC 8058).
    client.logout()
    response = client.post(urlsplit(one_click).path, "List-Unsubscribe=One-Click",
                           content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    subscription.refresh_from_db()
    assert subscription.state == Subscription.State.UNSUBSCRIBED

    # The archive: a government member reads the post; visitors do not.
    archive = f"/lists/{gov_list.local_part}/archive/"
    assert client.get(archive).status_code == 404
    client.force_login(gov_member)
    page = client.get(archive)
    assert page.status_code == 200
    assert "Community meeting on Thursday" in page.content.decode()


def test_public_participant_cannot_join_the_government_list_or_read_its_archive(
        smtp_server, gov_list, public_user, client):
    send(smtp_server, sender=public_user.email, to=gov_list.companion("join"))
    [refusal] = delivered_to(public_user.email)
    assert "government" in refusal.get_body(("plain",)).get_content().lower()
    assert not Subscription.objects.exists()

    client.force_login(public_user)
    response = client.post(f"/lists/{gov_list.local_part}/subscribe/",
                           {"email": public_user.email, "delivery": "each"})
    assert not Subscription.objects.exists()
    assert response.status_code in (200, 400)
    assert client.get(f"/lists/{gov_list.local_part}/archive/").status_code == 404
