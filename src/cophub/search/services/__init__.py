"""Writing the search index. Everything that changes the index goes through
`search_index_update` (and `search_index_rebuild`, which calls it): nobody else writes the
search tables.

- Saving or deleting an instance of a registered (or watched) model re-indexes it after
  the transaction commits: the ids of one transaction are gathered per type and enqueued as
  `search_index_update_task(type_name, ids)` (at most 500 ids a task); a rolled-back
  transaction enqueues nothing.
- Code that writes in bulk (`bulk_create`, `QuerySet.update`, imports) calls
  `services.search_index_update(type_name=…, ids=[…])` itself.
- **Freshness depends on the worker**: a change is searchable as soon as `cophub worker`
  (or `cophub serve`, which runs one) has run the task — within a second or two with the
  database queue. The first task after the worker starts also loads the model (a few
  seconds); `embeddings.provider_warm()` does that ahead of time.
- **A first start defers the model**: `search_index_update(embed=False)` (the demo) writes
  documents without vectors, searchable by keywords, and the worker's
  `search_vectors_fill_task` embeds them in the background in batches, resumably
  (`vectors`).
- `cophub search-rebuild [--type T]` indexes everything again: vectors are reused where the
  text did not change, removed objects are purged, and a full rebuild also recounts the
  vocabulary and rewrites the full-text index. Run it after a restore, after changing the
  embedding model, or if the task queue lost tasks.

`search_index_update` works in batches of 500: one query loads a batch's objects through
the type's queryset, writes are bulk, FTS rows go in with one `executemany`. Before
embedding, every text whose content hash (model + text) is already stored — on any
document — takes that vector, so re-imports and copies cost no embedding. The model runs
before the write transaction; the objects are read again under the writers' lock, so a
slow task never writes an older state over a newer one.

Layout: `writing` (the one writer: update, remove), `documents` (building documents and
their vectors), `rebuild` (rebuild and counts), `vectors` (the background fill of missing
vectors), `common` (the report, the writers' lock and the version log).
"""

from .common import BATCH_SIZE, TERM_COLUMNS, IndexReport, UnknownSearchType
from .rebuild import search_index_counts, search_index_rebuild
from .vectors import (
    VectorFillReport,
    search_vectors_fill,
    search_vectors_fill_due,
    search_vectors_fill_running,
)
from .writing import search_index_remove, search_index_update

__all__ = [
    "BATCH_SIZE", "TERM_COLUMNS", "IndexReport", "UnknownSearchType", "VectorFillReport",
    "search_index_counts", "search_index_rebuild", "search_index_remove",
    "search_index_update", "search_vectors_fill", "search_vectors_fill_due",
    "search_vectors_fill_running",
]
