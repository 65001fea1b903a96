"""Background work of the learning app. Thin: call one service. (The task that syncs one
session, `enrolments_sync_task`, sits beside its service in `services.enrolment`; it is
named here too so that tasks queued under this module's name still run.)"""

from datetime import timedelta

from cophub.core.scheduler import periodic

from .services.enrolment import enrolments_sync, enrolments_sync_task

__all__ = ["enrolments_sync_all", "enrolments_sync_task"]


@periodic("learning.enrolments_sync", every=timedelta(minutes=15))
def enrolments_sync_all() -> int:
    """Sessions whose registration opened since people enrolled."""
    return enrolments_sync()
