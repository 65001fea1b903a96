"""The home pages in the browser: a visitor is told what signing in would add; a government
member sees the next meeting, events, discussions and resources, registers in one click,
finds the event in "My registrations" through the "My account" menu and cancels it there; a
group page gathers the group's events, discussions, resources and list. At desktop and phone
widths, every page through axe."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from cophub.communities.services import group_join
from cophub.core.access import AccessLevel
from cophub.events import services as events
from cophub.events.models import Event, Registration
from cophub.forum.services import category_save, topic_start

from .conftest import WCAG22_TAGS, account_menu

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def _event(community, organizer, title, *, days, **fields):
    start = (timezone.now() + timedelta(days=days)).replace(second=0, microsecond=0)
    return events.event_save(community=community, actor=organizer, data={
        "kind": Event.Kind.WEBINAR, "title": title, "starts_at": start,
        "ends_at": start + timedelta(hours=1), "time_zone": "America/New_York",
        "access_level": "public", "status": Event.Status.PUBLISHED, **fields})


@pytest.fixture
def happening(community, organizer, make_group, gov_member, settings):
    settings.COPHUB_FORUM_POSTS_PER_10_MIN = 1000
    settings.COPHUB_FORUM_NEW_ACCOUNT_POSTS_PER_10_MIN = 1000
    group = make_group("generative-ai", name="Generative AI")
    _event(community, organizer, "January community meeting", days=10,
           kind=Event.Kind.COMMUNITY_MEETING)
    webinar = _event(community, organizer, "Evaluating LLMs for casework", days=3)
    _event(community, organizer, "Red-teaming clinic", days=4,
           access_level=AccessLevel.GOVERNMENT)
    _event(community, organizer, "Generative AI huddle", days=5, kind=Event.Kind.HUDDLE,
           group=group)
    category = category_save(actor=organizer, community=community, name="Generative AI talk",
                             slug="genai", group=group, access_level=AccessLevel.SIGNED_IN)
    topic_start(category=category, author=gov_member, title="Who has an approved chatbot?",
                body_markdown="Tell us how you got your ATO.")
    return {"group": group, "webinar": webinar}


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_member_registers_from_the_home_page_and_cancels_in_my_registrations(
        page, assert_accessible, sign_in, happening, gov_member, viewport):
    if viewport:
        page.set_viewport_size(viewport)
    page.goto("/")
    expect(page.get_by_text("1 more upcoming event is open to members")).to_be_visible()
    expect(page.get_by_text("Red-teaming clinic")).to_have_count(0)
    assert_accessible(page, "home-visitor", tags=WCAG22_TAGS)

    sign_in(page, gov_member.email)
    page.goto("/c/ai-cop/")
    main = page.locator("#main-content")
    expect(main.get_by_role("heading", name="Next community meeting")).to_be_visible()
    expect(main.get_by_role("link", name="Red-teaming clinic")).to_be_visible()
    expect(main.get_by_role("link", name="Who has an approved chatbot?")).to_be_visible()
    assert_accessible(page, "community-home-member", tags=WCAG22_TAGS)

    main.get_by_role("button", name="Register for Evaluating LLMs for casework").click()
    page.wait_for_url("**/c/ai-cop/")
    expect(page.get_by_role("status").filter(
        has_text="You are registered for Evaluating LLMs for casework")).to_be_visible()
    expect(main.get_by_role("region", name="Your next registrations")
           .get_by_role("link", name="Evaluating LLMs for casework")).to_be_visible()
    assert Registration.objects.get(event=happening["webinar"], user=gov_member).status == (
        Registration.Status.CONFIRMED)

    account_menu(page, "My registrations")
    page.wait_for_url("**/registrations/")
    expect(page.get_by_role("link", name="Evaluating LLMs for casework", exact=True)
           ).to_be_visible()
    expect(page.get_by_role("link", name="Calendar file for Evaluating LLMs for casework")
           ).to_be_visible()
    assert_accessible(page, "my-registrations", tags=WCAG22_TAGS)
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    page.get_by_role("button",
                     name="Cancel my registration for Evaluating LLMs for casework").click()
    page.wait_for_url("**/registrations/")
    expect(page.get_by_text("You have no upcoming registrations.")).to_be_visible()


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_a_group_page_gathers_the_groups_life(page, assert_accessible, sign_in, happening,
                                              gov_member, viewport):
    group_join(group=happening["group"], user=gov_member)
    if viewport:
        page.set_viewport_size(viewport)
    sign_in(page, gov_member.email)
    page.goto(happening["group"].get_absolute_url())
    main = page.locator("#main-content")
    expect(main.get_by_role("link", name="Generative AI huddle")).to_be_visible()
    expect(main.get_by_role("link", name="Who has an approved chatbot?")).to_be_visible()
    expect(main.get_by_text("1 member, leads included.")).to_be_visible()
    assert_accessible(page, "group", tags=WCAG22_TAGS)
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
