"""Gates: the outbox asks, right before each send, whether the recipient of a gated message may
still see what it carries; a refused row is never sent (issue 17, 3).

Core knows no domain app, so these tests register a gate of their own; the events app's gate
is tested with the real scenario in `events/tests/test_mail_access.py`."""

import pytest
from django.core import mail as django_mail
from django.test import override_settings

from cophub.core.mail import (
    MAX_ATTEMPTS,
    GateItem,
    gate,
    mail_content_create,
    mail_enqueue,
    mail_enqueue_many,
    outbox_drain,
    outgoing_mail_deliver,
)
from cophub.core.mail import gates as gates_module
from cophub.core.mail.gates import mail_gates_apply
from cophub.core.models import OutgoingMail

pytestmark = pytest.mark.django_db

Status = OutgoingMail.Status
NO_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


class Door:
    """A test gate: `open` holds the object ids that may be seen; it records each call."""

    def __init__(self):
        self.open: set[int] = set()
        self.calls: list[list[GateItem]] = []
        self.refused: list[list[int]] = []
        self.broken = False

    def check(self, items):
        self.calls.append(list(items))
        if self.broken:
            raise RuntimeError("the access policy is unreachable")
        return {item for item in items if item.object_id in self.open}


@pytest.fixture
def door(monkeypatch):
    monkeypatch.setattr(gates_module, "registry", dict(gates_module.load_gates()))
    door = Door()
    gate("test.door", refused=door.refused.append)(door.check)
    return door


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path


def queue_one(object_id: int, **fields) -> OutgoingMail:
    return mail_enqueue(to="ann@agency.gov", subject="Join link inside",
                        body_text="https://zoom.example/j/secret", gate=("test.door", object_id),
                        **fields)


def test_a_gated_message_the_recipient_may_still_see_is_sent(door):
    door.open = {7}
    row = queue_one(7)

    assert outgoing_mail_deliver(mail_id=row.pk) == Status.SENT

    assert [m.to for m in django_mail.outbox] == [["ann@agency.gov"]]
    assert door.calls == [[GateItem(7, "ann@agency.gov")]]


def test_a_refused_message_is_withheld_never_sent_and_the_app_told_once(door):
    row = queue_one(7)

    assert outgoing_mail_deliver(mail_id=row.pk) == Status.WITHHELD
    assert outgoing_mail_deliver(mail_id=row.pk) == Status.WITHHELD  # a repeated task

    assert django_mail.outbox == []
    row.refresh_from_db()
    assert row.status == Status.WITHHELD and row.sent_at is None
    assert row.last_error.startswith("Withheld: the recipient may no longer see this")
    assert door.refused == [[7]]
    assert len(door.calls) == 1


def test_access_is_decided_at_the_send_not_when_the_message_was_queued(door):
    row = queue_one(7)  # queued while the door is shut …
    door.open = {7}  # … opened before the worker sends
    assert outgoing_mail_deliver(mail_id=row.pk) == Status.SENT


def test_a_gate_that_cannot_answer_sends_nothing_and_retries(door):
    door.broken = True
    row = queue_one(7)

    assert outgoing_mail_deliver(mail_id=row.pk) == Status.QUEUED

    assert django_mail.outbox == []
    row.refresh_from_db()
    assert "unreachable" in row.last_error and row.attempts == 1
    assert door.refused == []


def test_a_gate_that_keeps_failing_ends_failed_never_sent(door):
    door.broken = True
    row = queue_one(7)
    OutgoingMail.objects.filter(pk=row.pk).update(attempts=MAX_ATTEMPTS - 1)
    assert outgoing_mail_deliver(mail_id=row.pk) == Status.FAILED
    assert django_mail.outbox == []


def test_an_unknown_gate_is_refused_when_the_message_is_queued(door):
    with pytest.raises(ValueError, match="No mail gate"):
        mail_enqueue(to="ann@agency.gov", subject="s", body_text="b", gate=("test.nope", 1))
    assert not OutgoingMail.objects.exists()


def test_ungated_rows_cost_the_gates_no_query(door, django_assert_num_queries):
    rows = [mail_enqueue(to=f"p{i}@agency.gov", subject="s", body_text="b") for i in range(3)]
    with django_assert_num_queries(0):
        result = mail_gates_apply(rows)
    assert result.allowed == rows and door.calls == []


@override_settings(TASKS=NO_TASKS)
def test_the_drain_asks_each_gate_once_a_batch_and_counts_what_it_withheld(door):
    door.open = {1, 3}
    shared = mail_content_create(from_email="cop@example.gov", subject="Digest",
                                 body_text="government items")
    gated = [(f"p{i}@agency.gov", {}, "", ("test.door", i)) for i in range(1, 5)]
    plain = [(f"list{i}@example.com", {}, "") for i in range(3)]
    mail_enqueue_many(content=shared, recipients=gated + plain)

    report = outbox_drain(batch_size=100)

    assert (report.sent, report.withheld, report.failed) == (5, 2, 0)
    assert sorted(m.to[0] for m in django_mail.outbox) == [
        "list0@example.com", "list1@example.com", "list2@example.com",
        "p1@agency.gov", "p3@agency.gov"]
    assert len(door.calls) == 1 and len(door.calls[0]) == 4
    assert door.refused == [[2, 4]]
    assert set(OutgoingMail.objects.filter(status=Status.WITHHELD)
               .values_list("gate_object_id", flat=True)) == {2, 4}


@override_settings(TASKS=NO_TASKS)
def test_the_drain_retries_rows_whose_gate_failed_and_sends_the_rest(door):
    door.broken = True
    shared = mail_content_create(from_email="cop@example.gov", subject="Digest",
                                 body_text="items")
    mail_enqueue_many(content=shared, recipients=[
        ("gated@agency.gov", {}, "", ("test.door", 1)), ("plain@example.com", {}, "")])

    report = outbox_drain(batch_size=100)

    assert (report.sent, report.failed, report.withheld) == (1, 1, 0)
    assert [m.to for m in django_mail.outbox] == [["plain@example.com"]]
    assert OutgoingMail.objects.get(to="gated@agency.gov").status == Status.QUEUED
