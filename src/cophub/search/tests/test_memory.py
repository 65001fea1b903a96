"""The in-memory index follows the database: one query when nothing changed, only what
changed otherwise, everything again when its version is no longer in the log."""

import numpy as np
import pytest

from cophub.search.memory import live_index
from cophub.search.models import SearchDocument, SearchIndexChange
from cophub.search.services import search_index_rebuild, search_index_update

pytestmark = pytest.mark.django_db


def test_nothing_changed_costs_one_query(make_group_with, django_assert_num_queries):
    make_group_with("a", name="Alpha")
    search_index_rebuild()
    first = live_index.current()
    with django_assert_num_queries(1):
        assert live_index.current() is first


def test_changes_are_loaded_incrementally(make_group_with):
    a = make_group_with("a", name="Alpha", summary="one")
    search_index_update(type_name="group", ids=[a.pk])
    before = live_index.current()
    assert before.n == 1 and before.alive.all()
    b = make_group_with("b", name="Beta", summary="one")
    search_index_update(type_name="group", ids=[b.pk])
    a.access_level = "government"
    a.save()
    search_index_update(type_name="group", ids=[a.pk])
    after = live_index.current()
    assert after.version > before.version and after.n == 2
    pos_a, pos_b = after.positions(np.array(SearchDocument.objects.order_by("object_id")
                                            .values_list("id", flat=True)))
    assert after.access[pos_a] == 2 and after.access[pos_b] == 0
    pk = a.pk
    a.delete()
    search_index_update(type_name="group", ids=[pk])
    assert not live_index.current().alive[pos_a]


def test_a_version_missing_from_the_log_reloads_everything(make_group_with):
    a = make_group_with("a", name="Alpha")
    search_index_update(type_name="group", ids=[a.pk])
    snapshot = live_index.current()
    # As after a rolled-back write or a purge: our version's token is not in the log.
    SearchIndexChange.objects.filter(pk=snapshot.version).update(token="someone else")
    reloaded = live_index.current()
    assert reloaded is not snapshot and reloaded.n == 1 and reloaded.alive.all()


def test_identical_texts_share_one_vector(make_group_with):
    groups = [make_group_with(f"g{i}", name="Same", summary="same words") for i in range(4)]
    groups.append(make_group_with("other", name="Other", summary="different words"))
    search_index_update(type_name="group", ids=[g.pk for g in groups])
    snapshot = live_index.current()
    assert snapshot.has_vector.all() and len(snapshot.vectors) == 2
    assert len(set(snapshot.vector_row.tolist())) == 2
    cosines = snapshot.cosines(snapshot.vector_at(0))
    assert np.allclose(sorted(cosines)[-4:], 1.0)


def test_facet_values_follow_changes(make_group_with):
    group = make_group_with("a", name="Alpha")
    search_index_update(type_name="group", ids=[group.pk])
    live_index.current()
    group.kind = "committee"
    group.save()
    search_index_update(type_name="group", ids=[group.pk])
    snapshot = live_index.current()
    counts = snapshot.value_counts(np.ones(snapshot.n, dtype=bool))
    by_value = {snapshot.values[code][2]: int(n) for code, n in enumerate(counts)}
    assert by_value["Committee"] == 1 and by_value["Working group"] == 0
