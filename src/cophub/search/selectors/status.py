"""How far semantic search is, for operators: the search page (staff only) and
`cophub search-status` say the same thing."""

from dataclasses import dataclass

from .. import embeddings
from ..memory import live_index
from ..registry import search_types
from . import ranking


@dataclass(frozen=True)
class SemanticStatus:
    on: bool  # an embedding provider is configured and available
    ready: bool  # hybrid search ranks with vectors (see ranking.semantic_ready)
    documents: int
    embedded: int  # documents with a vector of the current model
    text: str


def semantic_status(*, documents: int, embedded: int) -> SemanticStatus:
    """The status line for an index of `documents` of which `embedded` have a vector."""
    provider = embeddings.provider()
    if not provider.on:
        return SemanticStatus(on=False, ready=False, documents=documents, embedded=0,
                              text=provider.status().text)
    ready = ranking.semantic_ready(embedded, documents)
    if embedded >= documents:
        text = provider.status().text
    elif not ready:
        text = (f"Semantic search: {embedded:,} of {documents:,} documents embedded; "
                "keyword search meanwhile.")
    else:
        text = (f"Semantic search is on ({provider.label}): {embedded:,} of {documents:,} "
                "documents embedded; the others are found by keywords only.")
    return SemanticStatus(on=True, ready=ready, documents=documents, embedded=embedded,
                          text=text)


def search_semantic_status() -> SemanticStatus:
    """The status as this process's copy of the index holds it (one query when the copy
    is current)."""
    embedded, documents = live_index.current().vector_counts(list(search_types()))
    return semantic_status(documents=documents, embedded=embedded)
