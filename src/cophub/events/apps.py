from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "cophub.events"
    label = "events"
    verbose_name = "Events"

    def ready(self):
        # The home pages' panels, and the signals that keep a person's own panels fresh:
        # connected in every process (a worker that registers someone must say so too).
        from . import hub  # noqa: F401
