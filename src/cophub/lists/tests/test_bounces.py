"""Bounces to -bounces@ (VERP): RFC 3464 DSNs scored, garbage kept, threshold disables."""

from datetime import timedelta
from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

import pytest
from django.core import mail
from django.utils import timezone

from cophub.core.models import AuditEvent
from cophub.lists.addresses import verp_address
from cophub.lists.models import Bounce, InboundMessage, Subscription

from .inbound_helpers import receive


def dsn(recipient: str, *, action: str = "failed", status: str = "5.1.1",
        diagnostic: str = "smtp; 550 5.1.1 User unknown") -> bytes:
    """A real RFC 3464 delivery status notification (multipart/report with a
    message/delivery-status part), as Postfix sends them, read back by the email package."""
    report = MIMEMultipart("report", report_type="delivery-status")
    report["From"] = "MAILER-DAEMON@mx.va.gov (Mail Delivery System)"
    report["To"] = "ai-bounces@lists.localhost"
    report["Subject"] = "Undelivered Mail Returned to Sender"
    report["Auto-Submitted"] = "auto-replied"
    report.attach(MIMEText("I'm sorry to have to inform you that your message could not "
                           "be delivered."))
    per_message = Message()
    per_message["Reporting-MTA"] = "dns; mx.va.gov"
    per_recipient = Message()
    per_recipient["Final-Recipient"] = f"rfc822; {recipient}"
    per_recipient["Original-Recipient"] = f"rfc822; {recipient}"
    per_recipient["Action"] = action
    per_recipient["Status"] = status
    per_recipient["Diagnostic-Code"] = diagnostic
    status_part = Message()
    status_part["Content-Type"] = "message/delivery-status"
    status_part.set_payload([per_message, per_recipient])
    report.attach(status_part)
    report.attach(MIMEText("Subject: the original post\n\n...", "rfc822-headers"))
    return report.as_bytes()


def bounce_to(capture, raw: bytes, *, local_part: str = "ai", recipient: str = ""):
    to = (verp_address(local_part=local_part, recipient=recipient) if recipient
          else f"{local_part}-bounces@lists.localhost")
    return receive(capture, raw, to=to, mail_from="")


def test_dsn_hard_bounce_scores_the_verp_subscriber(gov_list, make_subscription,
                                                    django_capture_on_commit_callbacks):
    subscription = make_subscription(gov_list, "jane@va.gov")

    inbound = bounce_to(django_capture_on_commit_callbacks, dsn("jane@va.gov"),
                        recipient="jane@va.gov")

    assert inbound.status == InboundMessage.Status.PROCESSED
    bounce = Bounce.objects.get()
    assert (bounce.kind, bounce.email, bounce.subscription) == ("hard", "jane@va.gov",
                                                                 subscription)
    assert "550 5.1.1 User unknown" in bounce.diagnostic
    subscription.refresh_from_db()
    assert subscription.bounce_score == 1.0
    assert subscription.state == Subscription.State.ACTIVE


def test_delayed_dsn_is_a_soft_bounce(gov_list, make_subscription,
                                      django_capture_on_commit_callbacks):
    subscription = make_subscription(gov_list, "jane@va.gov")

    bounce_to(django_capture_on_commit_callbacks,
              dsn("jane@va.gov", action="delayed", status="4.4.1",
                  diagnostic="smtp; 451 try later"),
              recipient="jane@va.gov")

    subscription.refresh_from_db()
    assert Bounce.objects.get().kind == Bounce.Kind.SOFT
    assert subscription.bounce_score == 0.5


def test_dsn_without_verp_finds_the_subscriber_by_address(
        gov_list, make_subscription, django_capture_on_commit_callbacks):
    subscription = make_subscription(gov_list, "jane@va.gov")

    bounce_to(django_capture_on_commit_callbacks, dsn("Jane@VA.gov"))

    assert Bounce.objects.get().subscription == subscription


def test_garbage_bounce_is_kept_unparseable(gov_list, make_subscription,
                                            django_capture_on_commit_callbacks):
    make_subscription(gov_list, "jane@va.gov")
    raw = b"From: someone\r\nSubject: \xff\xfe garbage\r\n\r\nnothing useful here\r\n"

    inbound = bounce_to(django_capture_on_commit_callbacks, raw, recipient="jane@va.gov")

    assert inbound.status == InboundMessage.Status.PROCESSED
    assert "unparseable" in inbound.result
    bounce = Bounce.objects.get()
    assert bounce.kind == Bounce.Kind.UNPARSEABLE
    assert bounce.inbound == inbound
    assert Subscription.objects.get().bounce_score == 0


def test_threshold_disables_delivery_and_notifies_owners_once(
        gov_list, organizer, make_subscription, settings, django_capture_on_commit_callbacks):
    settings.COPHUB_BOUNCE_THRESHOLD = 2
    subscription = make_subscription(gov_list, "jane@va.gov")

    for _ in range(3):
        bounce_to(django_capture_on_commit_callbacks, dsn("jane@va.gov"),
                  recipient="jane@va.gov")

    subscription.refresh_from_db()
    assert subscription.state == Subscription.State.DISABLED
    assert subscription.bounce_score == 3.0
    assert AuditEvent.objects.filter(verb="lists.subscription.disabled",
                                     object_id=str(subscription.pk)).count() == 1
    notices = [m for m in mail.outbox if "jane@va.gov disabled" in m.subject]
    assert len(notices) == 1
    assert notices[0].to == ["organizer@gsa.gov"]
    assert "550 5.1.1 User unknown" in notices[0].body


def test_stale_score_resets_before_adding(gov_list, make_subscription, settings,
                                          django_capture_on_commit_callbacks):
    settings.COPHUB_BOUNCE_STALE_DAYS = 7
    subscription = make_subscription(gov_list, "jane@va.gov")
    Subscription.objects.filter(pk=subscription.pk).update(
        bounce_score=4.5, last_bounce_at=timezone.now() - timedelta(days=8))

    bounce_to(django_capture_on_commit_callbacks, dsn("jane@va.gov"), recipient="jane@va.gov")

    subscription.refresh_from_db()
    assert subscription.bounce_score == 1.0
    assert subscription.state == Subscription.State.ACTIVE


def test_bounce_for_unknown_address_is_recorded_without_subscription(
        gov_list, django_capture_on_commit_callbacks):
    bounce_to(django_capture_on_commit_callbacks, dsn("nobody@va.gov"),
              recipient="nobody@va.gov")

    bounce = Bounce.objects.get()
    assert bounce.subscription is None
    assert bounce.kind == Bounce.Kind.HARD


@pytest.mark.parametrize("raw", [
    b"",
    b"Content-Type: multipart/report; report-type=delivery-status; boundary=x\r\n\r\n--x\r\n",
    b"Content-Type: message/delivery-status\r\n\r\nFinal-Recipient: rfc822;\r\nAction:\r\n",
])
def test_malformed_bounces_never_raise(gov_list, raw, django_capture_on_commit_callbacks):
    inbound = bounce_to(django_capture_on_commit_callbacks, raw, recipient="jane@va.gov")

    assert inbound.status == InboundMessage.Status.PROCESSED
    assert Bounce.objects.count() >= 1
