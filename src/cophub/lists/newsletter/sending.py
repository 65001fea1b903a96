"""The fan-out of a newsletter issue: one copy per distinct subscriber of its lists.

Recipients are walked in Subscriber id order, in chunks. Each chunk is one transaction that
locks the issue row, reads the cursor, writes the chunk's outbox rows and advances the
cursor past them, so a worker that dies mid-send resumes where the last commit left off and
nobody gets a second copy; a person on two of the lists is one Subscriber, so one copy.
`newsletter_issue_fanout_task` runs it. The parts every copy shares (the From, the body
around the issue) are made here too, for the test send as for the real one."""

from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from cophub.core.access import AccessLevel
from cophub.core.links import site_url
from cophub.core.mail import mail_content_create, mail_enqueue_many

from ..addresses import verp_address
from ..models import NewsletterIssue, Subscription
from ..services import list_headers, recipient_headers
from ..services.access import list_mail_gate
from .blocks import audience_of
from .selectors import newsletter_recipients_q

CHUNK_SIZE = 1000
# Levels whose items not every holder of a subscription keeps: a copy carrying them is gated.
GATED_LEVELS = frozenset({AccessLevel.GOVERNMENT, AccessLevel.GROUP})
Status = NewsletterIssue.Status


def newsletter_issue_web_url(issue: NewsletterIssue) -> str:
    return site_url(reverse("newsletters:detail", args=[issue.community.slug, issue.slug]))


def newsletter_issue_email_bodies(*, issue: NewsletterIssue, html: str,
                                  text: str) -> tuple[str, str]:
    """The e-mail's two parts around the rendered body: a "View in your browser" link and
    how to leave. Shared by every copy, so nothing in it is per recipient (the one-click
    unsubscribe is in each copy's headers)."""
    lists = sorted(issue.lists.all(), key=lambda m: m.pk)
    context = {"issue": issue, "community": issue.community, "body_html": html,
               "body_text": text, "web_url": newsletter_issue_web_url(issue),
               "lists": lists, "leave_addresses": [m.companion("leave") for m in lists]}
    return (render_to_string("lists/email/newsletter_message.txt", context),
            render_to_string("lists/email/newsletter_message.html", context))


def newsletter_from_address(issue: NewsletterIssue) -> str:
    first = min(issue.lists.all(), key=lambda m: m.pk)
    name = (issue.community.short_name or issue.community.name).replace('"', "")
    return f'"{name} newsletter" <{first.address}>'


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
        lists = sorted(issue.lists.all(), key=lambda m: m.pk)
        # The blocks were filled for what every recipient could see at composition; if
        # that includes government or group items (every list is then such a list), the
        # outbox asks, right before each copy goes out, whether its holder still may
        # (`services.access`). An issue that also goes to a list anyone may join carries
        # nothing gated, and its copies no gate.
        gated = bool(audience_of(lists).levels & GATED_LEVELS)
        shared = {}
        recipients = []
        for subscriber_id in subscriber_ids:
            subscription = first[subscriber_id]
            mailing_list = subscription.mailing_list
            if mailing_list.pk not in shared:
                shared[mailing_list.pk] = list_headers(mailing_list=mailing_list)
            headers = {**shared[mailing_list.pk],
                       **recipient_headers(mailing_list=mailing_list,
                                           subscription=subscription)}
            email = subscription.subscriber.email
            gate = (list_mail_gate(mailing_list=mailing_list, subscription_id=subscription.pk)
                    if gated else None)
            recipients.append((email, headers,
                               verp_address(local_part=mailing_list.local_part,
                                            recipient=email), gate))
        body_text, body_html = newsletter_issue_email_bodies(
            issue=issue, html=issue.rendered_html, text=issue.rendered_text)
        first_list = lists[0]
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


@task()
def newsletter_issue_fanout_task(issue_id: int) -> int:
    return newsletter_issue_fanout(issue_id=issue_id)
