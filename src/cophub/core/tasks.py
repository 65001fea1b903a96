"""Background work of `core`, wired up for the worker: the outbox sweep as a periodic job and
the outbox's resume when a worker starts. The tasks themselves sit beside the services they
wrap (`outgoing_mail_send_task` in mail/outbox.py, `outbox_drain_task` in mail/drain.py,
`periodic_job_task` in scheduler.py).

`cophub worker` imports every app's tasks module (`load_periodic_jobs`) before it sends
`worker_starting`, which is what runs the registrations below.
"""

from datetime import timedelta

from cophub.core.mail import (
    outbox_drain_task,
    outbox_resume,
    outbox_sweep,
    outgoing_mail_send_task,
)
from cophub.core.scheduler import periodic
from cophub.core.signals import worker_starting


def _outbox_resume(sender, **kwargs) -> None:
    outbox_resume()


worker_starting.connect(_outbox_resume, dispatch_uid="core.outbox_resume")

periodic("core.outbox_sweep", every=timedelta(minutes=1))(outbox_sweep)

# The two outbox tasks were defined here before; tasks already waiting in a queue name them
# by this path (`cophub.core.tasks.outgoing_mail_send_task`), so the names stay importable.
__all__ = ["outbox_drain_task", "outbox_sweep", "outgoing_mail_send_task"]
