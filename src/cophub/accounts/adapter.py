"""Customises allauth through its adapter (never by forking): mail goes through the outbox,
failed sign-ins are limited so that a stranger cannot lock the owner out (ADR 0008), the
name given at sign-up is stored, and a new person lands on their profile's next steps."""

import ipaddress
from typing import Any

from allauth import app_settings as allauth_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from allauth.core import ratelimit
from django.contrib.sites.shortcuts import get_current_site
from django.core.mail import EmailMultiAlternatives
from django.http import HttpRequest
from django.urls import reverse
from django.utils.http import urlencode

from cophub.core.mail import mail_enqueue

from .devices import device_for_login

IPV4_NETWORK_PREFIX = 24


class AccountAdapter(DefaultAccountAdapter):
    def send_mail(self, template_prefix: str, email: str, context: dict) -> None:
        """Render with allauth's templates, then store in the outbox instead of sending, so
        a verification or password-reset message survives a mail-server outage."""
        request = allauth_context.request
        ctx = {"request": request, "email": email, "current_site": get_current_site(request)}
        ctx.update(context)
        msg = self.render_mail(template_prefix, email, ctx)
        html = ""
        if isinstance(msg, EmailMultiAlternatives):
            html = next((c for c, mime in msg.alternatives if mime == "text/html"), "")
        mail_enqueue(to=email, subject=msg.subject, body_text=msg.body, body_html=html,
                     template=template_prefix, from_email=msg.from_email)

    def save_user(self, request: HttpRequest, user, form, commit: bool = True):
        """allauth's, plus the name from the sign-up form (`forms.SignupForm`)."""
        name = form.cleaned_data.get("name")
        if name:
            user.name = name
        return super().save_user(request, user, form, commit=commit)

    def get_signup_redirect_url(self, request: HttpRequest) -> str:
        """Where a new person lands once they are signed in (right after confirming their
        address in the browser they signed up in): their profile, which opens with the next
        steps (`next_steps`)."""
        return reverse("accounts:profile")

    def get_email_verification_redirect_url(self, email_address) -> str:
        """After a confirmation link opened in another browser: a person who has never
        signed in is sent to sign in and then to the next steps on their profile."""
        url = super().get_email_verification_redirect_url(email_address)
        if not self.request.user.is_authenticated and email_address.user.last_login is None:
            return f"{reverse('account_login')}?{urlencode({'next': reverse('accounts:profile')})}"
        return url

    def pre_authenticate(self, request: HttpRequest, **credentials: Any) -> None:
        """Count this attempt against the limits on failed sign-ins (`ACCOUNT_RATE_LIMITS`):

        - from a browser holding a valid device cookie for this address: that device's own
          counter only (`login_failed_device`), so a stranger's failures cannot lock the owner
          out of the browsers they use, and a stolen cookie locks only its own device;
        - from any other browser: the address from this network (`login_failed_network`,
          tighter, so one network alone cannot exhaust the next one), then allauth's own
          `login_failed` (per IP, per address), unchanged.
        Raises allauth's "too many login attempts" error when a limit holds."""
        self._cophub_limits_used: list[tuple[str, str]] = []
        email = str(credentials.get("email") or credentials.get("username") or "")
        device = device_for_login(request, email=email)
        if device is not None:
            self._consume_or_refuse(request, action="login_failed_device",
                                    key=f"device:{device.nonce}")
            return
        network = self._client_network(request)
        self._consume_or_refuse(request, action="login_failed_network",
                                key=f"{get_current_site(request).domain}:{email.lower()}:{network}")
        super().pre_authenticate(request, **credentials)

    def authenticate(self, request: HttpRequest, **credentials: Any):
        """allauth's, plus: a success proves the password for this address, so the device's or
        network's count for it starts again (allauth rolls back its own per-IP and per-address
        counts, which others share, instead of clearing them)."""
        user = super().authenticate(request, **credentials)
        if user is not None:
            for action, key in getattr(self, "_cophub_limits_used", []):
                ratelimit.clear(request, action=action, key=key)
        return user

    def _consume_or_refuse(self, request: HttpRequest, *, action: str, key: str) -> None:
        if not ratelimit.consume(request, action=action, key=key):
            raise self.validation_error("too_many_login_attempts")
        self._cophub_limits_used.append((action, key))

    def _client_network(self, request: HttpRequest) -> str:
        """The client's network: its /24 for IPv4, allauth's prefix (/64) for IPv6."""
        ip = self.get_client_ip(request)
        try:
            address = ipaddress.ip_address(ip)
        except ValueError:
            return ip
        prefix = (IPV4_NETWORK_PREFIX if address.version == 4
                  else allauth_settings.RATE_LIMIT_IPV6_PREFIX)
        return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))
