import functools

from django import template
from django.conf import settings
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.urls import get_script_prefix, get_urlconf
from django.utils.safestring import mark_safe

from cophub.core import links
from cophub.core.markdown import markdown_to_text, render_markdown
from cophub.core.timezones import time_zone_label

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(value: str):
    return render_markdown(value or "")


@register.filter(name="markdown_text")
def markdown_text_filter(value: str) -> str:
    """Markdown as plain text, for the text part of e-mail (`core.markdown`)."""
    return markdown_to_text(value or "")


@register.filter
def widget_kind(bound_field) -> str:
    """How components/field.html lays a field out: a single checkbox, a list of radio or
    checkbox options (a fieldset), or a plain control."""
    widget = bound_field.field.widget
    input_type = getattr(widget, "input_type", "")
    if input_type == "radio" or (
        input_type == "checkbox" and getattr(widget, "allow_multiple_selected", False)
    ):
        return "choices"
    if input_type == "checkbox":
        return "checkbox"
    return "input"


@register.simple_tag(takes_context=True)
def site_url_check(context) -> links.SiteUrlCheck | None:
    """`{% site_url_check as check %}`: whether the site URL that links in e-mail are built
    from names the host of the request being answered (None outside a request)."""
    request = context.get("request")
    return links.site_url_check(request) if request is not None else None


@register.filter(name="time_zone_label")
def time_zone_label_filter(zone: str) -> str:
    """`{{ zone|time_zone_label }}`: "Eastern time", never "America/New_York"."""
    return time_zone_label(zone or "")


@register.filter(name="lower_first")
def lower_first_filter(label: str) -> str:
    """A label inside a sentence: "Events" → "events", "Library resources" → "library
    resources", but "AI use cases" keeps its acronym (`|lower` would write "ai use cases")."""
    label = str(label or "")
    first = label.split(" ", 1)[0]
    if len(first) > 1 and first.isupper():
        return label
    return label[:1].lower() + label[1:]


SITE_HEADER_CSRF_MARK = "site-header-csrf-token"


@register.simple_tag(takes_context=True)
def site_header(context):
    """The banner and the header (`components/site_header.html`). What they show depends
    only on the audience, so each audience's header is rendered once per process and the
    person's CSRF token (the sign-out form) put in: the header's twenty reversed URLs cost
    as much as the rest of the page frame (`bench/pages.py`). With DEBUG on it is rendered
    every time, so an edited template shows at once."""
    request = context.get("request")
    user = context.get("user")
    nav_community = context.get("NAV_COMMUNITY") or ""
    if callable(nav_community):
        nav_community = nav_community()
    audience = (bool(user and user.is_authenticated),
                bool(user and user.is_authenticated and user.is_government),
                bool(user and user.is_staff), nav_community, settings.SITE_NAME)
    render = _site_header.__wrapped__ if settings.DEBUG else _site_header
    html = render(*audience, get_urlconf(), get_script_prefix(), settings.STATIC_URL)
    token = get_token(request) if request is not None else ""
    return mark_safe(html.replace(SITE_HEADER_CSRF_MARK, token))  # noqa: S308 — our template


@functools.lru_cache(maxsize=64)
def _site_header(authenticated: bool, government: bool, staff: bool, nav_community: str,
                 site_name: str, urlconf, script_prefix: str, static_url: str) -> str:
    """One audience's header. The URL configuration, script prefix and static URL are part
    of the key so that nothing a test or a deployment changes can serve a stale header."""
    return str(render_to_string("components/site_header.html", {
        "authenticated": authenticated, "government": government, "staff": staff,
        "NAV_COMMUNITY": nav_community, "SITE_NAME": site_name,
        "csrf_mark": SITE_HEADER_CSRF_MARK,
    }))
