"""Forum fixtures: categories built through the service, and the lists fixtures (the AI
CoP's `ai@`, subscriptions, a practice area with its lead) the bound categories need."""

import pytest

from cophub.core.access import AccessLevel
from cophub.forum.models import Category
from cophub.forum.services import category_save
from cophub.lists.tests import conftest as lists_fixtures

# The lists fixtures, under their names, for the categories bound to lists.
make_list = lists_fixtures.make_list
gov_list = lists_fixtures.gov_list
make_subscription = lists_fixtures.make_subscription
group = lists_fixtures.group
lead = lists_fixtures.lead
no_dns = lists_fixtures.no_dns


@pytest.fixture(autouse=True)
def generous_posting_limits(settings):
    """Fixtures post many times in a second from brand-new accounts; the limits have their
    own tests (test_moderation)."""
    settings.COPHUB_FORUM_POSTS_PER_10_MIN = 1000
    settings.COPHUB_FORUM_NEW_ACCOUNT_POSTS_PER_10_MIN = 1000


@pytest.fixture
def make_category(community, organizer):
    def make(slug: str = "general", *, name: str = "", actor=None, **fields) -> Category:
        fields.setdefault("access_level", AccessLevel.SIGNED_IN)
        return category_save(actor=actor or organizer, community=community,
                             name=name or slug.replace("-", " ").title(), slug=slug, **fields)

    return make


@pytest.fixture
def general(make_category):
    """A discussion category for signed-in people, bound to no list."""
    return make_category("general")


@pytest.fixture
def questions(make_category):
    return make_category("ask", name="Ask the community", kind=Category.Kind.QUESTIONS)


@pytest.fixture
def bound(make_category, gov_list):
    """The category that is `ai@`'s conversation (government members only)."""
    return make_category("ai-list", name="AI CoP list", mailing_list=gov_list)
