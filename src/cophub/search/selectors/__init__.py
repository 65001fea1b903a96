"""Reading the search index: `search_run` (the page, the `cophub search` command and anyone
else who searches) and `search_similar` (nearest neighbours of one document).

Permission-aware by construction: every step works on the documents the viewer may see —
the same rule as `core.access.can_view`, applied to all documents at once in memory
(`memory.Snapshot.visible`) and once more in SQL (`visible_q`) on the page of documents
shown. Counts, facet counts, snippets and spelling suggestions come only from visible
documents, so nothing about a hidden document can be read from a result page.

Layout: `searching` (search_run), `similar` (search_similar), `ranking` (the weights and
the fusion of lexical and semantic scores), `results` (what a search returns, and reading
the page of results), `status` (how far semantic search is, for operators).
"""

from .ranking import LEXICAL_POSTINGS_BUDGET, SEMANTIC_WEIGHT, fuse
from .results import FacetGroup, FacetValue, SearchHit, SearchResults, TypeCount
from .searching import MAX_PAGE, MAX_PER_PAGE, MODES, PER_PAGE, search_run
from .similar import search_similar
from .status import SemanticStatus, search_semantic_status, semantic_status

__all__ = [
    "LEXICAL_POSTINGS_BUDGET", "MAX_PAGE", "MAX_PER_PAGE", "MODES", "PER_PAGE",
    "SEMANTIC_WEIGHT", "FacetGroup", "FacetValue", "SearchHit", "SearchResults",
    "SemanticStatus", "TypeCount", "fuse", "search_run", "search_semantic_status",
    "search_similar", "semantic_status",
]
