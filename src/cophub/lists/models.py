"""Mailing lists, their subscribers, posts (the archive), inbound mail, bounces, digests and
newsletter issues. Writes go through services.py; reads with visibility through selectors.py."""

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from cophub.communities.models import Community, Group
from cophub.core.access import AccessLevel


class MailingList(models.Model):
    class Audience(models.TextChoices):
        GOVERNMENT = "government", "Government members only"
        ANYONE = "anyone", "Anyone with a working e-mail address"
        GROUP = "group", "Members of the group only"

    class Kind(models.TextChoices):
        ANNOUNCE = "announce", "Announcements: only organizers post"
        DISCUSSION = "discussion", "Discussion: subscribers post"

    class Moderation(models.TextChoices):
        NONE = "none", "No moderation"
        FIRST_POST = "first_post", "A sender's first post is moderated"
        ALL = "all", "Every post is moderated"
        NON_SUBSCRIBERS = "non_subscribers", "Posts from non-subscribers are moderated"

    class SenderPolicy(models.TextChoices):
        # What happens to an e-mailed post whose From domain no DKIM signature or DMARC
        # result vouches for (inbound.authentication). AUTO follows the audience and kind,
        # so a list that becomes government-only starts holding without anyone remembering.
        AUTO = "auto", ("Hold on government-only and announcement lists, accept on the "
                        "others")
        HOLD = "hold", "Hold for moderation"
        ACCEPT = "accept", "Accept (the archive marks the post not authenticated)"

    community = models.ForeignKey(Community, on_delete=models.CASCADE,
                                  related_name="mailing_lists")
    group = models.ForeignKey(Group, null=True, blank=True, on_delete=models.CASCADE,
                              related_name="mailing_lists")
    # The address is <local_part>@COPHUB_LIST_DOMAIN; companions add -request, -join, -leave,
    # -owner, -bounces. A local part may not itself end in one of those suffixes.
    local_part = models.SlugField("address", max_length=50, unique=True)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True, help_text="Markdown.")
    subject_prefix = models.CharField(max_length=40, blank=True,
                                      help_text='Added to subjects, e.g. "[AI CoP]".')
    audience = models.CharField(max_length=12, choices=Audience.choices)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    moderation = models.CharField(max_length=16, choices=Moderation.choices,
                                  default=Moderation.NONE)
    sender_policy = models.CharField(
        "unauthenticated senders", max_length=8, choices=SenderPolicy.choices,
        default=SenderPolicy.AUTO)
    digests_enabled = models.BooleanField(default=True)
    archive_access_level = models.CharField(max_length=12, choices=AccessLevel.choices)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    # When the last digest of each period was built (see digests).
    last_daily_digest_at = models.DateTimeField(null=True, blank=True)
    last_weekly_digest_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["community__name", "name"]

    def __str__(self) -> str:
        return self.address

    @property
    def address(self) -> str:
        return f"{self.local_part}@{settings.COPHUB_LIST_DOMAIN}"

    def companion(self, role: str) -> str:
        """`ai-request@…`, `ai-owner@…`; role one of addresses.ROLES."""
        return f"{self.local_part}-{role}@{settings.COPHUB_LIST_DOMAIN}"

    @property
    def list_id(self) -> str:
        """RFC 2919 List-Id value (without the phrase)."""
        return f"{self.local_part}.{settings.COPHUB_LIST_DOMAIN}"

    @property
    def effective_sender_policy(self) -> str:
        """HOLD or ACCEPT: AUTO holds on government-only and announcement lists."""
        if self.sender_policy != self.SenderPolicy.AUTO:
            return self.sender_policy
        if (self.audience == self.Audience.GOVERNMENT
                or self.kind == self.Kind.ANNOUNCE):
            return self.SenderPolicy.HOLD
        return self.SenderPolicy.ACCEPT

    # The access policy reads content through these names (core.access).
    @property
    def access_level(self) -> str:
        return self.archive_access_level


class Subscriber(models.Model):
    """One e-mail address that receives list mail. Most listserv members never create an
    account: `user` is empty until someone signs up and verifies this address."""

    email = models.EmailField(max_length=254)
    name = models.CharField(max_length=150, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="list_subscribers")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="lists_subscriber_email")]

    def __str__(self) -> str:
        return self.email


class Subscription(models.Model):
    class State(models.TextChoices):
        ACTIVE = "active", "Active"
        DISABLED = "disabled", "Delivery disabled (bounces)"
        UNSUBSCRIBED = "unsubscribed", "Unsubscribed"

    class Delivery(models.TextChoices):
        EACH = "each", "Every message as it is posted"
        DAILY = "daily", "A daily digest"
        WEEKLY = "weekly", "A weekly digest"
        NONE = "none", "No e-mail (read the archive)"

    class DigestFormat(models.TextChoices):
        MIME = "mime", "MIME (each message attached)"
        PLAIN = "plain", "Plain text"

    class Via(models.TextChoices):
        WEB = "web", "Web"
        EMAIL = "email", "E-mail command"
        ORGANIZER = "organizer", "Added by an organizer"
        IMPORT = "import", "Import"

    mailing_list = models.ForeignKey(MailingList, on_delete=models.CASCADE,
                                     related_name="subscriptions")
    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE,
                                   related_name="subscriptions")
    state = models.CharField(max_length=12, choices=State.choices, default=State.ACTIVE)
    delivery = models.CharField(max_length=8, choices=Delivery.choices, default=Delivery.EACH)
    digest_format = models.CharField(max_length=8, choices=DigestFormat.choices,
                                     default=DigestFormat.MIME)
    via = models.CharField(max_length=10, choices=Via.choices)
    created_at = models.DateTimeField(default=timezone.now)
    state_changed_at = models.DateTimeField(default=timezone.now)
    # Bounce scoring (see bounces): hard bounce 1.0, soft 0.5, stale after a window.
    bounce_score = models.FloatField(default=0)
    last_bounce_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["mailing_list", "subscriber"],
                                               name="lists_subscription_once")]
        indexes = [
            # Fan-out walks a list's active subscriptions in id order, 1,000 past a cursor
            # at a time; without id in the index PostgreSQL sorts every match per chunk.
            models.Index(fields=["mailing_list", "state", "delivery", "id"],
                         name="lists_subscription_fanout"),
        ]

    def __str__(self) -> str:
        return f"{self.subscriber_id} on {self.mailing_list_id} ({self.state})"


class Confirmation(models.Model):
    """A pending double opt-in (or an e-mailed leave request): completed by the link in the
    confirmation message or by replying to it (the token is in the subject)."""

    class Action(models.TextChoices):
        SUBSCRIBE = "subscribe", "Subscribe"
        UNSUBSCRIBE = "unsubscribe", "Unsubscribe"

    token = models.CharField(max_length=64, unique=True)
    mailing_list = models.ForeignKey(MailingList, on_delete=models.CASCADE,
                                     related_name="confirmations")
    email = models.EmailField(max_length=254)
    name = models.CharField(max_length=150, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                             on_delete=models.CASCADE, related_name="+")
    action = models.CharField(max_length=12, choices=Action.choices)
    via = models.CharField(max_length=10, choices=Subscription.Via.choices)
    delivery = models.CharField(max_length=8, choices=Subscription.Delivery.choices,
                                default=Subscription.Delivery.EACH)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    confirmed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.action} {self.email} → {self.mailing_list_id}"


class AllowedSender(models.Model):
    """An address whose posts skip moderation on one list ("approve and whitelist")."""

    mailing_list = models.ForeignKey(MailingList, on_delete=models.CASCADE,
                                     related_name="allowed_senders")
    email = models.EmailField(max_length=254)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint("mailing_list", Lower("email"),
                                               name="lists_allowed_sender_once")]

    def __str__(self) -> str:
        return self.email


class InboundMessage(models.Model):
    """A message the mail server accepted, stored (and committed) before it answered 250.
    Processing happens in a task; nothing here is ever deleted by processing."""

    class Status(models.TextChoices):
        RECEIVED = "received", "Received, not yet processed"
        PROCESSED = "processed", "Processed"
        FAILED = "failed", "Could not be processed (kept for review)"

    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    mail_from = models.CharField(max_length=300, blank=True)  # SMTP envelope sender
    rcpt_to = models.JSONField(default=list)  # envelope recipients we accepted
    peer = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(default=0)
    raw = models.BinaryField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RECEIVED)
    attempts = models.PositiveSmallIntegerField(default=0)
    processed_at = models.DateTimeField(null=True, blank=True)
    # What processing did, in words for the review page ("held for moderation", "replied:
    # unknown command", "dropped: mail loop").
    result = models.TextField(blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["status", "received_at"])]

    def __str__(self) -> str:
        return f"{self.received_at:%Y-%m-%d %H:%M} {self.mail_from} → {self.rcpt_to}"


class AutoReply(models.Model):
    """One automatic answer sent to an address that wrote to a list address (command replies,
    refusals). With the pending confirmations, what the per-address throttle counts
    (`services.throttle`): anyone can forge a From line, so whatever we answer could be
    aimed at a stranger."""

    email = models.EmailField(max_length=254)  # lower case
    mailing_list = models.ForeignKey(MailingList, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    template = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["email", "created_at"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.template} → {self.email}"


class Post(models.Model):
    """One message of a conversation: held for moderation, or published (archived and, on a
    list, delivered). The one store of messages (ADR 0009): a list's archive and the forum
    category bound to that list show the same rows; a post without a list belongs to a forum
    category bound to none, and the forum, which knows its topic, decides who sees it."""

    class Status(models.TextChoices):
        HELD = "held", "Waiting for moderation"
        PUBLISHED = "published", "Published"
        REJECTED = "rejected", "Rejected"
        DISCARDED = "discarded", "Discarded"
        # Taken out of the archive, the forum and search after flags or by a moderator
        # (forum.services.moderation); a moderator may publish it again.
        HIDDEN = "hidden", "Hidden pending review"

    class Source(models.TextChoices):
        WEB = "web", "Web"
        EMAIL = "email", "E-mail"
        IMPORT = "import", "Import"

    class AuthMethod(models.TextChoices):
        WEB = "web", "Written on the site by a signed-in member"
        DKIM = "dkim", "DKIM signature aligned with the From address"
        DMARC = "dmarc", "DMARC passed at our mail server"
        SPF = "spf", "SPF passed for an aligned envelope sender"

    mailing_list = models.ForeignKey(MailingList, null=True, blank=True,
                                     on_delete=models.CASCADE, related_name="posts")
    status = models.CharField(max_length=10, choices=Status.choices)
    source = models.CharField(max_length=8, choices=Source.choices)
    held_reason = models.CharField(max_length=300, blank=True)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="list_posts")
    sender_email = models.EmailField(max_length=254)
    sender_name = models.CharField(max_length=150, blank=True)
    subject = models.CharField(max_length=998)
    body_markdown = models.TextField(blank=True)  # web-composed posts keep their source
    body_text = models.TextField()
    body_html = models.TextField(blank=True)  # sanitised; empty for plain-text mail
    # The Message-ID every copy carries (the sender's for e-mailed posts), without <>.
    message_id = models.CharField(max_length=300)
    in_reply_to = models.CharField(max_length=300, blank=True)
    references = models.TextField(blank=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="replies")
    # The first post of the thread (itself for a thread's first post, set after insert).
    thread = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="thread_posts")
    inbound = models.ForeignKey(InboundMessage, null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="posts")
    created_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True, db_index=True)
    # Set by `post_edit`; the earlier texts are PostRevision rows.
    edited_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    reject_reason = models.TextField(blank=True)
    # Whether the sender was authenticated (inbound.authentication), how, and as which
    # domain; shown in the archive. False for e-mail nothing vouched for.
    authenticated = models.BooleanField(default=False)
    auth_method = models.CharField(max_length=8, choices=AuthMethod.choices, blank=True)
    auth_domain = models.CharField(max_length=253, blank=True)
    # Fan-out progress: outbox rows exist for every active subscription with id <= cursor.
    # Advanced in the same transaction as each chunk of rows, so a crash resumes, never
    # repeats.
    fanout_cursor = models.BigIntegerField(default=0)
    fanout_done_at = models.DateTimeField(null=True, blank=True)
    recipients_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-published_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["mailing_list", "message_id"],
                                    name="lists_post_message_id_once"),
            # NULLs are distinct in a unique index, so posts outside lists need their own.
            models.UniqueConstraint(fields=["message_id"],
                                    condition=models.Q(mailing_list__isnull=True),
                                    name="lists_post_unlisted_message_id_once"),
        ]
        indexes = [models.Index(fields=["mailing_list", "status", "published_at"]),
                   models.Index(fields=["thread", "status", "published_at"])]

    def __str__(self) -> str:
        return self.subject

    # The access policy reads content through these names (core.access). A post outside
    # any list answers "organizers only, of no community": closed to everyone, so nothing
    # that asks the post itself can show it; the forum asks its topic's category instead.
    @property
    def access_level(self) -> str:
        if self.mailing_list_id is None:
            return AccessLevel.ORGANIZERS
        return self.mailing_list.archive_access_level

    @property
    def community_id(self) -> int | None:
        return None if self.mailing_list_id is None else self.mailing_list.community_id

    @property
    def group_id(self) -> int | None:
        return None if self.mailing_list_id is None else self.mailing_list.group_id


class PostRevision(models.Model):
    """The text of a post before an edit (`post_edit`), for moderators: number 1 is the
    text as first published."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    subject = models.CharField(max_length=998)
    body_markdown = models.TextField(blank=True)
    body_text = models.TextField()
    edited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)  # when it was replaced

    class Meta:
        ordering = ["post", "number"]
        constraints = [models.UniqueConstraint(fields=["post", "number"],
                                               name="lists_postrevision_number_once")]

    def __str__(self) -> str:
        return f"{self.post_id} r{self.number}"


class Bounce(models.Model):
    """A delivery status notification that came back to a -bounces address. Only HARD and
    SOFT rows (from a signed VERP address) were scored."""

    class Kind(models.TextChoices):
        HARD = "hard", "Permanent failure"
        SOFT = "soft", "Temporary failure"
        UNPARSEABLE = "unparseable", "Could not be read (kept for review)"
        # Not at a signed VERP address (anyone can send one): kept for review, not scored.
        UNVERIFIED = "unverified", "Not verified (not scored)"

    inbound = models.ForeignKey(InboundMessage, null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="bounces")
    mailing_list = models.ForeignKey(MailingList, null=True, blank=True,
                                     on_delete=models.CASCADE, related_name="bounces")
    subscription = models.ForeignKey(Subscription, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="bounces")
    email = models.CharField(max_length=254, blank=True)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    diagnostic = models.TextField(blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"{self.kind} bounce for {self.email or '(unknown)'}"


class Digest(models.Model):
    """One daily or weekly digest of a list: the posts published in (starts_at, ends_at]."""

    class Period(models.TextChoices):
        DAILY = "daily", "Daily"
        WEEKLY = "weekly", "Weekly"

    mailing_list = models.ForeignKey(MailingList, on_delete=models.CASCADE,
                                     related_name="digests")
    period = models.CharField(max_length=8, choices=Period.choices)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    posts_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    fanout_cursor = models.BigIntegerField(default=0)
    fanout_done_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["mailing_list", "period", "ends_at"],
                                               name="lists_digest_once")]

    def __str__(self) -> str:
        return f"{self.period} digest of {self.mailing_list_id} to {self.ends_at:%Y-%m-%d}"


class NewsletterIssue(models.Model):
    """A newsletter issue: Markdown with blocks filled from the system, sent to one or more
    lists (a person on several gets one copy), with a web version at its access level."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SCHEDULED = "scheduled", "Scheduled"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"

    community = models.ForeignKey(Community, on_delete=models.CASCADE,
                                  related_name="newsletter_issues")
    title = models.CharField(max_length=200)  # also the e-mail subject
    slug = models.SlugField(max_length=120)
    body_markdown = models.TextField(help_text="Markdown; blocks such as {{ upcoming_events }}.")
    lists = models.ManyToManyField(MailingList, related_name="newsletter_issues")
    access_level = models.CharField(max_length=12, choices=AccessLevel.choices,
                                    default=AccessLevel.PUBLIC)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    scheduled_for = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    # Frozen when sending starts, so the web version is exactly what was mailed.
    rendered_html = models.TextField(blank=True)
    rendered_text = models.TextField(blank=True)
    # Fan-out over distinct subscribers (ordered by Subscriber id), as for posts.
    fanout_cursor = models.BigIntegerField(default=0)
    fanout_done_at = models.DateTimeField(null=True, blank=True)
    recipients_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-sent_at", "-created_at"]
        constraints = [models.UniqueConstraint(fields=["community", "slug"],
                                               name="lists_newsletter_slug_once")]

    def __str__(self) -> str:
        return self.title

    @property
    def group_id(self) -> None:
        return None
