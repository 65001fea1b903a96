"""The drain's crash journal: a dead worker's rows are settled exactly from its journal."""

import fcntl
import os
import socket

import pytest
from django.core import mail as django_mail
from django.test import override_settings

from cophub.core.mail import mail_content_create, mail_enqueue_many, outbox_drain, outbox_sweep
from cophub.core.mail.drain import _outbox_claim
from cophub.core.mail.journal import AMBIGUOUS, UNCONFIRMED, Journal, outbox_journal_recover
from cophub.core.mail.smtp import Outcome, end_of_data
from cophub.core.models import OutgoingMail
from cophub.core.scheduler import load_periodic_jobs
from cophub.core.signals import worker_starting

pytestmark = pytest.mark.django_db

Status = OutgoingMail.Status
DEAD = "0123456789abcdef-4242"


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    return tmp_path


def bulk(n: int) -> list[OutgoingMail]:
    content = mail_content_create(from_email="ai@lists.example.gov", subject="Post",
                                  body_text="Hello.")
    mail_enqueue_many(content=content,
                      recipients=[(f"m{i}@agency.gov", {}, "") for i in range(n)])
    return list(OutgoingMail.objects.order_by("pk"))


def dead_worker_journal(data_dir, lines: list[str]):
    """What a SIGKILLed worker leaves: its rows INFLIGHT and a journal nobody has locked."""
    directory = data_dir / "outbox-journal"
    directory.mkdir(exist_ok=True)
    path = directory / f"{DEAD}.log"
    path.write_text("".join(f"{line}\n" for line in lines))
    return path


def test_dead_workers_journal_settles_each_row_by_how_far_it_got(data_dir):
    rows = bulk(5)
    assert len(_outbox_claim(worker_id=DEAD, limit=4)) == 4  # rows[4] stays QUEUED
    a, b, c, d = (row.pk for row in rows[:4])
    path = dead_worker_journal(data_dir, [
        f"D {a}", f"E {a}", f"S {a}",  # confirmed by the server
        f"D {b}", f"E {b}",            # whole message handed over, reply not read
        f"D {c}",                      # died between the mark and the end of data
        f"S {rows[4].pk}",             # a row it does not hold is left alone
        "D 99",                        # torn last line
    ])

    recovered = outbox_journal_recover()

    assert (recovered.journals, recovered.sent, recovered.unconfirmed, recovered.requeued,
            recovered.ambiguous) == (1, 1, 1, 2, 1)
    by_pk = {row.pk: row for row in OutgoingMail.objects.all()}
    assert (by_pk[a].status, by_pk[a].last_error) == (Status.SENT, "")
    assert (by_pk[b].status, by_pk[b].last_error) == (Status.SENT, UNCONFIRMED)
    assert (by_pk[c].status, by_pk[c].last_error, by_pk[c].attempts) == (
        Status.QUEUED, AMBIGUOUS, 1)
    assert (by_pk[d].status, by_pk[d].attempts) == (Status.QUEUED, 0)  # never handed over
    assert by_pk[rows[4].pk].status == Status.QUEUED
    assert not path.exists()


@override_settings(COPHUB_MAIL_UNCONFIRMED="resend")
def test_resend_policy_requeues_messages_whose_reply_was_not_read(data_dir):
    rows = bulk(1)
    _outbox_claim(worker_id=DEAD, limit=1)
    dead_worker_journal(data_dir, [f"D {rows[0].pk}", f"E {rows[0].pk}"])
    assert outbox_journal_recover().ambiguous == 1
    assert OutgoingMail.objects.get().status == Status.QUEUED


def test_a_live_workers_journal_is_left_alone(data_dir):
    rows = bulk(2)
    journal = Journal()
    _outbox_claim(worker_id=journal.worker_id, limit=2)
    journal.write("S", rows[0].pk)
    try:
        assert outbox_journal_recover().journals == 0
        assert set(OutgoingMail.objects.values_list("status", flat=True)) == {Status.INFLIGHT}
    finally:
        journal.close(remove=False)
    # Its lock is gone with it: now it is a dead worker's journal.
    assert outbox_journal_recover().sent == 1


def test_sweep_recovers_a_dead_worker_and_the_drain_sends_the_rest_once(
    data_dir, django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=False):  # no drain yet
        rows = bulk(3)
    _outbox_claim(worker_id=DEAD, limit=3)
    dead_worker_journal(data_dir, [f"D {rows[0].pk}", f"E {rows[0].pk}", f"S {rows[0].pk}"])

    with django_capture_on_commit_callbacks(execute=True):
        outbox_sweep()

    assert sorted(m.to[0] for m in django_mail.outbox) == ["m1@agency.gov", "m2@agency.gov"]
    assert set(OutgoingMail.objects.values_list("status", flat=True)) == {Status.SENT}


def test_a_finished_drain_removes_its_journal(data_dir):
    bulk(3)
    report = outbox_drain()
    assert report.sent == 3
    assert list((data_dir / "outbox-journal").iterdir()) == []


def test_a_drain_that_crashes_keeps_its_journal_for_recovery(data_dir, monkeypatch):
    rows = bulk(3)
    sent = []

    def send_then_crash(self, built):
        if sent:
            raise KeyboardInterrupt  # stands for anything that stops the worker mid-batch
        sent.append(built.mail_id)
        self.journal.write("D", built.mail_id)
        self.journal.write("E", built.mail_id)
        self.journal.write("S", built.mail_id)
        return Outcome(built.mail_id, "sent")

    monkeypatch.setattr("cophub.core.mail.smtp.BackendSender.send", send_then_crash)
    with pytest.raises(KeyboardInterrupt):
        outbox_drain()
    (journal,) = (data_dir / "outbox-journal").glob("*.log")
    fd = os.open(journal, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # the lock went with the drain
    os.close(fd)
    monkeypatch.undo()

    recovered = outbox_journal_recover()

    assert (recovered.sent, recovered.requeued) == (1, 2)
    assert OutgoingMail.objects.get(pk=rows[0].pk).status == Status.SENT
    assert outbox_drain().sent == 2
    assert len(django_mail.outbox) == 2  # rows[0] went through the crashing sender only


def test_a_starting_worker_recovers_and_resumes_sending(
    data_dir, django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=False):
        rows = bulk(2)
    _outbox_claim(worker_id=DEAD, limit=2)
    dead_worker_journal(data_dir, [f"D {rows[0].pk}", f"E {rows[0].pk}", f"S {rows[0].pk}"])

    load_periodic_jobs()  # as `cophub worker` does first: imports core.tasks, the receiver
    with django_capture_on_commit_callbacks(execute=True):
        worker_starting.send_robust(sender=None)

    assert [m.to[0] for m in django_mail.outbox] == ["m1@agency.gov"]
    assert set(OutgoingMail.objects.values_list("status", flat=True)) == {Status.SENT}


def test_an_ambiguous_message_resent_keeps_its_note(data_dir):
    rows = bulk(1)
    _outbox_claim(worker_id=DEAD, limit=1)
    dead_worker_journal(data_dir, [f"D {rows[0].pk}"])
    outbox_journal_recover()
    assert outbox_drain().sent == 1
    row = OutgoingMail.objects.get()
    assert (row.status, row.attempts, row.last_error) == (Status.SENT, 2, AMBIGUOUS)



def test_end_of_data_sent_without_a_thread_switch_counts_as_sent(data_dir):
    """C without E: the kill landed while send() ran, which finishes before the process
    dies, so resending would make the duplicate."""
    rows = bulk(2)
    _outbox_claim(worker_id=DEAD, limit=2)
    one, two = (row.pk for row in rows)
    dead_worker_journal(data_dir, [f"C {one}", f"C {two}", f"E {two}", f"S {two}"])
    recovered = outbox_journal_recover()
    assert (recovered.sent, recovered.unconfirmed, recovered.ambiguous) == (1, 1, 0)
    assert OutgoingMail.objects.get(pk=one).last_error == UNCONFIRMED


def test_end_of_data_marks_surround_the_send_on_a_plain_socket(data_dir):
    """On a plain TCP socket the end of data goes out between C and E."""
    journal = Journal()
    left, right = socket.socketpair()
    try:
        end_of_data(journal, left, 42)
        assert right.recv(16) == b".\r\n"
        assert journal.path.read_text().splitlines()[-2:] == ["C 42", "E 42"]
    finally:
        left.close()
        right.close()
        journal.close(remove=True)
