"""Writing the search index. Everything that changes the index goes through
`search_index_update` (and `search_index_rebuild`, which calls it): nobody else writes the
search tables.

Writers are serialised (PostgreSQL: an advisory lock; SQLite: its single writer), and each
write is one transaction that also appends a `SearchIndexChange` row, so index versions are
committed in order and a process holding the index in memory can load exactly what changed.
"""

import logging
import secrets
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime

import numpy as np
from django.db import connection, transaction
from django.db.models import Count, Min, Q
from django.utils import timezone

from cophub.core.access import AccessLevel

from . import embeddings, lexical
from .models import SearchDocument, SearchIndexChange, SearchTerm
from .registry import Document, SearchType, search_types
from .text import index_terms

logger = logging.getLogger(__name__)

BATCH_SIZE = 500
# Processes more than this many index versions behind reload everything instead of
# catching up (the log is trimmed to this length).
CHANGE_LOG_KEEP = 10_000
# Arbitrary constant naming the PostgreSQL advisory lock that serialises index writers.
_PG_LOCK_KEY = 0x636F7068  # "coph"

# Which SearchTerm column counts a document's words, by access level. Group-only and
# organizer-only documents count in df_other, which spelling suggestions never use.
TERM_COLUMNS = ("df_public", "df_signed_in", "df_government", "df_other")
_TERM_COLUMN_OF = {AccessLevel.PUBLIC: 0, AccessLevel.SIGNED_IN: 1, AccessLevel.GOVERNMENT: 2}

_DOC_FIELDS = ("title", "body", "url", "access_level", "community_id", "group_id", "facets",
               "date", "extra", "content_hash", "embedding_model")


class UnknownSearchType(ValueError):
    pass


@dataclass
class IndexReport:
    """What one update or rebuild did."""

    written: int = 0  # documents created or changed
    unchanged: int = 0
    removed: int = 0
    embedded: int = 0  # texts sent to the embedding provider
    reused: int = 0  # documents written with a vector already stored (same content hash)
    seconds: float = 0.0

    def __iadd__(self, other: "IndexReport") -> "IndexReport":
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))
        return self

    def as_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def _search_type(type_name: str) -> SearchType:
    try:
        return search_types()[type_name]
    except KeyError:
        raise UnknownSearchType(f"No searchable type is called {type_name!r}.") from None


def _as_date(value: date | datetime | None) -> date | None:
    if isinstance(value, datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def _term_column(access_level: str) -> int:
    return _TERM_COLUMN_OF.get(access_level, 3)


# --- Building documents ------------------------------------------------------------------

@dataclass
class _Prepared:
    object_id: int
    doc: Document
    embed_text: str
    content_hash: str  # "" when no provider is on


def _documents(search_type: SearchType, ids: Sequence[int],
               provider: embeddings.Provider) -> dict[int, _Prepared | None]:
    """The documents of `ids` as their type builds them now (one query): None for objects
    that no longer exist or are not searchable."""
    found: dict[int, _Prepared | None] = dict.fromkeys(ids)
    for obj in search_type.all_objects().filter(pk__in=list(ids)):
        doc = search_type.document(obj)
        if doc is None:
            continue
        text = embeddings.embed_text(doc.title, doc.body)
        found[obj.pk] = _Prepared(
            object_id=obj.pk, doc=doc, embed_text=text,
            content_hash=embeddings.content_hash(provider.key, text) if provider.on else "")
    return found


def _stored_vectors(hashes: Iterable[str]) -> dict[str, bytes]:
    """Vectors already in the index for these content hashes (any document: identical
    texts share one vector), one per hash, in two queries."""
    hashes = sorted({h for h in hashes if h})
    vectors: dict[str, bytes] = {}
    for start in range(0, len(hashes), BATCH_SIZE):
        chunk = hashes[start:start + BATCH_SIZE]
        ids = (SearchDocument.objects.filter(content_hash__in=chunk, embedding__isnull=False)
               .order_by().values("content_hash").annotate(first=Min("id"))
               .values_list("first", flat=True))
        vectors.update(SearchDocument.objects.filter(id__in=list(ids))
                       .values_list("content_hash", "embedding"))
    return {h: bytes(v) for h, v in vectors.items()}


def _fill_vectors(prepared: Iterable[_Prepared], provider: embeddings.Provider,
                  vectors: dict[str, bytes], fresh: set[str], report: IndexReport) -> None:
    """Add to `vectors` (content hash → float32 bytes) what `prepared` needs: first from the
    stored documents, then from the provider for texts never embedded. A provider failure is
    logged and leaves those documents lexical-only (a rebuild tries again)."""
    if not provider.on:
        return
    wanted = {p.content_hash: p.embed_text for p in prepared if p and p.content_hash}
    missing = {h: t for h, t in wanted.items() if h not in vectors}
    if not missing:
        return
    stored = _stored_vectors(missing)
    vectors.update(stored)
    to_embed = [(h, t) for h, t in missing.items() if h not in stored]
    if not to_embed:
        return
    try:
        matrix = provider.embed([t for _, t in to_embed])
    except embeddings.EmbeddingError as exc:
        logger.warning("Search: could not embed %d documents: %s", len(to_embed), exc)
        return
    for (h, _), row in zip(to_embed, matrix, strict=True):
        vectors[h] = np.asarray(row, dtype=np.float32).tobytes()
        fresh.add(h)
    report.embedded += len(to_embed)


# --- The one writer ------------------------------------------------------------------------

def search_index_update(*, type_name: str, ids: Iterable[int]) -> IndexReport:
    """Make the index agree with objects `ids` of `type_name`: (re)index each that exists
    and is searchable, remove the others. Safe to repeat; unchanged documents are not
    rewritten. Works in batches of 500, each one transaction: one query loads a batch's
    objects, writes are bulk. Vectors come from stored documents with the same content
    hash when there are any (re-imports and copies cost no embedding), else from the
    provider — outside the transaction, so the write lock is held only for the writes.

    Raises UnknownSearchType for a type nobody registered.
    """
    search_type = _search_type(type_name)
    ids = sorted({int(i) for i in ids})
    report = IndexReport()
    started = time.perf_counter()
    provider = embeddings.provider()
    for start in range(0, len(ids), BATCH_SIZE):
        batch = ids[start:start + BATCH_SIZE]
        vectors: dict[str, bytes] = {}
        fresh: set[str] = set()  # hashes embedded just now (not reused)
        if provider.on:
            # Before the transaction: the slow part (the model) holds no lock.
            _fill_vectors(_documents(search_type, batch, provider).values(), provider,
                          vectors, fresh, report)
        with transaction.atomic():
            _writers_lock()
            # Read again under the lock, so a slower task can never write an older state
            # over a newer one; usually every vector is already in `vectors`.
            prepared = _documents(search_type, batch, provider)
            _fill_vectors(prepared.values(), provider, vectors, fresh, report)
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
            _writers_lock()
            _write(type_name=type_name,
                   prepared=dict.fromkeys(ids[start:start + BATCH_SIZE]), vectors={},
                   fresh=set(), provider=provider, report=report)
    return report


def _writers_lock() -> None:
    """Serialise index writers until the transaction ends. PostgreSQL: an advisory lock;
    SQLite has one writer at a time anyway (cophub opens its transactions IMMEDIATE)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_LOCK_KEY])


def _version_open() -> int:
    """The next index version, for the rows this transaction writes (under the lock)."""
    change = SearchIndexChange.objects.create(token=secrets.token_hex(16))
    if change.pk % 100 == 0:
        SearchIndexChange.objects.filter(pk__lt=change.pk - CHANGE_LOG_KEEP).delete()
    return change.pk


def _write(*, type_name: str, prepared: dict[int, _Prepared | None],
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
        column = _term_column(access_level)
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
    version = _version_open()
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


# --- Rebuild -------------------------------------------------------------------------------

def search_index_rebuild(*, type_names: Sequence[str] | None = None,
                         progress: Callable[[str, IndexReport], None] | None = None
                         ) -> IndexReport:
    """Index every object of the given types (default: all), remove what no longer exists,
    purge removed rows. Vectors whose content hash still matches are reused, so a rebuild
    after a small change embeds only what changed. A full rebuild (no `type_names`) also
    removes types nobody registers any more, recounts the vocabulary and rewrites the
    full-text index, repairing anything that drifted."""
    registered = search_types()
    names = list(type_names) if type_names else list(registered)
    for name in names:
        _search_type(name)
    started = time.perf_counter()
    total = IndexReport()
    for name in names:
        report = IndexReport()
        object_ids = list(registered[name].all_objects().order_by("pk")
                          .values_list("pk", flat=True))
        for start in range(0, len(object_ids), BATCH_SIZE):
            report += search_index_update(type_name=name,
                                          ids=object_ids[start:start + BATCH_SIZE])
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
        _writers_lock()
        version = _version_open()
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
        column = _term_column(access_level)
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
