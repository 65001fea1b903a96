"""Link cards for events (`events/cards.py`): a post that links to an event shows its card to
exactly the people the event's page opens for, and a page of posts costs one query."""

from datetime import UTC, datetime

import pytest
from django.utils.safestring import mark_safe

from cophub.communities.services import group_join
from cophub.communities.tests.factories import CommunityFactory
from cophub.core.access import ANONYMOUS, viewer_for_user
from cophub.core.cards import Card, cards_for
from cophub.core.links import site_url
from cophub.events.models import Event

pytestmark = pytest.mark.django_db

LEVELS = ("public", "signed_in", "government", "group")
PEOPLE = ("anonymous", "public", "government", "group_member", "organizer")


@pytest.fixture
def group(make_group):
    return make_group("ai-security", access_level="public")


@pytest.fixture
def events(make_event, group):
    events = {level: make_event(title=f"{level} event", access_level=level,
                                group=group if level == "group" else None)
              for level in LEVELS}
    events["draft"] = make_event(title="Draft event", status=Event.Status.DRAFT)
    return events


@pytest.fixture
def people(public_user, gov_member, organizer, make_user, group):
    member = make_user("groupie@nasa.gov", name="Gail Groupie")
    group_join(group=group, user=member)
    return {"anonymous": None, "public": public_user, "government": gov_member,
            "group_member": member, "organizer": organizer}


def link(event: Event) -> str:
    return f'<p>Join us: <a href="{event.get_absolute_url()}">this</a></p>'


def html(text: str) -> str:
    return mark_safe(text)  # noqa: S308 — test input, read as HTML


def test_a_link_to_an_event_shows_when_and_where_it_is(make_event):
    event = make_event(title="Prompting for analysts", location="GSA HQ, Room 1",
                       starts_at=datetime(2030, 3, 4, 19, 0, tzinfo=UTC),
                       ends_at=datetime(2030, 3, 4, 20, 0, tzinfo=UTC),
                       time_zone="America/New_York")

    [[card]] = cards_for([html(link(event))], ANONYMOUS)

    assert card == Card(kind="Event", title="Prompting for analysts",
                        url=event.get_absolute_url(),
                        facts=(("When", "Mon, Mar 4, 2030, 2:00 PM EST"),
                               ("Where", "GSA HQ, Room 1 · Online")))


@pytest.mark.parametrize("who", PEOPLE)
def test_the_card_shows_exactly_when_the_event_page_opens(client, events, people, who):
    if people[who] is not None:
        client.force_login(people[who])
    viewer = viewer_for_user(people[who])
    for level, event in events.items():
        cards = cards_for([html(link(event))], viewer)
        page = client.get(event.get_absolute_url())
        assert (page.status_code, len(cards[0])) in ((200, 1), (404, 0)), (who, level)


def test_a_government_event_gives_a_public_participant_a_plain_link_only(events, public_user):
    event = events["government"]
    source = html(link(event) + link(events["public"]))

    [cards] = cards_for([source], viewer_for_user(public_user))

    assert [card.title for card in cards] == ["public event"]


def test_organizers_see_the_card_of_a_draft_marked_as_such(events, organizer):
    [[card]] = cards_for([html(link(events["draft"]))], viewer_for_user(organizer))

    assert ("Status", "Draft") in card.facts


def test_an_event_linked_under_another_community_gives_no_card(make_event):
    event = make_event()
    other = CommunityFactory(slug="data-cop")
    wrong = f"/c/{other.slug}/events/{event.pk}/"

    assert cards_for([html(f'<a href="{wrong}">x</a>')], ANONYMOUS) == [[]]


def test_unknown_events_and_the_pages_around_an_event_give_nothing(make_event):
    event = make_event()
    base = event.get_absolute_url()
    source = html(f'<a href="/c/ai-cop/events/{event.pk + 100}/">gone</a>'
                  f'<a href="{base}registrants/">not the event page</a>'
                  f'<a href="/c/ai-cop/events/">the list</a>')

    assert cards_for([source], ANONYMOUS) == [[]]


def test_a_mailed_post_with_an_event_address_shows_its_card(make_event):
    event = make_event(title="Monthly meeting")
    text = f"Hi all,\n\nthe agenda is here: {site_url(event.get_absolute_url())}.\n\nAnn"

    assert [[c.title for c in cards] for cards in cards_for([text], ANONYMOUS)] == [
        ["Monthly meeting"]]


@pytest.mark.parametrize("posts", [2, 30])
def test_a_page_of_posts_costs_one_query_however_many_links(
        events, make_event, gov_member, django_assert_num_queries, posts):
    more = [make_event(title=f"Event {n}") for n in range(10)]
    viewer = viewer_for_user(gov_member)
    sources = [html("".join(link(event) for event in [*events.values(), *more][n % 5:]))
               for n in range(posts)] + [site_url(more[0].get_absolute_url())] * posts

    with django_assert_num_queries(1):
        page = cards_for(sources, viewer)

    assert len(page[0]) == 5  # the default limit
    assert all(card.title not in ("group event", "Draft event") for cards in page
               for card in cards)
