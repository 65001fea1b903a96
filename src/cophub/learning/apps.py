from django.apps import AppConfig


class LearningConfig(AppConfig):
    name = "cophub.learning"
    label = "learning"
    verbose_name = "Learning"
