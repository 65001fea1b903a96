"""`search_run`: the search page, the `cophub search` command and anyone else who searches."""

import logging
import math
import re
from concurrent.futures import Future, ThreadPoolExecutor

import numpy as np
from django.core.paginator import Paginator

from cophub.core.access import Viewer

from .. import embeddings, lexical, spelling
from ..memory import Snapshot, live_index
from ..registry import search_types
from ..text import fold, query_parse, words
from . import ranking
from .results import (
    FacetGroup,
    FacetValue,
    SearchResults,
    TypeCount,
    hits_load,
    top_positions,
)

logger = logging.getLogger(__name__)

MODES = ("hybrid", "lexical", "semantic")
PER_PAGE = 20
MAX_PER_PAGE = 1_000
MAX_PAGE = 100  # deeper pages are not useful; refine the search instead
FACET_VALUES_SHOWN = 12


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
    # Hybrid search ranks by keywords alone until most documents have a vector (a first
    # start, while the worker embeds them); semantic search, asked for, uses what there is.
    embedded, documents = snap.vector_counts(list(registered))
    use_vectors = mode == "semantic" or (mode == "hybrid"
                                         and ranking.semantic_ready(embedded, documents))
    if mode == "semantic" and provider.on and embedded < documents:
        results.notices.append("Some documents have no vector yet; semantic search cannot "
                               "find them.")
    # The query's vector is computed in another thread while the database matches words.
    pending_vector = (_query_vector_async(provider, snap, text)
                      if use_vectors and readable else None)
    visible = snap.visible(viewer) & snap.of_types(list(registered))
    lexical_scores = np.zeros(snap.n)
    matched = np.zeros(snap.n, dtype=bool)
    if mode != "semantic" and terms:
        kept, weights = lexical.plan(terms, documents=int(np.count_nonzero(snap.alive)),
                                     budget=ranking.LEXICAL_POSTINGS_BUDGET)
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
        score = ranking.fuse(np.where(found, lexical_scores, 0), np.where(found, cosines, 0))
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
    positions = top_positions(final, score, snap.ids, (page - 1) * per_page, per_page)
    results.hits = hits_load(snap, positions, score, viewer, terms, registered)
    return results


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 1


def _corrected_text(text: str, fixed: dict[str, str]) -> str:
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
