from django.apps import AppConfig


class ListsConfig(AppConfig):
    name = "cophub.lists"
    label = "lists"
    verbose_name = "Mailing lists and newsletters"

    def ready(self) -> None:
        from cophub.accounts.services import BEFORE_DELETE
        from cophub.core.mail import return_path_register

        from . import receivers  # noqa: F401  (links e-mail-only subscribers on sign-up)
        from .addresses import notice_return_path
        from .services import posts_anonymize

        BEFORE_DELETE.append(posts_anonymize)
        # Every notice's bounces come back to bounces+<token>-<recipient>@ the list domain,
        # where inbound.bounces reads them (a hard one lapses a government address).
        return_path_register(notice_return_path)
