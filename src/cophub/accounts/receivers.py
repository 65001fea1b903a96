"""allauth's signals → cophub services. The tier follows the verified addresses; a browser
that completes a sign-in is marked with a device cookie (ADR 0008)."""

from allauth.account import signals as account_signals
from allauth.mfa import signals as mfa_signals
from django.contrib import messages
from django.contrib.auth import signals as auth_signals
from django.dispatch import receiver

from cophub.core.audit import audit_record

from .devices import device_cookie_issue
from .selectors import address_standings_for
from .services import address_check_restart, address_lapse_lift, user_tier_refresh


@receiver(account_signals.email_confirmed)
def on_email_confirmed(sender, request, email_address, **kwargs):
    # Confirming an address proves its mailbox works: the way back from a lapse, and the
    # start of the address's year (the yearly check).
    address_lapse_lift(email_address=email_address, request=request)
    address_check_restart(email_address=email_address)
    user_tier_refresh(user=email_address.user, request=request)


@receiver(account_signals.email_removed)
def on_email_removed(sender, request, user, email_address, **kwargs):
    user_tier_refresh(user=user, request=request)


@receiver(account_signals.email_changed)
def on_email_changed(sender, request, user, **kwargs):
    user_tier_refresh(user=user, request=request)


@receiver(account_signals.user_logged_in)
def on_logged_in(sender, request, user, response=None, **kwargs):
    audit_record(actor=user, verb="accounts.session.signed_in", request=request)
    # A person whose address lapsed hears it where they land, not only by mail (which went
    # to their other addresses, if they have any).
    for standing in address_standings_for(user=user):
        if standing.lapse is not None:
            reason = standing.lapse.get_reason_display().lower()
            messages.warning(request, f"{standing.email_address.email} no longer counts for "
                             f"your government membership ({reason}). Your e-mail addresses "
                             "page says how to confirm it again or add your new work "
                             "address.", fail_silently=True)
    # Sent once every stage (e-mail verification, second factor) is passed.
    if response is not None:
        device_cookie_issue(request=request, response=response, user=user)


@receiver(auth_signals.user_login_failed)
def on_login_failed(sender, credentials, request=None, **kwargs):
    audit_record(actor=None, verb="accounts.session.sign_in_failed", request=request,
                 data={"email": str(credentials.get("email") or credentials.get("username")
                                    or "")[:254]})


@receiver(account_signals.password_changed)
def on_password_changed(sender, request, user, **kwargs):
    audit_record(actor=user, verb="accounts.password.changed", request=request)


@receiver(mfa_signals.authenticator_added)
def on_authenticator_added(sender, request, user, authenticator, **kwargs):
    audit_record(actor=user, verb="accounts.authenticator.added", request=request,
                 data={"type": authenticator.type})


@receiver(mfa_signals.authenticator_removed)
def on_authenticator_removed(sender, request, user, authenticator, **kwargs):
    audit_record(actor=user, verb="accounts.authenticator.removed", request=request,
                 data={"type": authenticator.type})
