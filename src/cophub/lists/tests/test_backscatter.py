"""Issue 17, findings 4 and 7: automatic replies are throttled per address and never sent to
robots or null senders (backscatter); mail that went out through a list is recognised as a
loop on every list address, whatever its case, spacing or angle brackets."""

import smtplib
import socket
import threading
from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from django.core import mail
from django.db import connection

from cophub.core.models import OutgoingMail
from cophub.lists.inbound import router
from cophub.lists.inbound.mailserver import MailServer
from cophub.lists.models import Confirmation, InboundMessage, MailingList, Post
from cophub.lists.services.throttle import AUTO_MAIL_PER_ADDRESS

from .inbound_helpers import build, list_address, receive

AI = list_address("ai")
REQUEST = list_address("ai-request")
VICTIM = "victim@example.org"


def replies_to(address: str) -> list:
    return [m for m in mail.outbox if address in m.to]


# --- finding 4: backscatter ----------------------------------------------------------------


def test_forged_help_burst_is_answered_at_most_the_throttle_allowance(
        gov_list, django_capture_on_commit_callbacks):
    results = [receive(django_capture_on_commit_callbacks,
                       build(sender=VICTIM, to=REQUEST, subject=subject),
                       to=REQUEST, mail_from=VICTIM).result
               for subject in ["help", "frobnicate"] * 10]

    assert len(replies_to(VICTIM)) == AUTO_MAIL_PER_ADDRESS
    assert OutgoingMail.objects.filter(to=VICTIM).count() == AUTO_MAIL_PER_ADDRESS
    throttled = [r for r in results if "no reply: throttled" in r]
    assert len(throttled) == 20 - AUTO_MAIL_PER_ADDRESS
    assert all("replied to" in r for r in results[:AUTO_MAIL_PER_ADDRESS])


def test_throttle_is_shared_with_subscribe_confirmations(
        gov_list, public_list, make_list, django_capture_on_commit_callbacks):
    """One allowance per address for every automatic message: confirmations, replies, and
    the refusal that says "we already sent you several confirmations"."""
    for n in range(3):
        receive(django_capture_on_commit_callbacks,
                build(sender=VICTIM, to=REQUEST.replace("ai-", "aipublic-"),
                      subject="subscribe" if n == 0 else "help"),
                to=REQUEST.replace("ai-", "aipublic-"), mail_from=VICTIM)
    assert Confirmation.objects.filter(email=VICTIM).count() == 1
    for _ in range(10):
        receive(django_capture_on_commit_callbacks,
                build(sender=VICTIM, to=REQUEST, subject="help"), to=REQUEST, mail_from=VICTIM)

    assert len(replies_to(VICTIM)) == AUTO_MAIL_PER_ADDRESS
    # …and once it is used up, a subscription to another list is refused, unanswered.
    make_list("open", audience=MailingList.Audience.ANYONE)
    inbound = receive(django_capture_on_commit_callbacks,
                      build(sender=VICTIM, to=list_address("open-join")),
                      to=list_address("open-join"), mail_from=VICTIM)
    assert "subscribe refused" in inbound.result and "no reply: throttled" in inbound.result
    assert len(replies_to(VICTIM)) == AUTO_MAIL_PER_ADDRESS


@pytest.mark.parametrize(("headers", "sender", "mail_from", "why"), [
    ({"List-Id": "Other list <other.lists.example.gov>"}, VICTIM, VICTIM, "List-Id"),
    ({"Precedence": "list"}, VICTIM, VICTIM, "Precedence: list"),
    ({"Precedence": " Bulk (newsletter)"}, VICTIM, VICTIM, "Precedence: bulk"),
    ({"Auto-Submitted": "Auto-Replied; owner-email=x@example.org"}, VICTIM, VICTIM,
     "Auto-Submitted: auto-replied"),
    ({"X-Autoreply": "yes"}, VICTIM, VICTIM, "X-Autoreply"),
    ({}, "MAILER-DAEMON@mx.example.org", VICTIM, "robot sender"),
    ({}, "postmaster@example.org", "postmaster@example.org", "robot sender"),
    ({}, "other-list-request@lists.example.org", VICTIM, "robot sender"),
    ({}, "noreply@example.org", VICTIM, "robot sender"),
    ({}, VICTIM, "<>", "null sender"),
    ({}, VICTIM, "", "null sender"),
])
def test_mail_that_looks_automated_is_never_answered(
        gov_list, headers, sender, mail_from, why, django_capture_on_commit_callbacks):
    inbound = receive(django_capture_on_commit_callbacks,
                      build(sender=sender, to=REQUEST, subject="help", headers=headers),
                      to=REQUEST, mail_from=mail_from)

    assert inbound.status == InboundMessage.Status.PROCESSED
    assert "automated" in inbound.result and why in inbound.result
    assert mail.outbox == []


# --- finding 7: loops ----------------------------------------------------------------------


@pytest.mark.parametrize("role", ["request", "join", "leave", "owner"])
@pytest.mark.parametrize("x_loop", [
    "{address}", "<{address}>", " {upper} ", "AI CoP <{address}>",
])
def test_our_own_x_loop_is_a_loop_on_every_list_address(
        gov_list, organizer, role, x_loop, django_capture_on_commit_callbacks):
    to = gov_list.companion(role)
    for stamped in (gov_list.address, gov_list.companion("request")):
        value = x_loop.format(address=stamped, upper=stamped.upper())
        inbound = receive(django_capture_on_commit_callbacks,
                          build(sender="jane@va.gov", to=to, subject="help",
                                headers={"X-Loop": value}),
                          to=to, mail_from="jane@va.gov")
        assert inbound.result == f"{to}: dropped: mail loop", value
    assert mail.outbox == []
    assert not Confirmation.objects.exists()


@pytest.mark.parametrize("list_id", [
    "AI CoP < ai.lists.localhost >",
    "<AI.Lists.Localhost>",
    "AI CoP <ai. lists.localhost>",
    "AI CoP <ai.lists.FOLD>",  # folded over two lines
    "ai.lists.localhost",
])
def test_our_list_id_with_spaces_or_case_is_a_loop(
        gov_list, make_subscription, list_id, django_capture_on_commit_callbacks):
    make_subscription(gov_list, "member@va.gov")
    raw = build(subject="Re: hello", body="loop", headers={"List-Id": list_id})
    inbound = receive(django_capture_on_commit_callbacks,
                      raw.replace(b"FOLD>", b"\n localhost>"), to=AI)

    assert inbound.result == f"{AI}: dropped: mail loop"
    assert not Post.objects.exists()


def test_an_address_that_merely_contains_ours_is_not_a_loop(
        gov_list, make_subscription, django_capture_on_commit_callbacks):
    make_subscription(gov_list, "member@va.gov")
    inbound = receive(django_capture_on_commit_callbacks,
                      build(subject="Hello", body="x",
                            headers={"X-Loop": "xai@lists.localhost"}), to=AI)

    assert "loop" not in inbound.result
    assert Post.objects.count() == 1


@pytest.mark.parametrize("precedence", ["bulk", "junk", "BULK", '"junk"'])
def test_bulk_and_junk_precedence_posts_are_dropped_as_automated(
        gov_list, make_subscription, precedence, django_capture_on_commit_callbacks):
    make_subscription(gov_list, "member@va.gov")
    inbound = receive(django_capture_on_commit_callbacks,
                      build(subject="Newsletter", body="x",
                            headers={"Precedence": precedence}), to=AI)

    assert "dropped: automated message (Precedence:" in inbound.result
    assert not Post.objects.exists()
    assert mail.outbox == []


# --- the class: a corpus of hostile mail -----------------------------------------------------

LOOPS = [{"X-Loop": "ai-request@lists.localhost"}, {"X-Loop": "<AI@LISTS.LOCALHOST>"},
         {"List-Id": "AI CoP < ai.lists.localhost >"}]

# (what, recipient role, headers, From, envelope sender, expected in the result)
HOSTILE = [
    ("forged help", "request", {}, VICTIM, VICTIM, "replied to"),
    ("forged unknown command", "request", {}, VICTIM, VICTIM, "replied to"),
    ("forged subscribe", "join", {}, VICTIM, VICTIM, "subscribe"),
    ("null sender", "request", {}, VICTIM, "<>", "dropped: automated message (null sender)"),
    ("bounce to -request", "request", {}, "MAILER-DAEMON@mx.example.org", "",
     "dropped: automated message"),
    ("vacation notice", "request", {"Auto-Submitted": "auto-replied"}, VICTIM, VICTIM,
     "dropped: automated message (Auto-Submitted: auto-replied)"),
    ("vacation notice to owner", "owner", {"Auto-Submitted": "auto-replied"}, VICTIM, VICTIM,
     "dropped: automated message"),
    ("bulk to owner", "owner", {"Precedence": "bulk"}, VICTIM, VICTIM,
     "dropped: automated message"),
    ("another list's copy", "request", {"List-Id": "<x.lists.example.gov>"}, VICTIM, VICTIM,
     "dropped: automated message (List-Id"),
    ("refused post from stranger", "post", {}, VICTIM, VICTIM, "refused:"),
    ("bulk post", "post", {"Precedence": "bulk"}, "member@va.gov", "member@va.gov",
     "dropped: automated message (Precedence: bulk)"),
    *[(f"loop {h}", role, h, "member@va.gov", "member@va.gov", "dropped: mail loop")
      for h in LOOPS for role in ("post", "request", "join", "leave", "owner")],
]


def _address(mailing_list, role: str) -> str:
    return mailing_list.address if role == "post" else mailing_list.companion(role)


def test_hostile_corpus_ends_with_recorded_outcomes_and_throttled_replies(
        gov_list, organizer, make_subscription, django_capture_on_commit_callbacks):
    make_subscription(gov_list, "member@va.gov")
    for _ in range(3):  # each of it sent again and again, as a prober does
        for what, role, headers, sender, mail_from, expected in HOSTILE:
            to = _address(gov_list, role)
            subject = "frobnicate" if "unknown" in what else "help"
            inbound = receive(django_capture_on_commit_callbacks,
                              build(sender=sender, to=to, subject=subject, body="x",
                                    headers=headers), to=to, mail_from=mail_from)
            assert inbound.status == InboundMessage.Status.PROCESSED, what
            assert inbound.result.startswith(f"{to}: "), what
            assert expected in inbound.result or "no reply: throttled" in inbound.result, (
                what, inbound.result)

    assert len(replies_to(VICTIM)) <= AUTO_MAIL_PER_ADDRESS
    assert not Post.objects.exists()
    # Only the owners hear of anything else: nothing goes back to a robot or a list.
    assert {a for m in mail.outbox for a in m.to} <= {VICTIM, "organizer@gsa.gov"}
    assert not [m for m in mail.outbox if "organizer@gsa.gov" in m.to
                and "member@va.gov" in m.body]  # no loop reached the owners


@pytest.mark.django_db(transaction=True)
def test_a_burst_processed_by_concurrent_workers_stays_within_the_allowance(
        gov_list, monkeypatch):
    monkeypatch.setattr(router, "_enqueue_process", lambda inbound_id: None)
    ids = [router.inbound_message_store(mail_from=VICTIM, rcpt_to=[REQUEST],
                                        raw=build(sender=VICTIM, to=REQUEST, subject="help")).pk
           for _ in range(8)]
    barrier = threading.Barrier(len(ids))
    errors = []

    def work(inbound_id):
        try:
            barrier.wait()
            router.inbound_message_process(inbound_id=inbound_id)
        except Exception as exc:  # noqa: BLE001 — reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(pk,)) for pk in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    assert errors == []
    rows = InboundMessage.objects.filter(pk__in=ids)
    assert all(r.status == InboundMessage.Status.PROCESSED for r in rows)
    assert sum("no reply: throttled" in r.result for r in rows) == 8 - AUTO_MAIL_PER_ADDRESS
    assert OutgoingMail.objects.filter(to=VICTIM).count() == AUTO_MAIL_PER_ADDRESS


# --- through the live mail server ----------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.django_db(transaction=True)
def test_forged_burst_over_smtp_gets_at_most_the_allowance_and_loops_none(gov_list):
    server = MailServer(host="127.0.0.1", port=_free_port())
    server.start()
    try:
        with smtplib.SMTP("127.0.0.1", server.port) as client:
            for n in range(12):
                message = EmailMessage()
                message["From"] = VICTIM
                message["To"] = REQUEST
                message["Subject"] = "help"
                message["Message-ID"] = make_msgid(domain="example.org")
                if n % 3 == 2:  # our own reply coming back
                    message["X-Loop"] = f" <{REQUEST.upper()}> "
                message.set_content("help")
                client.send_message(message, from_addr="" if n == 0 else VICTIM,
                                    to_addrs=[REQUEST])
    finally:
        server.stop_gracefully(timeout=5)

    rows = list(InboundMessage.objects.order_by("pk"))
    assert len(rows) == 12
    assert all(r.status == InboundMessage.Status.PROCESSED for r in rows)
    assert "automated message (null sender)" in rows[0].result
    assert sum("dropped: mail loop" in r.result for r in rows) == 4
    assert sum("no reply: throttled" in r.result for r in rows) == 7 - AUTO_MAIL_PER_ADDRESS
    assert len(replies_to(VICTIM)) == AUTO_MAIL_PER_ADDRESS
