"""`cophub worker`: run background tasks and the periodic-job scheduler in one process.

The task half is the worker of whichever backend `TASKS` names: django-tasks-db's
`db_worker` by default, an RQ worker when `REDIS_URL` is set. The scheduler half is a thread
that calls `scheduler_tick()` every few seconds; with several workers each runs the loop and
the database decides which one claims each run.
"""

import logging
import signal
import threading

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import close_old_connections, connections
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, task_backends

from cophub.core.scheduler import load_periodic_jobs, scheduler_tick
from cophub.core.signals import worker_starting

logger = logging.getLogger(__name__)

TICK_SECONDS = 15.0


class SchedulerThread(threading.Thread):
    def __init__(self, *, interval: float):
        # A daemon, so a worker that has to exit never waits on it.
        super().__init__(name="cophub-scheduler", daemon=True)
        self.interval = interval
        self.stopping = threading.Event()

    def run(self) -> None:
        try:
            while not self.stopping.is_set():
                # Like a request: drop connections the server closed or that are too old.
                close_old_connections()
                try:
                    scheduler_tick()
                except Exception:
                    logger.exception("Scheduler tick failed")
                finally:
                    close_old_connections()
                self.stopping.wait(self.interval)
        finally:
            connections.close_all()  # this thread's connections only

    def stop(self, timeout: float = 10.0) -> None:
        self.stopping.set()
        if self.is_alive():
            self.join(timeout)


class Command(BaseCommand):
    help = "Run background tasks and periodic jobs (the task worker plus the scheduler)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--queue", action="append", dest="queues", metavar="NAME",
            help="A queue to work on (repeatable; default: the queues of the task backend).",
        )
        parser.add_argument(
            "--no-scheduler", action="store_false", dest="scheduler",
            help="Run tasks only; leave periodic jobs to other workers.",
        )
        parser.add_argument(
            "--tick", type=float, default=TICK_SECONDS,
            help="Seconds between scheduler ticks (default: %(default)s).",
        )

    def handle(self, *, queues, scheduler, tick, verbosity, **options):
        backend = task_backends[DEFAULT_TASK_BACKEND_ALIAS]
        backend_path = f"{type(backend).__module__}.{type(backend).__qualname__}"
        queues = queues or sorted(backend.queues) or ["default"]
        jobs = sorted(load_periodic_jobs())
        self.stdout.write(
            f"cophub worker: {backend_path}, queues {', '.join(queues)}; "
            + (f"periodic jobs {', '.join(jobs) or '(none)'}" if scheduler else "no scheduler")
        )
        self.stdout.flush()

        for receiver, result in worker_starting.send_robust(sender=type(self)):
            if isinstance(result, Exception):
                logger.error("Worker start-up hook %r failed", receiver, exc_info=result)
        ticker = SchedulerThread(interval=tick) if scheduler else None
        if ticker:
            ticker.start()
        try:
            if backend_path.startswith("django_tasks_db."):
                # db_worker handles SIGINT/SIGTERM itself: it finishes the running task, then
                # leaves with SystemExit, which runs the `finally` below.
                call_command(
                    "db_worker", queue_name=",".join(queues), backend_name=backend.alias,
                    reload=False, verbosity=verbosity,
                )
            elif backend_path.startswith("django_tasks_rq."):
                # rq's own signal handling gives a warm shutdown; its scheduler moves the
                # deferred tasks (mail retries) onto the queue when they are due.
                call_command(
                    "rqworker", *queues, job_class="django_tasks_rq.Job",
                    with_scheduler=True, verbosity=verbosity,
                )
            else:
                # Immediate/dummy backends run tasks where they are enqueued; only the
                # scheduler has work to do here.
                self._wait_for_stop_signal()
        finally:
            if ticker:
                ticker.stop()

    def _wait_for_stop_signal(self) -> None:
        stop = threading.Event()

        def handler(signum, frame):
            stop.set()

        signal.signal(signal.SIGINT, handler)
        signal.signal(signal.SIGTERM, handler)
        while not stop.wait(1.0):
            pass
