"""A topic page describes itself (its `meta description`) by its title and category."""

import re

from django.urls import reverse

from cophub.core.access import AccessLevel
from cophub.forum.services import topic_start

META = re.compile(r'<meta name="description" content="([^"]+)">')


def test_a_topic_describes_itself(client, make_category, organizer):
    category = make_category("open", access_level=AccessLevel.PUBLIC)
    topic = topic_start(category=category, author=organizer, title="Model cards & you",
                        body_markdown="x").forum_topic
    page = client.get(reverse("forum:topic", args=["ai-cop", topic.pk])).content.decode()
    assert META.search(page).group(1) == (
        "Model cards &amp; you — a conversation in Open, AI Community of Practice.")
