"""The periodic jobs of the forum (the scheduler finds them here). The fan-out task sits
beside its service: `services.notifications.notifications_fanout_task`."""

from datetime import timedelta

from cophub.core.scheduler import periodic

from .services import summaries_send


@periodic("forum.summaries_send", every=timedelta(hours=1))
def summaries_send_job() -> int:
    """Send the daily summaries that are due (each person at most one a day)."""
    return summaries_send()
