"""`/healthz`: 200 with figures when the database and the queue answer, 503 when not."""

from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.db import OperationalError, connection
from django.test import override_settings
from django.urls import reverse

from cophub.core.mail import mail_enqueue
from cophub.core.scheduler import periodic_job_task

pytestmark = pytest.mark.django_db

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
T0 = datetime(2025, 3, 3, 14, 0, tzinfo=UTC)


@pytest.fixture
def clock():
    """`timezone.now()` as the test sets it (the queue stamps enqueued_at with it too)."""
    moment = [T0]
    with mock.patch("django.utils.timezone.now", side_effect=lambda: moment[0]):
        yield moment


def test_healthz_reports_ok_with_database_tasks_and_outbox(client, settings):
    settings.SITE_URL = "http://127.0.0.1:8000"
    mail_enqueue(to="ada@agency.gov", subject="Hi", body_text="Hi")  # task not run: queued

    response = client.get(reverse("healthz"))

    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    assert response.json() == {
        "status": "ok",
        "database": {"ok": True, "vendor": connection.vendor},
        "tasks": {"ok": True, "backend": "django_tasks.backends.immediate.ImmediateBackend",
                  "queued": 0, "oldest_queued_seconds": None},
        "outbox": {"queued": 1, "failed": 0},
        # The test client's Host is "testserver"; links are built from the site URL.
        "site": {"url": "http://127.0.0.1:8000", "request_host": "testserver",
                 "matches": False},
    }


@override_settings(TASKS=DB_TASKS)
def test_healthz_counts_tasks_waiting_in_the_database_queue(client, clock):
    periodic_job_task.enqueue("core.outbox_sweep")
    clock[0] = T0 + timedelta(seconds=30)
    periodic_job_task.enqueue("core.outbox_sweep")
    clock[0] = T0 + timedelta(seconds=90)

    tasks = client.get(reverse("healthz")).json()["tasks"]

    assert tasks["ok"] is True
    assert tasks["backend"] == "django_tasks_db.backend.DatabaseBackend"
    assert tasks["queued"] == 2
    assert tasks["oldest_queued_seconds"] == 90.0  # the first one, enqueued at T0


@override_settings(TASKS=DB_TASKS)
def test_healthz_counts_a_deferred_task_as_waiting_only_since_it_fell_due(client, clock):
    periodic_job_task.using(run_after=T0 + timedelta(seconds=60)).enqueue("core.outbox_sweep")
    periodic_job_task.using(run_after=T0 + timedelta(hours=1)).enqueue("core.outbox_sweep")
    clock[0] = T0 + timedelta(seconds=100)

    tasks = client.get(reverse("healthz")).json()["tasks"]

    assert tasks["queued"] == 2
    assert tasks["oldest_queued_seconds"] == 40.0  # due at T0 + 60 s; the other is not yet


def test_healthz_is_503_when_the_database_is_down(client):
    refused = OperationalError('connection to server at "db.internal" failed: refused')
    with mock.patch.object(connection, "ensure_connection", side_effect=refused):
        response = client.get(reverse("healthz"))

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["database"] == {"ok": False, "vendor": connection.vendor,
                                "error": "OperationalError"}
    assert body["outbox"] == {"queued": None, "failed": None}
    assert "db.internal" not in response.content.decode()


@override_settings(TASKS={"default": {"BACKEND": "django_tasks_rq.RQBackend",
                                      "QUEUES": ["default"]}},
                   RQ_QUEUES={"default": {"URL": "redis://:s3cret@127.0.0.1:1/0"}})
def test_healthz_is_503_when_redis_is_unreachable_and_does_not_leak_its_url(client):
    response = client.get(reverse("healthz"))

    assert response.status_code == 503
    tasks = response.json()["tasks"]
    assert tasks["ok"] is False
    assert tasks["backend"] == "django_tasks_rq.backend.RQBackend"
    assert tasks["error"] == "ConnectionError"
    assert "s3cret" not in response.content.decode()
