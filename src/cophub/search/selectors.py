"""Reading the search index: `search_run` (the page, the `cophub search` command and anyone
else who searches) and `search_similar` (nearest neighbours of one document).

Permission-aware by construction: every step works on the documents the viewer may see —
the same rule as `core.access.can_view`, applied to all documents at once in memory
(`memory.Snapshot.visible`) and once more in SQL (`visible_q`) on the page of documents
shown. Counts, facet counts, snippets and spelling suggestions come only from visible
documents, so nothing about a hidden document can be read from a result page.
"""

import logging
import math
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
from django.core.paginator import Page, Paginator
from django.utils.safestring import mark_safe

from cophub.core.access import Viewer, visible_q

from . import embeddings, lexical, spelling
from .memory import Snapshot, live_index
from .models import SearchDocument
from .registry import search_types
from .text import highlight, query_parse, snippet, words

logger = logging.getLogger(__name__)

MODES = ("hybrid", "lexical", "semantic")
PER_PAGE = 20
MAX_PER_PAGE = 1_000
MAX_PAGE = 100  # deeper pages are not useful; refine the search instead
FACET_VALUES_SHOWN = 12

# --- Ranking: every weight in one place ----------------------------------------------------
#
# Hybrid score = SEMANTIC_WEIGHT × cosine / best cosine
#              + (1 − SEMANTIC_WEIGHT) × BM25 / best BM25,
# over the visible documents that match. Each score is divided by its best value among them
# ("theoretical min-max" normalisation: BM25's minimum is 0 and so is, in practice, the
# cosine of unrelated text), so the blend does not depend on the raw scales, which vary
# with the query. A convex blend uses how far apart documents are, which reciprocal rank
# fusion throws away; Bruch, Gai & Ingber ("An Analysis of Fusion Functions for Hybrid
# Retrieval", ACM TOIS 2023) found it at least as good and more stable. Documents without a
# vector get cosine 0, documents that do not match lexically BM25 0. The weight: on the use
# case evaluation set (bench/eval: 47 graded queries), nDCG@10 of hybrid search was above
# both lexical-only (0.61) and semantic-only (0.70) for weights 0.6–0.9 and flat at 0.74
# from 0.7 to 0.8; 0.75 is the middle of that plateau, not a tuned peak.
SEMANTIC_WEIGHT = 0.75
# How many documents the words of one query may match before the commonest words are left
# out (see `lexical.plan`): ranking reads every match, and the commonest words count least.
# Over the 3,611 use cases only a query made of the very commonest words reaches it.
LEXICAL_POSTINGS_BUDGET = 5_000


def fuse(lexical_scores: np.ndarray, cosines: np.ndarray) -> np.ndarray:
    """The hybrid score of documents, from their lexical score (0 where no match) and
    their cosine similarity (0 where no vector)."""
    best_lexical = lexical_scores.max(initial=0.0)
    best_cosine = cosines.max(initial=0.0)
    lexical_part = lexical_scores / best_lexical if best_lexical > 0 else lexical_scores
    semantic_part = np.clip(cosines, 0, None) / best_cosine if best_cosine > 0 else 0.0
    return SEMANTIC_WEIGHT * semantic_part + (1 - SEMANTIC_WEIGHT) * lexical_part


# --- Results ---------------------------------------------------------------------------------

@dataclass
class SearchHit:
    type_name: str
    type_label: str
    object_id: int
    title: str
    title_html: str  # escaped, matches in <mark>
    snippet_html: str  # escaped, matches in <mark>
    url: str
    date: date | None
    facets: list[tuple[str, list[str]]]  # (facet label, values), in the type's order
    extra: dict[str, Any]
    score: float

    def as_json(self) -> dict[str, Any]:
        data = {"type": self.type_name, "id": self.object_id, "title": self.title,
                "score": round(float(self.score), 6), "url": self.url}
        for key, value in self.extra.items():
            data.setdefault(key, value)
        return data


@dataclass
class TypeCount:
    name: str
    label: str
    count: int
    selected: bool


@dataclass
class FacetValue:
    value: str
    count: int
    selected: bool


@dataclass
class FacetGroup:
    name: str
    label: str
    values: list[FacetValue]


@dataclass
class SearchResults:
    query: str  # what was searched for (cut to the maximum length)
    mode: str
    hits: list[SearchHit] = field(default_factory=list)
    total: int = 0
    page: Page | None = None
    types: list[TypeCount] = field(default_factory=list)
    facets: list[FacetGroup] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    corrected_query: str = ""  # "Showing results for …" when the spelling was corrected
    semantic: bool = False  # whether semantic similarity took part
    empty: bool = False  # nothing to search for

    @property
    def selected_type(self) -> str:
        chosen = [t.name for t in self.types if t.selected]
        return chosen[0] if len(chosen) == 1 else ""

    @property
    def selected_type_label(self) -> str:
        chosen = [t.label for t in self.types if t.selected]
        return chosen[0] if len(chosen) == 1 else ""


# --- Searching -------------------------------------------------------------------------------

def search_run(*, viewer: Viewer, query: str, types=(), facets: dict | None = None,
               mode: str = "hybrid", page: int = 1, per_page: int = PER_PAGE,
               exact: bool = False) -> SearchResults:
    """Search as `viewer`: the documents they may see that match `query` (lexically, or
    semantically above the provider's similarity floor, per `mode`), ranked, filtered by
    `types` and by `facets` ({facet: [values]}, used when exactly one type is chosen),
    cut into pages. `exact` turns spelling correction off ("search instead for …").

    Never raises for odd input: an empty query gives `empty`, a long one is cut (with a
    notice), unknown types are ignored and unknown facet values match nothing.

    Queries: one for the index version, one for word frequencies, one full-text query, one
    for the page of documents; plus, when needed, a reload of what changed in the index,
    the vocabulary for a correction, and (SQLite, large indexes) FTS5's counts of the
    query's stems.
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}")
    registered = search_types()
    types = [t for t in dict.fromkeys(types or ()) if t in registered]
    parsed = query_parse(query)
    results = SearchResults(query=parsed.text, mode=mode, notices=list(parsed.notices))
    if parsed.is_empty or not words(parsed.text):
        results.empty = True
        if not parsed.is_empty:
            results.notices.append("Your search has no letters or digits to look for.")
        results.types = [TypeCount(n, t.label, 0, n in types) for n, t in registered.items()]
        return results

    snap = live_index.current()
    provider = embeddings.provider()
    terms = parsed.terms
    freqs = spelling.frequencies(terms, viewer) if terms else {}
    text = parsed.text
    if not exact and terms:
        fixed = spelling.corrections(terms, freqs, viewer, (snap.version, snap.token))
        if fixed:
            terms = [fixed.get(t, t) for t in terms]
            text = _corrected_text(parsed.text, fixed)
            results.corrected_query = text
            freqs.update(spelling.frequencies(list(fixed.values()), viewer))

    # Semantic similarity needs words the model can read: a query made only of words that
    # neither the documents nor English know ("xyzzy") is near nothing, and whatever
    # scored above the floor would be noise.
    readable = not terms or any(freqs.get(t, 0) or t in spelling.english_words()
                                for t in terms)
    # The query's vector is computed in another thread while the database matches words.
    pending_vector = (_query_vector_async(provider, snap, text)
                      if mode != "lexical" and readable else None)
    visible = snap.visible(viewer) & snap.of_types(list(registered))
    lexical_scores = np.zeros(snap.n)
    matched = np.zeros(snap.n, dtype=bool)
    if mode != "semantic" and terms:
        kept, weights = lexical.plan(terms, documents=int(np.count_nonzero(snap.alive)),
                                     budget=LEXICAL_POSTINGS_BUDGET)
        doc_ids, scores = lexical.lexical_match(kept, weights)
        positions = snap.positions(doc_ids)
        keep = positions >= 0
        positions, scores = positions[keep], scores[keep]
        keep = visible[positions]
        lexical_scores[positions[keep]] = np.maximum(scores[keep], 0)
        matched[positions[keep]] = True

    cosines = np.zeros(snap.n)
    similar = np.zeros(snap.n, dtype=bool)
    query_vector = _query_vector_result(pending_vector)
    if query_vector is not None:
        results.semantic = True
        cosines = snap.cosines(query_vector)
        cosines[~visible] = 0.0
        similar = cosines >= provider.similarity_floor
    elif mode == "semantic" and not provider.on:
        results.notices.append(provider.status().text)
    elif mode == "semantic" and pending_vector is not None:
        results.notices.append("Semantic search is not available right now.")

    # The results (what is shown and counted): visible documents that match lexically, or
    # semantically above the floor — per mode. Facet and type counts count these.
    if mode == "lexical":
        found, score = matched, lexical_scores
    elif mode == "semantic":
        found, score = similar, cosines
    else:
        found = matched | similar
        score = fuse(np.where(found, lexical_scores, 0), np.where(found, cosines, 0))
    found &= visible

    in_type = snap.of_types(types) if types else np.ones(snap.n, dtype=bool)
    per_type = np.bincount(snap.type_code[found], minlength=len(snap.type_codes))
    results.types = [
        TypeCount(name, search_type.label,
                  int(per_type[snap.type_codes[name]]) if name in snap.type_codes else 0,
                  name in types)
        for name, search_type in registered.items()
    ]
    facet_mask, results.facets = _facets(snap, found & in_type, types, facets or {})
    final = found & in_type & facet_mask
    results.total = int(np.count_nonzero(final))

    per_page = max(1, min(per_page, MAX_PER_PAGE))
    last_page = max(1, min(MAX_PAGE, math.ceil(results.total / per_page)))
    page = max(1, min(_int(page), last_page))
    results.page = Paginator(range(min(results.total, MAX_PAGE * per_page)),
                             per_page).page(page)
    positions = _top(final, score, snap.ids, (page - 1) * per_page, per_page)
    results.hits = _hits(snap, positions, score, viewer, terms, registered)
    return results


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 1


def _corrected_text(text: str, fixed: dict[str, str]) -> str:
    import re

    from .text import fold

    return re.sub(r"[^\W_]+", lambda m: fixed.get(fold(m.group()), m.group()), text)


_embedder = ThreadPoolExecutor(max_workers=2, thread_name_prefix="search-embed")


def _query_vector_async(provider, snap: Snapshot, text: str) -> Future | None:
    if not provider.on or snap.vectors is None or not snap.has_vector.any():
        return None
    return _embedder.submit(provider.embed_query, text)


def _query_vector_result(pending: Future | None) -> np.ndarray | None:
    if pending is None:
        return None
    try:
        vector = pending.result()
    except embeddings.EmbeddingError as exc:
        logger.warning("Search: no query embedding, lexical results only: %s", exc)
        return None
    return vector


def _facets(snap: Snapshot, docs: np.ndarray, types: list[str],
            chosen: dict) -> tuple[np.ndarray, list[FacetGroup]]:
    """When exactly one type is chosen: the mask of its facet filters (values of one facet
    OR-ed, facets AND-ed) and each facet's values with counts. A facet's counts apply the
    other facets' filters but not its own, so a person can widen a choice as well as narrow
    it."""
    mask = np.ones(snap.n, dtype=bool)
    if len(types) != 1:
        return mask, []
    type_name = types[0]
    search_type = search_types()[type_name]
    filters = {}
    for name in search_type.facets:
        values = [v for v in chosen.get(name, []) if v]
        if values:
            filters[name] = snap.having(snap.codes_for(type_name, name, values))
            mask &= filters[name]
    groups = []
    for name, label in search_type.facets.items():
        others = docs.copy()
        for other, other_mask in filters.items():
            if other != name:
                others &= other_mask
        counts = snap.value_counts(others)
        selected = set(chosen.get(name, []))
        values = []
        for (t, f, value), code in snap.value_codes.items():
            if t == type_name and f == name and (counts[code] > 0 or value in selected):
                values.append(FacetValue(value, int(counts[code]), value in selected))
        values.sort(key=lambda v: (not v.selected, -v.count, v.value))
        shown = [v for v in values[:FACET_VALUES_SHOWN]]
        shown += [v for v in values[FACET_VALUES_SHOWN:] if v.selected]
        if shown:
            groups.append(FacetGroup(name, label, shown))
    return mask, groups


def _top(mask: np.ndarray, score: np.ndarray, ids: np.ndarray, offset: int,
         limit: int) -> np.ndarray:
    """Positions of the best `limit` documents after `offset`, by score then document id
    (stable across pages): a partial sort, not a sort of every match."""
    candidates = np.flatnonzero(mask)
    if not len(candidates) or offset >= len(candidates):
        return np.zeros(0, dtype=np.int64)
    wanted = min(offset + limit, len(candidates))
    scores = score[candidates]
    if wanted < len(candidates):
        # Keep every document tied with the cut-off so the tie-break below stays exact.
        cut = np.partition(-scores, wanted - 1)[wanted - 1]
        keep = -scores <= cut
        candidates, scores = candidates[keep], scores[keep]
    order = np.lexsort((ids[candidates], -scores))
    return candidates[order][offset:wanted]


def _hits(snap: Snapshot, positions: np.ndarray, score: np.ndarray, viewer: Viewer,
          terms: list[str], registered) -> list[SearchHit]:
    """The page of results, read from the database with the access rule applied again."""
    if not len(positions):
        return []
    doc_ids = [int(i) for i in snap.ids[positions]]
    scores = {int(snap.ids[p]): float(score[p]) for p in positions}
    docs = {d.pk: d for d in SearchDocument.objects.filter(pk__in=doc_ids, removed=False)
            .filter(visible_q(viewer)).defer("embedding")}
    hits = []
    for doc_id in doc_ids:
        doc = docs.get(doc_id)
        search_type = registered.get(doc.type_name) if doc else None
        if doc is None or search_type is None:
            continue
        hits.append(SearchHit(
            type_name=doc.type_name, type_label=search_type.singular or search_type.label,
            object_id=doc.object_id, title=doc.title,
            # Escaped by highlight() and snippet() themselves; only <mark> is added.
            title_html=mark_safe(highlight(doc.title, terms)),  # noqa: S308
            snippet_html=mark_safe(snippet(doc.body[:20_000], terms)),  # noqa: S308
            url=doc.url, date=doc.date,
            facets=[(label, doc.facets[name]) for name, label in search_type.facets.items()
                    if doc.facets.get(name)],
            extra=doc.extra, score=scores[doc_id],
        ))
    return hits


# --- Similar documents ---------------------------------------------------------------------

def search_similar(*, type_name: str, object_id: int, viewer: Viewer, limit: int = 5,
                   exclude_facets: dict[str, list[str]] | None = None) -> list[SearchHit]:
    """Documents of the same type nearest to one document (by its stored vector), among
    those the viewer may see, best first; without vectors, the documents sharing the most
    of its title's words. `exclude_facets` leaves out documents having any of those values
    (e.g. {"agency": ["Department of Energy"]} for "at other agencies"). Empty if the
    document is not indexed or the viewer may not see it."""
    registered = search_types()
    if type_name not in registered:
        return []
    snap = live_index.current()
    row = SearchDocument.objects.filter(type_name=type_name, object_id=object_id,
                                        removed=False).values_list("id", "title").first()
    if row is None:
        return []
    doc_id, title = row
    position = int(snap.positions(np.array([doc_id]))[0])
    visible = snap.visible(viewer)
    if position < 0 or not visible[position]:
        return []
    candidates = visible & snap.of_types([type_name])
    candidates[position] = False
    for facet, values in (exclude_facets or {}).items():
        candidates &= ~snap.having(snap.codes_for(type_name, facet, values))
    provider = embeddings.provider()
    terms = query_parse(title).terms
    vector = snap.vector_at(position) if provider.on else None
    if vector is not None:
        candidates &= snap.has_vector
        score = np.where(candidates, snap.cosines(vector), 0.0)
    else:
        kept, weights = lexical.plan(terms, documents=int(np.count_nonzero(snap.alive)),
                                     budget=LEXICAL_POSTINGS_BUDGET)
        doc_ids, scores = lexical.lexical_match(kept, weights)
        score = np.zeros(snap.n)
        positions = snap.positions(doc_ids)
        ok = positions >= 0
        score[positions[ok]] = scores[ok]
        candidates &= score > 0
    positions = _top(candidates, score, snap.ids, 0, max(1, min(limit, 100)))
    return _hits(snap, positions, score, viewer, terms, registered)
