from django import template

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
