"""Link cards for library resources (`library/cards.py`): a post that links to a resource
shows its card to exactly the people the resource's page opens for, and a page of posts
costs one query per kind of object linked."""

from datetime import date

import pytest
from django.utils.safestring import mark_safe

from cophub.communities.services import group_join
from cophub.communities.tests.factories import CommunityFactory
from cophub.core.access import ANONYMOUS, viewer_for_user
from cophub.core.cards import Card, cards_for
from cophub.core.links import site_url
from cophub.events.tests.factories import EventFactory
from cophub.library import services
from cophub.library.models import Resource

pytestmark = pytest.mark.django_db

LEVELS = ("public", "signed_in", "government", "group", "organizers")
PEOPLE = ("anonymous", "public", "government", "group_member", "organizer")


@pytest.fixture
def group(make_group):
    return make_group("ai-security", access_level="public")


@pytest.fixture
def resources(make_resource, group):
    return {level: make_resource(title=f"Resource for {level}", kind="tool",
                                 access_level=level, group=group if level == "group" else None)
            for level in LEVELS}


@pytest.fixture
def member(make_user, group):
    member = make_user("groupie@nasa.gov", name="Gail Groupie")
    group_join(group=group, user=member)
    return member


@pytest.fixture
def people(public_user, gov_member, organizer, member):
    return {"anonymous": None, "public": public_user, "government": gov_member,
            "group_member": member, "organizer": organizer}


def link(resource: Resource) -> str:
    return f'<a href="{resource.get_absolute_url()}">{resource.title}</a>'


def html(text: str) -> str:
    return mark_safe(text)  # noqa: S308 — test input, read as HTML


def titles(page) -> list[list[str]]:
    return [[card.title for card in cards] for cards in page]


def test_a_link_to_a_resource_shows_its_type_and_date(make_resource):
    resource = make_resource(title="AI Guide for Government", kind="playbook",
                             published_on=date(2023, 5, 1))

    [[card]] = cards_for([html(f"<p>Read {link(resource)}.</p>")], ANONYMOUS)

    assert card == Card(kind="Library resource", title="AI Guide for Government",
                        url=resource.get_absolute_url(),
                        facts=(("Type", "Playbook"), ("Published", "May 1, 2023")))


@pytest.mark.parametrize("who", PEOPLE)
def test_the_card_shows_exactly_when_the_resource_page_opens(client, resources, people, who):
    if people[who] is not None:
        client.force_login(people[who])
    viewer = viewer_for_user(people[who])
    for level, resource in resources.items():
        cards = cards_for([html(link(resource))], viewer)
        page = client.get(resource.get_absolute_url())
        assert (page.status_code, len(cards[0])) in ((200, 1), (404, 0)), (who, level)


def test_a_group_resource_gives_a_non_member_a_plain_link_only(resources, gov_member, member):
    source = html(link(resources["group"]))

    assert cards_for([source], viewer_for_user(gov_member)) == [[]]
    assert titles(cards_for([source], viewer_for_user(member))) == [["Resource for group"]]


def test_a_withdrawn_resource_shows_only_to_the_people_who_run_it(make_resource, organizer,
                                                                  gov_member):
    resource = services.resource_withdraw(resource=make_resource(), actor=organizer)
    source = html(link(resource))

    assert cards_for([source], viewer_for_user(gov_member)) == [[]]
    [[card]] = cards_for([source], viewer_for_user(organizer))
    assert ("Status", "Withdrawn") in card.facts


def test_the_short_and_the_slugged_address_give_one_card(make_resource):
    resource = make_resource(title="AI Guide for Government")
    short = f"/library/{resource.community.slug}/{resource.pk}/"
    source = html(f'<a href="{short}">short</a> {link(resource)} '
                  f'<a href="{short[:-1]}-an-old-slug/">renamed</a>')

    assert titles(cards_for([source], ANONYMOUS)) == [["AI Guide for Government"]]


def test_unknown_resources_other_communities_and_other_pages_give_nothing(make_resource):
    resource = make_resource()
    other = CommunityFactory(slug="data-cop")
    base = f"/library/{resource.community.slug}/{resource.pk}"
    source = html(f'<a href="/library/ai-cop/{resource.pk + 100}/">gone</a>'
                  f'<a href="/library/{other.slug}/{resource.pk}/">elsewhere</a>'
                  f'<a href="{base}/history/">history</a><a href="/library/ai-cop/">list</a>'
                  f'<a href="https://elsewhere.example.com{base}/">another site</a>')

    assert cards_for([source], ANONYMOUS) == [[]]


def test_a_mailed_post_with_a_resource_address_shows_its_card(make_resource):
    resource = make_resource(title="AI Guide for Government")
    text = f"See {site_url(resource.get_absolute_url())} -- Ann"

    assert titles(cards_for([text], ANONYMOUS)) == [["AI Guide for Government"]]


@pytest.mark.parametrize("posts", [2, 30])
def test_a_page_of_posts_costs_one_query_per_kind_linked(
        resources, make_resource, community, member, django_assert_num_queries, posts):
    more = [make_resource(title=f"Resource {n}") for n in range(8)]
    events = [EventFactory(community=community, title=f"Event {n}") for n in range(4)]
    viewer = viewer_for_user(member)
    everything = [link(r) for r in [*resources.values(), *more]] + [
        f'<a href="{event.get_absolute_url()}">event</a>' for event in events]
    sources = [html("".join(everything[n % 7:])) for n in range(posts)] + [
        site_url(events[0].get_absolute_url())] * posts

    with django_assert_num_queries(2):  # the resources, the events
        page = cards_for(sources, viewer, limit_per_source=20)

    assert "Resource for organizers" not in titles(page)[0]
    assert titles(page)[0][-4:] == ["Event 0", "Event 1", "Event 2", "Event 3"]
