"""Background work of `core`: sending the outbox and sweeping it. Thin: load by id, call one
service (see mail/)."""

from datetime import timedelta

from django_tasks import task

from cophub.core.mail import outbox_drain, outbox_resume, outbox_sweep, outgoing_mail_deliver
from cophub.core.scheduler import periodic
from cophub.core.signals import worker_starting


@task()
def outgoing_mail_send_task(mail_id: int) -> str:
    return outgoing_mail_deliver(mail_id=mail_id)


@task()
def outbox_drain_task() -> int:
    """Send due rows in batches for up to 30 s; enqueues itself again if rows remain."""
    return outbox_drain().sent


def _outbox_resume(sender, **kwargs) -> None:
    outbox_resume()


# `cophub worker` imports every tasks module before it sends this (load_periodic_jobs).
worker_starting.connect(_outbox_resume, dispatch_uid="core.outbox_resume")

periodic("core.outbox_sweep", every=timedelta(minutes=1))(outbox_sweep)

__all__ = ["outbox_drain_task", "outbox_sweep", "outgoing_mail_send_task"]
