"""Building the documents of objects, and their vectors: from stored documents with the
same content hash where there are any, else from the embedding provider."""

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from django.db.models import Min

from .. import embeddings
from ..models import SearchDocument
from ..registry import Document, SearchType
from .common import BATCH_SIZE, IndexReport

logger = logging.getLogger(__name__)


@dataclass
class Prepared:
    object_id: int
    doc: Document
    embed_text: str
    content_hash: str  # "" when no provider is on


def documents_build(search_type: SearchType, ids: Sequence[int],
               provider: embeddings.Provider) -> dict[int, Prepared | None]:
    """The documents of `ids` as their type builds them now (one query): None for objects
    that no longer exist or are not searchable."""
    found: dict[int, Prepared | None] = dict.fromkeys(ids)
    for obj in search_type.all_objects().filter(pk__in=list(ids)):
        doc = search_type.document(obj)
        if doc is None:
            continue
        text = embeddings.embed_text(doc.title, doc.body)
        found[obj.pk] = Prepared(
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


def vectors_fill(prepared: Iterable[Prepared], provider: embeddings.Provider,
                  vectors: dict[str, bytes], fresh: set[str], report: IndexReport, *,
                  embed: bool = True) -> None:
    """Add to `vectors` (content hash → float32 bytes) what `prepared` needs: first from the
    stored documents, then (unless `embed` is false) from the provider for texts never
    embedded. A provider failure is logged and leaves those documents lexical-only (the
    background fill or a rebuild tries again)."""
    if not provider.on:
        return
    wanted = {p.content_hash: p.embed_text for p in prepared if p and p.content_hash}
    missing = {h: t for h, t in wanted.items() if h not in vectors}
    if not missing:
        return
    stored = _stored_vectors(missing)
    vectors.update(stored)
    to_embed = [(h, t) for h, t in missing.items() if h not in stored]
    if not to_embed or not embed:
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
