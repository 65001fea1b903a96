"""Rebuilding the index from every registered object, and counting what it holds."""

import time
from collections.abc import Callable, Sequence

from django.db import connection, transaction
from django.db.models import Count, Q

from .. import embeddings, lexical
from ..models import SearchDocument, SearchIndexChange, SearchTerm
from ..registry import search_types
from ..text import index_terms
from .common import (
    BATCH_SIZE,
    TERM_COLUMNS,
    IndexReport,
    search_type_of,
    term_column,
    version_open,
    writers_lock,
)
from .writing import search_index_remove, search_index_update


def search_index_rebuild(*, type_names: Sequence[str] | None = None,
                         progress: Callable[[str, IndexReport], None] | None = None,
                         embed: bool = True) -> IndexReport:
    """Index every object of the given types (default: all), remove what no longer exists,
    purge removed rows. Vectors whose content hash still matches are reused, so a rebuild
    after a small change embeds only what changed; with `embed` false nothing is embedded
    (see `search_index_update`) and the worker's fill does it in the background. A full
    rebuild (no `type_names`) also removes types nobody registers any more, recounts the
    vocabulary and rewrites the full-text index, repairing anything that drifted."""
    registered = search_types()
    names = list(type_names) if type_names else list(registered)
    for name in names:
        search_type_of(name)
    started = time.perf_counter()
    total = IndexReport()
    for name in names:
        report = IndexReport()
        object_ids = list(registered[name].all_objects().order_by("pk")
                          .values_list("pk", flat=True))
        for start in range(0, len(object_ids), BATCH_SIZE):
            report += search_index_update(type_name=name,
                                          ids=object_ids[start:start + BATCH_SIZE],
                                          embed=embed)
        indexed = set(SearchDocument.objects.filter(type_name=name, removed=False)
                      .values_list("object_id", flat=True))
        report += search_index_remove(type_name=name, ids=indexed - set(object_ids))
        total += report
        if progress:
            progress(name, report)
    if not type_names:
        for name in (SearchDocument.objects.exclude(type_name__in=names).order_by()
                     .values_list("type_name", flat=True).distinct()):
            total += search_index_remove(type_name=name, ids=SearchDocument.objects.filter(
                type_name=name, removed=False).values_list("object_id", flat=True))
    _purge(full=not type_names)
    total.seconds = time.perf_counter() - started
    return total


def _purge(*, full: bool) -> None:
    """Delete removed rows, and make every process reload the index from scratch (the rows
    that told them about removals are gone)."""
    with transaction.atomic():
        writers_lock()
        version = version_open()
        SearchDocument.objects.filter(removed=True).delete()
        SearchIndexChange.objects.filter(pk__lt=version).delete()
        with connection.cursor() as cursor:
            if full:
                lexical.fts_rebuild(cursor=cursor)
                _terms_recount(cursor=cursor)


def _terms_recount(*, cursor) -> None:
    counts: dict[str, list[int]] = {}
    rows = SearchDocument.objects.filter(removed=False).values_list(
        "title", "body", "access_level").iterator(chunk_size=2000)
    for title, body, access_level in rows:
        column = term_column(access_level)
        for term in index_terms(f"{title}\n{body}"):
            counts.setdefault(term, [0, 0, 0, 0])[column] += 1
    SearchTerm.objects.all().delete()
    SearchTerm.objects.bulk_create(
        (SearchTerm(term=term, **dict(zip(TERM_COLUMNS, values, strict=True)))
         for term, values in counts.items()), batch_size=2000)


def search_index_counts() -> dict[str, dict[str, int]]:
    """Per type: indexed documents, and how many have a vector of the current provider's
    model (status output; the others are lexical-only until a rebuild)."""
    provider = embeddings.provider()
    current = Q(embedding__isnull=False, embedding_model=provider.key if provider.on else None)
    rows = (SearchDocument.objects.filter(removed=False).order_by().values("type_name")
            .annotate(documents=Count("id"), with_vectors=Count("id", filter=current)))
    return {row["type_name"]: {"documents": row["documents"],
                               "with_vectors": row["with_vectors"]}
            for row in rows.order_by("type_name")}
