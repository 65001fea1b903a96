"""The search part of `cophub demo` (it runs last): index everything the other apps' demos
created — most of it bulk-created, which no save signal reports. Vectors the use case
import already made are reused.

Unless the demo is asked to embed now (`cophub demo --embed`), nothing is embedded here:
the documents are searchable by keywords at once, and after the commit a background fill
is enqueued for the worker (`cophub serve` runs one), which embeds them in batches."""

from django.db import transaction

from .selectors import semantic_status
from .services import search_index_counts, search_index_rebuild
from .tasks import search_vectors_fill_start


def build(*, context) -> None:
    embed = context.get("embed", True)
    report = search_index_rebuild(embed=embed)
    counts = search_index_counts().values()
    status = semantic_status(documents=sum(c["documents"] for c in counts),
                             embedded=sum(c["with_vectors"] for c in counts))
    later = ""
    if status.on and status.embedded < status.documents:
        transaction.on_commit(search_vectors_fill_start, robust=True)
        later = " The worker (cophub serve or cophub worker) embeds the rest in the background."
    context["out"].write(
        f"Search: {report.written} documents indexed, {report.unchanged} already current "
        f"({report.embedded} embedded, {report.reused} vectors reused) in "
        f"{report.seconds:.1f} s. {status.text}{later}")
