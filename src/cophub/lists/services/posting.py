"""Posting to a list by web or e-mail, posts outside lists (for the forum), editing, and
moderation. A published post is archived at once, announced with `signals.post_published`
in the same transaction, and (on a list) handed to `delivery.post_fanout_task` after the
commit."""

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
from ..mailparse import html_to_text, post_parse, reply_split
from ..models import AllowedSender, MailingList, Post, PostRevision, Subscription
from ..selectors import list_can_manage
from ..signals import post_edited, post_hidden, post_published
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
              by_email: bool = False, via_forum: bool = False) -> tuple[str, str]:
    """(status, held_reason) for a new post, or NotAllowed. Owners posting on the web are
    never held: they are the moderators. By e-mail an owner's address is only a claim (From
    can be forged), so what only an owner may do is held for approval on the web instead.
    AllowedSenders skip every hold. A signed-in person writing in the forum category bound
    to the list (`via_forum`: the forum has checked they may post there) counts as a
    subscriber; the list's moderation still applies."""
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
    subscribed = via_forum or Subscription.objects.filter(
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
    if post.parent_id is not None:  # written on the web as a reply to a known post
        return
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


def _scope(post: Post, audit_scope: str) -> str:
    return post.mailing_list.community.slug if post.mailing_list_id else audit_scope


def _post_create(post: Post, *, actor, audit_scope: str = "") -> Post:
    _thread(post)
    post.save()
    if post.thread_id is None:
        post.thread_id = post.pk
        post.save(update_fields=["thread"])
    audit_record(actor=actor, verb=f"lists.post.{'held' if post.status == 'held' else 'created'}",
                 obj=post, scope=_scope(post, audit_scope),
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
    post_published.send(sender=Post, post=post)
    if post.mailing_list_id is not None:
        transaction.on_commit(partial(post_fanout_task.enqueue, post.pk), robust=True)


def _notify_held(post: Post) -> None:
    ml = post.mailing_list
    if ml is None:  # outside lists, the forum shows its own moderation queue
        return
    url = site_url(reverse("lists:moderation", args=[ml.local_part]))
    body = render_to_string("lists/email/post_held_message.txt",
                            {"post": post, "mailing_list": ml, "moderation_url": url})
    list_notify_owners(mailing_list=ml, subject=f"Post to {ml.address} awaits moderation: "
                       f"{post.subject}"[:900], body_text=body)


def _reply_headers(post: Post, parent: Post) -> None:
    post.parent = parent
    post.thread_id = parent.thread_id or parent.pk
    post.in_reply_to = parent.message_id
    references = parent.references.split()
    if parent.message_id not in references:
        references.append(parent.message_id)
    if len(references) > 20:  # RFC 5322 §3.6.4: keep the first, trim the middle
        references = [references[0], *references[-19:]]
    post.references = " ".join(references)


def reply_subject(subject: str) -> str:
    """"Re: " once, whatever the parent's subject already carries."""
    bare = subject
    while bare[:3].lower() == "re:":
        bare = bare[3:].lstrip()
    return f"Re: {bare}"[:998]


def _check_text(subject: str, body_markdown: str, author) -> str:
    subject = " ".join((subject or "").split())
    if not subject:
        raise ListError("Give the post a subject.")
    if len(subject) > 300:
        raise ListError("Keep the subject under 300 characters.")
    if not (body_markdown or "").strip():
        raise ListError("Write the message before sending it.")
    if author is None or not author.is_authenticated:
        raise NotAllowed("Sign in to post.")
    return subject


@transaction.atomic
def post_compose(*, mailing_list: MailingList | None, author, subject: str,
                 body_markdown: str, parent: Post | None = None, via_forum: bool = False,
                 held_reason: str = "", audit_scope: str = "") -> Post:
    """A post written on the web, in Markdown (stored with sanitised HTML and plain text),
    starting a thread or replying to `parent` (In-Reply-To and References follow it).

    On a list: the list's moderation rules as for e-mail, the sender being the author's
    primary address; `via_forum` as in `_decision`. Without a list (a forum category bound
    to none): published, or held with `held_reason`; the forum decided who may post, and
    names the community its audit rows belong to (`audit_scope`).
    Raises ListError for an empty subject or body, NotAllowed if the author may not post."""
    subject = _check_text(subject, body_markdown, author)
    if parent is not None and parent.mailing_list_id != (mailing_list.pk if mailing_list
                                                         else None):
        raise ListError("A reply belongs to the conversation of the post it answers.")
    if mailing_list is not None:
        status, reason = _decision(mailing_list=mailing_list, sender_email=author.email,
                                   user=author, via_forum=via_forum)
    else:
        status = Post.Status.HELD if held_reason else Post.Status.PUBLISHED
        reason = held_reason[:300]
    body_html = str(render_markdown(body_markdown))
    post = Post(mailing_list=mailing_list, status=status, held_reason=reason,
                source=Post.Source.WEB, author=author, sender_email=author.email,
                sender_name=(author.name or "")[:150], subject=subject,
                body_markdown=body_markdown, body_html=body_html,
                body_text=body_markdown.strip(),
                # Written by a signed-in person: the site vouches for the sender.
                authenticated=True, auth_method=Post.AuthMethod.WEB,
                message_id=make_msgid(domain=list_domain()).strip("<>"))
    if parent is not None:
        _reply_headers(post, parent)
    return _post_create(post, actor=author, audit_scope=audit_scope)


@transaction.atomic
def post_edit(*, post: Post, editor, body_markdown: str, subject: str | None = None,
              as_moderator: bool = False, audit_scope: str = "") -> Post:
    """Change a published post's text (Markdown), keeping the text it replaces as a
    PostRevision and marking the post edited. Its author may edit it; anyone else only
    `as_moderator`, which the caller grants after asking who moderates the post's
    conversation (list owners, forum moderators). Copies already mailed stay as sent.
    Raises ListError for an empty text or an unpublished post, NotAllowed otherwise."""
    # of=self: a post outside lists makes the join to its list an outer join, which
    # PostgreSQL will not lock.
    post = (Post.objects.select_for_update(of=("self",))
            .select_related("mailing_list__community").get(pk=post.pk))
    if editor is None or not editor.is_authenticated:
        raise NotAllowed("Sign in to edit a post.")
    if not as_moderator and (post.author_id is None or post.author_id != editor.pk):
        raise NotAllowed("Only the author of a post or a moderator can edit it.")
    if post.status != Post.Status.PUBLISHED:
        raise ListError("Only a published post can be edited.")
    new_subject = post.subject if subject is None else subject
    new_subject = _check_text(new_subject, body_markdown, editor)
    if new_subject == post.subject and body_markdown.strip() == (
            post.body_markdown or post.body_text).strip():
        return post  # nothing changed: no revision, no "edited" mark
    number = PostRevision.objects.filter(post=post).count() + 1
    PostRevision.objects.create(post=post, number=number, subject=post.subject,
                                body_markdown=post.body_markdown, body_text=post.body_text,
                                edited_by=editor)
    post.subject = new_subject
    post.body_markdown = body_markdown
    post.body_html = str(render_markdown(body_markdown))
    post.body_text = body_markdown.strip()
    post.edited_at = timezone.now()
    post.save(update_fields=["subject", "body_markdown", "body_html", "body_text", "edited_at"])
    audit_record(actor=editor, verb="lists.post.edited", obj=post,
                 scope=_scope(post, audit_scope),
                 data={"revision": number, "as_moderator": as_moderator})
    post_edited.send(sender=Post, post=post)
    return post


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


REPLY_TEXT_MAX = 50_000


def post_receive_reply(*, mailing_list: MailingList | None, parent: Post | None, author,
                       message: Message, inbound=None, authentication=None,
                       via_forum: bool = False, held_reason: str = "",
                       audit_scope: str = "") -> Post:
    """A reply by e-mail to `parent` (None: the first post of a new thread outside lists,
    the forum's category addresses), from `author` (the caller has matched the sender to
    the account: the forum's reply and category addresses), stored as its own words only:
    the quoted text, the "On … wrote:" line and the signature are left out (the sender's
    whole message stays in the inbound row). HTML-only mail is turned into text. On a list
    the list's rules apply as for any post, `via_forum` as in `_decision`; outside lists it
    is published, or held with `held_reason`. The same Message-ID again returns the first
    post, so reprocessing a message after a crash posts nothing twice. Raises NotAllowed or
    ListError."""
    parsed = post_parse(message)
    lookup = {"mailing_list": mailing_list, "message_id": parsed.message_id}
    existing = Post.objects.filter(**lookup).first()
    if existing is not None:
        return existing
    own, _ = reply_split(parsed.body_text or html_to_text(parsed.body_html))
    if not own.strip():
        raise ListError("The reply is empty once the quoted text is left out.")
    if len(own) > REPLY_TEXT_MAX:
        raise ListError(f"The reply is too long for a post ({len(own):,} characters; the "
                        f"limit is {REPLY_TEXT_MAX:,}).")
    passed = authentication is not None and authentication.passed
    try:
        with transaction.atomic():
            if mailing_list is not None:
                status, reason = _decision(mailing_list=mailing_list,
                                           sender_email=parsed.sender_email, user=author,
                                           by_email=True, via_forum=via_forum)
                status, reason = _authentication_hold(mailing_list=mailing_list,
                                                      status=status, reason=reason,
                                                      authentication=authentication)
            else:
                status = Post.Status.HELD if held_reason else Post.Status.PUBLISHED
                reason = held_reason[:300]
            post = Post(
                mailing_list=mailing_list, status=status, held_reason=reason,
                source=Post.Source.EMAIL, author=author,
                sender_email=parsed.sender_email[:254],
                sender_name=(author.name or parsed.sender_name)[:150],
                subject=(reply_subject(parent.subject) if parent is not None
                         else (parsed.subject or "(no subject)")[:998]),
                body_text=own, body_html="",
                message_id=parsed.message_id, inbound=inbound, authenticated=passed,
                auth_method=authentication.method if passed else "",
                auth_domain=(authentication.domain if passed else "")[:253])
            if parent is not None:
                _reply_headers(post, parent)
            return _post_create(post, actor=author, audit_scope=audit_scope)
    except IntegrityError:  # the same message processed concurrently: that one stands
        existing = Post.objects.filter(**lookup).first()
        if existing is None:
            raise
        return existing


@transaction.atomic
def post_moderate(*, post: Post, actor, action: str, reason: str = "",
                  as_moderator: bool = False, audit_scope: str = "") -> Post:
    """Decide a held post: approve (publish), approve_whitelist (publish, and the sender's
    later posts skip moderation), reject (the sender is told `reason`) or discard (nobody
    is told). Raises NotAllowed for a non-moderator, ListError if already decided. A post
    outside lists is decided by whoever the caller vouches for (`as_moderator`: the forum
    asked its category's moderators), and approve_whitelist does not apply to it."""
    if action not in MODERATE_ACTIONS:
        raise ListError(f"“{action}” is not a moderation action.")
    post = (Post.objects.select_for_update(of=("self",)).select_related("mailing_list__community")
            .get(pk=post.pk))
    ml = post.mailing_list
    if ml is None:
        if not as_moderator or action == "approve_whitelist":
            raise NotAllowed("Only the forum's moderators can decide this post.")
    elif not list_can_manage(user=actor, mailing_list=ml):
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
        if ml is not None:
            mail_enqueue_template(
                to=post.sender_email, template_prefix="lists/email/post_rejected",
                context={"post": post, "mailing_list": ml, "reason": post.reject_reason,
                         "owner_address": ml.companion("owner")},
                from_email=ml.companion("owner"),
                headers={"X-Loop": ml.address, "Auto-Submitted": "auto-replied"})
        else:
            mail_enqueue_template(
                to=post.sender_email, template_prefix="lists/email/post_rejected_forum",
                context={"post": post, "reason": post.reject_reason})
        verb = "rejected"
    else:
        post.status = Post.Status.DISCARDED
        post.save(update_fields=[*fields, "status"])
        verb = "discarded"
    audit_record(actor=actor, verb=f"lists.post.{verb}", obj=post,
                 scope=_scope(post, audit_scope), data={"action": action, "reason": reason[:500]})
    return post


@transaction.atomic
def post_hide(*, post: Post, reason: str, audit_scope: str = "") -> Post:
    """Take a published post out of the archive, the forum and search, pending review (the
    caller decided: flags, a moderator). Copies already mailed stay as sent."""
    post = Post.objects.select_for_update(of=("self",)).select_related(
        "mailing_list__community").get(pk=post.pk)
    if post.status != Post.Status.PUBLISHED:
        return post
    post.status = Post.Status.HIDDEN
    post.held_reason = reason[:300]
    post.save(update_fields=["status", "held_reason"])
    post_hidden.send(sender=Post, post=post)
    audit_record(actor=None, verb="lists.post.hidden", obj=post,
                 scope=_scope(post, audit_scope), data={"reason": reason[:300]})
    return post


@transaction.atomic
def post_restore(*, post: Post, audit_scope: str = "") -> Post:
    """Publish a hidden post again, as it was (its date and place in the thread kept)."""
    post = Post.objects.select_for_update(of=("self",)).select_related(
        "mailing_list__community").get(pk=post.pk)
    if post.status != Post.Status.HIDDEN:
        return post
    post.status = Post.Status.PUBLISHED
    post.held_reason = ""
    post.save(update_fields=["status", "held_reason"])
    post_hidden.send(sender=Post, post=post)
    audit_record(actor=None, verb="lists.post.restored", obj=post,
                 scope=_scope(post, audit_scope), data={})
    return post


FORMER_MEMBER = "A former member"


def posts_anonymize(*, user) -> int:
    """Before an account is deleted: its posts stay in their conversations (others replied
    to them), attributed to "a former member", without its name or address. Returns how
    many posts."""
    return Post.objects.filter(author=user).update(
        sender_name=FORMER_MEMBER, sender_email="", author=None)
