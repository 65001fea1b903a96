"""Background work of `core`: sending the outbox and sweeping it. Thin: load by id, call one
service (see mail.py)."""

from datetime import timedelta

from django_tasks import task

from cophub.core.mail import outbox_sweep, outgoing_mail_deliver
from cophub.core.scheduler import periodic


@task()
def outgoing_mail_send_task(mail_id: int) -> str:
    return outgoing_mail_deliver(mail_id=mail_id)


periodic("core.outbox_sweep", every=timedelta(minutes=1))(outbox_sweep)

__all__ = ["outbox_sweep", "outgoing_mail_send_task"]
