"""Topics follow the posts `lists` publishes and edits, in the same transaction."""

from django.dispatch import receiver

from cophub.lists.services import post_edited, post_hidden, post_published

from .services import topic_post_edited, topic_post_hidden, topic_post_published


@receiver(post_published, dispatch_uid="forum.topic_post_published")
def on_post_published(sender, post, **kwargs):
    topic_post_published(post=post)


@receiver(post_edited, dispatch_uid="forum.topic_post_edited")
def on_post_edited(sender, post, **kwargs):
    topic_post_edited(post=post)


@receiver(post_hidden, dispatch_uid="forum.topic_post_hidden")
def on_post_hidden(sender, post, **kwargs):
    topic_post_hidden(post=post)
