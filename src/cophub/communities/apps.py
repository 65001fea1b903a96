from django.apps import AppConfig


class CommunitiesConfig(AppConfig):
    name = "cophub.communities"
    label = "communities"
    verbose_name = "Communities"
