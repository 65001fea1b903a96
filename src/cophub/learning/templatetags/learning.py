from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def clp(value) -> str:
    """CLPs without trailing zeros: 1.5, 2, 0.75."""
    if value in (None, ""):
        return ""
    text = f"{Decimal(value).normalize():f}"
    return text


@register.filter
def clp_unit(value) -> str:
    """"CLP" or "CLPs"."""
    return "CLP" if value is not None and Decimal(value) == 1 else "CLPs"
