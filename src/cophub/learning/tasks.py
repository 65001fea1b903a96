"""Background work of the learning app. Thin: call one service."""

from datetime import timedelta

from django_tasks import task

from cophub.core.scheduler import periodic

from .services import enrolments_sync


@task()
def enrolments_sync_task(session_id: int) -> int:
    """Register the people enrolled in a session's series or tracks (after it is added)."""
    return enrolments_sync(session_id=session_id)


@periodic("learning.enrolments_sync", every=timedelta(minutes=15))
def enrolments_sync_all() -> int:
    """Sessions whose registration opened since people enrolled."""
    return enrolments_sync()
