"""Background work of the events app. The scheduler imports this module at start-up, so the
periodic jobs of every events module are registered by importing them here."""

from . import reminders  # noqa: F401  (the "events.reminders" job, every 5 minutes)
