"""The outbox on the Redis task backend, with a real RQ worker.

Runs when COPHUB_TEST_REDIS_URL names a Redis database the test may empty (CI uses
redis://127.0.0.1:6379/15); skipped otherwise.
"""

import os
import signal
import smtplib
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail as django_mail
from django.test import override_settings

from cophub.core.mail import mail_enqueue
from cophub.core.models import OutgoingMail
from cophub.core.tasks import outgoing_mail_send_task

REDIS_URL = os.environ.get("COPHUB_TEST_REDIS_URL", "")

pytestmark = [
    pytest.mark.skipif(not REDIS_URL, reason="COPHUB_TEST_REDIS_URL is not set (no Redis)"),
    # The worker reads the row through its own query, so it must be committed.
    pytest.mark.django_db(transaction=True),
]

Status = OutgoingMail.Status


@pytest.fixture
def rq_queue():
    rq_settings = override_settings(
        TASKS={"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}},
        RQ_QUEUES={"default": {"URL": REDIS_URL, "DEFAULT_TIMEOUT": 60}},
    )
    with rq_settings:
        import django_rq

        queue = django_rq.get_queue("default")
        _empty(queue)
        yield queue
        _empty(queue)


def _empty(queue) -> None:
    queue.empty()
    for registry in (queue.scheduled_job_registry, queue.failed_job_registry,
                     queue.finished_job_registry):
        for job_id in registry.get_job_ids():
            registry.remove(job_id, delete_job=True)


def _work_burst(queue) -> None:
    """Run every queued job in this process, as `cophub worker` would in its own."""
    from django_tasks_rq import Job
    from rq import SimpleWorker

    handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        SimpleWorker([queue], connection=queue.connection, job_class=Job).work(burst=True)
    finally:
        for signum, handler in handlers.items():  # the worker installs its own
            signal.signal(signum, handler)


def test_rq_worker_sends_a_queued_mail_exactly_once(rq_queue):
    row = mail_enqueue(to="ada@agency.gov", subject="Welcome", body_text="Hello Ada.",
                       body_html="<p>Hello Ada.</p>")
    outgoing_mail_send_task.enqueue(row.pk)  # a duplicate task, as a retry storm might make
    assert rq_queue.count == 2

    _work_burst(rq_queue)

    assert rq_queue.count == 0
    assert rq_queue.failed_job_registry.count == 0
    assert len(django_mail.outbox) == 1
    assert django_mail.outbox[0].message()["Message-ID"] == row.message_id
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.SENT, 1)


def test_rq_worker_defers_the_retry_of_a_failed_send(rq_queue):
    row = mail_enqueue(to="ada@agency.gov", subject="Welcome", body_text="Hello Ada.")

    with mock.patch("django.core.mail.backends.locmem.EmailBackend.send_messages",
                    side_effect=smtplib.SMTPServerDisconnected("gone")):
        _work_burst(rq_queue)

    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.QUEUED, 1)
    assert django_mail.outbox == []
    scheduled = rq_queue.scheduled_job_registry
    [job_id] = scheduled.get_job_ids()
    run_at = scheduled.get_scheduled_time(job_id)
    assert abs(run_at - row.next_attempt_at) < timedelta(seconds=1)
