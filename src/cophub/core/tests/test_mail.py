"""The outbox: every message is stored, sent once, retried with back-off, never lost."""

import email
import email.policy
import smtplib
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.core import mail as django_mail
from django.core.exceptions import ValidationError
from django.core.mail import BadHeaderError, EmailMessage
from django.db import transaction
from django.test import override_settings

from cophub.core.mail import (
    INFLIGHT_TIMEOUT,
    MAX_ATTEMPTS,
    mail_enqueue,
    mail_enqueue_template,
    outbox_sweep,
    outgoing_mail_deliver,
)
from cophub.core.models import OutgoingMail

pytestmark = pytest.mark.django_db

Status = OutgoingMail.Status
LOCMEM_SEND = "django.core.mail.backends.locmem.EmailBackend.send_messages"


class Clock:
    def __init__(self):
        self.now = datetime(2025, 3, 3, 14, 0, tzinfo=UTC)

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock():
    clock = Clock()
    with mock.patch("django.utils.timezone.now", side_effect=lambda: clock.now):
        yield clock


def enqueue(**overrides) -> OutgoingMail:
    fields = {"to": "ada@agency.gov", "subject": "Welcome", "body_text": "Hello Ada."}
    return mail_enqueue(**(fields | overrides))


def test_enqueued_mail_is_sent_once_with_text_html_and_headers(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            row = enqueue(
                body_html="<p>Hello Ada.</p>",
                headers={"List-Id": "<ai.lists.localhost>", "Reply-To": "ai@lists.localhost"},
                from_email="AI CoP <ai@lists.localhost>",
            )
        assert django_mail.outbox == []  # nothing leaves before the action commits

    assert len(django_mail.outbox) == 1
    sent = django_mail.outbox[0]
    assert sent.to == ["ada@agency.gov"]
    assert sent.from_email == "AI CoP <ai@lists.localhost>"
    assert sent.body == "Hello Ada."
    assert sent.alternatives[0][:2] == ("<p>Hello Ada.</p>", "text/html")
    message = sent.message()
    assert message["List-Id"] == "<ai.lists.localhost>"
    assert message["Reply-To"] == "ai@lists.localhost"
    assert message["Message-ID"] == row.message_id
    assert row.message_id.endswith("@lists.localhost>")
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == (Status.SENT, 1, "")
    assert row.sent_at is not None and row.inflight_since is None


def test_every_message_gets_its_own_message_id():
    first, second = enqueue(), enqueue()
    assert first.message_id != second.message_id


def test_rolled_back_action_sends_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError):
            with transaction.atomic():
                enqueue()
                raise RuntimeError("the action failed after queueing its mail")

    assert callbacks == []
    assert django_mail.outbox == []
    assert not OutgoingMail.objects.exists()


@pytest.mark.parametrize(
    "error",
    [smtplib.SMTPServerDisconnected("Connection unexpectedly closed"),
     ConnectionRefusedError(111, "Connection refused")],
    ids=["smtp-disconnected", "connection-refused"],
)
def test_smtp_failure_requeues_with_backoff_and_later_sends_exactly_once(
    clock, django_capture_on_commit_callbacks, error
):
    with mock.patch(LOCMEM_SEND, side_effect=error):
        with django_capture_on_commit_callbacks(execute=True):
            row = enqueue()

    row.refresh_from_db()
    assert row.status == Status.QUEUED
    assert row.attempts == 1
    assert row.next_attempt_at == clock.now + timedelta(minutes=2)
    assert type(error).__name__ in row.last_error
    assert django_mail.outbox == []

    # A duplicated or early task does not jump the back-off.
    assert outgoing_mail_deliver(mail_id=row.pk) == Status.QUEUED
    assert django_mail.outbox == []

    clock.advance(minutes=2)
    assert outgoing_mail_deliver(mail_id=row.pk) == Status.SENT
    assert outgoing_mail_deliver(mail_id=row.pk) == Status.SENT
    assert len(django_mail.outbox) == 1
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == (Status.SENT, 2, "")


def test_a_retry_that_starts_a_second_early_still_sends(clock):
    # RQ's scheduler works in whole seconds, so a deferred task can start just before its time.
    row = enqueue()
    with mock.patch(LOCMEM_SEND, side_effect=smtplib.SMTPServerDisconnected()):
        outgoing_mail_deliver(mail_id=row.pk)
    row.refresh_from_db()

    clock.now = row.next_attempt_at - timedelta(seconds=1)
    assert outgoing_mail_deliver(mail_id=row.pk) == Status.SENT
    assert len(django_mail.outbox) == 1


def test_backoff_doubles_with_each_failed_attempt(clock):
    row = enqueue()
    with mock.patch(LOCMEM_SEND, side_effect=smtplib.SMTPServerDisconnected()):
        for attempt, wait in [(1, 2), (2, 4), (3, 8)]:
            outgoing_mail_deliver(mail_id=row.pk)
            row.refresh_from_db()
            assert row.attempts == attempt
            assert row.next_attempt_at == clock.now + timedelta(minutes=wait)
            clock.now = row.next_attempt_at


def test_delivering_the_same_mail_twice_sends_it_once():
    row = enqueue()  # its on-commit task never runs: this test is the worker

    assert outgoing_mail_deliver(mail_id=row.pk) == Status.SENT
    assert outgoing_mail_deliver(mail_id=row.pk) == Status.SENT
    assert len(django_mail.outbox) == 1


def test_delivering_a_deleted_mail_does_nothing():
    row = enqueue()
    OutgoingMail.objects.filter(pk=row.pk).delete()
    assert outgoing_mail_deliver(mail_id=row.pk) == "missing"
    assert django_mail.outbox == []


def test_mail_fails_after_max_attempts_and_is_not_sent_again(clock):
    row = enqueue()
    with mock.patch(LOCMEM_SEND, side_effect=ConnectionRefusedError(111, "refused")):
        for _ in range(MAX_ATTEMPTS):
            row.refresh_from_db()
            clock.now = max(clock.now, row.next_attempt_at)
            outgoing_mail_deliver(mail_id=row.pk)

    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.FAILED, MAX_ATTEMPTS)
    assert "ConnectionRefusedError" in row.last_error
    clock.advance(days=1)
    assert outgoing_mail_deliver(mail_id=row.pk) == Status.FAILED
    assert outbox_sweep() == 0
    assert django_mail.outbox == []


def test_sweep_requeues_a_mail_stuck_inflight_but_not_a_fresh_one(
    clock, django_capture_on_commit_callbacks
):
    stuck, fresh = enqueue(to="stuck@agency.gov"), enqueue(to="fresh@agency.gov")
    # A worker killed mid-send (SIGKILL, out of memory) leaves the row INFLIGHT.
    with mock.patch(LOCMEM_SEND, side_effect=SystemExit(1)):
        with pytest.raises(SystemExit):
            outgoing_mail_deliver(mail_id=stuck.pk)
        clock.advance(minutes=10)
        with pytest.raises(SystemExit):
            outgoing_mail_deliver(mail_id=fresh.pk)
    assert set(OutgoingMail.objects.values_list("status", flat=True)) == {Status.INFLIGHT}

    clock.advance(seconds=INFLIGHT_TIMEOUT.total_seconds() - 10 * 60 + 1)
    with django_capture_on_commit_callbacks(execute=True):
        assert outbox_sweep() == 1

    stuck.refresh_from_db()
    fresh.refresh_from_db()
    assert (stuck.status, stuck.attempts) == (Status.SENT, 2)
    assert fresh.status == Status.INFLIGHT
    assert [m.to for m in django_mail.outbox] == [["stuck@agency.gov"]]


def test_sweep_enqueues_a_mail_whose_task_was_lost(clock, django_capture_on_commit_callbacks):
    row = enqueue()  # committed, but the on-commit enqueue never happened

    clock.advance(seconds=30)
    with django_capture_on_commit_callbacks(execute=True):
        assert outbox_sweep() == 0
    clock.advance(minutes=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert outbox_sweep() == 1

    row.refresh_from_db()
    assert row.status == Status.SENT
    assert len(django_mail.outbox) == 1


def test_sweep_retries_a_failed_attempt_when_the_backend_cannot_defer(
    clock, django_capture_on_commit_callbacks
):
    # The immediate backend cannot hold a task until later; the sweep picks the retry up.
    with mock.patch(LOCMEM_SEND, side_effect=smtplib.SMTPServerDisconnected()):
        with django_capture_on_commit_callbacks(execute=True):
            row = enqueue()
    clock.advance(minutes=3, seconds=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert outbox_sweep() == 1
    row.refresh_from_db()
    assert row.status == Status.SENT
    assert len(django_mail.outbox) == 1


def test_failed_attempt_enqueues_a_deferred_retry_when_the_backend_can(
    clock, django_capture_on_commit_callbacks
):
    with override_settings(TASKS={"default": {
        "BACKEND": "django_tasks.backends.dummy.DummyBackend"}}):
        from django_tasks import default_task_backend

        row = enqueue()
        with mock.patch(LOCMEM_SEND, side_effect=smtplib.SMTPServerDisconnected()):
            with django_capture_on_commit_callbacks(execute=True):
                outgoing_mail_deliver(mail_id=row.pk)
        retry = default_task_backend.results[-1]
        assert retry.args == [row.pk]
        assert retry.task.run_after == clock.now + timedelta(minutes=2)


@pytest.mark.parametrize(
    "bad",
    [{"to": "not an address"}, {"subject": "Hello\nBcc: everyone@agency.gov"},
     {"headers": {"X-Tag": "a\r\nb"}}, {"headers": {"Message-ID": "<mine@x>"}}],
    ids=["address", "subject", "header", "message-id"],
)
def test_bad_input_is_rejected_and_stores_nothing(bad):
    with pytest.raises((ValidationError, BadHeaderError, ValueError)):
        enqueue(**bad)
    assert not OutgoingMail.objects.exists()


LOCMEM_TEMPLATES = {
    "core/email/welcome_subject.txt": "  Welcome to {{ community }}\n",
    "core/email/welcome_message.txt": "Hello {{ name }}, welcome to {{ community }}.",
    "core/email/welcome_message.html": "<p>Hello {{ name }}, welcome to {{ community }}.</p>",
    "core/email/plain_subject.txt": "Plain",
    "core/email/plain_message.txt": "Text only, {{ name }}.",
}


@override_settings(TEMPLATES=[{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "OPTIONS": {"loaders": [("django.template.loaders.locmem.Loader", LOCMEM_TEMPLATES)]},
}])
def test_template_mail_renders_subject_text_and_optional_html():
    context = {"name": "Ada", "community": "AI CoP"}

    rich = mail_enqueue_template(
        to="ada@agency.gov", template_prefix="core/email/welcome", context=context
    )
    plain = mail_enqueue_template(
        to="ada@agency.gov", template_prefix="core/email/plain", context=context
    )

    assert rich.subject == "Welcome to AI CoP"
    assert rich.body_text == "Hello Ada, welcome to AI CoP."
    assert rich.body_html == "<p>Hello Ada, welcome to AI CoP.</p>"
    assert rich.template == "core/email/welcome"
    assert (plain.subject, plain.body_text, plain.body_html) == ("Plain", "Text only, Ada.", "")


def test_eml_backend_writes_one_readable_file_per_message(
    tmp_path, django_capture_on_commit_callbacks
):
    with override_settings(EMAIL_BACKEND="cophub.core.mail_backends.EmlFileBackend",
                           MAIL_DIR=tmp_path):
        with django_capture_on_commit_callbacks(execute=True):
            first = enqueue(to="ada@agency.gov", subject="Café meeting",
                            body_html="<p>Hello Ada.</p>")
            enqueue(to="grace@agency.gov")
        # A resend of the same message (the sweep's at-least-once window) replaces the file.
        EmailMessage("Café meeting", "Hello Ada.", to=["ada@agency.gov"],
                     headers={"Message-ID": first.message_id}).send()

    files = sorted(tmp_path.glob("*.eml"))
    assert len(files) == 2
    messages = [email.message_from_bytes(f.read_bytes(), policy=email.policy.default)
                for f in files]
    by_id = {m["Message-ID"]: m for m in messages}
    assert set(by_id) == set(OutgoingMail.objects.values_list("message_id", flat=True))
    ada = by_id[first.message_id]
    assert ada["To"] == "ada@agency.gov"
    assert ada["Subject"] == "Café meeting"
    assert ada.get_body(("plain",)).get_content().strip() == "Hello Ada."


def test_eml_backend_keeps_each_copy_of_one_message(tmp_path):
    """The copies of a list post share a Message-ID: one file per recipient, not one."""
    with override_settings(EMAIL_BACKEND="cophub.core.mail_backends.EmlFileBackend",
                           MAIL_DIR=tmp_path):
        for to in ("ada@agency.gov", "grace@agency.gov", "alan@agency.gov"):
            EmailMessage("Post", "Hello.", to=[to],
                         headers={"Message-ID": "<post-1@lists.example>"}).send()
    files = sorted(p.name for p in tmp_path.glob("*.eml"))
    assert len(files) == 3
    assert all(name.startswith("post-1@lists.example--") for name in files)
