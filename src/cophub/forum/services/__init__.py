"""The writes of the forum, one module per noun; this package is their public surface.

- `categories` — opening and changing categories, binding a discussion list
- `topics` — starting topics, replying, editing, accepted answers, pinning and closing, and
  keeping topics in step with the posts `lists` publishes
- `notifications` — watching, the notification fan-out of each post, e-mail at once or in a
  daily summary, marking read, e-mail preferences
- `replies` — replies by e-mail to a notification's personal reply address
- `moderation` — flags and hiding, held first posts, silencing, posting and link limits
- `merging` — merging a topic into an earlier one, splitting replies off into a new topic

Messages are written by `lists.services` (one store, ADR 0009): a topic in a category bound
to a list is a thread on that list, delivered to its subscribers under the list's
moderation; elsewhere the post belongs to no list. Services raise `ForumError` (and its
`NotAllowed`), whose messages are for people."""

from ..exceptions import ForumError, NotAllowed
from .categories import category_save
from .merging import (
    topic_destinations,
    topic_merge,
    topic_merge_refusal,
    topic_merge_targets,
    topic_split,
)
from .moderation import (
    FLAGS_TO_HIDE,
    flags_resolve,
    held_post_decide,
    post_flag,
    silence_lift,
    silence_of,
    silence_set,
)
from .notifications import (
    NOTIFICATION_GATE,
    notifications_fanout,
    notifications_fanout_task,
    notifications_mark_read,
    preference_set,
    summaries_send,
    watch_level,
    watch_set,
)
from .replies import reply_by_email
from .topics import (
    answer_accept,
    forum_post_edit,
    reply_check,
    reply_create,
    topic_moderate,
    topic_move,
    topic_post_edited,
    topic_post_hidden,
    topic_post_published,
    topic_refresh,
    topic_start,
    topic_title_from_subject,
)

__all__ = [
    "ForumError", "NotAllowed",
    "category_save",
    "NOTIFICATION_GATE", "notifications_fanout", "notifications_fanout_task",
    "notifications_mark_read", "preference_set", "summaries_send", "watch_level", "watch_set",
    "reply_by_email",
    "FLAGS_TO_HIDE", "flags_resolve", "held_post_decide", "post_flag", "silence_lift",
    "silence_of", "silence_set",
    "topic_destinations", "topic_merge", "topic_merge_refusal", "topic_merge_targets",
    "topic_split",
    "answer_accept", "forum_post_edit", "reply_check", "reply_create", "topic_moderate",
    "topic_move",
    "topic_post_edited", "topic_post_hidden", "topic_post_published", "topic_refresh",
    "topic_start", "topic_title_from_subject",
]
