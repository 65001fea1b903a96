"""Signal receivers: link e-mail-only subscribers to the account that verifies their address."""

from allauth.account.signals import email_confirmed
from django.dispatch import receiver

from .services import subscriber_link_user


@receiver(email_confirmed, dispatch_uid="lists.subscriber_link")
def on_email_confirmed(sender, request, email_address, **kwargs):
    subscriber_link_user(user=email_address.user, email=email_address.email)
