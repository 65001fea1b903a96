"""A first start indexes without embedding; the worker gives the documents their vectors in
the background, in batches, resumably, while search works by keywords; operators see how
far it is."""

import io
import json
import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from cophub.core.access import ANONYMOUS
from cophub.core.signals import worker_starting
from cophub.search import demo, embeddings
from cophub.search.models import SearchDocument, SearchVectorFill
from cophub.search.selectors import search_run, search_similar
from cophub.search.services import (
    search_index_rebuild,
    search_vectors_fill,
    search_vectors_fill_due,
    vectors,
)
from cophub.search.tasks import search_vectors_fill_start, search_vectors_fill_task

pytestmark = pytest.mark.django_db

DUMMY_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


class Killed(Exception):
    """Stands for the worker dying in the middle of a batch."""


@pytest.fixture
def embed_calls(monkeypatch):
    """The texts sent to the embedding provider, one list per call."""
    calls = []
    original = embeddings.Hashing.embed

    def spy(self, texts):
        calls.append(list(texts))
        return original(self, texts)

    monkeypatch.setattr(embeddings.Hashing, "embed", spy)
    return calls


@pytest.fixture
def deferred(make_event, embed_calls):
    """Five events indexed as the demo does on a first start: no vectors yet."""
    for i in range(5):
        make_event(f"Fraud analytics session {i}", description=f"Claims review, part {i}")
    search_index_rebuild(embed=False)
    assert embed_calls == []
    return list(SearchDocument.objects.order_by("id").values_list("id", flat=True))


def with_vectors() -> int:
    return SearchDocument.objects.filter(embedding__isnull=False).count()


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", response.content.decode()))


def test_deferred_indexing_writes_searchable_documents_without_vectors(deferred):
    assert SearchDocument.objects.count() == 5 and with_vectors() == 0
    results = search_run(viewer=ANONYMOUS, query="fraud claims")
    assert results.total == 5 and not results.semantic


def test_the_fill_embeds_in_batches_and_releases_its_lease(deferred, embed_calls):
    report = search_vectors_fill(holder="a", batch_size=2)
    assert [len(call) for call in embed_calls] == [2, 2, 1]
    assert (report.documents, report.remaining, report.more) == (5, 0, False)
    assert with_vectors() == 5
    assert not search_vectors_fill_due()
    assert SearchVectorFill.objects.get().lease_until is None


def test_a_fill_stops_at_its_time_limit_and_the_next_part_goes_on(deferred, embed_calls):
    first = search_vectors_fill(holder="a", batch_size=2, max_seconds=0)
    assert (first.documents, first.remaining, first.more) == (2, 3, True)
    assert SearchVectorFill.objects.get().lease_until > timezone.now()  # kept for part two
    second = search_vectors_fill(holder="a", batch_size=2)
    assert (second.documents, second.remaining, second.more) == (3, 0, False)
    embedded = [t for call in embed_calls for t in call]
    assert len(embedded) == len(set(embedded)) == 5  # nothing embedded twice


def test_a_killed_fill_is_resumed_where_it_stopped_once_its_lease_expires(
        deferred, monkeypatch):
    original = embeddings.Hashing.embed
    calls = []

    def dies_on_the_second_batch(self, texts):
        if len(calls) == 1:
            raise Killed
        calls.append(list(texts))
        return original(self, texts)

    monkeypatch.setattr(embeddings.Hashing, "embed", dies_on_the_second_batch)
    with pytest.raises(Killed):
        search_vectors_fill(holder="dead", batch_size=2)
    assert with_vectors() == 2  # the first batch was committed

    # Another worker starts at once: the dead fill's lease still holds.
    assert not search_vectors_fill_due()
    assert search_vectors_fill(holder="b", batch_size=2).held_elsewhere
    assert with_vectors() == 2

    monkeypatch.setattr(embeddings.Hashing, "embed", original)
    resumed = []
    monkeypatch.setattr(embeddings.Hashing, "embed",
                        lambda self, texts: resumed.append(list(texts)) or original(self, texts))
    with freeze_time(timezone.now() + vectors.LEASE + timedelta(seconds=1)):
        assert search_vectors_fill_due()
        report = search_vectors_fill(holder="b", batch_size=2)
    assert (report.documents, report.remaining) == (3, 0) and with_vectors() == 5
    embedded_before = {t for call in calls for t in call}
    embedded_after = [t for call in resumed for t in call]
    assert len(embedded_after) == 3 and not embedded_before & set(embedded_after)


def test_a_second_fill_finds_the_lease_held_and_does_nothing(deferred, embed_calls):
    search_vectors_fill(holder="a", batch_size=2, max_seconds=0)
    embed_calls.clear()
    report = search_vectors_fill(holder="b")
    assert report.held_elsewhere and report.documents == 0 and embed_calls == []


def test_a_provider_that_fails_ends_the_fill_and_frees_the_lease(deferred, monkeypatch):
    def down(self, texts):
        raise embeddings.EmbeddingError("the endpoint is down")

    monkeypatch.setattr(embeddings.Hashing, "embed", down)
    report = search_vectors_fill(holder="a", batch_size=2)
    assert (report.documents, report.remaining, report.more) == (0, 5, False)
    assert search_vectors_fill_due()  # the periodic check will try again


def test_the_task_enqueues_its_next_part_until_every_document_has_a_vector(
        deferred, embed_calls, monkeypatch):
    monkeypatch.setattr(vectors, "FILL_BATCH", 2)
    monkeypatch.setattr(vectors, "FILL_SECONDS", 0)
    search_vectors_fill_task.enqueue("chain")  # the test backend runs tasks at once
    assert [len(call) for call in embed_calls] == [2, 2, 1]
    assert with_vectors() == 5


def test_a_fill_starts_only_when_vectors_are_missing_and_none_runs(deferred, settings):
    with override_settings(TASKS=DUMMY_TASKS):
        from django_tasks import default_task_backend

        assert search_vectors_fill_start()
        search_vectors_fill(holder="a", batch_size=2, max_seconds=0)  # a fill is running
        assert not search_vectors_fill_start()
        search_vectors_fill(holder="a")
        assert not search_vectors_fill_start()  # nothing is missing
        assert [r.task.name for r in default_task_backend.results] == [
            "search_vectors_fill_task"]
    settings.COPHUB_SEARCH_EMBEDDINGS = "none"
    SearchDocument.objects.update(content_hash="", embedding=None, embedding_model="")
    assert not search_vectors_fill_due()  # semantic search is off: nothing to fill


def test_a_starting_worker_resumes_the_fill(deferred):
    with override_settings(TASKS=DUMMY_TASKS):
        from django_tasks import default_task_backend

        worker_starting.send_robust(sender=None)
        assert "search_vectors_fill_task" in [r.task.name for r in default_task_backend.results]


def test_the_demo_defers_embedding_and_starts_the_fill_after_the_commit(
        make_event, embed_calls, django_capture_on_commit_callbacks):
    make_event("Fraud analytics session")
    out = io.StringIO()
    with override_settings(TASKS=DUMMY_TASKS):
        from django_tasks import default_task_backend

        with django_capture_on_commit_callbacks(execute=True):
            demo.build(context={"out": out, "embed": False})
            assert default_task_backend.results == []  # not before the commit
        assert [r.task.name for r in default_task_backend.results] == [
            "search_vectors_fill_task"]
    assert embed_calls == [] and with_vectors() == 0
    assert ("Semantic search: 0 of 1 documents embedded; keyword search meanwhile."
            in out.getvalue())


def test_cophub_demo_leaves_embedding_to_the_worker(run_demo, embed_calls):
    run_demo(10)
    assert SearchDocument.objects.exists() and with_vectors() == 0 and embed_calls == []


def test_cophub_demo_embed_computes_the_vectors_now(settings, tmp_path):
    settings.COPHUB_DOTGOV_CSV = str(tmp_path / "missing.csv")
    settings.COPHUB_USECASES_CSV = str(tmp_path / "missing-usecases.csv")
    call_command("demo", members=10, embed=True, stdout=io.StringIO())
    assert SearchDocument.objects.exists()
    assert with_vectors() == SearchDocument.objects.count()


def test_hybrid_search_is_keyword_search_until_most_documents_have_a_vector(deferred):
    lexical = search_run(viewer=ANONYMOUS, query="fraud claims session 3", mode="lexical")
    search_vectors_fill(holder="a", batch_size=2, max_seconds=0)  # 2 of 5 embedded
    partial = search_run(viewer=ANONYMOUS, query="fraud claims session 3")
    assert not partial.semantic
    assert [h.object_id for h in partial.hits] == [h.object_id for h in lexical.hits]
    search_vectors_fill(holder="a")
    assert search_run(viewer=ANONYMOUS, query="fraud claims session 3").semantic


def test_semantic_search_says_it_cannot_find_documents_without_a_vector(deferred):
    search_vectors_fill(holder="a", batch_size=2, max_seconds=0)
    results = search_run(viewer=ANONYMOUS, query="fraud claims", mode="semantic")
    assert results.semantic and {h.object_id for h in results.hits} <= set(
        SearchDocument.objects.filter(embedding__isnull=False).values_list("object_id",
                                                                           flat=True))
    assert any("no vector yet" in notice for notice in results.notices)


def test_similar_documents_come_from_keywords_until_most_have_a_vector(deferred):
    search_vectors_fill(holder="a", batch_size=2, max_seconds=0)
    first = SearchDocument.objects.order_by("id").first()
    similar = search_similar(type_name="event", object_id=first.object_id, viewer=ANONYMOUS)
    assert len(similar) == 4  # all four others share its title's words, with or without vectors


def test_operators_see_how_far_embedding_is_and_others_do_not(deferred, client, make_user):
    search_vectors_fill(holder="a", batch_size=2, max_seconds=0)
    message = "Semantic search: 2 of 5 documents embedded; keyword search meanwhile."
    client.force_login(make_user("member@va.gov"))
    page = text(client.get(reverse("search:search"), {"q": "fraud"}))
    assert "Semantic search" not in page and "For operators" not in page
    client.force_login(make_user("ops@gsa.gov", staff=True))
    assert message in text(client.get(reverse("search:search")))
    search_vectors_fill(holder="a")
    page = text(client.get(reverse("search:search")))
    assert "Semantic search is on (hashing" in page and "keyword search meanwhile" not in page


def test_search_status_says_the_same_and_whether_a_worker_is_at_it(deferred):
    out = io.StringIO()
    call_command("search_status", stdout=out)
    assert out.getvalue().splitlines()[:2] == [
        "Semantic search: 0 of 5 documents embedded; keyword search meanwhile.",
        "No worker is embedding the others now; `cophub worker` (or `cophub serve`) embeds "
        "them while it runs.",
    ]
    search_vectors_fill(holder="a", batch_size=2, max_seconds=0)
    out = io.StringIO()
    call_command("search_status", "--json", stdout=out)
    assert '"embedded": 2' in out.getvalue() and '"embedding_now": true' in out.getvalue()


def test_cophub_search_says_on_standard_error_that_it_searches_by_keywords(deferred):
    out, err = io.StringIO(), io.StringIO()
    call_command("search", "fraud", "--json", stdout=out, stderr=err)
    assert "keyword search meanwhile" in err.getvalue()
    assert len(json.loads(out.getvalue())) == 5
