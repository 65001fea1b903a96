"""Inbound mail tasks (see tasks.py): processing one stored message, and the sweep that
finds messages whose task was lost between the mail server's commit and its enqueue."""

from datetime import timedelta

from django_tasks import task

from cophub.core.scheduler import periodic

from .inbound import inbound_message_process, inbound_sweep


@task()
def inbound_message_process_task(inbound_id: int) -> str:
    return inbound_message_process(inbound_id=inbound_id)


periodic("lists.inbound_sweep", every=timedelta(minutes=1))(inbound_sweep)

__all__ = ["inbound_message_process_task", "inbound_sweep"]
