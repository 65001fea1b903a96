"""Forged bounces (issue 17, finding 2): only a report that comes back to a signed VERP
address scores, and only the subscription that address was issued for. Reports at the plain
-bounces@ address, at an unsigned (pre-signing) VERP or at a VERP with a forged token are
kept for the owners' review and change no subscription."""

from email.message import Message
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

import pytest
from django.core import mail
from django.urls import reverse

from cophub.core.models import AuditEvent
from cophub.lists.addresses import address_parse, verp_address
from cophub.lists.models import Bounce, Subscription

from .inbound_helpers import receive

UNVERIFIED = "unverified"  # Bounce.Kind.UNVERIFIED; spelled out so this file runs before it


def dsn_many(*recipients: str, status: str = "5.1.1") -> bytes:
    """One RFC 3464 report naming several recipients, as the probe sent them."""
    report = MIMEMultipart("report", report_type="delivery-status")
    report["From"] = "MAILER-DAEMON@mx.example.org"
    report["To"] = "ai-bounces@lists.localhost"
    report["Subject"] = "Undelivered Mail Returned to Sender"
    report.attach(MIMEText("Your message could not be delivered."))
    blocks = [Message()]
    blocks[0]["Reporting-MTA"] = "dns; mx.example.org"
    for recipient in recipients:
        block = Message()
        block["Final-Recipient"] = f"rfc822; {recipient}"
        block["Action"] = "failed"
        block["Status"] = status
        block["Diagnostic-Code"] = "smtp; 550 5.1.1 User unknown"
        blocks.append(block)
    status_part = Message()
    status_part["Content-Type"] = "message/delivery-status"
    status_part.set_payload(blocks)
    report.attach(status_part)
    return report.as_bytes()


def bounce_at(capture, to: str, raw: bytes, times: int = 1):
    return [receive(capture, raw, to=to, mail_from="") for _ in range(times)]


def unchanged(*subscriptions: Subscription) -> bool:
    for subscription in subscriptions:
        subscription.refresh_from_db()
        if (subscription.state, subscription.bounce_score,
                subscription.last_bounce_at) != (Subscription.State.ACTIVE, 0, None):
            return False
    return True


def _swap_address(verp: str, old: str, new: str) -> str:
    """A VERP issued for `old`, with the address part rewritten to name `new`."""
    return verp.replace(old.replace("@", "="), new.replace("@", "="))


def _tamper(verp: str) -> str:
    """Flip one character of the token (the part between '+' and the first '-' after it,
    or the whole extension of an unsigned VERP)."""
    local, _, domain = verp.partition("@")
    base, _, extension = local.partition("+")
    flipped = ("b" if extension[0] != "b" else "c") + extension[1:]
    return f"{base}+{flipped}@{domain}"


@pytest.fixture
def jane_and_john(gov_list, make_subscription):
    return (make_subscription(gov_list, "jane@va.gov"),
            make_subscription(gov_list, "john@va.gov"))


def test_forged_reports_at_the_plain_bounces_address_disable_nobody(
        gov_list, organizer, jane_and_john, django_capture_on_commit_callbacks):
    """The probe: five reports to ai-bounces@, each naming two subscribers."""
    jane, john = jane_and_john

    inbounds = bounce_at(django_capture_on_commit_callbacks, "ai-bounces@lists.localhost",
                         dsn_many("jane@va.gov", "john@va.gov"), times=5)

    assert unchanged(jane, john)
    assert not AuditEvent.objects.filter(verb="lists.subscription.disabled").exists()
    assert not [m for m in mail.outbox if "disabled" in m.subject]
    # Kept for the owners to read, one row per named address, none scored.
    rows = list(Bounce.objects.filter(mailing_list=gov_list))
    assert len(rows) == 10
    assert {b.kind for b in rows} == {UNVERIFIED}
    assert {b.email for b in rows} == {"jane@va.gov", "john@va.gov"}
    assert all("not verified" in i.result for i in inbounds)


def test_report_at_a_verp_for_jane_naming_john_scores_only_jane(
        jane_and_john, settings, django_capture_on_commit_callbacks):
    settings.COPHUB_BOUNCE_THRESHOLD = 2
    jane, john = jane_and_john

    bounce_at(django_capture_on_commit_callbacks,
              verp_address(local_part="ai", recipient="jane@va.gov"),
              dsn_many("john@va.gov", "jane@va.gov"), times=2)

    assert unchanged(john)
    jane.refresh_from_db()
    assert (jane.state, jane.bounce_score) == (Subscription.State.DISABLED, 2.0)
    assert not Bounce.objects.filter(email="john@va.gov").exists()


@pytest.mark.parametrize("forge", [
    pytest.param(lambda: "ai-bounces+jane=va.gov@lists.localhost", id="unsigned-old-form"),
    pytest.param(lambda: _tamper(verp_address(local_part="ai", recipient="jane@va.gov")),
                 id="token-flipped"),
    pytest.param(lambda: _swap_address(verp_address(local_part="ai", recipient="john@va.gov"),
                                       "john@va.gov", "jane@va.gov"),
                 id="john-token-jane-address"),
    pytest.param(lambda: verp_address(local_part="aipublic", recipient="jane@va.gov")
                 .replace("aipublic-bounces", "ai-bounces"), id="other-list-token"),
])
def test_verp_with_a_forged_token_scores_nobody(forge, gov_list, jane_and_john,
                                                django_capture_on_commit_callbacks):
    jane, john = jane_and_john

    bounce_at(django_capture_on_commit_callbacks, forge(), dsn_many("jane@va.gov"), times=5)

    assert unchanged(jane, john)
    assert {b.kind for b in Bounce.objects.all()} == {UNVERIFIED}
    assert not Bounce.objects.exclude(kind=UNVERIFIED).exists()


def test_unsigned_verp_for_a_non_subscriber_is_kept_unverified(
        gov_list, jane_and_john, django_capture_on_commit_callbacks):
    jane, john = jane_and_john

    bounce_at(django_capture_on_commit_callbacks, "ai-bounces+nobody=va.gov@lists.localhost",
              dsn_many("nobody@va.gov", "jane@va.gov", "john@va.gov"), times=5)

    assert unchanged(jane, john)
    assert {b.kind for b in Bounce.objects.all()} == {UNVERIFIED}


def test_signed_verp_for_a_non_subscriber_scores_nobody_named_in_the_report(
        gov_list, jane_and_john, django_capture_on_commit_callbacks):
    """A VERP we issued for someone no longer subscribed: recorded for that address only."""
    jane, john = jane_and_john

    bounce_at(django_capture_on_commit_callbacks,
              verp_address(local_part="ai", recipient="nobody@va.gov"),
              dsn_many("jane@va.gov", "john@va.gov"), times=5)

    assert unchanged(jane, john)
    assert set(Bounce.objects.values_list("email", "subscription")) == {("nobody@va.gov", None)}


# --- the address itself -------------------------------------------------------------------


LONG_ADDRESSES = [
    "jane@va.gov",
    "firstname.lastname@agency.gov",
    "alexandra.konstantinopoulou-featherstonehaugh@contractors.cms.hhs.gov",
    "x" * 64 + "@" + "sub." * 40 + "gov",
]


@pytest.mark.parametrize("recipient", LONG_ADDRESSES)
@pytest.mark.parametrize("local_part", ["ai", "data-science-and-ai-practice-area-long-name"])
def test_verp_local_part_fits_rfc_5321_and_reads_back(local_part, recipient):
    verp = verp_address(local_part=local_part, recipient=recipient, subscription_id=123456789)

    local = verp.rpartition("@")[0]
    assert len(local.encode()) <= 64
    parsed = address_parse(verp)
    assert (parsed.local_part, parsed.role) == (local_part, "bounces")
    assert (parsed.verp_email == recipient
            or parsed.verp_subscription_id == 123456789
            or verp == f"{local_part}-bounces@lists.localhost")


def test_long_address_falls_back_to_the_subscription_token(
        gov_list, make_subscription, django_capture_on_commit_callbacks):
    long_one = "alexandra.konstantinopoulou-featherstonehaugh@contractors.cms.hhs.gov"
    subscription = make_subscription(gov_list, long_one)
    other = make_subscription(gov_list, "jane@va.gov")
    verp = verp_address(local_part="ai", recipient=long_one, subscription_id=subscription.pk)
    assert address_parse(verp).verp_subscription_id == subscription.pk

    bounce_at(django_capture_on_commit_callbacks, verp, dsn_many("jane@va.gov"))

    subscription.refresh_from_db()
    assert subscription.bounce_score == 1.0
    assert unchanged(other)
    assert Bounce.objects.get().email == long_one


def test_long_address_without_a_subscription_uses_the_plain_address():
    long_one = "alexandra.konstantinopoulou-featherstonehaugh@contractors.cms.hhs.gov"
    assert verp_address(local_part="ai", recipient=long_one) == "ai-bounces@lists.localhost"


def test_subscription_token_does_not_work_on_another_list(
        gov_list, public_list, make_subscription, django_capture_on_commit_callbacks):
    theirs = make_subscription(public_list, "jane@va.gov")
    verp = verp_address(local_part="aipublic", recipient="x" * 60 + "@va.gov",
                        subscription_id=theirs.pk)

    bounce_at(django_capture_on_commit_callbacks, verp.replace("aipublic-", "ai-"),
              dsn_many("jane@va.gov"), times=5)

    assert unchanged(theirs)


def test_old_secret_key_still_verifies_after_rotation(settings):
    verp = verp_address(local_part="ai", recipient="jane@va.gov")
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-" + "x" * 40

    assert address_parse(verp).verp_email == "jane@va.gov"
    settings.SECRET_KEY_FALLBACKS = []
    assert address_parse(verp).verp_email == ""


# --- the class: no forged report moves any subscription ----------------------------------

FORGED = [
    # (case, envelope recipient, addresses named in the report)
    ("plain address, two subscribers", "ai-bounces@lists.localhost",
     ["jane@va.gov", "john@va.gov"]),
    ("plain address, upper case", "AI-Bounces@Lists.Localhost", ["JANE@VA.GOV"]),
    ("plain address, empty extension", "ai-bounces+@lists.localhost", ["jane@va.gov"]),
    ("unsigned VERP naming the victim", "ai-bounces+jane=va.gov@lists.localhost",
     ["jane@va.gov"]),
    ("unsigned VERP, upper case", "AI-BOUNCES+JANE=VA.GOV@lists.localhost", ["jane@va.gov"]),
    ("token of the wrong length", "ai-bounces+abc-jane=va.gov@lists.localhost",
     ["jane@va.gov"]),
    ("ten-letter token, made up", "ai-bounces+aaaaaaaaaa-jane=va.gov@lists.localhost",
     ["jane@va.gov"]),
    ("made-up subscription token", "ai-bounces+aaaaaaaaaa-1@lists.localhost",
     ["jane@va.gov"]),
    ("two extensions", "ai-bounces+aaaaaaaaaa-jane=va.gov+x@lists.localhost",
     ["jane@va.gov"]),
    ("a hundred subscribers in one report", "ai-bounces@lists.localhost",
     ["jane@va.gov", "john@va.gov"] + [f"p{i}@va.gov" for i in range(98)]),
]


@pytest.mark.parametrize(("to", "named"), [pytest.param(to, named, id=case)
                                           for case, to, named in FORGED])
def test_no_forged_report_changes_any_subscription(to, named, gov_list, jane_and_john,
                                                   django_capture_on_commit_callbacks):
    jane, john = jane_and_john

    inbounds = bounce_at(django_capture_on_commit_callbacks, to, dsn_many(*named), times=6)

    assert unchanged(jane, john)
    assert not AuditEvent.objects.filter(verb="lists.subscription.disabled").exists()
    assert not mail.outbox
    assert not Bounce.objects.filter(kind__in=[Bounce.Kind.HARD, Bounce.Kind.SOFT]).exists()
    assert all(i.status == "processed" for i in inbounds)


def test_owners_see_unverified_reports_marked_as_not_scored(
        client, organizer, gov_list, jane_and_john, django_capture_on_commit_callbacks):
    bounce_at(django_capture_on_commit_callbacks, "ai-bounces@lists.localhost",
              dsn_many("jane@va.gov"))
    client.force_login(organizer)

    page = client.get(reverse("lists:bounces", args=["ai"])).content.decode()

    assert "jane@va.gov" in page
    assert "Not verified (not scored)" in page
    assert "Not verified, not scored: came to ai-bounces@" in page
