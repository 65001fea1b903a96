"""The fan-out of a newsletter issue: one copy per distinct subscriber of its lists.

Recipients are walked in Subscriber id order, in chunks. Each chunk is one transaction that
locks the issue row, reads the cursor, writes the chunk's outbox rows and advances the
cursor past them, so a worker that dies mid-send resumes where the last commit left off and
nobody gets a second copy; a person on two of the lists is one Subscriber, so one copy."""

from django.db import transaction
from django.utils import timezone

from cophub.core.mail import mail_content_create, mail_enqueue_many

from .. import delivery
from ..addresses import verp_address
from ..models import NewsletterIssue, Subscription
from .services import newsletter_from_address, newsletter_issue_email_bodies

CHUNK_SIZE = 1000
Status = NewsletterIssue.Status


def newsletter_recipients_q(issue: NewsletterIssue):
    """Active subscriptions to the issue's lists, whatever their delivery mode: a newsletter
    is not a list post, and people who read a list on the web still get the newsletter."""
    return Subscription.objects.filter(mailing_list__newsletter_issues=issue,
                                       state=Subscription.State.ACTIVE)


def newsletter_issue_fanout_chunk(*, issue_id: int, chunk_size: int = CHUNK_SIZE) -> bool:
    """Write the outbox rows for the next `chunk_size` recipients. Returns True when the
    issue is completely handed to the outbox (status sent), False if more remain."""
    with transaction.atomic():
        issue = (NewsletterIssue.objects.select_for_update().select_related("community")
                 .get(pk=issue_id))
        if issue.status != Status.SENDING:
            return True
        subscriber_ids = list(
            newsletter_recipients_q(issue).filter(subscriber_id__gt=issue.fanout_cursor)
            .order_by("subscriber_id").values_list("subscriber_id", flat=True)
            .distinct()[:chunk_size])
        if not subscriber_ids:
            now = timezone.now()
            issue.status, issue.sent_at, issue.fanout_done_at = Status.SENT, now, now
            issue.save(update_fields=["status", "sent_at", "fanout_done_at"])
            return True
        # Each person's copy is about the first of the issue's lists they are on: its
        # one-click unsubscribe and its bounce address.
        first: dict[int, Subscription] = {}
        for subscription in (newsletter_recipients_q(issue)
                             .filter(subscriber_id__in=subscriber_ids)
                             .select_related("subscriber", "mailing_list")
                             .order_by("subscriber_id", "mailing_list_id")):
            first.setdefault(subscription.subscriber_id, subscription)
        shared = {}
        recipients = []
        for subscriber_id in subscriber_ids:
            subscription = first[subscriber_id]
            mailing_list = subscription.mailing_list
            if mailing_list.pk not in shared:
                shared[mailing_list.pk] = delivery.list_headers(mailing_list=mailing_list)
            headers = {**shared[mailing_list.pk],
                       **delivery.recipient_headers(mailing_list=mailing_list,
                                                    subscription=subscription)}
            email = subscription.subscriber.email
            recipients.append((email, headers, verp_address(local_part=mailing_list.local_part,
                                                            recipient=email)))
        body_text, body_html = newsletter_issue_email_bodies(
            issue=issue, html=issue.rendered_html, text=issue.rendered_text)
        first_list = min(issue.lists.all(), key=lambda m: m.pk)
        content = mail_content_create(
            from_email=newsletter_from_address(issue), subject=issue.title,
            body_text=body_text, body_html=body_html,
            # Replies go to the people who run the list, not to every subscriber of it.
            headers={"Reply-To": first_list.companion("owner")})
        sent = mail_enqueue_many(content=content, recipients=recipients)
        issue.fanout_cursor = subscriber_ids[-1]
        issue.recipients_count += sent
        issue.save(update_fields=["fanout_cursor", "recipients_count"])
    return False


def newsletter_issue_fanout(*, issue_id: int, chunk_size: int = CHUNK_SIZE) -> int:
    """Run the fan-out to the end; safe to run again (or concurrently) after a crash.
    Returns the issue's recipients count."""
    while not newsletter_issue_fanout_chunk(issue_id=issue_id, chunk_size=chunk_size):
        pass
    return NewsletterIssue.objects.values_list("recipients_count", flat=True).get(pk=issue_id)
