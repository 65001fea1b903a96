"""Links in posts to events, library resources and use cases show as cards on the topic
page, to those who may see what they link to (`core.cards`); for others they stay plain
links, and a page of linked posts takes as many queries as one."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cophub.core.access import AccessLevel
from cophub.events.tests.factories import EventFactory
from cophub.forum.services import reply_create, topic_start


@pytest.fixture
def events(community):
    return {level: EventFactory(community=community, title=f"{level.title()} briefing",
                                access_level=level, join_url="https://zoom.example/j/1")
            for level in (AccessLevel.PUBLIC, AccessLevel.GOVERNMENT)}


@pytest.fixture
def topic(make_category, gov_member, events):
    open_category = make_category("open", access_level=AccessLevel.PUBLIC)
    body = (f"See [the public one]({events['public'].get_absolute_url()}) and "
            f"[the internal one]({events['government'].get_absolute_url()}).")
    return topic_start(category=open_category, author=gov_member, title="Briefings",
                       body_markdown=body).forum_topic


def _page(client, topic) -> str:
    return client.get(reverse("forum:topic", args=["ai-cop", topic.pk])).content.decode()


def test_cards_follow_what_the_reader_may_see(client, topic, gov_member, public_user):
    client.force_login(gov_member)
    page = _page(client, topic)
    assert "usa-card" in page
    assert page.count('class="usa-card__heading') == 2
    assert "Government briefing" in page and "Public briefing" in page
    client.force_login(public_user)
    page = _page(client, topic)
    assert page.count('class="usa-card__heading') == 1
    assert "Government briefing" not in page  # the plain link stays, its title never shows
    client.logout()
    assert _page(client, topic).count('class="usa-card__heading') == 1


def test_a_mailed_reply_with_a_bare_address_gets_its_card(client, topic, gov_member, events):
    from cophub.core.links import site_url  # noqa: PLC0415

    reply_create(topic=topic, author=gov_member,
                 body_markdown=f"Also {site_url(events['public'].get_absolute_url())}")
    client.force_login(gov_member)
    assert _page(client, topic).count('class="usa-card__heading') == 3


def test_more_linked_posts_take_no_more_queries(client, topic, gov_member, events):
    client.force_login(gov_member)
    url = reverse("forum:topic", args=["ai-cop", topic.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    for _ in range(5):
        reply_create(topic=topic, author=gov_member,
                     body_markdown=f"[again]({events['government'].get_absolute_url()})")
    with CaptureQueriesContext(connection) as after:
        client.get(url)
    assert len(after.captured_queries) == len(before.captured_queries)
