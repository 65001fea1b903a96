"""Posting to a list by web or e-mail, and moderation. A published post is archived at once
and handed to `delivery.post_fanout_task` after the commit."""

from email.message import Message
from email.utils import make_msgid
from functools import partial

from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from cophub.core.audit import audit_record
from cophub.core.links import site_url
from cophub.core.mail import mail_enqueue_template
from cophub.core.markdown import render_markdown

from ..addresses import list_domain
from ..exceptions import ListError, NotAllowed
from ..mailparse import html_to_text, post_parse
from ..models import AllowedSender, MailingList, Post, Subscription
from ..selectors import list_can_manage
from .delivery import post_fanout_task
from .owners import list_notify_owners
from .subscriptions import verified_user_for

MODERATE_ACTIONS = ("approve", "approve_whitelist", "reject", "discard")


def _may_announce(mailing_list: MailingList, user) -> bool:
    return user is not None and list_can_manage(user=user, mailing_list=mailing_list)


EMAILED_BY_OWNER = ("Sent by e-mail from an owner's address. The From line of an e-mail can "
                    "be forged, so an owner approves it here before it goes out.")
NOT_AUTHENTICATED = ("The sender is not authenticated: no DKIM signature or DMARC result "
                     "vouches for the From address, which may be forged.")


def _authentication_hold(*, mailing_list: MailingList, status: str, reason: str,
                         authentication) -> tuple[str, str]:
    """The list's sender policy over an e-mailed post's (status, reason): a post whose From
    domain is not authenticated is held where the policy says hold, whatever else would have
    published it (an AllowedSender's address is as easy to forge as anyone's)."""
    if authentication is not None and authentication.passed:
        return status, reason
    if mailing_list.effective_sender_policy != MailingList.SenderPolicy.HOLD:
        return status, reason
    why = NOT_AUTHENTICATED
    if authentication is not None and authentication.reason:
        why = f"{NOT_AUTHENTICATED} ({authentication.reason})"
    if status == Post.Status.HELD and reason:
        return status, f"{reason} {why}"[:300]
    return Post.Status.HELD, why[:300]


def _decision(*, mailing_list: MailingList, sender_email: str, user,
              by_email: bool = False) -> tuple[str, str]:
    """(status, held_reason) for a new post, or NotAllowed. Owners posting on the web are
    never held: they are the moderators. By e-mail an owner's address is only a claim (From
    can be forged), so what only an owner may do is held for approval on the web instead.
    AllowedSenders skip every hold."""
    if not mailing_list.is_active:
        raise NotAllowed(f"{mailing_list.address} is closed and does not accept posts.")
    claims_owner = _may_announce(mailing_list, user)
    is_owner = claims_owner and not by_email
    if mailing_list.kind == MailingList.Kind.ANNOUNCE:
        if is_owner:
            return Post.Status.PUBLISHED, ""
        if claims_owner:
            return Post.Status.HELD, EMAILED_BY_OWNER
        raise NotAllowed(f"{mailing_list.address} is an announcement list: only its "
                         f"organizers can post to it.")
    if is_owner or AllowedSender.objects.filter(mailing_list=mailing_list,
                                                email__iexact=sender_email).exists():
        return Post.Status.PUBLISHED, ""
    subscribed = Subscription.objects.filter(
        mailing_list=mailing_list, subscriber__email__iexact=sender_email,
        state__in=[Subscription.State.ACTIVE, Subscription.State.DISABLED]).exists()
    policy = mailing_list.moderation
    if not subscribed:
        if claims_owner:
            return Post.Status.HELD, EMAILED_BY_OWNER
        if policy == MailingList.Moderation.NON_SUBSCRIBERS:
            return Post.Status.HELD, "The sender is not subscribed to the list."
        raise NotAllowed(f"Only subscribers can post to {mailing_list.address}. To join, send "
                         f"a message to {mailing_list.companion('join')}.")
    if policy == MailingList.Moderation.ALL:
        return Post.Status.HELD, "Every post to this list is moderated."
    if policy == MailingList.Moderation.FIRST_POST and not Post.objects.filter(
            mailing_list=mailing_list, sender_email__iexact=sender_email,
            status=Post.Status.PUBLISHED).exists():
        return Post.Status.HELD, "This is the sender's first post to the list."
    return Post.Status.PUBLISHED, ""


def _thread(post: Post) -> None:
    """Parent: the post replied to (In-Reply-To, else the latest known of References)."""
    candidates = [post.in_reply_to] if post.in_reply_to else []
    candidates += list(reversed(post.references.split()))
    candidates = [c for c in candidates if c and c != post.message_id]
    if not candidates:
        return
    found = {p.message_id: p for p in Post.objects.filter(
        mailing_list_id=post.mailing_list_id, message_id__in=candidates[:51])}
    for message_id in candidates:
        if message_id in found:
            post.parent = found[message_id]
            post.thread_id = post.parent.thread_id or post.parent.pk
            return


def _post_create(post: Post, *, actor) -> Post:
    _thread(post)
    post.save()
    if post.thread_id is None:
        post.thread_id = post.pk
        post.save(update_fields=["thread"])
    audit_record(actor=actor, verb=f"lists.post.{'held' if post.status == 'held' else 'created'}",
                 obj=post, scope=post.mailing_list.community.slug,
                 data={"sender": post.sender_email, "source": post.source})
    if post.status == Post.Status.PUBLISHED:
        _post_publish(post)
    else:
        _notify_held(post)
    return post


def _post_publish(post: Post) -> None:
    """Publish: archived at once (the search index follows the save, see searchable.py),
    delivered by `post_fanout_task` after the commit."""
    post.status = Post.Status.PUBLISHED
    post.published_at = timezone.now()
    post.save(update_fields=["status", "published_at"])
    transaction.on_commit(partial(post_fanout_task.enqueue, post.pk), robust=True)


def _notify_held(post: Post) -> None:
    ml = post.mailing_list
    url = site_url(reverse("lists:moderation", args=[ml.local_part]))
    body = render_to_string("lists/email/post_held_message.txt",
                            {"post": post, "mailing_list": ml, "moderation_url": url})
    list_notify_owners(mailing_list=ml, subject=f"Post to {ml.address} awaits moderation: "
                       f"{post.subject}"[:900], body_text=body)


@transaction.atomic
def post_compose(*, mailing_list: MailingList, author, subject: str, body_markdown: str) -> Post:
    """A post written on the web, in Markdown (stored with sanitised HTML and plain text).
    Moderation rules as for e-mail, the sender being the author's primary address.
    Raises ListError for an empty subject or body, NotAllowed if the author may not post."""
    subject = " ".join((subject or "").split())
    if not subject:
        raise ListError("Give the post a subject.")
    if len(subject) > 300:
        raise ListError("Keep the subject under 300 characters.")
    if not (body_markdown or "").strip():
        raise ListError("Write the message before sending it.")
    if author is None or not author.is_authenticated:
        raise NotAllowed("Sign in to post to a list.")
    status, reason = _decision(mailing_list=mailing_list, sender_email=author.email, user=author)
    body_html = str(render_markdown(body_markdown))
    post = Post(mailing_list=mailing_list, status=status, held_reason=reason,
                source=Post.Source.WEB, author=author, sender_email=author.email,
                sender_name=(author.name or "")[:150], subject=subject,
                body_markdown=body_markdown, body_html=body_html,
                body_text=body_markdown.strip(),
                # Written by a signed-in person: the site vouches for the sender.
                authenticated=True, auth_method=Post.AuthMethod.WEB,
                message_id=make_msgid(domain=list_domain()).strip("<>"))
    return _post_create(post, actor=author)


def post_receive(*, mailing_list: MailingList, message: Message, inbound=None,
                 authentication=None) -> Post:
    """An e-mailed post: held or published by the list's policy. Receiving the same
    Message-ID on the same list again returns the first post (reprocessing is harmless).
    Raises NotAllowed with a reason to reply to the sender.

    `authentication` is what `inbound.authentication.sender_authenticate` found (passed,
    method, domain, reason); None counts as not authenticated. Where the list's sender
    policy is "hold", an unauthenticated post is held, and the post records either way
    whether its sender was authenticated (the archive shows it)."""
    parsed = post_parse(message)
    if not parsed.sender_email or "@" not in parsed.sender_email:
        raise NotAllowed("The message has no sender address (From), so it cannot be posted.")
    existing = Post.objects.filter(mailing_list=mailing_list,
                                   message_id=parsed.message_id).first()
    if existing is not None:
        return existing
    if not parsed.body_text.strip() and not parsed.subject:
        raise NotAllowed("The message is empty: it has no subject and no text.")
    user = verified_user_for(parsed.sender_email)
    try:
        with transaction.atomic():
            status, reason = _decision(mailing_list=mailing_list,
                                       sender_email=parsed.sender_email, user=user,
                                       by_email=True)
            status, reason = _authentication_hold(mailing_list=mailing_list, status=status,
                                                  reason=reason, authentication=authentication)
            passed = authentication is not None and authentication.passed
            post = Post(
                mailing_list=mailing_list, status=status, held_reason=reason,
                source=Post.Source.EMAIL, author=user, sender_email=parsed.sender_email[:254],
                sender_name=parsed.sender_name, subject=parsed.subject or "(no subject)",
                body_text=parsed.body_text or html_to_text(parsed.body_html),
                body_html=parsed.body_html, message_id=parsed.message_id,
                in_reply_to=parsed.in_reply_to, references=" ".join(parsed.references),
                inbound=inbound, authenticated=passed,
                auth_method=authentication.method if passed else "",
                auth_domain=(authentication.domain if passed else "")[:253])
            return _post_create(post, actor=user)
    except IntegrityError:  # the same message processed concurrently: that one stands
        existing = Post.objects.filter(mailing_list=mailing_list,
                                       message_id=parsed.message_id).first()
        if existing is None:
            raise
        return existing


@transaction.atomic
def post_moderate(*, post: Post, actor, action: str, reason: str = "") -> Post:
    """Decide a held post: approve (publish), approve_whitelist (publish, and the sender's
    later posts skip moderation), reject (the sender is told `reason`) or discard (nobody
    is told). Raises NotAllowed for a non-moderator, ListError if already decided."""
    if action not in MODERATE_ACTIONS:
        raise ListError(f"“{action}” is not a moderation action.")
    post = (Post.objects.select_for_update().select_related("mailing_list__community")
            .get(pk=post.pk))
    ml = post.mailing_list
    if not list_can_manage(user=actor, mailing_list=ml):
        raise NotAllowed(f"Only the owners of {ml.address} can moderate its posts.")
    if post.status != Post.Status.HELD:
        raise ListError(f"This post was already decided ({post.get_status_display().lower()}).")
    post.decided_by = actor
    post.decided_at = timezone.now()
    fields = ["decided_by", "decided_at"]
    if action == "approve_whitelist" and not AllowedSender.objects.filter(
            mailing_list=ml, email__iexact=post.sender_email).exists():
        AllowedSender.objects.create(mailing_list=ml, email=post.sender_email, added_by=actor)
    if action in ("approve", "approve_whitelist"):
        post.save(update_fields=fields)
        _post_publish(post)
        verb = "approved"
    elif action == "reject":
        post.status = Post.Status.REJECTED
        post.reject_reason = (reason or "").strip()
        post.save(update_fields=[*fields, "status", "reject_reason"])
        mail_enqueue_template(
            to=post.sender_email, template_prefix="lists/email/post_rejected",
            context={"post": post, "mailing_list": ml, "reason": post.reject_reason,
                     "owner_address": ml.companion("owner")},
            from_email=ml.companion("owner"),
            headers={"X-Loop": ml.address, "Auto-Submitted": "auto-replied"})
        verb = "rejected"
    else:
        post.status = Post.Status.DISCARDED
        post.save(update_fields=[*fields, "status"])
        verb = "discarded"
    audit_record(actor=actor, verb=f"lists.post.{verb}", obj=post, scope=ml.community.slug,
                 data={"action": action, "reason": reason[:500]})
    return post
