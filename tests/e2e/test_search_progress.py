"""An operator opens search while the worker is still embedding: the page says how far it
is, to operators only, and stays accessible at desktop width and on a phone."""

import pytest

from cophub.conftest import TOTP_SECRET
from cophub.events.tests.factories import EventFactory
from cophub.search.services import search_index_rebuild, search_vectors_fill

from .conftest import sideways_overflow

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
MESSAGE = "Semantic search: 2 of 4 documents embedded; keyword search meanwhile."


@pytest.fixture
def half_embedded(community, settings):
    """Four events indexed as a first start indexes them, two of them embedded so far.
    (Saving them indexes them at once here, so they are saved with embeddings off.)"""
    settings.COPHUB_SEARCH_EMBEDDINGS = "none"
    for i in range(4):
        EventFactory(community=community, title=f"Claims fraud review {i}",
                     description="Finding fraud in benefits claims")
    settings.COPHUB_SEARCH_EMBEDDINGS = "hashing"
    search_index_rebuild(embed=False)
    search_vectors_fill(holder="e2e", batch_size=2, max_seconds=0)


def test_an_operator_sees_how_far_embedding_is_and_a_member_does_not(
        page, assert_accessible, sign_in, make_user, gov_member, half_embedded):
    make_user("ops@gsa.gov", staff=True, mfa=True, name="Ola Operator")
    sign_in(page, "ops@gsa.gov", totp_secret=TOTP_SECRET)
    page.goto("/search/?q=claims+fraud")
    alert = page.locator("main .usa-alert")
    assert MESSAGE in alert.inner_text()
    assert page.locator("main").get_by_role("link", name="Claims fraud review 3").is_visible()
    assert_accessible(page, "search-operator-embedding")
    page.set_viewport_size(PHONE)
    page.goto("/search/?q=claims+fraud")
    assert alert.is_visible() and not sideways_overflow(page)
    assert_accessible(page, "search-operator-embedding-phone")

    page.context.clear_cookies()
    sign_in(page, gov_member.email)
    page.goto("/search/?q=claims+fraud")
    assert "Semantic search" not in page.locator("main").inner_text()
    assert page.locator("main").get_by_role("link", name="Claims fraud review 3").is_visible()
