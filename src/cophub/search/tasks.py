"""Background work of the search app. Thin: load by id, call one service.

`cophub worker` imports this module before it sends `worker_starting`, which is what
registers the periodic check and the start-up hook below.
"""

import secrets
from datetime import timedelta

from django_tasks import task

from cophub.core.scheduler import periodic
from cophub.core.signals import worker_starting

from .services import search_index_update, search_vectors_fill, search_vectors_fill_due


@task()
def search_index_update_task(type_name: str, ids: list[int]) -> dict:
    """Re-index objects after they were saved or deleted (enqueued after the commit)."""
    return search_index_update(type_name=type_name, ids=ids).as_dict()


@task()
def search_vectors_fill_task(holder: str) -> dict:
    """Embed documents that lack a vector for up to 30 s, then enqueue the next part of the
    same fill (`holder` names it) if documents are left."""
    report = search_vectors_fill(holder=holder)
    if report.more:
        search_vectors_fill_task.enqueue(holder)
    return report.as_dict()


@periodic("search.vectors_fill", every=timedelta(minutes=1))
def search_vectors_fill_start() -> bool:
    """Start a fill if documents lack a vector and none is running: after the demo
    commits, when a worker starts, and every minute (a killed worker's fill resumes, a
    failed embedding is tried again). Returns whether it enqueued one."""
    if not search_vectors_fill_due():
        return False
    search_vectors_fill_task.enqueue(secrets.token_hex(16))
    return True


def _fill_resume(sender, **kwargs) -> None:
    search_vectors_fill_start()


worker_starting.connect(_fill_resume, dispatch_uid="search.vectors_fill_resume")
