"""Documents like one document: "similar use cases", "at other agencies"."""

import numpy as np

from cophub.core.access import Viewer

from .. import embeddings, lexical
from ..memory import live_index
from ..models import SearchDocument
from ..registry import search_types
from ..text import query_parse
from . import ranking
from .results import SearchHit, hits_load, top_positions


def search_similar(*, type_name: str, object_id: int, viewer: Viewer, limit: int = 5,
                   exclude_facets: dict[str, list[str]] | None = None) -> list[SearchHit]:
    """Documents of the same type nearest to one document (by its stored vector), among
    those the viewer may see, best first; without vectors (or while most documents of the
    type have none yet), the documents sharing the most of its title's words.
    `exclude_facets` leaves out documents having any of those values (e.g. {"agency":
    ["Department of Energy"]} for "at other agencies"). Empty if the document is not
    indexed or the viewer may not see it."""
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
    # By keywords, like search, until most documents have a vector (see ranking).
    ready = ranking.semantic_ready(*snap.vector_counts([type_name]))
    vector = snap.vector_at(position) if provider.on and ready else None
    if vector is not None:
        candidates &= snap.has_vector
        score = np.where(candidates, snap.cosines(vector), 0.0)
    else:
        kept, weights = lexical.plan(terms, documents=int(np.count_nonzero(snap.alive)),
                                     budget=ranking.LEXICAL_POSTINGS_BUDGET)
        doc_ids, scores = lexical.lexical_match(kept, weights)
        score = np.zeros(snap.n)
        positions = snap.positions(doc_ids)
        ok = positions >= 0
        score[positions[ok]] = scores[ok]
        candidates &= score > 0
    positions = top_positions(candidates, score, snap.ids, 0, max(1, min(limit, 100)))
    return hits_load(snap, positions, score, viewer, terms, registered)
