"""Reads: which lists and archives a person sees, who owns a list, threads, subscribers."""

import pytest

from cophub.communities.models import Membership
from cophub.communities.selectors import viewer_for
from cophub.core.access import ANONYMOUS
from cophub.lists.models import MailingList
from cophub.lists.selectors import (
    archive_posts,
    list_can_manage,
    list_can_read_archive,
    list_owners,
    list_who,
    lists_visible_to,
    subscriptions_for_user,
)
from cophub.lists.services import (
    post_compose,
    post_receive,
    subscription_cancel,
    subscription_request,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def group_list(make_list, make_group):
    group = make_group("secret-wg", access_level="government")
    return make_list("wg", audience=MailingList.Audience.GROUP, group=group,
                     archive_access_level="group")


def test_public_participant_sees_lists_but_not_the_government_archive(
        gov_list, public_list, group_list, public_user, organizer):
    viewer = viewer_for(public_user)
    assert set(lists_visible_to(viewer=viewer)) == {gov_list, public_list}
    assert not list_can_read_archive(viewer=viewer, mailing_list=gov_list)
    assert list_can_read_archive(viewer=viewer, mailing_list=public_list)
    post_compose(mailing_list=gov_list, author=organizer, subject="Gov only", body_markdown="x")
    assert list(archive_posts(viewer=viewer, mailing_list=gov_list)) == []
    assert list(archive_posts(viewer=ANONYMOUS, mailing_list=gov_list)) == []


def test_government_member_reads_the_government_archive(gov_list, gov_member, organizer):
    post = post_compose(mailing_list=gov_list, author=organizer, subject="Hi", body_markdown="x")
    viewer = viewer_for(gov_member)
    assert list_can_read_archive(viewer=viewer, mailing_list=gov_list)
    assert list(archive_posts(viewer=viewer, mailing_list=gov_list)) == [post]


def test_group_list_is_visible_with_its_group(group_list, gov_member, public_user):
    assert group_list in lists_visible_to(viewer=viewer_for(gov_member))
    assert group_list not in lists_visible_to(viewer=viewer_for(public_user))
    assert not list_can_read_archive(viewer=viewer_for(gov_member), mailing_list=group_list)
    Membership.objects.create(group=group_list.group, user=gov_member)
    assert list_can_read_archive(viewer=viewer_for(gov_member), mailing_list=group_list)


def test_inactive_lists_are_shown_only_to_organizers(make_list, organizer, gov_member):
    closed = make_list("old", is_active=False)
    assert closed in lists_visible_to(viewer=viewer_for(organizer))
    assert closed not in lists_visible_to(viewer=viewer_for(gov_member))


def test_owners_are_organizers_and_group_leads(group_list, organizer, make_user, make_lead,
                                               gov_member):
    lead = make_user("lead@nasa.gov")
    make_lead(group_list.group, lead)
    Membership.objects.create(group=group_list.group, user=gov_member)
    assert list(list_owners(mailing_list=group_list)) == [lead, organizer]
    assert list_can_manage(user=lead, mailing_list=group_list)
    assert not list_can_manage(user=gov_member, mailing_list=group_list)
    assert not list_can_manage(user=None, mailing_list=group_list)


def test_archive_shows_only_published_posts(make_list, make_subscription, organizer,
                                            gov_member):
    from email.message import EmailMessage

    ml = make_list("mod", moderation="all")
    make_subscription(ml, "jane@va.gov")
    message = EmailMessage()
    message["From"] = "jane@va.gov"
    message["Subject"] = "Held"
    message.set_content("x")
    post_receive(mailing_list=ml, message=message)
    published = post_compose(mailing_list=ml, author=organizer, subject="Out", body_markdown="y")
    assert list(archive_posts(viewer=viewer_for(gov_member), mailing_list=ml)) == [published]


def test_my_subscriptions_and_who_is_on_the_list(gov_list, public_list, gov_member,
                                                 make_subscription,
                                                 django_assert_num_queries):
    mine = subscription_request(mailing_list=gov_list, email="member@va.gov", user=gov_member,
                                via="web")
    left = subscription_request(mailing_list=public_list, email="member@va.gov",
                                user=gov_member, via="web")
    subscription_cancel(subscription=left, via="web")
    make_subscription(gov_list, "another@va.gov")
    with django_assert_num_queries(1):
        assert [s.mailing_list.name for s in subscriptions_for_user(user=gov_member)] == [
            "AI CoP"]
    with django_assert_num_queries(1):
        assert [s.subscriber.email for s in list_who(mailing_list=gov_list)] == [
            "another@va.gov", "member@va.gov"]
    assert mine.subscriber.user == gov_member
