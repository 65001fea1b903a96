from django.apps import AppConfig


class ListsConfig(AppConfig):
    name = "cophub.lists"
    label = "lists"
    verbose_name = "Mailing lists and newsletters"

    def ready(self) -> None:
        from cophub.accounts.services import BEFORE_DELETE
        from cophub.communities.models import CONTACT_LOCAL_PART
        from cophub.core.mail import return_path_register

        from . import receivers  # noqa: F401  (links e-mail-only subscribers on sign-up)
        from .addresses import notice_return_path
        from .inbound.contact import contact_address_accepts, contact_mail_handle
        from .services import address_handler_register, posts_anonymize

        BEFORE_DELETE.append(posts_anonymize)
        # contact+<community>@ the list domain: requests for training links, and messages
        # for a community's organizers (inbound.contact).
        address_handler_register(CONTACT_LOCAL_PART, contact_mail_handle,
                                 accepts=contact_address_accepts)
        # Every notice's bounces come back to bounces+<token>-<recipient>@ the list domain,
        # where inbound.bounces reads them (a hard one lapses a government address).
        return_path_register(notice_return_path)
