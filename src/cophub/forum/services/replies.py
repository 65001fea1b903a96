"""Mail to the forum's own addresses (`addresses.py`): replies to a notification's personal
reply address, and new topics sent to a category's address. The inbound router gives these
every message to `reply+<token>@` and `forum+<community>.<category>@`
(lists.services.handlers), robots and loops already dropped and the sender's
authentication found.

A reply is posted only if: the token is ours and not expired; the person it names still has
an active account and may still post in the topic; the From address is one of that
person's verified addresses; and their domain vouched for it (DKIM or DMARC), since a From
line alone can be forged by anyone who saw the address. Anything refused gets one
(throttled) reply saying why, from the router. The post keeps the sender's own words only
(`lists.services.post_receive_reply`); the same Message-ID twice posts once."""

from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.urls import reverse

from cophub.core.links import site_url
from cophub.lists import services as lists
from cophub.lists.models import Post

from ..addresses import category_address_read, reply_token_read
from ..exceptions import ForumError
from ..models import Category
from ..selectors import topic_for_post
from .moderation import posting_check
from .notifications import delivery_start
from .topics import post_check, reply_check, topic_create


def reply_by_email(*, inbound, message, extension: str, authentication) -> str:
    token = reply_token_read(extension)
    if token is None:
        raise lists.AddressRefused(
            "This reply address is not one we made, or it was changed on the way. Open the "
            "topic on the website to reply there.")
    user = get_user_model().objects.filter(pk=token.user_id, is_active=True).first()
    post = Post.objects.filter(pk=token.post_id, status=Post.Status.PUBLISHED).first()
    topic = topic_for_post(post=post) if post is not None else None
    if user is None or topic is None:
        raise lists.AddressRefused("The topic you replied to is no longer on the forum.")
    url = site_url(reverse("forum:topic", args=[topic.category.community.slug, topic.pk]))
    if token.expired:
        raise lists.AddressRefused(f"This reply address has expired. Reply on the website: "
                                   f"{url}")
    sender = lists.post_parse(message).sender_email.lower()
    if not EmailAddress.objects.filter(user=user, email__iexact=sender, verified=True).exists():
        raise lists.AddressRefused(
            "This reply address belongs to another person: replies are accepted only from "
            f"the address the notification was sent to. Reply on the website: {url}")
    if authentication is None or not authentication.passed:
        raise lists.AddressRefused(
            "Your mail server did not sign this message (no DKIM signature or DMARC result "
            f"vouches for {sender}), so it could have been forged. Reply on the website: "
            f"{url}")
    try:
        reply_check(topic=topic, author=user)
        hold = posting_check(author=user, category=topic.category,
                             body=lists.post_parse(message).body_text)
        reply = lists.post_receive_reply(
            mailing_list=topic.category.mailing_list, parent=post, author=user,
            message=message, inbound=inbound, authentication=authentication,
            via_forum=topic.category.mailing_list_id is not None,
            held_reason=hold if topic.category.mailing_list_id is None else "",
            audit_scope=topic.category.community.slug)
    except (ForumError, lists.ListError) as exc:
        raise lists.AddressRefused(f"{exc} The topic: {url}") from exc
    if reply.status != Post.Status.PUBLISHED:
        return f"held for moderation (post {reply.pk}: {reply.held_reason or 'policy'})"
    return f"posted in topic {topic.pk} (post {reply.pk})"


def topic_by_email(*, inbound, message, extension: str, authentication) -> str:
    """Mail to a category's address (`forum+<community>.<category>@`) starts a topic there,
    for a sender whose verified address belongs to an account that may post in the
    category, when their domain vouched for the message (DKIM or DMARC). The subject is the
    title, the sender's own words the first post (signature left out); a held first post
    waits for the moderators as on the web. The same Message-ID twice starts one topic."""
    category = _category_for(extension)
    if category is None:
        raise lists.AddressRefused("There is no forum category at this address.")
    url = site_url(reverse("forum:category", args=[category.community.slug, category.slug]))
    parsed = lists.post_parse(message)
    sender = parsed.sender_email.lower()
    address = (EmailAddress.objects.filter(email__iexact=sender, verified=True,
                                           user__is_active=True)
               .select_related("user").first())
    if address is None:
        raise lists.AddressRefused(
            f"{sender} is not the verified address of a member, so it cannot start topics "
            f"by e-mail. Sign in, or add this address to your account, at {url}")
    if authentication is None or not authentication.passed:
        raise lists.AddressRefused(
            f"Your mail server did not sign this message (no DKIM signature or DMARC result "
            f"vouches for {sender}), so it could have been forged. Start the topic on the "
            f"website: {url}")
    user = address.user
    try:
        post_check(user, category)
        hold = posting_check(author=user, category=category, body=parsed.body_text)
        post = lists.post_receive_reply(
            mailing_list=None, parent=None, author=user, message=message, inbound=inbound,
            authentication=authentication, held_reason=hold,
            audit_scope=category.community.slug)
    except (ForumError, lists.ListError) as exc:
        raise lists.AddressRefused(f"{exc} The category: {url}") from exc
    if post.parent_id is not None or post.thread_id != post.pk:
        # The same Message-ID was already stored as a reply elsewhere: not a new topic.
        return f"already stored (post {post.pk})"
    topic = topic_create(category, post)
    if post.status != Post.Status.PUBLISHED:
        return f"held for moderation (post {post.pk}: {post.held_reason or 'policy'})"
    delivery_start(post=post, topic=topic)
    return f"started topic {topic.pk} (post {post.pk})"


def _category_for(extension: str) -> Category | None:
    slugs = category_address_read(extension)
    if slugs is None:
        return None
    return (Category.objects.select_related("community")
            .filter(community__slug=slugs[0], slug=slugs[1], mailing_list__isnull=True)
            .first())


def category_address_accepts(extension: str) -> bool:
    """For the mail server, at RCPT: only the addresses of existing unbound categories."""
    return _category_for(extension) is not None
