"""The forum in the browser's terms: starting topics and replying on the web, the same
conversation by e-mail on a bound category, quoting, editing, accepted answers, filters,
moderators' pin and close, and the number of queries each page takes."""

import re

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cophub.core.access import AccessLevel
from cophub.forum.models import Category, Topic
from cophub.forum.services import answer_accept, forum_post_edit, reply_create, topic_start
from cophub.lists.inbound import authentication
from cophub.lists.models import Post, PostRevision
from cophub.lists.tests.auth_helpers import dkim_sign, dns_with_test_key
from cophub.lists.tests.inbound_helpers import build, list_address, receive


def _topic_url(topic):
    return reverse("forum:topic", args=["ai-cop", topic.pk])


def test_member_starts_topic_on_web_subscribers_get_it_and_mailed_reply_joins_it(
        client, make_category, gov_list, gov_member, make_subscription, monkeypatch,
        django_capture_on_commit_callbacks):
    """The issue's journey: a government member asks in a questions category bound to
    `ai@`; subscribers receive it; one replies from a mail client (quoting the question);
    the reply appears in the topic without the quoted text; the asker accepts it."""
    category = make_category("ai-list", kind=Category.Kind.QUESTIONS, mailing_list=gov_list)
    make_subscription(gov_list, "ana@nih.gov", name="Ana Analyst")
    client.force_login(gov_member)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("forum:topic_create", args=["ai-cop", "ai-list"]),
                               {"title": "Who writes model cards?",
                                "body": "Does your agency publish **model cards**?"})
    topic = Topic.objects.get(category=category)
    assert response.status_code == 302 and response.url == _topic_url(topic)
    [copy] = [m for m in mail.outbox if m.to == ["ana@nih.gov"]]
    assert "Who writes model cards?" in copy.subject
    assert copy.message()["Message-ID"] == f"<{topic.root.message_id}>"
    reply = build(sender="Ana Analyst <ana@nih.gov>", to=list_address("ai"),
                  subject=f"Re: {copy.subject}",
                  headers={"In-Reply-To": f"<{topic.root.message_id}>"},
                  body=("We do, for every production model.\n\n"
                        "On Mon, Dec 7, 2026 at 10:00 AM Mia Member via AI CoP wrote:\n"
                        "> Does your agency publish model cards?\n"))
    monkeypatch.setattr(authentication, "DNS_LOOKUP", dns_with_test_key)
    receive(django_capture_on_commit_callbacks, dkim_sign(reply, domain="nih.gov"),
            to=list_address("ai"), mail_from="ana@nih.gov")
    topic.refresh_from_db()
    assert topic.reply_count == 1
    page = client.get(_topic_url(topic)).content.decode()
    assert "We do, for every production model." in page
    own, _, folded = page.partition("Show the quoted text")
    assert "Does your agency publish model cards?" not in own.split(
        "We do, for every production model.")[1]
    assert "On Mon, Dec 7, 2026" in folded
    answer = Post.objects.get(thread=topic.root, source=Post.Source.EMAIL)
    response = client.post(reverse("forum:answer", args=["ai-cop", topic.pk]),
                           {"post": answer.pk})
    topic.refresh_from_db()
    assert topic.accepted_answer == answer
    assert "Accepted answer, by Ana Analyst" in client.get(_topic_url(topic)).content.decode()
    # The list's archive shows the very same posts.
    archive = client.get(reverse("lists:archive_post", args=["ai", answer.pk]))
    assert archive.status_code == 200 and "We do, for every production model." in \
        archive.content.decode()


def test_reply_with_quote_prefills_and_threads(client, general, gov_member, public_user):
    topic = topic_start(category=general, author=gov_member, title="Hello",
                        body_markdown="line one\nline two").forum_topic
    client.force_login(public_user)
    page = client.get(_topic_url(topic) + f"?quote={topic.root_id}").content.decode()
    assert "&gt; line one" in page and f'value="{topic.root_id}"' in page
    response = client.post(reverse("forum:reply", args=["ai-cop", topic.pk]),
                           {"body": "> line one\n\nIndeed.", "parent": topic.root_id})
    reply = Post.objects.get(thread=topic.root, author=public_user)
    assert response.url.endswith(f"#post-{reply.pk}") and reply.parent_id == topic.root_id


def test_empty_reply_is_refused_and_changes_nothing(client, general, gov_member):
    topic = topic_start(category=general, author=gov_member, title="t",
                        body_markdown="b").forum_topic
    client.force_login(gov_member)
    response = client.post(reverse("forum:reply", args=["ai-cop", topic.pk]), {"body": "  "})
    assert response.status_code == 400 and "This field is required" in response.content.decode()
    assert Post.objects.count() == 1


def test_markdown_is_sanitised(client, general, gov_member):
    topic = topic_start(category=general, author=gov_member, title="x",
                        body_markdown='<script>alert(1)</script>[a](javascript:alert(2))'
                                      '<img src=x onerror=alert(3)>').forum_topic
    client.force_login(gov_member)
    page = client.get(_topic_url(topic)).content.decode()
    assert "<script>alert" not in page and 'href="javascript' not in page
    assert not re.search(r"<img[^>]*onerror", page)


def test_author_edits_post_and_moderator_sees_history(client, general, gov_member,
                                                     organizer, public_user):
    post = topic_start(category=general, author=gov_member, title="Draft",
                       body_markdown="first text")
    edit = reverse("forum:post_edit", args=["ai-cop", post.pk])
    client.force_login(public_user)
    client.post(edit, {"body": "vandalised"})
    assert not PostRevision.objects.exists()
    client.force_login(gov_member)
    response = client.post(edit, {"title": "Final", "body": "second text"})
    assert response.status_code == 302
    page = client.get(_topic_url(post.forum_topic)).content.decode()
    assert "edited" in page and "Final" in page and "history" not in page
    client.force_login(organizer)
    history = client.get(reverse("forum:post_history", args=["ai-cop", post.pk]))
    assert "first text" in history.content.decode()


def test_filters_unanswered_and_solved(client, questions, gov_member, public_user):
    solved = topic_start(category=questions, author=gov_member, title="Solved one",
                         body_markdown="q").forum_topic
    answer = reply_create(topic=solved, author=public_user, body_markdown="a")
    answer_accept(topic=solved, post=answer, actor=gov_member)
    topic_start(category=questions, author=gov_member, title="Lonely one", body_markdown="q")
    client.force_login(public_user)
    url = reverse("forum:category", args=["ai-cop", "ask"])
    assert "Solved one" in client.get(url, {"show": "solved"}).content.decode()
    unanswered = client.get(url, {"show": "unanswered"}).content.decode()
    assert "Lonely one" in unanswered and "Solved one" not in unanswered
    assert client.get(url, {"show": "bogus"}).status_code == 200


def test_moderator_pins_and_closes(client, general, gov_member, organizer):
    topic = topic_start(category=general, author=gov_member, title="t",
                        body_markdown="b").forum_topic
    url = reverse("forum:topic_moderate", args=["ai-cop", topic.pk])
    client.force_login(gov_member)
    assert client.post(url, {"closed": "1"}).status_code == 403
    client.force_login(organizer)
    client.post(url, {"closed": "1"})
    topic.refresh_from_db()
    assert topic.closed
    client.force_login(gov_member)
    page = client.get(_topic_url(topic)).content.decode()
    assert "closed to new replies" in page and "Post reply" not in page


def test_category_settings_bind_a_list(client, organizer, gov_list, make_category):
    make_category("plain")
    client.force_login(organizer)
    url = reverse("forum:category_settings", args=["ai-cop", "plain"])
    response = client.post(url, {"name": "Plain", "slug": "plain", "kind": "discussion",
                                 "access_level": AccessLevel.PUBLIC, "posting_rule": "viewers",
                                 "mailing_list": gov_list.pk, "position": 0,
                                 "description": ""})
    assert response.status_code == 302
    category = Category.objects.get(slug="plain")
    assert category.mailing_list == gov_list
    assert category.access_level == AccessLevel.GOVERNMENT


def test_category_form_refuses_group_rule_without_group(client, organizer, community):
    client.force_login(organizer)
    response = client.post(reverse("forum:category_create", args=["ai-cop"]), {
        "name": "X", "slug": "x", "kind": "discussion", "access_level": "public",
        "posting_rule": "group", "position": 0, "description": ""})
    assert response.status_code == 400 and "belong to a group" in response.content.decode()
    assert not Category.objects.exists()


# --- Queries per page: the same however many topics and posts -----------------------------

def _fill(category, author, other, topics, replies):
    for i in range(topics):
        topic = topic_start(category=category, author=author, title=f"Topic {i}",
                            body_markdown="body").forum_topic
        for j in range(replies):
            reply_create(topic=topic, author=other, body_markdown=f"reply {j}")
    return topic


def _queries(client, url) -> int:
    client.get(url)  # the first page of a session also loads what later pages reuse
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize("name", ["index", "category", "topic"])
def test_pages_take_the_same_queries_for_more_content(client, general, gov_member, public_user,
                                                      name):
    client.force_login(gov_member)
    small = _fill(general, gov_member, public_user, 2, 2)
    urls = {"index": reverse("forum:index", args=["ai-cop"]),
            "category": reverse("forum:category", args=["ai-cop", "general"])}
    url = urls.get(name) or _topic_url(small)
    before = _queries(client, url)
    big = _fill(general, gov_member, public_user, 8, 6)
    url = urls.get(name) or _topic_url(big)
    after = _queries(client, url)
    assert after == before
    assert after <= 16


def test_an_edit_shows_in_the_list_archive_too(client, bound, gov_list, gov_member):
    post = topic_start(category=bound, author=gov_member, title="On both doors",
                       body_markdown="before")
    forum_post_edit(post=post, editor=gov_member, body_markdown="after the edit")
    client.force_login(gov_member)
    page = client.get(reverse("lists:archive_post", args=["ai", post.pk])).content.decode()
    assert "after the edit" in page and "(edited" in page and "before" not in page


def test_moderator_moves_a_topic_from_its_page(client, general, make_category, organizer,
                                               gov_member):
    other = make_category("other")
    topic = topic_start(category=general, author=gov_member, title="Wrong place",
                        body_markdown="x").forum_topic
    url = reverse("forum:topic_move", args=["ai-cop", topic.pk])
    client.force_login(gov_member)
    assert client.post(url, {"category": "other"}).status_code == 403
    client.force_login(organizer)
    assert 'name="category"' in client.get(_topic_url(topic)).content.decode()
    client.post(url, {"category": "other"})
    topic.refresh_from_db()
    assert topic.category == other
    client.post(url, {"category": "nonexistent"})
    topic.refresh_from_db()
    assert topic.category == other
