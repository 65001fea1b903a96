"""Giving vectors to the documents that lack one, in the background.

A first start indexes without embedding (`search_index_update(embed=False)`): the demo's
data loads and the server answers within seconds, and search is by keywords meanwhile.
The worker then runs `search_vectors_fill`, which embeds the documents without a vector of
the current model a batch at a time through `search_index_update` (the one writer), so each
batch is committed, searchable at once, and never written over a newer state.

- **One fill at a time**: the `SearchVectorFill` row is a lease, claimed with one
  conditional UPDATE and renewed before every batch (as the scheduler claims its jobs).
  A second fill (another worker's start, the periodic check) finds it held and stops.
- **Resumable**: what lacks a vector is read again before every batch, so after a killed
  worker the next fill starts where that one stopped (once its lease has expired), and a
  text embedded once is never embedded again (identical texts reuse the stored vector).
- **Bounded**: a fill works for at most `FILL_SECONDS`, then says `more`; its task enqueues
  itself again, so the worker's other tasks (index updates, mail) take their turn.
- **Started** after the demo commits, when a worker starts, and by a check every minute,
  which also retries documents whose embedding failed (an endpoint that was down).
"""

import logging
import time
from collections import defaultdict
from dataclasses import dataclass, field, fields
from datetime import timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone

from .. import embeddings
from ..models import SearchDocument, SearchVectorFill
from ..registry import search_types
from .common import IndexReport
from .writing import search_index_update

logger = logging.getLogger(__name__)

# Documents per batch: one transaction each, a few seconds of the local model on two cores.
FILL_BATCH = 128
# How long one fill task works before it enqueues the next and lets other tasks run.
FILL_SECONDS = 30.0
# Longer than any batch takes, so a live fill never loses its lease; as short as that
# allows, since a killed worker's successor waits for it to expire.
LEASE = timedelta(seconds=90)
_LEASE_ROW = 1


@dataclass
class VectorFillReport:
    """What one fill did."""

    documents: int = 0  # documents that have a vector now and had none
    remaining: int = 0  # documents still without one
    more: bool = False  # stopped at its time limit with documents left: enqueue again
    held_elsewhere: bool = False  # another fill holds the lease; this one did nothing
    index: IndexReport = field(default_factory=IndexReport)
    seconds: float = 0.0

    def as_dict(self) -> dict:
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["index"] = self.index.as_dict()
        return data


def vectors_missing(provider: embeddings.Provider) -> QuerySet:
    """Documents of registered types without a vector of the current provider's model
    (none made yet, or one of another model)."""
    return SearchDocument.objects.filter(removed=False, type_name__in=list(search_types())
                                         ).filter(Q(content_hash="")
                                                  | ~Q(embedding_model=provider.key))


def search_vectors_fill_due() -> bool:
    """Whether a fill should start: semantic search is on, some document lacks a vector,
    and no fill holds the lease."""
    provider = embeddings.provider()
    if not provider.on:
        return False
    if SearchVectorFill.objects.filter(lease_until__gte=timezone.now()).exists():
        return False
    return vectors_missing(provider).exists()


def search_vectors_fill(*, holder: str, max_seconds: float | None = None,
                        batch_size: int | None = None) -> VectorFillReport:
    """Embed documents that lack a vector, `batch_size` at a time in id order, for about
    `max_seconds`, as `holder` (a token naming one chain of fill tasks); by default
    `FILL_BATCH` and `FILL_SECONDS`.

    Guarantees: only the holder of the lease embeds (a fill that cannot claim it returns
    `held_elsewhere` having done nothing); each batch is committed before the next, so a
    fill killed at any point loses at most the batch it was embedding; `more` is true only
    when the time ran out with documents left and the lease is kept for the next task.
    A batch that gives no document a vector (the provider failing) ends the fill, releasing
    the lease, so the periodic check can try again later."""
    started = time.monotonic()
    max_seconds = FILL_SECONDS if max_seconds is None else max_seconds
    batch_size = batch_size or FILL_BATCH
    report = VectorFillReport()
    provider = embeddings.provider()
    if not provider.on:
        return report
    missing = vectors_missing(provider)
    while True:
        if not _lease_claim(holder):
            report.held_elsewhere = True
            break
        batch = list(missing.order_by("id").values_list("id", "type_name", "object_id")
                     [:batch_size])
        if not batch:
            break
        by_type: dict[str, list[int]] = defaultdict(list)
        for _, type_name, object_id in batch:
            by_type[type_name].append(object_id)
        for type_name, object_ids in by_type.items():
            report.index += search_index_update(type_name=type_name, ids=object_ids)
        done = len(batch) - missing.filter(id__in=[doc_id for doc_id, _, _ in batch]).count()
        report.documents += done
        if not done:
            logger.warning("Search: the vector fill embedded none of %d documents; it stops "
                           "and tries again within a minute.", len(batch))
            break
        if time.monotonic() - started >= max_seconds:
            report.more = True
            break
    if not report.held_elsewhere:
        report.remaining = missing.count()
        report.more = report.more and report.remaining > 0
        if not report.more:
            _lease_release(holder)
    report.seconds = time.monotonic() - started
    return report


def _lease_claim(holder: str) -> bool:
    """Take or renew the lease: one conditional UPDATE, so of two fills exactly one wins."""
    now = timezone.now()
    SearchVectorFill.objects.get_or_create(pk=_LEASE_ROW)
    free = Q(lease_until__isnull=True) | Q(lease_until__lt=now) | Q(holder=holder)
    return SearchVectorFill.objects.filter(free, pk=_LEASE_ROW).update(
        holder=holder, lease_until=now + LEASE) == 1


def _lease_release(holder: str) -> None:
    SearchVectorFill.objects.filter(pk=_LEASE_ROW, holder=holder).update(lease_until=None)


def search_vectors_fill_running() -> bool:
    """Whether a fill holds the lease now (for status output)."""
    return SearchVectorFill.objects.filter(lease_until__gte=timezone.now()).exists()
