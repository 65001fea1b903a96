from django.apps import AppConfig


class ForumConfig(AppConfig):
    name = "cophub.forum"
    label = "forum"
    verbose_name = "Forum"

    def ready(self):
        from cophub.accounts.services import EXPORT_SECTIONS
        from cophub.lists.services import (
            address_handler_register,
            newsletter_discussions_register,
        )

        from . import receivers  # noqa: F401 — connects to lists' post signals
        from .addresses import CATEGORY_LOCAL_PART, LOCAL_PART, reply_token_read
        from .selectors import forum_export, newsletter_topics
        from .services import reply_by_email
        from .services.replies import category_address_accepts, topic_by_email

        address_handler_register(LOCAL_PART, reply_by_email,
                                 accepts=lambda token: reply_token_read(token) is not None)
        address_handler_register(CATEGORY_LOCAL_PART, topic_by_email,
                                 accepts=category_address_accepts)
        EXPORT_SECTIONS.append(forum_export)
        newsletter_discussions_register(newsletter_topics)
