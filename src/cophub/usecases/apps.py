from django.apps import AppConfig


class UsecasesConfig(AppConfig):
    name = "cophub.usecases"
    label = "usecases"
    verbose_name = "AI use case inventory"
