from django.apps import AppConfig


class EventsConfig(AppConfig):
    name = "cophub.events"
    label = "events"
    verbose_name = "Events"
