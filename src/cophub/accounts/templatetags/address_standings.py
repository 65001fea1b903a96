"""The person's lapsed and not yet confirmed government addresses, for allauth's e-mail
addresses page: its view is allauth's own, so the project's `account/email.html` asks for
them with `{% address_standings %}`."""

from django import template

from ..selectors import address_standings_for

register = template.Library()


@register.inclusion_tag("accounts/partials/_address_standings.html", takes_context=True)
def address_standings(context) -> dict:
    user = context["request"].user
    return {
        "standings": address_standings_for(user=user) if user.is_authenticated else [],
        "csrf_token": context.get("csrf_token"),
    }
