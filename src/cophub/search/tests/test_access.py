"""Search from the outside, for anonymous visitors, public participants, government members,
group members and organizers: results, counts, facet counts, snippets, spelling suggestions,
the page and the `cophub search --as` command never show a document its reader may not open.

Every document below holds the word "summit" (so one search finds them all) and a secret
word of its own that appears nowhere else."""

import itertools
import json
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from cophub.communities.selectors import viewer_for
from cophub.communities.services import group_join
from cophub.core.access import ANONYMOUS, AccessLevel, Viewer, can_view
from cophub.events.models import Event
from cophub.search.memory import live_index
from cophub.search.models import SearchDocument
from cophub.search.selectors import search_run
from cophub.search.services import search_index_rebuild, search_index_update

pytestmark = pytest.mark.django_db

# title -> (secret word, who may see it)
EVERYONE = {"anonymous", "public", "government", "group_member", "organizer"}
SIGNED_IN = EVERYONE - {"anonymous"}
DOCUMENTS = {
    "Public summit": ("aardvark", EVERYONE),
    "Signed-in summit": ("bumblebee", SIGNED_IN),
    "Government summit": ("zebrafish", {"government", "organizer"}),
    "Group summit": ("quokka", {"group_member", "organizer"}),
    "Draft summit": ("narwhal", {"organizer"}),
    "Cancelled summit": ("platypus", EVERYONE),
    "Government working group summit": ("wombat", {"government", "organizer"}),
    "Open working group summit": ("capybara", EVERYONE),
}


@pytest.fixture
def content(make_event, make_group_with):
    hosts = make_group_with("hosts", name="Open working group summit",
                            summary="capybara gatherings", access_level="public")
    make_group_with("secret", name="Government working group summit",
                    summary="wombat gatherings", access_level="government")

    def event(title, **fields):
        word = DOCUMENTS[title][0]
        return make_event(title, description=f"A {word} session.", **fields)

    event("Public summit")
    event("Signed-in summit", access_level="signed_in")
    event("Government summit", access_level="government")
    event("Group summit", access_level="group", group=hosts)
    event("Draft summit", status=Event.Status.DRAFT)
    event("Cancelled summit", status=Event.Status.CANCELLED)
    search_index_rebuild()
    return hosts


@pytest.fixture
def people(content, public_user, gov_member, organizer, make_user):
    member = make_user("groupie@example.com", name="Gail Groupie")  # a public participant
    group_join(group=content, user=member)
    return {"anonymous": None, "public": public_user, "government": gov_member,
            "group_member": member, "organizer": organizer}


def text(response) -> str:
    """The page's text, without tags (titles carry <mark> around the words searched)."""
    return re.sub(r"<[^>]+>", "", response.content.decode())


def viewer_of(people, who):
    return viewer_for(people[who]) if people[who] else ANONYMOUS


def visible_titles(who):
    return {title for title, (_, seen_by) in DOCUMENTS.items() if who in seen_by}


def hidden_words(who):
    return {word for _, (word, seen_by) in DOCUMENTS.items() if who not in seen_by}


@pytest.mark.parametrize("who", sorted(EVERYONE))
def test_results_and_counts_are_what_the_person_may_see(people, who):
    results = search_run(viewer=viewer_of(people, who), query="summit")
    assert {hit.title for hit in results.hits} == visible_titles(who)
    assert results.total == len(visible_titles(who))
    counts = {t.name: t.count for t in results.types}
    expected_groups = len({t for t in visible_titles(who) if "group summit" in t.lower()
                           and "working" in t.lower()})
    assert counts["group"] == expected_groups
    assert counts["event"] == len(visible_titles(who)) - expected_groups


@pytest.mark.parametrize("who", sorted(EVERYONE))
def test_facet_counts_and_snippets_hold_nothing_hidden(people, who):
    results = search_run(viewer=viewer_of(people, who), query="summit gatherings session",
                         types=["event"])
    facet_total = {g.name: sum(v.count for v in g.values) for g in results.facets}
    visible_events = {t for t in visible_titles(who) if "working group" not in t}
    assert facet_total["kind"] == len(visible_events) == results.total
    statuses = {v.value for g in results.facets if g.name == "status" for v in g.values}
    assert ("Draft" in statuses) == (who == "organizer")
    shown = " ".join(h.snippet_html + h.title_html for h in results.hits)
    for word in hidden_words(who):
        assert word not in shown


@pytest.mark.parametrize("who", sorted(EVERYONE))
def test_a_hidden_documents_own_word_finds_nothing_and_is_never_suggested(people, who):
    viewer = viewer_of(people, who)
    for title, (word, seen_by) in DOCUMENTS.items():
        exact = search_run(viewer=viewer, query=word, mode="lexical")
        assert (exact.total > 0) == (who in seen_by), (who, word)
        typo = search_run(viewer=viewer, query=word[:-1] + "x" + word[-1])  # one letter off
        suggested = typo.corrected_query
        # Suggestions come only from public, signed-in and government documents the
        # person may see: never from group-only or organizer-only ones, even to members.
        level_visible = who in seen_by and title not in ("Group summit", "Draft summit")
        assert (word in suggested) == level_visible, (who, word, suggested)


@pytest.mark.parametrize("who", sorted(EVERYONE))
def test_the_page_shows_only_what_the_person_may_see(client, people, who):
    if people[who]:
        client.force_login(people[who])
    page = text(client.get(reverse("search:search"), {"q": "summit"}))
    for title, (word, seen_by) in DOCUMENTS.items():
        assert (title in page) == (who in seen_by), (who, title)
        assert (word in page) == (who in seen_by), (who, word)
    typo = text(client.get(reverse("search:search"), {"q": "zebrafsh"}))
    assert ("zebrafish" in typo) == (who in DOCUMENTS["Government summit"][1])


@pytest.mark.parametrize("who", sorted(EVERYONE - {"anonymous"}))
def test_the_command_as_a_person_prints_what_they_may_see(people, who):
    out = StringIO()
    call_command("search", "summit", "--as", people[who].email, "--json", "--limit", "50",
                 stdout=out, stderr=StringIO())
    assert {item["title"] for item in json.loads(out.getvalue())} == visible_titles(who)


def test_the_command_is_anonymous_by_default(people):
    out = StringIO()
    call_command("search", "summit", "--json", stdout=out, stderr=StringIO())
    assert {item["title"] for item in json.loads(out.getvalue())} == visible_titles(
        "anonymous")


def test_similar_documents_only_among_visible_ones(people):
    public = SearchDocument.objects.get(title="Public summit").object_id
    government = SearchDocument.objects.get(title="Government summit").object_id
    from cophub.search.selectors import search_similar

    for who in EVERYONE:
        viewer = viewer_of(people, who)
        found = {h.title for h in search_similar(type_name="event", object_id=public,
                                                 viewer=viewer, limit=20)}
        assert found <= visible_titles(who) - {"Public summit"}
        hidden = search_similar(type_name="event", object_id=government, viewer=viewer)
        assert (hidden != []) == (who in DOCUMENTS["Government summit"][1])


def test_a_newly_restricted_document_disappears_at_once(people):
    event = Event.objects.get(title="Public summit")
    event.access_level = AccessLevel.GOVERNMENT
    event.save()
    search_index_update(type_name="event", ids=[event.pk])
    anonymous = search_run(viewer=ANONYMOUS, query="aardvark")
    assert anonymous.total == 0 and anonymous.hits == []
    government = search_run(viewer=viewer_of(people, "government"), query="aardvark")
    assert [h.title for h in government.hits] == ["Public summit"]


def test_leads_of_the_host_group_do_not_find_drafts_in_search(people, make_user, content,
                                                              make_lead):
    lead = make_user("lead@nih.gov")
    make_lead(content, lead)
    assert search_run(viewer=viewer_for(lead), query="narwhal").total == 0


# --- The in-memory rule is core.access.can_view ----------------------------------------------

LEVELS = [*AccessLevel.values, "mystery"]  # and a level this code does not know


def test_the_memory_mask_agrees_with_can_view_for_every_level_and_viewer(community,
                                                                         make_group_with):
    other = make_group_with("other", name="Other")
    mine = make_group_with("mine", name="Mine")
    rows = []
    for n, (level, community_id, group_id) in enumerate(itertools.product(
            LEVELS, [community.pk, community.pk + 1000, None], [mine.pk, other.pk, None])):
        rows.append(SearchDocument(type_name="group", object_id=10_000 + n, title=f"d{n}",
                                   url="/", access_level=level, community_id=community_id,
                                   group_id=group_id, seq=1))
    SearchDocument.objects.bulk_create(rows)
    from cophub.search.models import SearchIndexChange

    SearchIndexChange.objects.create(token="mask-test")
    snapshot = live_index.current()
    viewers = [
        ANONYMOUS,
        Viewer(user_id=1),
        Viewer(user_id=2, is_government=True),
        Viewer(user_id=3, group_ids=frozenset({mine.pk})),
        Viewer(user_id=4, is_government=True, group_ids=frozenset({mine.pk, other.pk})),
        Viewer(user_id=5, organizer_community_ids=frozenset({community.pk})),
        Viewer(user_id=6, organizer_community_ids=frozenset({community.pk + 1000}),
               group_ids=frozenset({other.pk})),
    ]
    for viewer in viewers:
        mask = snapshot.visible(viewer)
        for row in rows:
            position = int(snapshot.positions([row.pk])[0])
            expected = can_view(viewer, access_level=row.access_level,
                                community_id=row.community_id, group_id=row.group_id)
            assert bool(mask[position]) == expected, (viewer, row.access_level,
                                                      row.community_id, row.group_id)
