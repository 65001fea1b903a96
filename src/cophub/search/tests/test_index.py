"""Writing the index: one service, bulk, idempotent; vectors reused by content hash;
save and delete signals re-index after the commit, through a task."""

import pytest
from django.db import connection, transaction

from cophub.communities.models import Group
from cophub.core.access import ANONYMOUS
from cophub.search import embeddings, services
from cophub.search.models import SearchDocument, SearchTerm
from cophub.search.registry import Document, SearchType, search_types
from cophub.search.services import (
    UnknownSearchType,
    search_index_rebuild,
    search_index_update,
)
from cophub.search.tasks import search_index_update_task

pytestmark = pytest.mark.django_db


def df(term):
    row = SearchTerm.objects.filter(term=term).first()
    return (row.df_public, row.df_signed_in, row.df_government, row.df_other) if row else None


@pytest.fixture
def embed_calls(monkeypatch):
    """The texts sent to the embedding provider."""
    calls = []
    original = embeddings.Hashing.embed

    def spy(self, texts):
        calls.append(list(texts))
        return original(self, texts)

    monkeypatch.setattr(embeddings.Hashing, "embed", spy)
    return calls


def test_update_indexes_objects_and_leaves_unchanged_ones_alone(make_group_with, titles):
    group = make_group_with("evals", name="Model Evaluation", summary="Benchmarks for LLMs")
    report = search_index_update(type_name="group", ids=[group.pk])
    assert (report.written, report.unchanged, report.embedded) == (1, 0, 1)
    doc = SearchDocument.objects.get(type_name="group", object_id=group.pk)
    assert doc.title == "Model Evaluation" and doc.url == group.get_absolute_url()
    assert doc.embedding is not None and doc.embedding_model == "hashing:256"
    assert titles("benchmarks") == ["Model Evaluation"]

    again = search_index_update(type_name="group", ids=[group.pk])
    assert (again.written, again.unchanged, again.embedded) == (0, 1, 0)


def test_a_changed_object_is_rewritten_with_its_words(make_group_with, titles):
    group = make_group_with("evals", name="Model Evaluation", summary="Benchmarks for LLMs")
    search_index_update(type_name="group", ids=[group.pk])
    assert df("benchmarks") == (1, 0, 0, 0)
    group.summary = "Red teaming exercises"
    group.access_level = "government"
    group.save()
    search_index_update(type_name="group", ids=[group.pk])
    assert df("benchmarks") == (0, 0, 0, 0) and df("teaming") == (0, 0, 1, 0)
    assert titles("benchmarks") == [] and titles("teaming") == []  # government only now


def test_deleted_and_unsearchable_objects_leave_the_index(make_group_with, titles):
    group = make_group_with("evals", name="Model Evaluation", summary="Benchmarks")
    search_index_update(type_name="group", ids=[group.pk])
    pk = group.pk
    group.delete()
    report = search_index_update(type_name="group", ids=[pk])
    assert report.removed == 1
    doc = SearchDocument.objects.get(type_name="group", object_id=pk)
    assert doc.removed and doc.title == "" and doc.embedding is None
    assert titles("benchmarks") == [] and df("benchmarks") == (0, 0, 0, 0)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT count(*) FROM search_fts WHERE rowid = %s", [doc.pk])
            assert cursor.fetchone()[0] == 0


@pytest.fixture
def hidden_type(monkeypatch):
    """A type whose document() says "not searchable" for groups named Hidden…"""
    def document(group):
        if group.name.startswith("Hidden"):
            return None
        return Document(title=group.name, body=group.summary, url="/x/",
                        access_level="public")

    types = dict(search_types())
    types["probe"] = SearchType(name="probe", label="Probes", model=Group, document=document)
    for module in ("services.common", "services.rebuild", "selectors.searching",
                   "selectors.similar"):
        monkeypatch.setattr(f"cophub.search.{module}.search_types", lambda: types)
    return types["probe"]


def test_an_object_that_becomes_unsearchable_is_removed(make_group_with, hidden_type, titles):
    group = make_group_with("g", name="Visible probe", summary="glimmering")
    search_index_update(type_name="probe", ids=[group.pk])
    assert titles("glimmering") == ["Visible probe"]
    group.name = "Hidden probe"
    group.save()
    assert search_index_update(type_name="probe", ids=[group.pk]).removed == 1
    assert titles("glimmering") == []


def test_identical_texts_are_embedded_once_and_reused_later(make_group_with, embed_calls):
    first = [make_group_with(f"copy{i}", name="Same name", summary="Same summary")
             for i in range(3)]
    report = search_index_update(type_name="group", ids=[g.pk for g in first])
    assert report.written == 3 and report.embedded == 1
    assert sum(len(call) for call in embed_calls) == 1
    later = make_group_with("copy9", name="Same name", summary="Same summary")
    report = search_index_update(type_name="group", ids=[later.pk])
    assert (report.embedded, report.reused) == (0, 1)
    assert sum(len(call) for call in embed_calls) == 1
    vectors = set(SearchDocument.objects.values_list("embedding", flat=True))
    assert len(vectors) == 1


def test_rebuild_reuses_vectors_and_purges_what_no_longer_exists(make_group_with, make_event,
                                                                  embed_calls, titles):
    keep = make_group_with("keep", name="Keeper", summary="orchids")
    gone = make_group_with("gone", name="Goner", summary="orchids too")
    make_event("Orchid show")
    first = search_index_rebuild()
    assert first.written == 3 and first.embedded == 3
    with connection.cursor() as cursor:  # deleted behind the index's back: no signal
        cursor.execute("DELETE FROM communities_group WHERE id = %s", [gone.pk])
    second = search_index_rebuild()
    assert (second.written, second.unchanged, second.removed, second.embedded) == (0, 2, 1, 0)
    assert not SearchDocument.objects.filter(object_id=gone.pk, type_name="group").exists()
    assert sorted(titles("orchids")) == ["Keeper", "Orchid show"]
    assert keep.pk in SearchDocument.objects.values_list("object_id", flat=True)


def test_rebuild_of_one_type_and_unknown_types(make_group_with, make_event):
    make_group_with("g", name="A group")
    make_event("An event")
    report = search_index_rebuild(type_names=["event"])
    assert report.written == 1
    assert list(SearchDocument.objects.values_list("type_name", flat=True)) == ["event"]
    with pytest.raises(UnknownSearchType):
        search_index_update(type_name="nope", ids=[1])
    with pytest.raises(UnknownSearchType):
        search_index_rebuild(type_names=["nope"])


def test_a_full_rebuild_recounts_the_vocabulary(make_group_with):
    group = make_group_with("g", name="Tulips", summary="daffodils")
    search_index_update(type_name="group", ids=[group.pk])
    SearchTerm.objects.filter(term="daffodils").update(df_public=7)  # drifted somehow
    search_index_rebuild()
    assert df("daffodils") == (1, 0, 0, 0)


def test_bulk_indexing_takes_a_bounded_number_of_queries(make_group_with,
                                                        django_assert_max_num_queries):
    groups = [make_group_with(f"g{i}", name=f"Group {i}", summary=f"topic{i} shared")
              for i in range(150)]
    with django_assert_max_num_queries(16):
        report = search_index_update(type_name="group", ids=[g.pk for g in groups])
    assert report.written == 150


def test_an_embedding_failure_leaves_documents_lexical_only(make_group_with, monkeypatch,
                                                            titles):
    def broken(self, texts):
        raise embeddings.EmbeddingError("endpoint down")

    monkeypatch.setattr(embeddings.Hashing, "embed", broken)
    group = make_group_with("g", name="Resilience", summary="fallback words")
    report = search_index_update(type_name="group", ids=[group.pk])
    assert report.written == 1 and report.embedded == 0
    assert SearchDocument.objects.get().embedding is None
    assert titles("fallback") == ["Resilience"]
    monkeypatch.undo()
    report = search_index_update(type_name="group", ids=[group.pk])
    assert report.written == 1 and report.embedded == 1  # the vector arrives later


def test_without_a_provider_stored_vectors_stay_while_the_text_does(make_group_with, settings):
    group = make_group_with("g", name="Persistence", summary="first words")
    search_index_update(type_name="group", ids=[group.pk])
    settings.COPHUB_SEARCH_EMBEDDINGS = "none"
    group.join_policy = "invite"  # not part of the document
    group.save()
    assert search_index_update(type_name="group", ids=[group.pk]).unchanged == 1
    assert SearchDocument.objects.get().embedding is not None
    group.summary = "other words"
    group.save()
    search_index_update(type_name="group", ids=[group.pk])
    assert SearchDocument.objects.get().embedding is None


# --- Signals and the task ------------------------------------------------------------------

@pytest.fixture
def enqueued(monkeypatch):
    calls = []

    class Recorder:
        @staticmethod
        def enqueue(type_name, ids):
            calls.append((type_name, list(ids)))
            return search_index_update_task.enqueue(type_name, ids)

    monkeypatch.setattr("cophub.search.tasks.search_index_update_task", Recorder)
    return calls


def test_saves_in_one_transaction_enqueue_one_task_at_the_commit(
        make_group_with, enqueued, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            groups = [make_group_with(f"g{i}", name=f"Group {i}") for i in range(3)]
            groups[0].summary = "edited"
            groups[0].save()
            assert enqueued == []
    assert enqueued == [("group", sorted(g.pk for g in groups))]
    assert SearchDocument.objects.filter(type_name="group").count() == 3


def test_a_rolled_back_transaction_enqueues_nothing(make_group_with, enqueued,
                                                   django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                make_group_with("g", name="Doomed")
                raise RuntimeError
        except RuntimeError:
            pass
    assert enqueued == [] and not SearchDocument.objects.exists()


def test_saved_objects_are_found_after_the_task_and_restricted_ones_disappear(
        make_group_with, gov_member, titles, django_capture_on_commit_callbacks):
    from cophub.communities.selectors import viewer_for

    with django_capture_on_commit_callbacks(execute=True):
        group = make_group_with("quantum", name="Quantum Computing", summary="qubits")
    assert titles("qubits") == ["Quantum Computing"]
    with django_capture_on_commit_callbacks(execute=True):
        group.access_level = "government"
        group.save()
    assert titles("qubits") == []
    assert titles("qubits", viewer=viewer_for(gov_member)) == ["Quantum Computing"]
    with django_capture_on_commit_callbacks(execute=True):
        group.delete()
    assert titles("qubits", viewer=viewer_for(gov_member)) == []


def test_renaming_a_group_reindexes_its_events(make_group_with, make_event,
                                              django_capture_on_commit_callbacks):
    group = make_group_with("hosts", name="Old Hosts")
    with django_capture_on_commit_callbacks(execute=True):
        event = make_event("Hosted talk", group=group)
    doc = SearchDocument.objects.get(type_name="event", object_id=event.pk)
    assert doc.facets["group"] == ["Old Hosts"]
    with django_capture_on_commit_callbacks(execute=True):
        group.name = "New Hosts"
        group.save()
    doc.refresh_from_db()
    assert doc.facets["group"] == ["New Hosts"]


def test_the_task_returns_what_it_did(make_group_with):
    group = make_group_with("g", name="Tasked")
    result = search_index_update_task.call("group", [group.pk])
    assert result["written"] == 1


def test_search_index_update_is_one_service(monkeypatch):
    # Anybody writing in bulk calls the service with ids; the service accepts any iterable.
    assert services.search_index_update(type_name="group", ids=iter([])).written == 0
    assert services.search_index_update(type_name="group", ids=[10**9]).removed == 0
    assert ANONYMOUS.user_id is None


def test_word_counts_of_the_full_text_index_stay_exact(make_group_with):
    from cophub.search import lexical

    groups = [make_group_with(f"g{i}", name=f"Orchid {i}", summary="orchids and tulips")
              for i in range(4)]
    search_index_update(type_name="group", ids=[g.pk for g in groups])
    groups[0].summary = "tulips beside daisies"
    groups[0].save()
    pk = groups[1].pk
    groups[1].delete()
    search_index_update(type_name="group", ids=[groups[0].pk, pk])
    words = ["orchids", "tulips", "daisies"]
    kept = lexical.term_costs(words)
    search_index_rebuild()  # counts everything again from scratch
    assert kept == lexical.term_costs(words) == {"orchids": 3, "tulips": 3, "daisies": 1}
