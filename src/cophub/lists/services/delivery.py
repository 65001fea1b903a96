"""Delivering list mail: the RFC 2369 / 2919 / 8058 headers, signed one-click unsubscribe
links, and the fan-out of a published post to every subscriber through the outbox.

Fan-out writes one `MailContent` (what every copy shares) and one `OutgoingMail` row per
recipient, in chunks. Each chunk is one transaction that locks the post, reads its cursor,
writes the chunk's rows and advances the cursor to the last subscription id written: a crash
loses at most an uncommitted chunk and a rerun resumes after the cursor, so nobody gets a
second row. Per-recipient work is string formatting only (no queries, no `reverse`).
`post_fanout_task` runs it in the background."""

from email.utils import formataddr

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django_tasks import task

from cophub.core.links import site_url
from cophub.core.mail import mail_content_create, mail_enqueue_many
from cophub.core.markdown import markdown_to_text
from cophub.core.models import MailContent

from ..addresses import verp_address
from ..models import MailingList, Post, Subscription
from .access import list_mail_gate
from .unsubscribe import TOKEN_PLACEHOLDER, unsubscribe_signer, unsubscribe_url_template

# Where callers have always found them (the tokens live in `unsubscribe` since the welcome
# message carries one too).
from .unsubscribe import unsubscribe_token_read as unsubscribe_token_read
from .unsubscribe import unsubscribe_url as unsubscribe_url

CHUNK = 1000


def _quoted_name(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def list_headers(*, mailing_list: MailingList) -> dict[str, str]:
    """Headers every copy of list mail carries (RFC 2369, RFC 2919, loop protection)."""
    ml = mailing_list
    lp = ml.local_part
    announce = ml.kind == MailingList.Kind.ANNOUNCE
    return {
        "List-Id": f"{_quoted_name(ml.name)} <{ml.list_id}>",
        # RFC 2369: "NO" tells clients that posting is not possible on an announce list.
        "List-Post": "NO" if announce else f"<mailto:{ml.address}>",
        "List-Help": f"<mailto:{ml.companion('request')}?subject=help>",
        "List-Archive": f"<{site_url(reverse('lists:archive', args=[lp]))}>",
        "List-Subscribe": (f"<mailto:{ml.companion('join')}>, "
                           f"<{site_url(reverse('lists:subscribe', args=[lp]))}>"),
        "List-Owner": f"<mailto:{ml.companion('owner')}>",
        "Precedence": "list",
        "X-Loop": ml.address,
    }


class RecipientHeaders:
    """`recipient_headers` for many recipients: the URL is reversed once per list."""

    def __init__(self, mailing_list: MailingList):
        self.mailing_list = mailing_list
        self.leave = f"<mailto:{mailing_list.companion('leave')}>"
        self.url = unsubscribe_url_template()
        self.local_part = mailing_list.local_part
        self.signer = unsubscribe_signer()

    def headers(self, subscription_id: int) -> dict[str, str]:
        url = self.url.replace(TOKEN_PLACEHOLDER, self.signer.sign(str(subscription_id)))
        return {"List-Unsubscribe": f"{self.leave}, <{url}>",
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}

    def row(self, subscription_id: int, email: str) -> tuple[str, dict, str, tuple | None]:
        # The signed VERP return path; an address too long for it gets the subscription's
        # token instead (`addresses`), so only this subscription's bounces can score it.
        # The gate: unless anyone may join the list, the outbox asks right before the send
        # whether the subscription's holder may still receive its mail (`access`).
        return (email, self.headers(subscription_id),
                verp_address(local_part=self.local_part, recipient=email,
                             subscription_id=subscription_id),
                list_mail_gate(mailing_list=self.mailing_list,
                               subscription_id=subscription_id))


def recipient_headers(*, mailing_list: MailingList, subscription: Subscription) -> dict:
    """The per-copy headers: RFC 2369 List-Unsubscribe (mailto and the signed one-click
    URL) and RFC 8058 List-Unsubscribe-Post."""
    return RecipientHeaders(mailing_list).headers(subscription.pk)


def subject_with_prefix(*, mailing_list: MailingList, subject: str) -> str:
    """Prefix once: "Re: [AI] Hello" stays as it is."""
    prefix = mailing_list.subject_prefix.strip()
    if not prefix or prefix.lower() in subject.lower():
        return subject
    return f"{prefix} {subject}"


def post_from(*, post: Post) -> str:
    """DMARC-safe From: the list's own address, never the sender's domain (which may
    publish p=reject); discussion posts keep the person's name ("Jane Doe via AI CoP"), and a
    sender without one is "A member" or "A subscriber", as the forum shows them: never a
    part of their address."""
    ml = post.mailing_list
    if ml.kind == MailingList.Kind.ANNOUNCE:
        return formataddr((ml.name, ml.address))
    who = post.sender_name or ("A member" if post.author_id else "A subscriber")
    return formataddr((f"{who} via {ml.name}", ml.address))


def list_footer(mailing_list: MailingList) -> tuple[str, str]:
    """The text and HTML footers of list mail: how to leave and where the archive is.

    Every copy shares them (one `MailContent` per post, ADR 0006), so they name no
    recipient: the personal one-click link is in each copy's List-Unsubscribe header (the
    mail program's unsubscribe button) and in the welcome message; here are the ways that
    work for everyone, the leave address and the web page of one's own subscriptions."""
    archive = site_url(reverse("lists:archive", args=[mailing_list.local_part]))
    own = site_url(reverse("lists:my_subscriptions"))
    leave = mailing_list.companion("leave")
    text = (f"\n\n-- \n{mailing_list.name} ({mailing_list.address})\n"
            f"To leave the list, use your mail program's unsubscribe button, send an empty "
            f"message to {leave}, or sign in and leave at {own}\n"
            f"Archive: {archive}\n")
    html = (f'<hr><p style="font-size:small">{escape(mailing_list.name)} '
            f"({escape(mailing_list.address)}). To leave the list, use your mail program's "
            f'unsubscribe button, send an empty message to <a href="mailto:{escape(leave)}">'
            f'{escape(leave)}</a>, or sign in and <a href="{escape(own)}">leave on the web</a>. '
            f'<a href="{escape(archive)}">Archive</a></p>')
    return text, html


def post_text(post: Post) -> str:
    """A post as the text part of mail shows it: a post written on the web is Markdown, so
    it is rendered as text (links as "text (url)", lists kept, no emphasis markers); an
    e-mailed post keeps the text its sender wrote."""
    if post.body_markdown:
        return markdown_to_text(post.body_markdown)
    return post.body_text


def post_content_spec(*, post: Post) -> dict:
    """The keyword arguments of `mail_content_create` for this post."""
    ml = post.mailing_list
    footer_text, footer_html = list_footer(ml)
    headers = list_headers(mailing_list=ml)
    if ml.kind == MailingList.Kind.DISCUSSION:
        headers["Reply-To"] = ml.address
    if post.in_reply_to:
        headers["In-Reply-To"] = f"<{post.in_reply_to}>"
    references = post.references.split()
    if post.in_reply_to and post.in_reply_to not in references:
        references.append(post.in_reply_to)
    if references:
        headers["References"] = " ".join(f"<{r}>" for r in references)
    return {
        "from_email": post_from(post=post),
        "subject": subject_with_prefix(mailing_list=ml, subject=post.subject),
        "body_text": post_text(post).rstrip() + footer_text,
        "body_html": post.body_html + footer_html if post.body_html else "",
        "headers": headers,
        "message_id": f"<{post.message_id}>",
    }


def content_find_or_create(*, spec: dict) -> MailContent:
    """The content with this Message-ID and From (unique per list), else a new one. Called
    inside a chunk's transaction, so a rolled-back chunk takes its new content with it."""
    found = (MailContent.objects.filter(message_id=spec["message_id"],
                                        from_email=spec["from_email"]).order_by("id").first())
    return found or mail_content_create(**spec)


def post_fanout(*, post_id: int, chunk: int = CHUNK, max_chunks: int | None = None) -> int:
    """Queue one copy of a published post for every active subscription with per-message
    delivery, at most once per subscription however often it runs or crashes. Returns the
    number of recipients queued so far. `max_chunks` stops early (tests, benchmarks)."""
    spec = None
    done_chunks = 0
    while max_chunks is None or done_chunks < max_chunks:
        with transaction.atomic():
            post = (Post.objects.select_for_update(of=("self",)).select_related("mailing_list")
                    .get(pk=post_id))
            if post.status != Post.Status.PUBLISHED or post.fanout_done_at is not None:
                return post.recipients_count
            rows = list(Subscription.objects.filter(
                mailing_list_id=post.mailing_list_id, state=Subscription.State.ACTIVE,
                delivery=Subscription.Delivery.EACH, id__gt=post.fanout_cursor,
            ).order_by("id").values_list("id", "subscriber__email")[:chunk])
            if not rows:
                post.fanout_done_at = timezone.now()
                post.save(update_fields=["fanout_done_at"])
                return post.recipients_count
            spec = spec or post_content_spec(post=post)
            content = content_find_or_create(spec=spec)
            per_recipient = RecipientHeaders(post.mailing_list)
            mail_enqueue_many(content=content,
                              recipients=[per_recipient.row(sid, email) for sid, email in rows])
            post.fanout_cursor = rows[-1][0]
            post.recipients_count += len(rows)
            post.save(update_fields=["fanout_cursor", "recipients_count"])
        done_chunks += 1
    return Post.objects.values_list("recipients_count", flat=True).get(pk=post_id)


@task()
def post_fanout_task(post_id: int) -> int:
    """Queue a published post for every subscriber (resumes after a crash)."""
    return post_fanout(post_id=post_id)
