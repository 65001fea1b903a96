"""Replies by e-mail to a notification's personal reply address (`addresses.py`). The
inbound router gives this every message to `reply+<token>@` (lists.services.handlers),
robots and loops already dropped and the sender's authentication found.

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

from ..addresses import reply_token_read
from ..exceptions import ForumError
from ..selectors import topic_for_post
from .moderation import posting_check
from .topics import reply_check


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
