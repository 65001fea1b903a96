"""Keeping the index current: saving or deleting an instance of a registered model (or of a
model a type watches) re-indexes it after the transaction commits, by a task.

Within one transaction the ids are gathered per type and enqueued together at the commit,
in tasks of at most 500 ids, so a transaction that saves a thousand objects enqueues two
tasks, not a thousand. A rolled-back transaction enqueues nothing.
"""

import logging
from functools import partial

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models.signals import post_delete, post_save, pre_delete

from . import tasks
from .registry import search_types
from .services import BATCH_SIZE

logger = logging.getLogger(__name__)


class _Pending:
    """Ids waiting for one transaction's commit. Django replaces a connection's list of
    commit callbacks whenever it commits, rolls back or drops a savepoint's callbacks, so a
    batch whose list is no longer the current one has been run or discarded."""

    def __init__(self, callbacks: list):
        self.callbacks = callbacks
        self.ids: dict[str, set[int]] = {}
        self.done = False


def index_later(type_name: str, ids) -> None:
    """Re-index these objects once the current transaction commits (at once outside one)."""
    ids = {int(i) for i in ids if i is not None}
    if not ids:
        return
    connection = connections[DEFAULT_DB_ALIAS]
    if not connection.in_atomic_block:
        _enqueue({type_name: ids})
        return
    pending = getattr(connection, "_cophub_search_pending", None)
    if pending is None or pending.done or pending.callbacks is not connection.run_on_commit:
        pending = _Pending(connection.run_on_commit)
        connection._cophub_search_pending = pending
    pending.ids.setdefault(type_name, set()).update(ids)
    # One callback per change, all flushing the same batch: the first to run enqueues
    # everything, the others find it done. (One callback per batch would be lost with the
    # changes made before a savepoint that is rolled back, or before a test captures
    # callbacks.) robust: a task queue that is down must not turn the caller's committed
    # change into an error; `cophub search-rebuild` catches up what was missed.
    transaction.on_commit(partial(_flush, pending), robust=True)


def _flush(pending: _Pending) -> None:
    if pending.done:
        return
    pending.done = True
    _enqueue(pending.ids)


def _enqueue(batches: dict[str, set[int]]) -> None:
    for type_name, ids in batches.items():
        ordered = sorted(ids)
        for start in range(0, len(ordered), BATCH_SIZE):
            tasks.search_index_update_task.enqueue(type_name, ordered[start:start + BATCH_SIZE])


def _object_changed(sender, instance, type_name: str, **kwargs) -> None:
    index_later(type_name, [instance.pk])


def _watched_changed(sender, instance, type_name: str, ids, **kwargs) -> None:
    try:
        index_later(type_name, list(ids(instance)))
    except Exception:  # a watch must never break the save that triggered it
        logger.exception("Search: could not find %s documents to re-index", type_name)


def connect_signals() -> None:
    """Called once from SearchConfig.ready(), after every app's `searchable` module."""
    for search_type in search_types().values():
        name = search_type.name
        receiver = partial(_object_changed, type_name=name)
        uid = f"cophub.search.{name}"
        post_save.connect(receiver, sender=search_type.model, weak=False,
                          dispatch_uid=f"{uid}.saved")
        post_delete.connect(receiver, sender=search_type.model, weak=False,
                            dispatch_uid=f"{uid}.deleted")
        for n, watch in enumerate(search_type.watch):
            watched = partial(_watched_changed, type_name=name, ids=watch.ids)
            post_save.connect(watched, sender=watch.model, weak=False,
                              dispatch_uid=f"{uid}.watch{n}.saved")
            # Before the delete: afterwards the related rows are already changed or gone.
            pre_delete.connect(watched, sender=watch.model, weak=False,
                               dispatch_uid=f"{uid}.watch{n}.deleting")
