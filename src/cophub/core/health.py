"""`GET /healthz`: is the database reachable, is the task queue reachable and moving, is mail
piling up. 200 when everything answers, 503 otherwise, for load balancers and monitoring.

It also says which site URL links in e-mail, invitations and feeds are built from, and
whether it names the host this request arrived on (`site.matches`). A mismatch does not make
the check fail: a load balancer may probe by an internal address. It is there for a person
who opens /healthz in the browser they use for the site.

The endpoint is public, so errors are reported by exception class only (the full message,
which can name hosts and users, goes to the log), and no connection URL is ever included.
"""

import logging
from datetime import UTC, datetime

from django.db import connection
from django.db.models import Count, Min, Q
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, TaskResultStatus, task_backends
from django_tasks_db.models import DBTaskResult, get_date_max

from cophub.core.links import site_url_check
from cophub.core.models import OutgoingMail

logger = logging.getLogger(__name__)


@never_cache
def healthz(request):
    database = _database_status()
    tasks = _tasks_status()
    outbox = _outbox_status() if database["ok"] else {"queued": None, "failed": None}
    ok = database["ok"] and tasks["ok"]
    body = {
        "status": "ok" if ok else "error",
        "database": database,
        "tasks": tasks,
        "outbox": outbox,
        "site": _site_status(request),
    }
    return JsonResponse(body, status=200 if ok else 503)


def _site_status(request) -> dict:
    check = site_url_check(request)
    return {"url": check.site_url, "request_host": check.request_host,
            "matches": check.matches}


def _error(component: str, exc: Exception) -> str:
    logger.warning("healthz: %s check failed", component, exc_info=exc)
    return type(exc).__name__


def _database_status() -> dict:
    status = {"ok": True, "vendor": connection.vendor}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        status.update(ok=False, error=_error("database", exc))
    return status


def _tasks_status() -> dict:
    status = {"ok": True, "backend": "", "queued": 0, "oldest_queued_seconds": None}
    try:
        backend = task_backends[DEFAULT_TASK_BACKEND_ALIAS]
        status["backend"] = f"{type(backend).__module__}.{type(backend).__qualname__}"
        if status["backend"].startswith("django_tasks_db."):
            status.update(_database_queue(backend))
        elif status["backend"].startswith("django_tasks_rq."):
            status.update(_redis_queue(backend))
        # The immediate and dummy backends keep no queue: nothing can wait.
    except Exception as exc:
        status.update(ok=False, error=_error("tasks", exc))
    return status


def _seconds_since(moment: datetime | None) -> float | None:
    if moment is None:
        return None
    return round(max((timezone.now() - moment).total_seconds(), 0.0), 3)


def _database_queue(backend) -> dict:
    now = timezone.now()
    ready = DBTaskResult.objects.filter(
        backend_name=backend.alias, status=TaskResultStatus.READY
    )
    # A task without run_after is stored with the maximum date and has waited since it was
    # enqueued; a deferred task has waited only since its run_after passed.
    figures = ready.aggregate(
        queued=Count("id"),
        oldest_enqueued=Min("enqueued_at", filter=Q(run_after=get_date_max())),
        oldest_due=Min("run_after", filter=Q(run_after__lte=now)),
    )
    waiting = [t for t in (figures["oldest_enqueued"], figures["oldest_due"]) if t is not None]
    return {
        "queued": figures["queued"],
        "oldest_queued_seconds": _seconds_since(min(waiting)) if waiting else None,
    }


def _redis_queue(backend) -> dict:
    # Imported here, not at the top: django_rq (and with it rq and redis) is only in use, and
    # only in INSTALLED_APPS, when REDIS_URL is set; web processes on the database queue
    # should not load it. Not a cycle: core imports nothing that imports this module.
    import django_rq

    queued, oldest = 0, None
    for name in sorted(backend.queues):
        queue = django_rq.get_queue(name)
        queue.connection.ping()
        queued += queue.count
        job_ids = queue.get_job_ids(0, 1)
        job = queue.fetch_job(job_ids[0]) if job_ids else None
        if job is not None and job.enqueued_at is not None:
            enqueued_at = job.enqueued_at
            if timezone.is_naive(enqueued_at):
                enqueued_at = enqueued_at.replace(tzinfo=UTC)
            oldest = enqueued_at if oldest is None else min(oldest, enqueued_at)
    return {"queued": queued, "oldest_queued_seconds": _seconds_since(oldest)}


def _outbox_status() -> dict:
    Status = OutgoingMail.Status
    # "queued" is everything not yet handed over, including rows being sent right now, so a
    # row stuck INFLIGHT still shows.
    figures = OutgoingMail.objects.aggregate(
        queued=Count("id", filter=Q(status__in=[Status.QUEUED, Status.INFLIGHT])),
        failed=Count("id", filter=Q(status=Status.FAILED)),
    )
    return {"queued": figures["queued"], "failed": figures["failed"]}
