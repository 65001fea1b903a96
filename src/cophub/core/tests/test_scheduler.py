"""Periodic jobs: each run is claimed by exactly one tick, and the task runs the function."""

import threading
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.db import connection
from django.test import override_settings

from cophub.core import scheduler
from cophub.core.mail import outbox_sweep
from cophub.core.models import ScheduledJob
from cophub.core.scheduler import periodic, periodic_job_task, scheduler_tick

pytestmark = pytest.mark.django_db

T0 = datetime(2025, 3, 3, 14, 0, tzinfo=UTC)
DUMMY_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def only_job():
    """A registry holding one test job, restored afterwards."""
    calls = []
    with mock.patch.dict(scheduler.registry, clear=True), \
            mock.patch.object(scheduler, "autodiscover_modules"):
        periodic("test.digest", every=timedelta(hours=1))(lambda: calls.append("ran"))
        yield calls


def test_two_ticks_at_the_same_moment_claim_a_run_once(only_job):
    with override_settings(TASKS=DUMMY_TASKS):
        from django_tasks import default_task_backend

        assert scheduler_tick(now=T0) == ["test.digest"]
        assert scheduler_tick(now=T0) == []
        assert scheduler_tick(now=T0 + timedelta(minutes=59)) == []

        enqueued = default_task_backend.results
        assert [(r.task.name, r.args) for r in enqueued] == [
            ("periodic_job_task", ["test.digest"])
        ]
    job = ScheduledJob.objects.get(name="test.digest")
    assert (job.last_run_at, job.next_run_at) == (T0, T0 + timedelta(hours=1))


def test_a_job_is_claimed_again_once_its_interval_has_passed(only_job):
    with override_settings(TASKS=DUMMY_TASKS):
        assert scheduler_tick(now=T0) == ["test.digest"]
        assert scheduler_tick(now=T0 + timedelta(hours=1)) == ["test.digest"]
        assert scheduler_tick(now=T0 + timedelta(hours=1, minutes=30)) == []


@pytest.mark.django_db(transaction=True)
def test_concurrent_workers_claim_each_run_exactly_once(only_job):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises every writer; the race is worth testing on PostgreSQL")
    workers = 6
    start = threading.Barrier(workers)
    claims = []

    def worker():
        try:
            start.wait()
            claims.extend(scheduler_tick(now=T0))
        finally:
            connection.close()

    with override_settings(TASKS=DUMMY_TASKS):
        threads = [threading.Thread(target=worker) for _ in range(workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert claims == ["test.digest"]


def test_a_losing_worker_does_not_enqueue(only_job):
    # Another worker claimed this run between our get_or_create and our UPDATE.
    ScheduledJob.objects.create(name="test.digest", next_run_at=T0 + timedelta(hours=1),
                                last_run_at=T0)
    with override_settings(TASKS=DUMMY_TASKS):
        from django_tasks import default_task_backend

        assert scheduler_tick(now=T0 + timedelta(seconds=5)) == []
        assert default_task_backend.results == []


def test_the_task_runs_the_registered_function(only_job):
    # Test settings run tasks immediately, so the tick runs the job too.
    assert scheduler_tick(now=T0) == ["test.digest"]
    assert only_job == ["ran"]

    periodic_job_task.call("test.digest")
    assert only_job == ["ran", "ran"]


def test_a_task_for_a_removed_job_does_nothing(only_job, caplog):
    periodic_job_task.call("test.no-longer-exists")
    assert only_job == []
    assert "no periodic job called test.no-longer-exists" in caplog.text


def test_outbox_sweep_is_registered_every_minute():
    jobs = scheduler.load_periodic_jobs()

    assert jobs["core.outbox_sweep"].func is outbox_sweep
    assert jobs["core.outbox_sweep"].every == timedelta(minutes=1)
