"""Forum categories and topics. A topic's messages are `lists.Post` rows (ADR 0009): the
topic's first post is `Topic.root`, its replies are the posts of that thread. A category
bound to a discussion list is that list's conversation on the web, so the list's archive
and the category show the same rows. Writes go through services.py, reads with visibility
through selectors.py."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from cophub.communities.models import Community, Group
from cophub.core.access import AccessLevel
from cophub.lists.models import MailingList, Post


class Category(models.Model):
    class Kind(models.TextChoices):
        DISCUSSION = "discussion", "Discussion"
        QUESTIONS = "questions", "Questions and answers: a reply can be the accepted answer"

    class PostingRule(models.TextChoices):
        VIEWERS = "viewers", "Anyone who can see the category"
        GROUP = "group", "Members of the group"
        MANAGERS = "managers", "Organizers and the group's leads"

    community = models.ForeignKey(Community, on_delete=models.CASCADE,
                                  related_name="forum_categories")
    group = models.ForeignKey(Group, null=True, blank=True, on_delete=models.CASCADE,
                              related_name="forum_categories")
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=60)
    description = models.TextField(blank=True, help_text="Markdown.")
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.DISCUSSION)
    access_level = models.CharField("who can see it", max_length=12,
                                    choices=AccessLevel.choices)
    posting_rule = models.CharField("who can start topics and reply", max_length=10,
                                    choices=PostingRule.choices, default=PostingRule.VIEWERS)
    # Bound: topics and replies are the list's threads, delivered to its subscribers, and
    # mail to the list becomes topics here. The category's access level is the archive's.
    mailing_list = models.OneToOneField(MailingList, null=True, blank=True,
                                        on_delete=models.PROTECT,
                                        related_name="forum_category")
    position = models.PositiveSmallIntegerField(default=0)
    hold_first_posts = models.BooleanField(
        "hold new accounts' first posts", default=False,
        help_text="The first post of an account less than a week old waits for a moderator.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["community", "position", "name"]
        verbose_name_plural = "categories"
        constraints = [models.UniqueConstraint(fields=["community", "slug"],
                                               name="forum_category_slug_once")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_questions(self) -> bool:
        return self.kind == self.Kind.QUESTIONS


class Topic(models.Model):
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="topics")
    # The first post; the replies are the published posts with thread = root.
    root = models.OneToOneField(Post, on_delete=models.CASCADE, related_name="forum_topic")
    title = models.CharField(max_length=300)
    pinned = models.BooleanField(default=False)
    closed = models.BooleanField(default=False)
    accepted_answer = models.ForeignKey(Post, null=True, blank=True, on_delete=models.SET_NULL,
                                        related_name="+")
    accepted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    accepted_at = models.DateTimeField(null=True, blank=True)
    # Kept by `topic_refresh` from the thread's published posts, so the category page reads
    # one row per topic however long the conversation.
    reply_count = models.PositiveIntegerField(default=0)
    last_post = models.ForeignKey(Post, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    last_posted_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-pinned", "-last_posted_at", "-id"]
        indexes = [models.Index(fields=["category", "pinned", "last_posted_at"])]

    def __str__(self) -> str:
        return self.title

    # The access policy reads content through these names (core.access); a bound
    # category also asks its list (selectors.category_can_view).
    @property
    def access_level(self) -> str:
        return self.category.access_level

    @property
    def community_id(self) -> int:
        return self.category.community_id

    @property
    def group_id(self) -> int | None:
        return self.category.group_id

    @property
    def is_solved(self) -> bool:
        return self.accepted_answer_id is not None


class MergedTopic(models.Model):
    """The number of a topic merged into another (`services.topic_merge`), so that its
    address, in mail already sent and in bookmarks, leads to where its posts went."""

    old_id = models.PositiveIntegerField(primary_key=True)
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="merged_from")

    def __str__(self) -> str:
        return f"{self.old_id} → {self.topic_id}"


class Watch(models.Model):
    """How closely a person follows a category or a topic (the levels people know from
    Discourse). A topic's watch wins over its category's; without either, NORMAL."""

    class Level(models.TextChoices):
        WATCHING = "watching", "Watching: every new post, in the site and by e-mail"
        TRACKING = "tracking", "Tracking: every new post, in the site only"
        FIRST_POST = "first_post", "Watching first post: every new topic"
        NORMAL = "normal", "Normal: only replies to you"
        MUTED = "muted", "Muted: nothing"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="forum_watches")
    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="watches")
    topic = models.ForeignKey(Topic, null=True, blank=True, on_delete=models.CASCADE,
                              related_name="watches")
    level = models.CharField(max_length=12, choices=Level.choices)
    # Set by the site (an author watches their topic), not chosen: a later automatic watch
    # may replace it, a chosen one is never overridden.
    automatic = models.BooleanField(default=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(category__isnull=False, topic__isnull=True)
                           | models.Q(category__isnull=True, topic__isnull=False)),
                name="forum_watch_category_or_topic"),
            models.UniqueConstraint(fields=["user", "category"], name="forum_watch_category_once",
                                    condition=models.Q(category__isnull=False)),
            models.UniqueConstraint(fields=["user", "topic"], name="forum_watch_topic_once",
                                    condition=models.Q(topic__isnull=False)),
        ]
        indexes = [models.Index(fields=["category", "level", "user"]),
                   models.Index(fields=["topic", "level", "user"])]

    def __str__(self) -> str:
        return f"{self.user_id} {self.level} {self.category_id or self.topic_id}"


class Notification(models.Model):
    """Something a person is told about, in the site (the bell) and, by their preference,
    by e-mail at once or in a daily summary."""

    class Kind(models.TextChoices):
        POSTED = "posted", "replied in a topic you follow"
        REPLIED = "replied", "replied to your post"
        NEW_TOPIC = "new_topic", "started a topic in a category you follow"
        ACCEPTED = "accepted", "accepted your answer"
        MENTIONED = "mentioned", "mentioned you"

    class Email(models.TextChoices):
        NONE = "none", "Not e-mailed"
        QUEUED = "queued", "E-mailed at once"
        SUMMARY = "summary", "Waiting for the daily summary"
        SUMMARIZED = "summarized", "Sent in a daily summary"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="forum_notifications")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="notifications")
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="+")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    actor_name = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    email = models.CharField(max_length=10, choices=Email.choices, default=Email.NONE)
    # When it went out in a daily summary: the summary's gate finds its topics by it.
    summarized_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["user", "post", "kind"],
                                               name="forum_notification_once")]
        indexes = [models.Index(fields=["user", "read_at", "created_at"]),
                   models.Index(fields=["email", "user"])]

    def __str__(self) -> str:
        return f"{self.actor_name} {self.get_kind_display()}: {self.topic_id}"


class Delivery(models.Model):
    """The notification fan-out of one published post: rows exist for every recipient with
    id <= cursor, advanced in the same transaction as each chunk (as lists' fan-out,
    ADR 0006), so a crashed worker resumes and never notifies anyone twice."""

    post = models.OneToOneField(Post, on_delete=models.CASCADE, related_name="forum_delivery")
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="+")
    cursor = models.BigIntegerField(default=0)
    recipients = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"delivery of post {self.post_id}"


class Preference(models.Model):
    """A person's forum e-mail: each notification at once, a daily summary, or none."""

    class Email(models.TextChoices):
        IMMEDIATELY = "immediately", "Each notification by e-mail as it happens"
        DAILY = "daily", "One summary e-mail a day"
        NEVER = "never", "No e-mail: only in the site"

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="forum_preference")
    email = models.CharField("forum e-mail", max_length=12, choices=Email.choices,
                             default=Email.IMMEDIATELY)
    last_summary_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.user_id}: {self.email}"


class Flag(models.Model):
    """A member's report that a post does not belong (services.moderation)."""

    class Reason(models.TextChoices):
        OFF_TOPIC = "off_topic", "Off topic"
        INAPPROPRIATE = "inappropriate", "Inappropriate or offensive"
        SPAM = "spam", "Spam or advertising"
        SENSITIVE = "sensitive", "Shares information that should not be here"
        OTHER = "other", "Something else"

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="forum_flags")
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="flags")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="forum_flags")
    reason = models.CharField(max_length=14, choices=Reason.choices)
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    resolution = models.CharField(max_length=8, blank=True)  # "keep" or "hide"

    class Meta:
        constraints = [models.UniqueConstraint(fields=["post", "user"],
                                               name="forum_flag_once_per_person")]
        indexes = [models.Index(fields=["resolved_at", "topic"]),
                   models.Index(fields=["user", "created_at"])]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} ({self.post_id})"


class Silence(models.Model):
    """A person may not post in a community's forum until `until` (services.moderation)."""

    community = models.ForeignKey(Community, on_delete=models.CASCADE,
                                  related_name="forum_silences")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="forum_silences")
    until = models.DateTimeField()
    reason = models.CharField(max_length=500)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                           related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    lifted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["community", "user", "until"])]

    def __str__(self) -> str:
        return f"{self.user_id} silenced until {self.until:%Y-%m-%d}"

