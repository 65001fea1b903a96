"""The one writer of the index: `search_index_update` (and `search_index_remove`). Everything
that changes the search tables goes through it; nobody else writes them."""

import logging
import time
from collections.abc import Iterable
from datetime import date, datetime

from django.db import connection, transaction
from django.utils import timezone

from cophub.core.access import AccessLevel

from .. import embeddings, lexical
from ..models import SearchDocument
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
from .documents import Prepared, documents_build, vectors_fill

logger = logging.getLogger(__name__)

_DOC_FIELDS = ("title", "body", "url", "access_level", "community_id", "group_id", "facets",
               "date", "extra", "content_hash", "embedding_model")


def search_index_update(*, type_name: str, ids: Iterable[int],
                        embed: bool = True) -> IndexReport:
    """Make the index agree with objects `ids` of `type_name`: (re)index each that exists
    and is searchable, remove the others. Safe to repeat; unchanged documents are not
    rewritten. Works in batches of 500, each one transaction: one query loads a batch's
    objects, writes are bulk. Vectors come from stored documents with the same content
    hash when there are any (re-imports and copies cost no embedding), else from the
    provider — outside the transaction, so the write lock is held only for the writes.
    With `embed` false the provider is not asked: documents whose text has no stored
    vector are written without one, searchable by keywords, until `search_vectors_fill`
    (the worker, in the background) gives them theirs.

    Raises UnknownSearchType for a type nobody registered.
    """
    search_type = search_type_of(type_name)
    ids = sorted({int(i) for i in ids})
    report = IndexReport()
    started = time.perf_counter()
    provider = embeddings.provider()
    for start in range(0, len(ids), BATCH_SIZE):
        batch = ids[start:start + BATCH_SIZE]
        vectors: dict[str, bytes] = {}
        fresh: set[str] = set()  # hashes embedded just now (not reused)
        if provider.on and embed:
            # Before the transaction: the slow part (the model) holds no lock.
            vectors_fill(documents_build(search_type, batch, provider).values(), provider,
                          vectors, fresh, report)
        with transaction.atomic():
            writers_lock()
            # Read again under the lock, so a slower task can never write an older state
            # over a newer one; usually every vector is already in `vectors`.
            prepared = documents_build(search_type, batch, provider)
            vectors_fill(prepared.values(), provider, vectors, fresh, report, embed=embed)
            _write(type_name=type_name, prepared=prepared, vectors=vectors, fresh=fresh,
                   provider=provider, report=report)
    report.seconds = time.perf_counter() - started
    return report


def search_index_remove(*, type_name: str, ids: Iterable[int]) -> IndexReport:
    """Remove objects from the index whatever their type's registration says (a type that
    is no longer registered, or a rebuild's leftovers)."""
    ids = sorted({int(i) for i in ids})
    report = IndexReport()
    provider = embeddings.provider()
    for start in range(0, len(ids), BATCH_SIZE):
        with transaction.atomic():
            writers_lock()
            _write(type_name=type_name,
                   prepared=dict.fromkeys(ids[start:start + BATCH_SIZE]), vectors={},
                   fresh=set(), provider=provider, report=report)
    return report


def _write(*, type_name: str, prepared: dict[int, Prepared | None],
           vectors: dict[str, bytes], fresh: set[str], provider: embeddings.Provider,
           report: IndexReport) -> None:
    """Write what changed in one batch, as one new index version (none if nothing did)."""
    existing = {d.object_id: d for d in SearchDocument.objects.filter(
        type_name=type_name, object_id__in=list(prepared))}
    to_create: list[SearchDocument] = []
    to_update: list[SearchDocument] = []
    removed_ids: list[int] = []
    fts_rows: list[tuple[int, str, str]] = []
    deltas: dict[str, list[int]] = {}
    now = timezone.now()

    def count_terms(title: str, body: str, access_level: str, sign: int) -> None:
        column = term_column(access_level)
        for term in index_terms(f"{title}\n{body}"):
            deltas.setdefault(term, [0, 0, 0, 0])[column] += sign

    for object_id, item in prepared.items():
        old = existing.get(object_id)
        if item is None:
            if old is None or old.removed:
                report.unchanged += old is not None
                continue
            count_terms(old.title, old.body, old.access_level, -1)
            _empty(old)
            old.updated_at = now
            to_update.append(old)
            removed_ids.append(old.pk)
            report.removed += 1
            continue
        doc = item.doc
        values = {
            "title": doc.title[:500], "body": doc.body, "url": doc.url,
            "access_level": doc.access_level, "community_id": doc.community_id,
            "group_id": doc.group_id, "facets": {k: [str(v) for v in vs]
                                                 for k, vs in doc.facets.items() if vs},
            "date": _as_date(doc.date), "extra": doc.extra,
            "content_hash": "", "embedding_model": "",
        }
        embedding = None
        if item.content_hash and item.content_hash in vectors:
            values["content_hash"] = item.content_hash
            values["embedding_model"] = provider.key
            embedding = vectors[item.content_hash]
        elif old is not None and old.embedding is not None and old.embedding_model and (
                old.content_hash == embeddings.content_hash(old.embedding_model,
                                                            item.embed_text)):
            # No vector from the current provider (it is off or failed), but the stored
            # one was made from this very text: keep it.
            values["content_hash"] = old.content_hash
            values["embedding_model"] = old.embedding_model
            embedding = bytes(old.embedding)
        if old is not None and not old.removed and all(
                getattr(old, name) == values[name] for name in _DOC_FIELDS):
            report.unchanged += 1
            continue
        if old is None:
            row = SearchDocument(type_name=type_name, object_id=object_id, seq=0,
                                 embedding=embedding, updated_at=now, **values)
            to_create.append(row)
        else:
            if not old.removed:
                count_terms(old.title, old.body, old.access_level, -1)
            for name, value in values.items():
                setattr(old, name, value)
            old.embedding = embedding
            old.removed = False
            old.updated_at = now
            row = old
            to_update.append(row)
        count_terms(values["title"], values["body"], values["access_level"], +1)
        report.written += 1
        if embedding is not None and values["content_hash"] not in fresh:
            report.reused += 1

    if not to_create and not to_update:
        return
    version = version_open()
    for row in to_create + to_update:
        row.seq = version
    if to_create:
        SearchDocument.objects.bulk_create(to_create, batch_size=BATCH_SIZE)
    for row in to_create + to_update:
        if not row.removed:
            fts_rows.append((row.pk, row.title, row.body))
    with connection.cursor() as cursor:
        _rows_update(cursor=cursor, rows=to_update)
        lexical.fts_write(cursor=cursor, delete_ids=removed_ids, rows=fts_rows)
        _terms_apply(cursor=cursor, deltas=deltas)


_UPDATED_FIELDS = (*_DOC_FIELDS, "embedding", "seq", "removed", "updated_at")


def _rows_update(*, cursor, rows: list[SearchDocument]) -> None:
    """Write changed rows with one `executemany` of a plain UPDATE: `bulk_update`'s CASE
    expressions cost more to build than the database takes to run them."""
    if not rows:
        return
    fields = [SearchDocument._meta.get_field(name) for name in _UPDATED_FIELDS]
    assignments = ", ".join(f"{connection.ops.quote_name(f.column)} = %s" for f in fields)
    cursor.executemany(
        f"UPDATE {SearchDocument._meta.db_table} SET {assignments} WHERE id = %s",
        [[f.get_db_prep_save(getattr(row, f.attname), connection) for f in fields] + [row.pk]
         for row in rows])


def _empty(row: SearchDocument) -> None:
    row.removed = True
    row.title = row.body = row.url = row.content_hash = row.embedding_model = ""
    row.facets, row.extra = {}, {}
    row.embedding = None
    row.date = row.community_id = row.group_id = None
    row.access_level = AccessLevel.ORGANIZERS


def _terms_apply(*, cursor, deltas: dict[str, list[int]]) -> None:
    """Add word counts (sorted, so two PostgreSQL writers could never deadlock)."""
    rows = [(term, *counts) for term, counts in sorted(deltas.items()) if any(counts)]
    if not rows:
        return
    columns = ", ".join(TERM_COLUMNS)
    updates = ", ".join(f"{c} = search_searchterm.{c} + excluded.{c}" for c in TERM_COLUMNS)
    cursor.executemany(
        f"INSERT INTO search_searchterm (term, {columns}) VALUES (%s, %s, %s, %s, %s) "
        f"ON CONFLICT (term) DO UPDATE SET {updates}", rows)


def _as_date(value: date | datetime | None) -> date | None:
    if isinstance(value, datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value
