"""Periodic jobs without cron: reminders, digests, the outbox sweep.

An app registers a plain function in its `tasks.py`::

    @periodic("events.reminders_send", every=timedelta(minutes=5))
    def event_reminders_send() -> None: ...

`cophub worker` calls `scheduler_tick()` every few seconds. Each tick claims the jobs that are
due with one conditional UPDATE per job, so however many workers share the database exactly
one of them wins each run, and the winner enqueues `periodic_job_task(name)` for whichever
worker is free. A job runs at most once per `every`; if every worker is down, missed runs are
not caught up one by one, the next tick runs the job once. See docs/adr/0003.

Hand-written because the libraries that do this (celery beat, rq-scheduler, django-q) each
tie scheduling to one queue engine, and cophub runs on both the database queue and RQ.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import autodiscover_modules
from django_tasks import task

from cophub.core.models import ScheduledJob

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    every: timedelta
    func: Callable[[], object]


registry: dict[str, PeriodicJob] = {}


def periodic(name: str, *, every: timedelta) -> Callable[[Callable], Callable]:
    """Register a function taking no arguments to run every `every`. Returns it unchanged."""
    if every <= timedelta(0):
        raise ValueError("A periodic job needs a positive interval.")

    def register(func: Callable[[], object]) -> Callable[[], object]:
        registry[name] = PeriodicJob(name=name, every=every, func=func)
        return func

    return register


def load_periodic_jobs() -> dict[str, PeriodicJob]:
    """Import every installed app's `tasks` module, where jobs register themselves."""
    autodiscover_modules("tasks")
    return registry


def scheduler_tick(*, now: datetime | None = None) -> list[str]:
    """Claim every registered job that is due and enqueue it. Returns the names claimed.

    The claim is `UPDATE … SET next_run_at = now + every WHERE name = ? AND next_run_at <= now`;
    the database lets exactly one concurrent UPDATE match, so exactly one worker wins.
    The claim and the enqueue share a transaction, so with the database queue a run is
    never claimed without its task, and with RQ a failed enqueue un-claims the run.
    """
    now = now or timezone.now()
    claimed = []
    for job in load_periodic_jobs().values():
        try:
            ScheduledJob.objects.get_or_create(name=job.name, defaults={"next_run_at": now})
            with transaction.atomic():
                won = ScheduledJob.objects.filter(name=job.name, next_run_at__lte=now).update(
                    next_run_at=now + job.every, last_run_at=now
                )
                if won:
                    periodic_job_task.enqueue(job.name)
        except Exception:
            # One broken job must not keep the others from running.
            logger.exception("Scheduler: could not claim %s", job.name)
            continue
        if won:
            claimed.append(job.name)
    if claimed:
        logger.info("Scheduler: enqueued %s", ", ".join(claimed))
    return claimed


@task()
def periodic_job_task(name: str) -> None:
    job = load_periodic_jobs().get(name)
    if job is None:
        logger.warning("Scheduler: no periodic job called %s (removed?)", name)
        return
    result = job.func()
    logger.debug("Scheduler: %s returned %r", name, result)
