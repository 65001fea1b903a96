"""Eligibility and subscriber records: who may join which list, and one record per address."""

import pytest
from allauth.account.models import EmailAddress
from allauth.account.signals import email_confirmed

from cophub.communities.models import Group, Membership
from cophub.communities.services import group_join, membership_decide
from cophub.lists.models import MailingList, Subscriber
from cophub.lists.services import (
    NotEligible,
    list_accepts_address,
    subscriber_get_or_create,
    subscriber_link_user,
    subscription_request,
)

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("email", ["jane@va.gov", "JANE@NASA.GOV", "sgt@army.mil",
                                   "a.b@sub.agency.gov"])
def test_government_list_accepts_government_addresses(gov_list, email):
    assert list_accepts_address(mailing_list=gov_list, email=email) == (True, "")


@pytest.mark.parametrize("email", ["x@x.gov.evil.com", "x@gov.example.com", "pat@example.com",
                                   "x@example.gov.uk", "x@vа.gov"])  # Cyrillic а in the last
def test_government_list_refuses_look_alike_and_public_addresses(gov_list, email):
    ok, reason = list_accepts_address(mailing_list=gov_list, email=email)
    assert not ok
    assert reason.startswith("Only government employees with a .gov or .mil address can join "
                             "ai@lists.localhost")


def test_government_account_does_not_make_its_other_addresses_eligible(gov_list, gov_member):
    EmailAddress.objects.create(user=gov_member, email="mia@gmail.com", verified=True)
    ok, _ = list_accepts_address(mailing_list=gov_list, email="mia@gmail.com")
    assert not ok


@pytest.mark.parametrize("email", ["not an address", "", "a@", "@b.gov", "a@b@c.gov"])
def test_malformed_addresses_are_refused_with_a_sentence(public_list, email):
    ok, reason = list_accepts_address(mailing_list=public_list, email=email)
    assert not ok
    assert "is not a valid e-mail address" in reason


def test_public_list_accepts_any_valid_address(public_list):
    assert list_accepts_address(mailing_list=public_list, email="pat@example.com")[0]


def test_group_list_needs_a_verified_address_of_an_active_member(make_list, make_group,
                                                                  make_user, organizer):
    group = make_group("generative-ai", name="Generative AI",
                       join_policy=Group.JoinPolicy.REQUEST)
    group_list = make_list("genai", audience=MailingList.Audience.GROUP, group=group)
    member = make_user("member@example.com")
    membership_decide(membership=group_join(group=group, user=member), actor=organizer,
                      approve=True)
    requested = make_user("asker@example.com")
    assert group_join(group=group, user=requested).state == Membership.State.REQUESTED
    make_user("unverified@example.com", verified=False)
    assert list_accepts_address(mailing_list=group_list, email="member@example.com")[0]
    assert list_accepts_address(mailing_list=group_list, email="MEMBER@example.com")[0]
    ok, reason = list_accepts_address(mailing_list=group_list, email="asker@example.com")
    assert not ok and "Only members of Generative AI can join genai@" in reason
    assert not list_accepts_address(mailing_list=group_list, email="nobody@example.com")[0]


def test_inactive_list_refuses_everyone(make_list):
    closed = make_list("closed", audience=MailingList.Audience.ANYONE, is_active=False)
    ok, reason = list_accepts_address(mailing_list=closed, email="pat@example.com")
    assert not ok and "closed" in reason


def test_subscription_request_raises_not_eligible_with_the_reason(gov_list):
    with pytest.raises(NotEligible, match="Only government employees"):
        subscription_request(mailing_list=gov_list, email="pat@example.com", via="web")


def test_subscriber_is_one_record_per_address_whatever_the_case():
    first = subscriber_get_or_create(email="Jane@VA.gov", name="Jane")
    again = subscriber_get_or_create(email="jane@va.GOV")
    assert first.pk == again.pk
    assert Subscriber.objects.count() == 1
    assert again.name == "Jane"


def test_subscriber_is_linked_to_the_account_that_verified_the_address(gov_member):
    subscriber = subscriber_get_or_create(email="MEMBER@va.gov")
    assert subscriber.user == gov_member


def test_unverified_address_does_not_link_an_account(make_user):
    make_user("someone@va.gov", verified=False)
    assert subscriber_get_or_create(email="someone@va.gov").user is None


def test_email_only_subscriber_is_linked_on_sign_up_not_duplicated(gov_list, make_user):
    subscriber_get_or_create(email="newbie@va.gov")
    user = make_user("newbie@va.gov", verified=False)
    address = EmailAddress.objects.get(user=user)
    address.verified = True
    address.save()
    email_confirmed.send(sender=EmailAddress, request=None, email_address=address)
    assert Subscriber.objects.get().user == user
    assert Subscriber.objects.count() == 1


def test_linking_leaves_subscribers_of_other_accounts_alone(make_user):
    owner = make_user("owner@va.gov")
    subscriber_get_or_create(email="owner@va.gov")
    other = make_user("other@va.gov")
    assert subscriber_link_user(user=other, email="owner@va.gov") == 0
    assert Subscriber.objects.get().user == owner
