"""The search page."""

import re

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from cophub.search.services import search_index_rebuild

pytestmark = pytest.mark.django_db

URL = reverse("search:search")


def text(response) -> str:
    return re.sub(r"<[^>]+>", "", response.content.decode())


def test_without_a_query_the_page_offers_the_box_and_browsing(client):
    response = client.get(URL)
    page = response.content.decode()
    assert response.status_code == 200
    assert 'role="search"' in page and 'name="q"' in page
    assert "Browse instead" in page and reverse("home") in page


def test_results_with_type_label_highlight_snippet_and_date(client, make_event):
    make_event("Evaluating LLMs", description="We compare **benchmarks** for evaluation.")
    search_index_rebuild()
    response = client.get(URL, {"q": "benchmarks"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "<mark>benchmarks</mark>" in page and "Evaluating LLMs" in page
    assert "usa-tag" in page and ">Event<" in page
    assert "<time datetime=" in page
    assert "1 result for “benchmarks”" in text(response)


def test_filters_are_checkboxes_with_counts_and_keep_the_query(client, make_event,
                                                               make_group_with):
    make_event("Summit one")
    make_event("Summit two", kind="workshop")
    make_group_with("g", name="Summit group")
    search_index_rebuild()
    page = text(client.get(URL, {"q": "summit"}))
    assert "Events (2)" in page and "Groups (1)" in page
    filtered = client.get(URL, {"q": "summit", "type": "event", "f.kind": "Workshop"})
    body = filtered.content.decode()
    assert "Summit two" in text(filtered) and "Summit one" not in text(filtered)
    assert 'name="f.kind" value="Workshop" checked' in body
    assert 'type="hidden" name="q" value="summit"' in body


def test_pagination_keeps_the_query_and_filters(client, make_group_with):
    for i in range(25):
        make_group_with(f"g{i:02}", name=f"Lantern {i:02}")
    search_index_rebuild()
    page = client.get(URL, {"q": "lantern", "type": "group"}).content.decode()
    assert "q=lantern&amp;type=group&amp;page=2" in page
    second = client.get(URL, {"q": "lantern", "type": "group", "page": "2"})
    assert "Page 2 of 2" in text(second)


def test_nothing_found_gives_help(client, make_group_with):
    make_group_with("g", name="Something else")
    search_index_rebuild()
    page = text(client.get(URL, {"q": "xylophone", "type": "group"}))
    assert "Nothing matched" in page and "Check the spelling" in page
    assert "Search every type of result" in page and "Browse" in page


def test_a_corrected_query_offers_the_original(client, make_group_with):
    make_group_with("g", name="Language models")
    search_index_rebuild()
    response = client.get(URL, {"q": "langauge"})
    page = text(response)
    assert "Showing results for language" in page
    assert "Search instead for langauge" in page
    assert "exact=on" in response.content.decode()
    exact = text(client.get(URL, {"q": "langauge", "exact": "on"}))
    assert "Showing results for" not in exact


def test_bad_input_gets_a_clear_message(client, make_group_with):
    make_group_with("g", name="Fraud detection")
    search_index_rebuild()
    bad_type = client.get(URL, {"q": "fraud", "type": "nonsense"})
    assert bad_type.status_code == 200
    assert "There is no type of result called “nonsense”" in text(bad_type)
    assert "Fraud detection" not in text(bad_type)
    for query in ['"', "NEAR(", "fraud*", "(", "a" * 10_000]:
        assert client.get(URL, {"q": query}).status_code == 200
    long = text(client.get(URL, {"q": "fraud " * 2_000}))
    assert "very long" in long and "Fraud detection" in long
    odd = text(client.get(URL, {"q": '"*:^()'}))
    assert "no letters or digits" in odd


def test_operators_see_whether_semantic_search_is_on(client, make_user, settings):
    operator = make_user("ops@gsa.gov", staff=True)
    member = make_user("member@va.gov")
    client.force_login(member)
    assert "For operators" not in text(client.get(URL))
    client.force_login(operator)
    assert "Semantic search is on (hashing" in text(client.get(URL))
    settings.COPHUB_SEARCH_EMBEDDINGS = "none"
    assert "Semantic search is off" in text(client.get(URL))


@pytest.mark.parametrize("events", [5, 40])
def test_the_page_takes_a_bounded_number_of_queries(client, make_event, gov_member, events,
                                                    django_assert_max_num_queries):
    for i in range(events):
        make_event(f"Summit session {i}", description=f"Topic {i} of the summit")
    search_index_rebuild()
    client.force_login(gov_member)
    client.get(URL, {"q": "summit"})  # the index is loaded into memory once per process
    # Session, user, the viewer (2), the index version, word frequencies, the full-text
    # match, the page of documents (PostgreSQL: and its count of each word's documents);
    # however many documents match.
    with django_assert_max_num_queries(9):
        response = client.get(URL, {"q": "summit session", "type": "event"})
    assert text(response).count("Summit session") == min(events, 20)


def test_a_large_index_adds_the_cost_probe_and_nothing_else(
        client, make_event, monkeypatch, django_assert_max_num_queries):
    monkeypatch.setattr("cophub.search.selectors.ranking.LEXICAL_POSTINGS_BUDGET", 1)
    for i in range(30):
        make_event(f"Summit session {i}")
    search_index_rebuild()
    client.get(URL, {"q": "summit"})
    with django_assert_max_num_queries(10):  # + stems and their document counts (SQLite)
        response = client.get(URL, {"q": "summit session"})
    assert response.status_code == 200


def test_the_header_search_box_is_labelled():
    html = render_to_string("search/partials/_header_search.html")
    assert 'role="search"' in html and f'action="{URL}"' in html
    assert '<label class="usa-sr-only" for="site-search-field">' in html
