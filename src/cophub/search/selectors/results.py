"""What a search returns, and reading the page of results from the index with the access
rule applied once more."""

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
from django.core.paginator import Page
from django.utils.safestring import mark_safe

from cophub.core.access import Viewer, visible_q

from ..memory import Snapshot
from ..models import SearchDocument
from ..text import highlight, snippet


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


def top_positions(mask: np.ndarray, score: np.ndarray, ids: np.ndarray, offset: int,
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


def hits_load(snap: Snapshot, positions: np.ndarray, score: np.ndarray, viewer: Viewer,
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
