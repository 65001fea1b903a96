"""Rows every app shares: the audit log, the e-mail outbox, scheduled-job bookkeeping."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class AuditEvent(models.Model):
    """Who did what, to what, when and from where. Written by services, read by organizers."""

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_label = models.CharField(max_length=254, blank=True)  # kept if the actor is deleted
    verb = models.CharField(max_length=100, db_index=True)  # <app>.<noun>.<past tense>
    # The community the action belongs to, if any, so organizers see only their own.
    scope = models.CharField(max_length=100, blank=True, db_index=True)
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_label = models.CharField(max_length=300, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["scope", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_label} {self.verb}"


class MailContent(models.Model):
    """What many copies of one message share (a list post to 100,000 subscribers): stored
    once, referenced by each recipient's `OutgoingMail`, whose own headers are added on top."""

    created_at = models.DateTimeField(default=timezone.now)
    from_email = models.CharField(max_length=300)
    subject = models.CharField(max_length=998)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    headers = models.JSONField(default=dict, blank=True)
    # The Message-ID every copy carries, so replies from any recipient thread together.
    # Empty: each copy uses its own row's message_id.
    message_id = models.CharField(max_length=300, blank=True)
    # A complete MIME body (a MIME digest) used instead of body_text/body_html; the outbox
    # sends it with the row's headers on top.
    raw_mime = models.TextField(blank=True)

    def __str__(self) -> str:
        return self.subject


class OutgoingMail(models.Model):
    """One message to one recipient. Created in the transaction of the action that causes it;
    delivered by `outgoing_mail_send_task`, which moves it QUEUED → INFLIGHT → SENT/FAILED."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        INFLIGHT = "inflight", "Being sent"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        # Never sent: at send time its gate said the recipient may no longer see what it
        # carries (mail/gates.py). Terminal, like SENT; not a delivery failure.
        WITHHELD = "withheld", "Withheld"

    created_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    to = models.EmailField(max_length=254)
    from_email = models.CharField(max_length=300)
    subject = models.CharField(max_length=998)
    body_text = models.TextField()
    body_html = models.TextField(blank=True)
    headers = models.JSONField(default=dict, blank=True)
    # Text attachments such as calendar invites: [{"filename", "content", "mimetype",
    # "params"}]. Binary files are linked, never mailed.
    attachments = models.JSONField(default=list, blank=True)
    message_id = models.CharField(max_length=300, unique=True)
    template = models.CharField(max_length=200, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    inflight_since = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    # Shared content (bulk sends); when set, subject/body come from it and `headers` add to it.
    content = models.ForeignKey(MailContent, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="copies")
    # SMTP envelope sender (Return-Path), e.g. a VERP bounce address; empty: from_email.
    envelope_from = models.CharField(max_length=300, blank=True)
    # Which worker process claimed the row while INFLIGHT, so its journal can be matched
    # after a crash (see mail/journal.py).
    claimed_by = models.CharField(max_length=64, blank=True)
    # A message with access-gated content names the registered gate (mail/gates.py) that
    # says, right before the send, whether the recipient may still see object `gate_object_id`
    # (e.g. "events.registration" and a registration's id). Empty: ungated, sent as it is.
    gate = models.CharField(max_length=100, blank=True)
    gate_object_id = models.PositiveBigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return f"{self.to}: {self.subject} ({self.status})"


class ScheduledJob(models.Model):
    """When each periodic job last ran. The conditional update on `next_run_at` makes exactly
    one worker win each run, however many workers share the database."""

    name = models.CharField(max_length=200, unique=True)
    next_run_at = models.DateTimeField(default=timezone.now)
    last_run_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name
