"""Customises allauth through its adapter (never by forking): mail goes through the outbox."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core import context as allauth_context
from django.contrib.sites.shortcuts import get_current_site
from django.core.mail import EmailMultiAlternatives

from cophub.core.mail import mail_enqueue


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
