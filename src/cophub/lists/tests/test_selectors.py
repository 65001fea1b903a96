"""Reads: which lists and archives a person sees, who owns a list, threads, subscribers."""

import pytest

from cophub.communities.models import Community, CommunityRole
from cophub.communities.selectors import viewer_for
from cophub.communities.services import community_role_ensure, group_join
from cophub.core.access import ANONYMOUS, can_manage
from cophub.lists.models import MailingList
from cophub.lists.selectors import (
    archive_posts,
    list_can_manage,
    list_can_read_archive,
    list_owners,
    list_shows_addresses,
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
    group_join(group=group_list.group, user=gov_member)
    assert list_can_read_archive(viewer=viewer_for(gov_member), mailing_list=group_list)


def test_inactive_lists_are_shown_only_to_organizers(make_list, organizer, gov_member):
    closed = make_list("old", is_active=False)
    assert closed in lists_visible_to(viewer=viewer_for(organizer))
    assert closed not in lists_visible_to(viewer=viewer_for(gov_member))


def test_owners_are_organizers_and_group_leads(group_list, organizer, make_user, make_lead,
                                               gov_member):
    lead = make_user("lead@nasa.gov")
    make_lead(group_list.group, lead)
    group_join(group=group_list.group, user=gov_member)
    assert list(list_owners(mailing_list=group_list)) == [lead, organizer]
    assert list_can_manage(user=lead, mailing_list=group_list)
    assert not list_can_manage(user=gov_member, mailing_list=group_list)
    assert not list_can_manage(user=None, mailing_list=group_list)


def test_owners_are_exactly_the_people_can_manage_admits(
        gov_list, group_list, organizer, make_user, make_group, make_lead, make_list):
    """`list_owners` (whom to notify) and `list_can_manage` agree with `core.access` for
    every kind of person, on a community list and on a group list."""
    community = gov_list.community
    lead = make_user("lead@nasa.gov")
    make_lead(group_list.group, lead)
    member = make_user("member@nasa.gov")
    group_join(group=group_list.group, user=member)
    other_lead = make_user("other-lead@nasa.gov")
    make_lead(make_group("data", name="Data"), other_lead)
    plain = make_user("plain@va.gov")
    operator = make_user("operator@gsa.gov", staff=True)
    elsewhere = make_user("boss@gsa.gov")
    community_role_ensure(community=Community.objects.create(slug="cloud", name="Cloud"),
                          user=elsewhere, role=CommunityRole.Role.ORGANIZER)
    gone = make_user("gone@gsa.gov")
    community_role_ensure(community=community, user=gone, role=CommunityRole.Role.ORGANIZER)
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    people = [organizer, lead, member, other_lead, plain, operator, elsewhere, gone]
    expected = {gov_list: {organizer}, group_list: {organizer, lead}}
    for ml, owners in expected.items():
        managers = {p for p in people
                    if p.is_active and can_manage(viewer_for(p), ml)}
        assert set(list_owners(mailing_list=ml)) == managers == owners
        assert {p for p in people if list_can_manage(user=p, mailing_list=ml)} == owners


def test_sender_addresses_show_to_government_members_and_the_list_managers(
        group_list, organizer, make_user, make_lead, public_user):
    lead = make_user("lead@example.com")  # a lead without a government address
    make_lead(group_list.group, lead)
    assert list_shows_addresses(viewer=viewer_for(organizer), mailing_list=group_list)
    assert list_shows_addresses(viewer=viewer_for(lead), mailing_list=group_list)
    assert list_shows_addresses(viewer=viewer_for(make_user("jo@va.gov")),
                                mailing_list=group_list)
    assert not list_shows_addresses(viewer=viewer_for(public_user), mailing_list=group_list)
    assert not list_shows_addresses(viewer=ANONYMOUS, mailing_list=group_list)


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
