from django.apps import AppConfig


class ListsConfig(AppConfig):
    name = "cophub.lists"
    label = "lists"
    verbose_name = "Mailing lists and newsletters"

    def ready(self) -> None:
        from cophub.accounts.services import BEFORE_DELETE

        from . import receivers  # noqa: F401  (links e-mail-only subscribers on sign-up)
        from .services import posts_anonymize

        BEFORE_DELETE.append(posts_anonymize)
