"""Sender authentication for e-mailed posts (issue 17, finding 1): a forged From must not
publish to a government list. Mail goes in through the store and the router as the mail
server hands it over; DKIM keys come from `auth_helpers.dns_with_test_key`, never the network."""

import pytest
from django.urls import reverse

from cophub.core.models import AuditEvent
from cophub.lists.inbound import authentication
from cophub.lists.inbound.authentication import aligned, sender_authenticate
from cophub.lists.mailparse import message_parse
from cophub.lists.models import MailingList, Post
from cophub.lists.services import mailing_list_save

from .auth_helpers import dkim_sign, dns_with_test_key
from .inbound_helpers import build, list_address, receive
from .settings_helpers import form_data

pytestmark = pytest.mark.django_db

OUR_ID = "mx.cophub.test"


@pytest.fixture
def member(gov_list, make_subscription, gov_member):
    """member@va.gov, a subscriber of the government list ai@ who has posted before."""
    make_subscription(gov_list, "member@va.gov", user=gov_member)
    return gov_member


@pytest.fixture
def keys(monkeypatch):
    """The test key is served for every domain's `test` selector."""
    monkeypatch.setattr(authentication, "DNS_LOOKUP", dns_with_test_key)


def _post(inbound) -> Post:
    return Post.objects.get(inbound=inbound)


# --- the finding ---------------------------------------------------------------------------


def test_forged_from_to_a_government_list_is_held_not_published(
        member, django_capture_on_commit_callbacks, keys):
    # Given a message with From a subscriber, sent from any envelope sender, with no DKIM
    raw = build(sender="member@va.gov", subject="Forged")
    # When it arrives
    inbound = receive(django_capture_on_commit_callbacks, raw, to=list_address("ai"),
                      mail_from="attacker@evil.example")
    # Then it waits for the owners, marked not authenticated
    post = _post(inbound)
    assert post.status == Post.Status.HELD
    assert "not authenticated" in post.held_reason
    assert post.authenticated is False
    assert "held for moderation" in inbound.result


def test_valid_aligned_signature_publishes_and_is_recorded(
        member, django_capture_on_commit_callbacks, keys):
    raw = dkim_sign(build(sender="Mia <member@va.gov>", subject="Signed"), domain="va.gov")
    post = _post(receive(django_capture_on_commit_callbacks, raw, to=list_address("ai")))
    assert post.status == Post.Status.PUBLISHED
    assert (post.authenticated, post.auth_method, post.auth_domain) == (True, "dkim", "va.gov")


def test_signature_of_a_parent_domain_is_aligned(member, django_capture_on_commit_callbacks,
                                                keys, make_subscription, gov_list):
    make_subscription(gov_list, "ann@mail.va.gov")
    raw = dkim_sign(build(sender="ann@mail.va.gov", subject="Sub"), domain="va.gov")
    assert _post(receive(django_capture_on_commit_callbacks, raw,
                         to=list_address("ai"))).status == Post.Status.PUBLISHED


def test_signature_of_another_domain_is_held(member, django_capture_on_commit_callbacks, keys):
    raw = dkim_sign(build(sender="member@va.gov", subject="Other"), domain="evil.example")
    post = _post(receive(django_capture_on_commit_callbacks, raw, to=list_address("ai")))
    assert post.status == Post.Status.HELD
    assert "not authenticated" in post.held_reason
    assert "not aligned" in post.held_reason


def test_tampered_body_is_held(member, django_capture_on_commit_callbacks, keys):
    raw = dkim_sign(build(sender="member@va.gov", subject="Tamper", body="Pay 10"),
                    domain="va.gov")
    raw = raw.replace(b"Pay 10", b"Pay 99")
    post = _post(receive(django_capture_on_commit_callbacks, raw, to=list_address("ai")))
    assert post.status == Post.Status.HELD
    assert post.authenticated is False


def test_no_dns_means_not_checked_never_passed(member, django_capture_on_commit_callbacks):
    # The conftest's lookup fails as a host without DNS does.
    raw = dkim_sign(build(sender="member@va.gov", subject="No DNS"), domain="va.gov")
    post = _post(receive(django_capture_on_commit_callbacks, raw, to=list_address("ai")))
    assert post.status == Post.Status.HELD
    assert "not checked" in post.held_reason


@pytest.mark.parametrize("authserv_id", ["", OUR_ID])
def test_forged_authentication_results_are_ignored(
        member, django_capture_on_commit_callbacks, settings, authserv_id):
    settings.COPHUB_AUTHSERV_ID = authserv_id
    raw = build(sender="member@va.gov", subject="Forged A-R", headers={
        "Authentication-Results": "evil.example; dkim=pass header.d=va.gov; dmarc=pass "
                                  "header.from=va.gov"})
    post = _post(receive(django_capture_on_commit_callbacks, raw, to=list_address("ai")))
    assert post.status == Post.Status.HELD
    assert post.authenticated is False


def test_trusted_authentication_results_with_aligned_dkim_pass_publishes(
        member, django_capture_on_commit_callbacks, settings):
    settings.COPHUB_AUTHSERV_ID = OUR_ID
    raw = build(sender="member@va.gov", subject="Trusted", headers={
        "Authentication-Results": f"{OUR_ID} (OpenDKIM; comment; with semicolons); "
                                  "dkim=pass (2048-bit key) header.d=va.gov header.s=s1"})
    post = _post(receive(django_capture_on_commit_callbacks, raw, to=list_address("ai")))
    assert post.status == Post.Status.PUBLISHED
    assert (post.authenticated, post.auth_method, post.auth_domain) == (True, "dkim", "va.gov")


def test_trusted_authentication_results_failing_is_held_and_wins_over_forgery(
        member, django_capture_on_commit_callbacks, settings):
    # Our MTA prepends its verdict; a copy claiming our id below it does not count.
    settings.COPHUB_AUTHSERV_ID = OUR_ID
    raw = build(sender="member@va.gov", subject="Our fail")
    raw = (f"Authentication-Results: {OUR_ID}; dkim=none; dmarc=fail header.from=va.gov\r\n"
           .encode() + raw.replace(b"Subject:", f"Authentication-Results: {OUR_ID}; dkim=pass "
                                   f"header.d=va.gov\r\nSubject:".encode(), 1))
    post = _post(receive(django_capture_on_commit_callbacks, raw, to=list_address("ai")))
    assert post.status == Post.Status.HELD


def test_policy_accept_publishes_marked_not_authenticated(
        member, gov_list, organizer, django_capture_on_commit_callbacks):
    mailing_list_save(community=gov_list.community, actor=organizer, mailing_list=gov_list,
                      data={"sender_policy": MailingList.SenderPolicy.ACCEPT})
    raw = build(sender="member@va.gov", subject="Accepted")
    post = _post(receive(django_capture_on_commit_callbacks, raw, to=list_address("ai")))
    assert post.status == Post.Status.PUBLISHED
    assert post.authenticated is False


def test_default_policy_holds_on_government_and_announce_lists_only(make_list):
    assert make_list("g").effective_sender_policy == "hold"
    assert make_list("a", audience=MailingList.Audience.ANYONE,
                     kind=MailingList.Kind.ANNOUNCE).effective_sender_policy == "hold"
    assert make_list("d", audience=MailingList.Audience.ANYONE).effective_sender_policy == \
        "accept"
    assert make_list("h", audience=MailingList.Audience.ANYONE,
                     sender_policy="hold").effective_sender_policy == "hold"


# --- the archive and the settings page ------------------------------------------------------


def test_archive_shows_which_posts_were_authenticated(
        member, gov_list, client, django_capture_on_commit_callbacks, keys):
    gov_list.sender_policy = MailingList.SenderPolicy.ACCEPT
    gov_list.save(update_fields=["sender_policy"])
    signed = _post(receive(django_capture_on_commit_callbacks, dkim_sign(
        build(sender="member@va.gov", subject="Signed one"), domain="va.gov"),
        to=list_address("ai")))
    _post(receive(django_capture_on_commit_callbacks,
                  build(sender="member@va.gov", subject="Plain one"), to=list_address("ai")))
    client.force_login(member)
    page = client.get(reverse("lists:archive", args=["ai"])).content.decode()
    assert page.count(">Authenticated</span>") == 1
    assert page.count(">Not authenticated</span>") == 1
    permalink = client.get(reverse("lists:archive_post", args=["ai", signed.pk]))
    assert ">Authenticated</span>" in permalink.content.decode()


def test_owners_change_the_sender_policy_in_the_settings_form(client, gov_list, organizer):
    client.force_login(organizer)
    page = client.get(reverse("lists:settings", args=["ai"])).content.decode()
    assert 'name="sender_policy"' in page
    response = client.post(reverse("lists:settings", args=["ai"]),
                           form_data(gov_list, sender_policy="accept"))
    assert response.status_code == 302
    gov_list.refresh_from_db()
    assert gov_list.sender_policy == "accept"
    # Saved through the settings service, with its audit row.
    assert AuditEvent.objects.filter(verb="lists.list.updated",
                                     data__changed__sender_policy=["auto", "accept"]).exists()


# --- the check itself ------------------------------------------------------------------------


@pytest.mark.parametrize(("from_domain", "signer", "expected"), [
    ("va.gov", "va.gov", True), ("VA.gov", "va.gov.", True), ("mail.va.gov", "va.gov", True),
    ("va.gov", "mail.va.gov", True), ("a.va.gov", "b.va.gov", False), ("va.gov", "gov", False),
    ("evilva.gov", "va.gov", False), ("va.gov", "", False)])
def test_alignment_is_relaxed_by_suffix_never_by_public_suffix(from_domain, signer, expected):
    assert aligned(from_domain, signer) is expected


def test_several_from_addresses_never_pass():
    raw = dkim_sign(build(sender="member@va.gov, boss@va.gov", subject="Two"),
                    domain="va.gov")
    result = sender_authenticate(raw, message_parse(raw), dnsfunc=dns_with_test_key)
    assert not result.passed
    assert "exactly one From" in result.reason
