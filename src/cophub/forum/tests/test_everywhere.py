"""The forum where else it belongs: the newsletter's "new discussions", the group page,
a public category's Atom feed, a person's data export, and deleting an account (posts
stay, attributed to "a former member")."""

import pytest
from django.urls import reverse

from cophub.accounts.services import account_delete, account_export
from cophub.communities.services import group_join
from cophub.core.access import AccessLevel
from cophub.forum.models import Category
from cophub.forum.services import reply_create, topic_start, watch_set
from cophub.lists.models import MailingList, Post
from cophub.lists.newsletter.services import newsletter_issue_render, newsletter_issue_save


@pytest.fixture
def public_list(make_list):
    return make_list("aipublic", name="AI CoP Public", audience=MailingList.Audience.ANYONE,
                     kind=MailingList.Kind.ANNOUNCE, archive_access_level=AccessLevel.PUBLIC)


def test_newsletter_new_discussions_include_topics_every_recipient_may_see(
        make_category, gov_list, public_list, gov_member, community, organizer):
    open_ = make_category("open", access_level=AccessLevel.PUBLIC)
    gov = make_category("gov", access_level=AccessLevel.GOVERNMENT)
    topic_start(category=open_, author=gov_member, title="Open question", body_markdown="x")
    topic_start(category=gov, author=gov_member, title="Internal question", body_markdown="x")

    def rendered(lists):
        issue = newsletter_issue_save(community=community, actor=organizer, data={
            "title": f"Issue {len(lists)}", "body_markdown": "{{ new_discussions }}",
            "lists": lists, "access_level": AccessLevel.PUBLIC})
        return newsletter_issue_render(issue=issue)[0]

    public_html = rendered([public_list])
    assert "Open question" in public_html and "Internal question" not in public_html
    gov_html = rendered([gov_list])
    assert "Open question" in gov_html and "Internal question" in gov_html


def test_group_page_shows_its_latest_topics_to_those_who_may_see(
        client, make_category, group, gov_member, make_user, organizer):
    category = make_category("sec", group=group, access_level=AccessLevel.GROUP)
    topic_start(category=category, author=organizer, title="Red team results",
                body_markdown="x")
    url = reverse("forum:group_latest", args=["ai-cop", group.slug])
    client.force_login(gov_member)
    assert "Red team results" not in client.get(url).content.decode()
    member = make_user("gus@nih.gov")
    group_join(group=group, user=member)
    client.force_login(member)
    fragment = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert "Red team results" in fragment and "<html" not in fragment
    page = client.get(reverse("communities:group", args=["ai-cop", group.slug]))
    assert url in page.content.decode()


def test_atom_feed_only_for_public_categories(client, make_category, bound, gov_member):
    open_ = make_category("open", access_level=AccessLevel.PUBLIC)
    topic_start(category=open_, author=gov_member, title="Public news", body_markdown="x")
    response = client.get(reverse("forum:category_feed", args=["ai-cop", "open"]))
    assert response.status_code == 200 and "application/atom+xml" in response["Content-Type"]
    assert "Public news" in response.content.decode()
    signed_in = make_category("members", access_level=AccessLevel.SIGNED_IN)
    for slug in (signed_in.slug, bound.slug):
        url = reverse("forum:category_feed", args=["ai-cop", slug])
        assert client.get(url).status_code == 404


def test_export_holds_the_persons_forum(general, gov_member):
    topic = topic_start(category=general, author=gov_member, title="Mine",
                        body_markdown="my words").forum_topic
    watch_set(user=gov_member, level="tracking", category=general)
    data = account_export(user=gov_member)["forum"]
    assert data["posts"][0]["text"] == "my words" and data["posts"][0]["topic"] == "Mine"
    assert {"category": "General", "topic": None, "level": "tracking"} in data["following"]
    assert {"category": None, "topic": topic.title, "level": "watching"} in data["following"]


def test_deleted_accounts_posts_stay_as_a_former_member(client, general, gov_member,
                                                        public_user):
    topic = topic_start(category=general, author=gov_member, title="Kept",
                        body_markdown="first").forum_topic
    reply_create(topic=topic, author=public_user, body_markdown="an answer")
    account_delete(user=gov_member)
    root = Post.objects.get(pk=topic.root_id)
    assert root.author is None and root.sender_email == "" and root.sender_name == "A former member"
    client.force_login(public_user)
    page = client.get(reverse("forum:topic", args=["ai-cop", topic.pk])).content.decode()
    assert "A former member" in page and "member@va.gov" not in page and "Mia" not in page
    assert Category.objects.filter(slug="general").exists()
