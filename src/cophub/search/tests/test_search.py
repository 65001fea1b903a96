"""Searching: lexical and semantic matching, hybrid ranking, facets, pages, spelling
suggestions and bad input."""

import numpy as np
import pytest

from cophub.core.access import ANONYMOUS
from cophub.events.models import Event
from cophub.search import embeddings
from cophub.search.models import SearchDocument
from cophub.search.selectors import search_run, search_similar
from cophub.search.services import search_index_rebuild

pytestmark = pytest.mark.django_db


class Topics(embeddings.Provider):
    """A provider that knows synonyms: words of one topic share a dimension."""

    key = "topics:test"
    label = "topics"
    similarity_floor = 0.5
    TOPICS = {"car": 0, "automobile": 0, "vehicle": 0, "vehicles": 0, "fruit": 1,
              "apple": 1, "banana": 1, "orchard": 1, "weather": 2, "storm": 2}

    def embed(self, texts):
        matrix = np.full((len(texts), 4), 0.05, dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().split():
                topic = self.TOPICS.get(word.strip(".,"))
                if topic is None:
                    matrix[row, 3] += 0.1  # other words barely count
                else:
                    matrix[row, topic] += 1
        return embeddings._normalise(matrix)


@pytest.fixture
def topics(monkeypatch):
    provider = Topics()
    monkeypatch.setattr(embeddings, "_provider", provider)
    return provider


def test_words_match_in_any_form_and_titles_weigh_more(make_group_with, titles):
    make_group_with("a", name="Budget office", summary="Planning the claims process")
    make_group_with("b", name="Claims processing", summary="The budget")
    search_index_rebuild()
    assert titles("claim", mode="lexical") == ["Claims processing", "Budget office"]
    assert titles("processed claims", mode="lexical")[0] == "Claims processing"


def test_semantic_search_finds_synonyms_and_hybrid_combines(make_group_with, topics, titles):
    make_group_with("cars", name="Automobile policy", summary="Rules for the fleet")
    make_group_with("fruit", name="Orchard care", summary="Apple and banana trees")
    make_group_with("mixed", name="Vehicle weather", summary="car storm")
    search_index_rebuild()
    assert titles("car", mode="lexical") == ["Vehicle weather"]
    assert set(titles("car", mode="semantic")) == {"Automobile policy", "Vehicle weather"}
    hybrid = search_run(viewer=ANONYMOUS, query="car")
    assert hybrid.semantic and hybrid.total == 2
    assert [h.title for h in hybrid.hits] == ["Vehicle weather", "Automobile policy"]
    assert titles("banana", mode="semantic") == ["Orchard care"]


def test_documents_without_vectors_are_found_lexically(make_group_with, settings, titles):
    settings.COPHUB_SEARCH_EMBEDDINGS = "none"
    make_group_with("a", name="Lexical only", summary="marmalade")
    search_index_rebuild()
    results = search_run(viewer=ANONYMOUS, query="marmalade")
    assert [h.title for h in results.hits] == ["Lexical only"] and not results.semantic
    semantic = search_run(viewer=ANONYMOUS, query="marmalade", mode="semantic")
    assert semantic.total == 0 and "Semantic search is off" in semantic.notices[0]


def test_type_and_facet_filters_with_counts(make_event, make_group_with):
    make_group_with("g", name="Summit planners")
    for i in range(3):
        make_event(f"Summit webinar {i}", kind=Event.Kind.WEBINAR)
    make_event("Summit workshop", kind=Event.Kind.WORKSHOP)
    make_event("Summit cancelled", kind=Event.Kind.WORKSHOP, status=Event.Status.CANCELLED)
    search_index_rebuild()

    everything = search_run(viewer=ANONYMOUS, query="summit")
    assert everything.total == 6 and everything.facets == []  # facets once a type is chosen
    assert {t.name: t.count for t in everything.types}["event"] == 5

    events = search_run(viewer=ANONYMOUS, query="summit", types=["event"])
    assert events.total == 5
    kinds = {v.value: v.count for g in events.facets if g.name == "kind" for v in g.values}
    assert kinds == {"Webinar": 3, "Workshop": 2}

    workshops = search_run(viewer=ANONYMOUS, query="summit", types=["event"],
                           facets={"kind": ["Workshop"]})
    assert workshops.total == 2
    groups = {g.name: {v.value: (v.count, v.selected) for v in g.values}
              for g in workshops.facets}
    # A facet's own choice does not narrow its counts, the others' do.
    assert groups["kind"] == {"Workshop": (2, True), "Webinar": (3, False)}
    assert groups["status"] == {"Published": (1, False), "Canceled": (1, False)}
    both = search_run(viewer=ANONYMOUS, query="summit", types=["event"],
                      facets={"kind": ["Workshop", "Webinar"], "status": ["Canceled"]})
    assert [h.title for h in both.hits] == ["Summit cancelled"]
    nothing = search_run(viewer=ANONYMOUS, query="summit", types=["event"],
                         facets={"kind": ["No such kind"]})
    assert nothing.total == 0


def test_pages(make_group_with):
    for i in range(45):
        make_group_with(f"g{i:02}", name=f"Lantern group {i:02}")
    search_index_rebuild()
    first = search_run(viewer=ANONYMOUS, query="lantern", per_page=20)
    third = search_run(viewer=ANONYMOUS, query="lantern", per_page=20, page=3)
    assert first.total == third.total == 45
    assert len(first.hits) == 20 and len(third.hits) == 5
    assert third.page.number == 3 and not third.page.has_next()
    pages = [search_run(viewer=ANONYMOUS, query="lantern", page=p).hits for p in (1, 2, 3)]
    titles = [h.title for page in pages for h in page]
    assert len(set(titles)) == 45  # stable order: no repeats, nothing skipped
    assert search_run(viewer=ANONYMOUS, query="lantern", page=99).page.number == 3
    assert search_run(viewer=ANONYMOUS, query="lantern", page="abc").page.number == 1
    assert search_run(viewer=ANONYMOUS, query="lantern", page=-4).page.number == 1


def test_short_queries_are_corrected_from_the_vocabulary(make_group_with, titles):
    make_group_with("lang", name="Language models", summary="Transformers and tokenizers")
    search_index_rebuild()
    results = search_run(viewer=ANONYMOUS, query="langauge modles")
    assert results.corrected_query == "language models"
    assert [h.title for h in results.hits] == ["Language models"]
    exact = search_run(viewer=ANONYMOUS, query="langauge modles", exact=True,
                       mode="lexical")
    assert exact.corrected_query == "" and exact.total == 0
    # English words are not "corrected" into other words, and long queries are left alone.
    assert search_run(viewer=ANONYMOUS, query="quit").corrected_query == ""
    assert search_run(viewer=ANONYMOUS,
                      query="one two three langauge").corrected_query == ""


@pytest.mark.parametrize("query", ['"', "*", ":", "NEAR(", "AND", "-", "^", "(", ")",
                                   "'", 'fraud" OR 1=1 --', "title:x*", "NEAR(a b, 2)",
                                   "a" * 10_000, "fraud " * 2_000])
def test_odd_queries_answer_plainly_and_change_nothing(make_group_with, query):
    make_group_with("g", name="Fraud detection")
    search_index_rebuild()
    before = list(SearchDocument.objects.values_list("id", "title", "seq"))
    results = search_run(viewer=ANONYMOUS, query=query)
    # The words are searched for as words, never as full-text syntax: a query with "fraud"
    # in it finds the one document, any other finds nothing (and says so in its count).
    expected = ["Fraud detection"] if "fraud" in query.lower() else []
    assert [h.title for h in results.hits] == expected and results.total == len(expected)
    assert list(SearchDocument.objects.values_list("id", "title", "seq")) == before


def test_a_long_query_says_it_was_cut(make_group_with):
    make_group_with("g", name="Fraud detection")
    search_index_rebuild()
    results = search_run(viewer=ANONYMOUS, query="fraud " * 2_000)
    assert [h.title for h in results.hits] == ["Fraud detection"]
    assert any("very long" in notice for notice in results.notices)


def test_an_empty_query_asks_for_one():
    for query in ("", "   "):
        results = search_run(viewer=ANONYMOUS, query=query)
        assert results.empty and results.hits == [] and results.notices == []
    punctuation = search_run(viewer=ANONYMOUS, query='"*:^()')
    assert punctuation.empty and "no letters or digits" in punctuation.notices[0]


def test_only_stop_words_still_answer(make_group_with):
    make_group_with("g", name="Something")
    search_index_rebuild()
    results = search_run(viewer=ANONYMOUS, query="the and of", mode="lexical")
    assert results.total == 0 and not results.empty


def test_unknown_modes_are_refused_and_unknown_types_ignored(make_group_with):
    make_group_with("g", name="Anything goes")
    search_index_rebuild()
    with pytest.raises(ValueError):
        search_run(viewer=ANONYMOUS, query="anything", mode="magic")
    assert search_run(viewer=ANONYMOUS, query="anything", types=["nope"]).total == 1


def test_similar_documents_of_the_same_type(make_group_with, make_event):
    base = make_group_with("a", name="Flood forecasting", summary="river gauges rainfall")
    make_group_with("b", name="Flood maps", summary="river flood maps rainfall")
    make_group_with("c", name="Payroll", summary="salaries")
    make_event("Flood forecasting webinar", description="river gauges rainfall")
    search_index_rebuild()
    similar = search_similar(type_name="group", object_id=base.pk, viewer=ANONYMOUS, limit=5)
    assert [h.title for h in similar][0] == "Flood maps"
    assert "Flood forecasting" not in [h.title for h in similar]
    assert all(h.type_name == "group" for h in similar)
    excluded = search_similar(type_name="group", object_id=base.pk, viewer=ANONYMOUS,
                              exclude_facets={"kind": ["Working group"]})
    assert excluded == []
    assert search_similar(type_name="group", object_id=10**9, viewer=ANONYMOUS) == []
    assert search_similar(type_name="nope", object_id=base.pk, viewer=ANONYMOUS) == []


def test_similar_documents_without_vectors_share_words(make_group_with, settings):
    settings.COPHUB_SEARCH_EMBEDDINGS = "none"
    base = make_group_with("a", name="Flood forecasting", summary="river gauges")
    make_group_with("b", name="Flood maps", summary="maps")
    make_group_with("c", name="Payroll", summary="salaries")
    search_index_rebuild()
    similar = search_similar(type_name="group", object_id=base.pk, viewer=ANONYMOUS)
    assert [h.title for h in similar] == ["Flood maps"]


def test_gibberish_finds_nothing_semantically(make_group_with, topics):
    make_group_with("cars", name="Automobile policy")
    search_index_rebuild()
    assert search_run(viewer=ANONYMOUS, query="xqzzv").total == 0
    assert search_run(viewer=ANONYMOUS, query="xqzzv car").total == 1
