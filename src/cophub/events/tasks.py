"""Background work of the events app. Thin: each job calls one service. The scheduler
imports this module at start-up, which registers the periodic jobs."""

from datetime import timedelta

from cophub.core.scheduler import periodic

from .services.reminders import reminders_send


@periodic("events.reminders", every=timedelta(minutes=5))
def event_reminders_send() -> int:
    """The 24-hour and 1-hour reminders (see `services.reminders`): runs every 5 minutes;
    the windows are wider than that, so a late or missed run still sends what is due."""
    return reminders_send()
