"""The writes of `lists`, one module per noun; this package is their public surface (other
apps, views, inbound mail and tests import from here):

- `subscriptions` — who may join, double opt-in, leaving, delivery settings
- `configuration` — starting a list and changing its settings
- `posting` — posts by web and e-mail (and outside lists, for the forum), edits,
  moderation; `post_published`/`post_edited` (from `signals`) tell other apps
- `owners` — mail to the people who run a list
- `delivery` — list headers, footers, a post as mail text, the fan-out of a post
- `unsubscribe` — the signed one-click unsubscribe links (headers, welcome message)
- `digests` — daily and weekly digests
- `throttle` — the one per-address limit on automatic mail (confirmations, replies)
- `handlers` — addresses under the list domain that other apps answer (`reply+…@`)
- `discussions` — other apps' threads for the newsletter's "new discussions" block
- `threads` — merging and splitting threads (the forum's moderators), headers kept as sent

Also here for other apps: `list_domain`, and `post_parse` (what a received message says:
sender, subject, text, threading headers).

Services raise the `exceptions` re-exported here; their messages are for people."""

from ..addresses import list_domain
from ..exceptions import (
    AlreadySubscribed,
    ConfirmationInvalid,
    ListError,
    NotAllowed,
    NotEligible,
    NotSubscribed,
)
from ..mailparse import post_parse
from ..signals import post_edited, post_hidden, post_published
from .configuration import mailing_list_save
from .delivery import list_headers, post_fanout, post_fanout_task, recipient_headers
from .digests import digest_fanout, digest_fanout_task, digests_build
from .discussions import newsletter_discussion_sources, newsletter_discussions_register
from .handlers import AddressRefused, address_handler_register
from .owners import list_notify_owners
from .posting import (
    post_compose,
    post_edit,
    post_hide,
    post_moderate,
    post_receive,
    post_receive_reply,
    post_restore,
    posts_anonymize,
    reply_subject,
)
from .subscriptions import (
    confirmation_confirm,
    confirmation_find,
    email_normalize,
    list_accepts_address,
    subscriber_get_or_create,
    subscriber_link_user,
    subscription_cancel,
    subscription_enable,
    subscription_request,
    subscription_update,
    unsubscribe_request,
    verified_user_for,
)
from .threads import thread_merge, thread_split
from .throttle import AUTO_MAIL_PER_ADDRESS, auto_mail_remaining, auto_reply_reserve
from .unsubscribe import unsubscribe_token_read, unsubscribe_url

__all__ = [
    "AlreadySubscribed", "ConfirmationInvalid", "ListError", "NotAllowed", "NotEligible",
    "NotSubscribed",
    "mailing_list_save",
    "list_headers", "post_fanout", "post_fanout_task", "recipient_headers",
    "unsubscribe_token_read", "unsubscribe_url",
    "digest_fanout", "digest_fanout_task", "digests_build",
    "newsletter_discussion_sources", "newsletter_discussions_register",
    "AddressRefused", "address_handler_register", "list_domain", "post_parse",
    "list_notify_owners",
    "post_compose", "post_edit", "post_hide", "post_moderate", "post_receive",
    "post_receive_reply", "post_restore", "posts_anonymize", "reply_subject",
    "post_edited", "post_hidden", "post_published",
    "confirmation_confirm", "confirmation_find", "email_normalize", "list_accepts_address",
    "subscriber_get_or_create", "subscriber_link_user", "subscription_cancel",
    "subscription_enable", "subscription_request", "subscription_update",
    "unsubscribe_request", "verified_user_for",
    "thread_merge", "thread_split",
    "AUTO_MAIL_PER_ADDRESS", "auto_mail_remaining", "auto_reply_reserve",
]
