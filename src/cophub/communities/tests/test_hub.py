"""The home pages (the site's, a community's, a group's) as each kind of person meets them:
what is happening that they may see, a count of what signing in would add, their own
registrations and groups, registering in one click, and "My registrations"."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cophub.communities.services import group_join
from cophub.core.access import AccessLevel
from cophub.events.models import Event, Registration
from cophub.events.services import registration_create
from cophub.events.tests.factories import EventFactory
from cophub.forum.services import category_save, topic_start
from cophub.library import services as library
from cophub.lists.models import MailingList

pytestmark = pytest.mark.django_db

HOME = "/"


@pytest.fixture(autouse=True)
def generous_posting_limits(settings):
    settings.COPHUB_FORUM_POSTS_PER_10_MIN = 1000
    settings.COPHUB_FORUM_NEW_ACCOUNT_POSTS_PER_10_MIN = 1000


@pytest.fixture
def world(community, organizer, make_group, gov_member):
    """A public webinar, a government-only workshop, the next community meeting, a
    government-only topic, a public and a government-only resource, and a group with an
    event of its own, a past event and a list."""
    soon = timezone.now() + timedelta(days=3)
    group = make_group("generative-ai", name="Generative AI")
    made = {
        "group": group,
        "public": EventFactory(community=community, title="Public webinar on LLMs",
                               starts_at=soon, ends_at=soon + timedelta(hours=1)),
        "government": EventFactory(community=community, title="Secret sauce workshop",
                                   access_level=AccessLevel.GOVERNMENT,
                                   starts_at=soon + timedelta(days=1),
                                   ends_at=soon + timedelta(days=1, hours=1)),
        "meeting": EventFactory(community=community, title="December community meeting",
                                kind=Event.Kind.COMMUNITY_MEETING,
                                starts_at=soon + timedelta(days=20),
                                ends_at=soon + timedelta(days=20, hours=1)),
        "group_event": EventFactory(community=community, group=group,
                                    title="Generative AI huddle", kind=Event.Kind.HUDDLE,
                                    starts_at=soon + timedelta(days=2),
                                    ends_at=soon + timedelta(days=2, hours=1)),
        "past": EventFactory(community=community, group=group, title="Last spring's demo day",
                             starts_at=timezone.now() - timedelta(days=90),
                             ends_at=timezone.now() - timedelta(days=90) + timedelta(hours=2)),
        "draft": EventFactory(community=community, title="Draft planning session",
                              status=Event.Status.DRAFT, starts_at=soon,
                              ends_at=soon + timedelta(hours=1)),
    }
    category = category_save(actor=organizer, community=community, name="Government talk",
                             slug="gov-talk", access_level=AccessLevel.GOVERNMENT)
    made["topic"] = topic_start(category=category, author=gov_member,
                                title="Which models did your agency approve?",
                                body_markdown="Asking for a friend.").forum_topic
    for title, level, group_ in (("Public playbook", "public", None),
                                 ("Government-only checklist", "government", None),
                                 ("Generative AI starter kit", "public", group)):
        library.resource_create(community=community, actor=organizer, data={
            "kind": "playbook", "title": title, "summary": "Text.", "authors": "",
            "url": "https://www.example.gov/x", "group": group_, "practice_areas": [],
            "source_event": None, "published_on": date(2026, 1, 5), "access_level": level})
    made["list"] = MailingList.objects.create(
        community=community, group=group, local_part="genai", name="Generative AI list",
        audience=MailingList.Audience.ANYONE, archive_access_level=AccessLevel.PUBLIC)
    return made


def test_a_visitor_sees_public_things_and_how_many_more_signing_in_would_show(client, world):
    for url in (HOME, world["public"].community.get_absolute_url()):
        page = client.get(url).content.decode()
        assert "Public webinar on LLMs" in page and "December community meeting" in page
        assert "Next community meeting" in page and "Public playbook" in page
        assert "Secret sauce workshop" not in page and "Government-only checklist" not in page
        assert "Which models did your agency approve?" not in page
        assert "Draft planning session" not in page
        assert "1 more upcoming event is open to members" in page
        assert "1 more resource is for members" in page
        assert "1 discussion is for members" in page
        assert "Your next registrations" not in page and "Sign in to register" in page


def test_a_government_member_sees_theirs_and_the_cache_never_leaks_to_the_public(
        client, world, gov_member, public_user):
    client.force_login(gov_member)
    page = client.get(HOME).content.decode()
    assert "Secret sauce workshop" in page and "Government-only checklist" in page
    assert "Which models did your agency approve?" in page
    assert "more upcoming event" not in page
    # A public participant next, while the government member's panels are in the cache.
    client.force_login(public_user)
    page = client.get(HOME).content.decode()
    assert "Secret sauce workshop" not in page and "Government-only checklist" not in page
    assert "Which models did your agency approve?" not in page
    assert "1 more upcoming event is open to government members only" in page


def test_register_in_one_click_from_the_home_page_and_find_it_in_my_registrations(
        client, world, gov_member):
    client.force_login(gov_member)
    page = client.get(HOME).content.decode()
    action = reverse("events:register", args=["ai-cop", world["public"].pk])
    assert f'action="{action}"' in page and "Your next registrations" in page
    response = client.post(action, {"next": HOME})
    assert response.status_code == 302 and response["Location"] == HOME
    registration = Registration.objects.get(event=world["public"], user=gov_member)
    assert registration.status == Registration.Status.CONFIRMED
    page = client.get(HOME).content.decode()
    assert "You are registered" in page and f'action="{action}"' not in page
    mine = client.get(reverse("events:mine")).content.decode()
    assert "Public webinar on LLMs" in mine
    assert reverse("events:event_ics", args=["ai-cop", world["public"].pk]) in mine
    # Cancel from "My registrations" comes back to it.
    cancel = reverse("events:cancel", args=["ai-cop", world["public"].pk])
    response = client.post(cancel, {"next": reverse("events:mine")})
    assert response["Location"] == reverse("events:mine")
    registration.refresh_from_db()
    assert registration.status == Registration.Status.CANCELLED
    assert "Public webinar on LLMs" not in client.get(reverse("events:mine")).content.decode()


def test_next_elsewhere_is_ignored(client, world, gov_member):
    client.force_login(gov_member)
    response = client.post(reverse("events:register", args=["ai-cop", world["public"].pk]),
                           {"next": "https://evil.example.com/"})
    assert response["Location"] == world["public"].get_absolute_url()


def test_my_registrations_needs_sign_in_and_lists_past_ones(client, world, gov_member):
    assert client.get(reverse("events:mine")).status_code == 302
    past = world["past"]
    Registration.objects.create(event=past, user=gov_member, arrival=1,
                                status=Registration.Status.CONFIRMED)
    registration_create(event=world["government"], user=gov_member)
    client.force_login(gov_member)
    page = client.get(reverse("events:mine")).content.decode()
    upcoming, earlier = page.split("<h2>Past</h2>")
    assert "Secret sauce workshop" in upcoming and "Last spring" in earlier


def test_the_group_page_gathers_the_groups_life(client, world, gov_member, community):
    group = world["group"]
    group_join(group=group, user=gov_member)
    client.force_login(gov_member)
    page = client.get(group.get_absolute_url()).content.decode()
    assert "Generative AI huddle" in page and "Last spring&#x27;s demo day" in page
    assert "Public webinar on LLMs" not in page  # not the group's
    assert "Generative AI starter kit" in page and "Public playbook" not in page
    assert "Generative AI list" in page
    assert reverse("lists:subscribe", args=["genai"]) in page
    # One count of members, the same as the group's card on the community page.
    assert "1 member, leads included." in page
    card = client.get(community.get_absolute_url()).content.decode()
    assert "1 member ·" in card


def test_a_newly_published_event_shows_when_the_cache_is_fresh(client, world):
    """Stale for at most a minute; a new visit after the cache is emptied sees it."""
    from django.core.cache import cache

    client.get(HOME)
    EventFactory(community=world["public"].community, title="Brand new webinar")
    cache.clear()
    assert "Brand new webinar" in client.get(HOME).content.decode()


def test_site_home_query_count_for_a_returning_member(
        client, world, gov_member, django_assert_max_num_queries):
    client.force_login(gov_member)
    client.get(HOME)  # fills the audience's panels
    # The session, the person and their viewer: the panels, theirs and the communities
    # included, are one cache read, so nothing grows with the site's content.
    with django_assert_max_num_queries(3):
        assert client.get(HOME).status_code == 200


def test_community_home_query_count_for_a_returning_member(
        client, world, gov_member, django_assert_max_num_queries):
    client.force_login(gov_member)
    url = world["public"].community.get_absolute_url()
    client.get(url)
    # The site home's three, and the community.
    with django_assert_max_num_queries(4):
        assert client.get(url).status_code == 200


def test_the_organizer_dashboard_links_every_tool(client, community, organizer):
    client.force_login(organizer)
    page = client.get(reverse("communities:organize", args=[community.slug])).content.decode()
    for name in ("communities:group_create", "communities:audit", "events:list",
                 "events:create", "events:fy_report", "learning:organize",
                 "learning:series_create", "learning:access_requests", "forum:moderation",
                 "forum:category_create", "lists:create", "newsletters:index",
                 "newsletters:compose", "library:community", "library:create",
                 "surveys:list", "surveys:create"):
        assert reverse(name, args=[community.slug]) in page, name
    assert reverse("lists:index") in page


def test_the_header_and_the_footer(client, community, gov_member, settings):
    settings.COPHUB_AGENCY_NAME = "Department of Examples"
    settings.COPHUB_FOOTER_LINKS = [("Accessibility statement", "https://example.gov/a11y")]
    client.force_login(gov_member)
    page = client.get(HOME).content.decode()
    assert reverse("events:list", args=[community.slug]) in page
    assert reverse("learning:series_list", args=[community.slug]) in page
    assert reverse("events:mine") in page
    assert "official website of the <a" in page and "Department of Examples" in page
    assert 'href="https://example.gov/a11y"' in page


def test_the_lists_page_leads_to_the_newsletter(client, world, organizer, community):
    page = client.get(reverse("lists:index")).content.decode()
    assert reverse("newsletters:index", args=[community.slug]) in page
    assert reverse("newsletters:compose", args=[community.slug]) not in page
    client.force_login(organizer)
    page = client.get(reverse("lists:index")).content.decode()
    assert reverse("newsletters:compose", args=[community.slug]) in page


def test_the_header_community_is_the_first_one_unless_set(settings, make_group, community):
    from cophub.communities import context_processors
    from cophub.communities.tests.factories import CommunityFactory

    settings.COPHUB_HOME_COMMUNITY = ""
    context_processors._memo = (0.0, "")
    CommunityFactory(slug="zz-later", name="Later")
    assert context_processors.home_community_slug() == community.slug
    settings.COPHUB_HOME_COMMUNITY = "zz-later"
    assert context_processors.home_community_slug() == "zz-later"


def test_the_cached_panel_carries_each_persons_own_token_and_status(world, gov_member,
                                                                    make_user):
    """The events panel is cached for the audience; the form's CSRF token and "You are
    registered" are the person's, put in after the cache, and a registration made anywhere
    shows at once."""
    import re

    from django.test import Client

    other = make_user("other@va.gov", name="Otto Other")
    browsers = {}
    for person in (gov_member, other):
        browsers[person] = Client(enforce_csrf_checks=True)
        browsers[person].force_login(person)
    pages = {p: b.get(HOME).content.decode() for p, b in browsers.items()}
    tokens = {p: re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
              for p, page in pages.items()}
    assert "hub-csrf-token" not in pages[gov_member]
    assert tokens[gov_member] != tokens[other]
    action = reverse("events:register", args=["ai-cop", world["public"].pk])
    response = browsers[gov_member].post(action, {"csrfmiddlewaretoken": tokens[gov_member],
                                                  "next": HOME})
    assert response.status_code == 302
    assert "You are registered" in browsers[gov_member].get(HOME).content.decode()
    assert "You are registered" not in browsers[other].get(HOME).content.decode()
    # Registered elsewhere (by the service: another page, an import): shown at once.
    registration_create(event=world["government"], user=other)
    page = browsers[other].get(HOME).content.decode()
    assert page.count("You are registered") == 1 and "Secret sauce workshop" in page
