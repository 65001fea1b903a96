from django.apps import AppConfig


class LibraryConfig(AppConfig):
    name = "cophub.library"
    label = "library"
    verbose_name = "Library"
