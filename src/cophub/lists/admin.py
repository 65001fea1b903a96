"""Operators' views of list data. Changes with rules (subscribing, moderating, sending) go
through the web pages and services, so most fields here are read-only: editing a state by
hand would skip the audit row and the side effects."""

from django.contrib import admin

from .models import (
    AllowedSender,
    AutoReply,
    Bounce,
    Confirmation,
    Digest,
    InboundMessage,
    MailingList,
    NewsletterIssue,
    Post,
    Subscriber,
    Subscription,
)


@admin.register(MailingList)
class MailingListAdmin(admin.ModelAdmin):
    list_display = ["local_part", "name", "community", "group", "audience", "kind",
                    "moderation", "digests_enabled", "archive_access_level", "is_active"]
    list_filter = ["community", "audience", "kind", "moderation", "is_active"]
    search_fields = ["local_part", "name"]
    readonly_fields = ["created_at", "last_daily_digest_at", "last_weekly_digest_at"]


@admin.register(Subscriber)
class SubscriberAdmin(admin.ModelAdmin):
    list_display = ["email", "name", "user", "created_at"]
    search_fields = ["email", "name", "user__email"]
    raw_id_fields = ["user"]
    readonly_fields = ["created_at"]


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    list_display = ["subscriber", "mailing_list", "state", "delivery", "digest_format", "via",
                    "bounce_score", "state_changed_at"]
    list_filter = ["mailing_list", "state", "delivery", "via"]
    search_fields = ["subscriber__email"]
    list_select_related = ["subscriber", "mailing_list"]
    readonly_fields = ["mailing_list", "subscriber", "state", "via", "created_at",
                       "state_changed_at", "bounce_score", "last_bounce_at"]


@admin.register(Confirmation)
class ConfirmationAdmin(admin.ModelAdmin):
    list_display = ["email", "mailing_list", "action", "via", "created_at", "expires_at",
                    "confirmed_at"]
    list_filter = ["action", "mailing_list"]
    search_fields = ["email"]
    exclude = ["token"]  # a token is a credential: whoever reads it can confirm
    readonly_fields = ["mailing_list", "email", "name", "user", "action", "via", "delivery",
                       "created_at", "expires_at", "confirmed_at"]


@admin.register(AutoReply)
class AutoReplyAdmin(admin.ModelAdmin):
    """What the per-address throttle on automatic mail counts (with pending confirmations)."""

    list_display = ["created_at", "email", "mailing_list", "template"]
    list_filter = ["mailing_list"]
    search_fields = ["email"]
    readonly_fields = ["created_at", "email", "mailing_list", "template"]


@admin.register(AllowedSender)
class AllowedSenderAdmin(admin.ModelAdmin):
    list_display = ["email", "mailing_list", "added_by", "created_at"]
    list_filter = ["mailing_list"]
    search_fields = ["email"]
    raw_id_fields = ["added_by"]


@admin.register(InboundMessage)
class InboundMessageAdmin(admin.ModelAdmin):
    list_display = ["received_at", "mail_from", "rcpt_to", "size", "status", "attempts",
                    "result"]
    list_filter = ["status"]
    search_fields = ["mail_from", "result"]
    exclude = ["raw"]
    readonly_fields = ["received_at", "mail_from", "rcpt_to", "peer", "size", "status",
                       "attempts", "processed_at", "result"]


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    list_display = ["subject", "mailing_list", "sender_email", "status", "source",
                    "published_at", "recipients_count", "fanout_done_at"]
    list_filter = ["mailing_list", "status", "source"]
    search_fields = ["subject", "sender_email", "message_id"]
    list_select_related = ["mailing_list"]
    raw_id_fields = ["author", "parent", "thread", "inbound", "decided_by"]
    readonly_fields = ["status", "message_id", "published_at", "decided_by", "decided_at",
                       "fanout_cursor", "fanout_done_at", "recipients_count"]


@admin.register(Bounce)
class BounceAdmin(admin.ModelAdmin):
    list_display = ["received_at", "email", "kind", "mailing_list", "reviewed_at"]
    list_filter = ["kind", "mailing_list"]
    search_fields = ["email", "diagnostic"]
    raw_id_fields = ["inbound", "subscription"]


@admin.register(Digest)
class DigestAdmin(admin.ModelAdmin):
    list_display = ["mailing_list", "period", "starts_at", "ends_at", "posts_count",
                    "fanout_done_at"]
    list_filter = ["period", "mailing_list"]
    readonly_fields = ["mailing_list", "period", "starts_at", "ends_at", "posts_count",
                       "created_at", "fanout_cursor", "fanout_done_at"]


@admin.register(NewsletterIssue)
class NewsletterIssueAdmin(admin.ModelAdmin):
    list_display = ["title", "community", "status", "scheduled_for", "sent_at",
                    "recipients_count"]
    list_filter = ["community", "status"]
    search_fields = ["title", "slug"]
    readonly_fields = ["rendered_html", "rendered_text", "fanout_cursor", "fanout_done_at",
                       "recipients_count", "sent_at"]
