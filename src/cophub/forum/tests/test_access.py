"""Who sees the forum, tested from the outside: every page of a government-only category
(the one bound to `ai@`), a group's members-only category and a signed-in category, as
anonymous, public participant, government member, group member and organizer. Someone who
may not see a category gets a 404 on every URL about it, and the posts never leak through
the list archive or search either."""

import pytest
from django.urls import reverse

from cophub.communities.selectors import viewer_for
from cophub.communities.services import group_join
from cophub.core.access import AccessLevel
from cophub.forum.models import Category
from cophub.forum.services import reply_create, topic_start
from cophub.search.selectors import search_run
from cophub.search.services import search_index_rebuild

VIEWERS = ["anonymous", "public participant", "government member", "group member",
           "organizer"]


@pytest.fixture
def world(make_category, bound, group, organizer, gov_member, public_user, make_user):
    member = make_user("gus@nih.gov", name="Gus Group")
    group_join(group=group, user=member)
    members_only = make_category("sec", group=group, access_level=AccessLevel.GROUP,
                                 posting_rule=Category.PostingRule.GROUP)
    signed_in = make_category("general")
    topics = {}
    for name, category, author in (("government", bound, organizer),
                                   ("group", members_only, member),
                                   ("signed_in", signed_in, gov_member)):
        topic = topic_start(category=category, author=author, title=f"Secret {name} plan",
                            body_markdown=f"Only for the {name} audience").forum_topic
        reply_create(topic=topic, author=author, body_markdown="more")
        topics[name] = topic
    people = {"anonymous": None, "public participant": public_user,
              "government member": gov_member, "group member": member,
              "organizer": organizer}
    return {"people": people, "topics": topics}


EXPECTED = {  # which topics each person may see
    "anonymous": set(),
    "public participant": {"signed_in"},
    "government member": {"government", "signed_in"},
    "group member": {"government", "group", "signed_in"},  # gus@nih.gov is government too
    "organizer": {"government", "group", "signed_in"},
}


def _urls(topic):
    c, cat = topic.category.community.slug, topic.category.slug
    return [reverse("forum:category", args=[c, cat]),
            reverse("forum:topic", args=[c, topic.pk]),
            reverse("forum:topic_create", args=[c, cat]),
            reverse("forum:post_edit", args=[c, topic.root_id])]


@pytest.mark.parametrize("who", VIEWERS)
def test_pages_open_exactly_for_those_who_may_see(client, world, who):
    user = world["people"][who]
    if user is not None:
        client.force_login(user)
    for name, topic in world["topics"].items():
        for url in _urls(topic):
            status = client.get(url).status_code
            if name in EXPECTED[who]:
                assert status in (200, 302), (who, url, status)
            elif user is None and url.endswith(("/new/", "/edit/")):
                assert status == 302  # sign in first; then 404
            else:
                assert status == 404, (who, url, status)
        posted = client.post(reverse("forum:reply", args=["ai-cop", topic.pk]),
                             {"body": "sneaking in"})
        if name not in EXPECTED[who]:
            assert posted.status_code in (302, 404) and not topic.root.thread_posts.filter(
                body_text="sneaking in").exists()


@pytest.mark.parametrize("who", VIEWERS)
def test_index_lists_only_visible_categories_and_topics(client, world, who):
    user = world["people"][who]
    if user is not None:
        client.force_login(user)
    page = client.get(reverse("forum:index", args=["ai-cop"])).content.decode()
    for name in ("government", "group", "signed_in"):
        assert (f"Secret {name} plan" in page) == (name in EXPECTED[who]), (who, name)


def test_public_participant_sees_nothing_of_government_category_anywhere(client, world,
                                                                         public_user):
    topic = world["topics"]["government"]
    client.force_login(public_user)
    archive = client.get(reverse("lists:archive_post", args=["ai", topic.root_id]))
    assert archive.status_code == 404
    search_index_rebuild(type_names=["listpost"])
    results = search_run(viewer=viewer_for(public_user), query="Secret government plan")
    assert all("government" not in r.title for r in results.hits)


def test_posts_outside_lists_are_not_list_messages_in_search(world, organizer):
    search_index_rebuild(type_names=["listpost"])
    results = search_run(viewer=viewer_for(organizer), query="Secret signed_in plan",
                         types=["listpost"])
    assert not any("signed_in" in r.title for r in results.hits)


def test_group_member_may_post_in_members_only_category_others_may_not(client, world,
                                                                      gov_member):
    topic = world["topics"]["group"]
    client.force_login(gov_member)
    response = client.post(reverse("forum:reply", args=["ai-cop", topic.pk]), {"body": "hi"})
    assert response.status_code == 404
    member = world["people"]["group member"]
    client.force_login(member)
    response = client.post(reverse("forum:reply", args=["ai-cop", topic.pk]), {"body": "hi"})
    assert response.status_code == 302
    topic.refresh_from_db()
    assert topic.reply_count == 2
