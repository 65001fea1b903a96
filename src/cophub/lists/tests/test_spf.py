"""SPF in the embedded mail server (issue 17, finding 1): with no MTA in front, an unsigned
post is authenticated when the connecting address may send for an envelope sender whose
domain is aligned with From. Records come from an injected lookup, never the network; a
lookup that fails, a local peer (an MTA in front) or an unaligned sender never passes."""

import pytest
import spf

from cophub.lists.inbound import authentication, inbound_message_store
from cophub.lists.inbound.authentication import sender_authenticate
from cophub.lists.mailparse import message_parse
from cophub.lists.models import Post

from .inbound_helpers import build, list_address

pytestmark = pytest.mark.django_db

RECORDS = {("va.gov", "TXT"): [[b"v=spf1 ip4:203.0.113.0/24 -all"]],
           ("other.example", "TXT"): [[b"v=spf1 +all"]]}


@pytest.fixture
def spf_dns(monkeypatch):
    asked = []

    def lookup(name, qtype, timeout):
        asked.append((name, qtype))
        return [((name, qtype), value) for value in RECORDS.get((name, qtype), [])]

    monkeypatch.setattr(authentication, "SPF_DNS_LOOKUP", lookup)
    monkeypatch.setattr(authentication, "DNS_LOOKUP", lambda name, timeout=5: None)
    return asked


def _check(peer, mail_from="member@va.gov", sender="member@va.gov"):
    raw = build(sender=sender, subject="SPF")
    return sender_authenticate(raw, message_parse(raw), peer=peer, mail_from=mail_from)


def test_an_authorised_address_passes_for_an_aligned_sender(spf_dns):
    result = _check("203.0.113.9")
    assert (result.passed, result.method, result.domain) == (True, "spf", "va.gov")
    assert ("va.gov", "TXT") in spf_dns


def test_another_address_fails_and_says_so(spf_dns):
    result = _check("198.51.100.7")
    assert not result.passed and "SPF fail for va.gov from 198.51.100.7" in result.reason


@pytest.mark.parametrize(("peer", "mail_from", "sender"), [
    ("127.0.0.1", "member@va.gov", "member@va.gov"),      # an MTA in front: its verdict
    ("::1", "member@va.gov", "member@va.gov"),
    ("", "member@va.gov", "member@va.gov"),                # no peer recorded
    ("203.0.113.9", "", "member@va.gov"),                  # a null envelope sender
    ("203.0.113.9", "x@other.example", "member@va.gov"),   # +all, but not aligned with From
])
def test_spf_does_not_apply(spf_dns, peer, mail_from, sender):
    result = _check(peer, mail_from, sender)
    assert not result.passed and spf_dns == []


def test_a_failing_lookup_is_not_checked_never_passed(monkeypatch):
    def broken(name, qtype, timeout):
        raise spf.TempError("DNS timeout")

    monkeypatch.setattr(authentication, "SPF_DNS_LOOKUP", broken)
    monkeypatch.setattr(authentication, "DNS_LOOKUP", lambda name, timeout=5: None)
    result = _check("203.0.113.9")
    assert not result.passed
    assert "SPF temperror" in result.reason or "could not be checked" in result.reason


def test_an_spf_authenticated_post_publishes_on_the_government_list(
        spf_dns, gov_list, make_subscription, gov_member, django_capture_on_commit_callbacks):
    make_subscription(gov_list, "member@va.gov", user=gov_member)
    raw = build(sender="member@va.gov", subject="From our own server")
    with django_capture_on_commit_callbacks(execute=True):
        inbound = inbound_message_store(mail_from="member@va.gov",
                                        rcpt_to=[list_address("ai")], raw=raw,
                                        peer="203.0.113.9")
    post = Post.objects.get(inbound=inbound)
    assert post.status == Post.Status.PUBLISHED
    assert (post.authenticated, post.auth_method, post.auth_domain) == (True, "spf", "va.gov")
    with django_capture_on_commit_callbacks(execute=True):
        forged = inbound_message_store(mail_from="member@va.gov",
                                       rcpt_to=[list_address("ai")],
                                       raw=build(sender="member@va.gov", subject="Forged"),
                                       peer="198.51.100.7")
    assert Post.objects.get(inbound=forged).status == Post.Status.HELD
