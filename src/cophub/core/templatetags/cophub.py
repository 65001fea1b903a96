from django import template

from cophub.core.markdown import render_markdown

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(value: str):
    return render_markdown(value or "")


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
