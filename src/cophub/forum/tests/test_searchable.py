"""Forum topics in search: found by their posts' words, at their category's visibility
(and, for a bound category, the list archive's), with counts and facets that agree."""

import pytest
from django.urls import reverse

from cophub.communities.selectors import viewer_for
from cophub.core.access import ANONYMOUS, AccessLevel
from cophub.forum.models import Category
from cophub.forum.selectors import effective_level
from cophub.forum.services import category_save, reply_create, topic_start
from cophub.lists.models import MailingList
from cophub.search.selectors import search_run
from cophub.search.services import search_index_rebuild


def _titles(viewer, query):
    results = search_run(viewer=viewer, query=query, types=["topic"])
    return {hit.title for hit in results.hits}, results


def test_topics_found_by_reply_words_only_by_those_who_may_see(
        make_category, bound, gov_member, public_user, organizer):
    open_ = make_category("open", access_level=AccessLevel.PUBLIC)
    topic = topic_start(category=open_, author=gov_member, title="Chatbot launch",
                        body_markdown="We launch next week").forum_topic
    reply_create(topic=topic, author=public_user, body_markdown="Consider zebrafish testing")
    topic_start(category=bound, author=organizer, title="Zebrafish budget",
                body_markdown="internal numbers")
    search_index_rebuild(type_names=["topic"])
    seen, results = _titles(ANONYMOUS, "zebrafish")
    assert seen == {"Chatbot launch"} and results.total == 1
    seen, _ = _titles(viewer_for(public_user), "zebrafish")
    assert seen == {"Chatbot launch"}
    seen, _ = _titles(viewer_for(gov_member), "zebrafish")
    assert seen == {"Chatbot launch", "Zebrafish budget"}


def test_category_level_change_reaches_search(make_category, gov_member, organizer):
    category = make_category("open", access_level=AccessLevel.PUBLIC)
    topic_start(category=category, author=gov_member, title="Quarterly plan",
                body_markdown="plan")
    search_index_rebuild(type_names=["topic"])
    assert _titles(ANONYMOUS, "quarterly")[0] == {"Quarterly plan"}
    category_save(actor=organizer, community=category.community, category=category,
                  access_level=AccessLevel.GOVERNMENT)
    search_index_rebuild(type_names=["topic"])
    assert _titles(ANONYMOUS, "quarterly")[0] == set()


@pytest.mark.parametrize(("category_level", "archive_level", "expected"), [
    ("public", "government", "government"), ("signed_in", "public", "signed_in"),
    ("group", "signed_in", "group"), ("group", "government", "organizers"),
    ("organizers", "public", "organizers"), ("government", "government", "government"),
])
def test_effective_level_is_never_wider_than_either(category_level, archive_level, expected):
    category = Category(access_level=category_level,
                        mailing_list=MailingList(archive_access_level=archive_level))
    assert effective_level(category) == expected


def test_similar_topics_while_writing_show_only_what_the_writer_may_see(
        client, make_category, questions, gov_member, public_user, organizer):
    gov = make_category("gov", access_level=AccessLevel.GOVERNMENT)
    topic_start(category=questions, author=gov_member, title="How to evaluate chatbot accuracy",
                body_markdown="We need a test set for our chatbot.")
    topic_start(category=gov, author=organizer, title="Chatbot accuracy budget memo",
                body_markdown="internal")
    search_index_rebuild(type_names=["topic"])
    url = reverse("forum:similar", args=["ai-cop", "ask"])
    client.force_login(public_user)
    html = client.get(url, {"title": "chatbot accuracy evaluation"}).content.decode()
    assert "How to evaluate chatbot accuracy" in html and "budget memo" not in html
    client.force_login(gov_member)
    html = client.get(url, {"title": "chatbot accuracy evaluation"}).content.decode()
    assert "budget memo" in html
    assert client.get(url, {"title": "chat"}).content.decode().strip() == ""
