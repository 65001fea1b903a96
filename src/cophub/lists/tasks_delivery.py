"""Delivery tasks of `lists` (see tasks.py): post fan-out, digests. Thin: ids in, one
service call."""

from datetime import timedelta

from django_tasks import task

from cophub.core.scheduler import periodic

from .delivery import post_fanout
from .digests import digest_fanout, digests_build

__all__ = ["post_fanout_task", "digest_fanout_task", "digests_build_job"]


@task()
def post_fanout_task(post_id: int) -> int:
    """Queue a published post for every subscriber (resumes after a crash)."""
    return post_fanout(post_id=post_id)


@task()
def digest_fanout_task(digest_id: int) -> int:
    """Queue a built digest for its subscribers (resumes after a crash)."""
    return digest_fanout(digest_id=digest_id)


@periodic("lists.digests_build", every=timedelta(hours=1))
def digests_build_job() -> int:
    """Build the daily and weekly digests that are due; each is built once per period."""
    return len(digests_build())
