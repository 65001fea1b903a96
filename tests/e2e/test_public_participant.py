"""A public participant never sees government-only pages, groups or the directory."""

import re

import pytest

from .conftest import is_signed_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_public_participant_is_kept_out_of_government_only_pages(
        page, assert_accessible, sign_in, public_user, community, make_group):
    make_group("computer-vision", name="Computer Vision")
    secret = make_group("ai-security", name="AI Security", access_level="government")

    sign_in(page, public_user.email)
    nav = page.get_by_role("navigation", name="Primary navigation")
    assert nav.get_by_role("link", name="Member directory").count() == 0

    # The directory answers 403 with the site's own page
    response = page.goto("/directory/")
    assert response.status == 403
    assert page.get_by_role("heading", level=1, name="You cannot see this page").is_visible()
    # It should say why (the view's reason), not only that access is refused; checked last
    reason_shown = page.get_by_text("Only government members can see this page.").is_visible()
    page_text = " ".join(page.locator("main").inner_text().split())
    assert is_signed_in(page)
    assert_accessible(page, "directory-403")

    # A government-only group answers 404, as if it did not exist
    response = page.goto(secret.get_absolute_url())
    assert response.status == 404
    assert page.get_by_role("heading", level=1, name="Page not found").is_visible()
    assert "AI Security" not in page.content()
    assert_accessible(page, "government-group-404")

    # The community page lists the public group and not the government-only one
    response = page.goto(community.get_absolute_url())
    assert response.status == 200
    main = page.locator("main")
    assert main.get_by_role("link", name="Computer Vision").is_visible()
    assert main.get_by_text("AI Security").count() == 0
    assert "ai-security" not in page.content()
    assert_accessible(page)

    assert reason_shown, f"the 403 page does not give the reason; it says: {page_text}"


def test_home_page_does_not_count_groups_a_public_participant_cannot_see(
        page, assert_accessible, sign_in, public_user, community, make_group):
    make_group("computer-vision", name="Computer Vision")
    make_group("ai-security", name="AI Security", access_level="government")

    sign_in(page, public_user.email)
    page.goto("/")
    # A hidden group's existence is not told, not even as a number on the community's card
    card = page.locator(".usa-card").filter(has_text="AI Community of Practice")
    assert card.get_by_text(re.compile(r"(^|\D)1 group(?!s)")).count() == 1, (
        "the home page counts groups this person cannot see: "
        + " ".join(card.inner_text().split()))
    assert_accessible(page)
