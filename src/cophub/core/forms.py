"""Django forms rendered as USWDS form controls, with errors tied to their fields."""

from django import forms
from django.forms.boundfield import BoundField

WIDGET_CLASSES = {
    "select": "usa-select",
    "selectmultiple": "usa-select",
    "textarea": "usa-textarea",
    "checkbox": "usa-checkbox__input",
    "radio": "usa-radio__input",
}


class UswdsBoundField(BoundField):
    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        widget = widget or self.field.widget
        kind = getattr(widget, "input_type", None) or widget.__class__.__name__.lower()
        css = WIDGET_CLASSES.get(kind, "usa-input")
        if self.errors and css in ("usa-input", "usa-select", "usa-textarea"):
            css += f" {css}--error"
        attrs["class"] = f"{attrs.get('class', '')} {css}".strip()
        if self.errors:
            # Screen readers announce the error with the field, not only in the summary.
            error_ids = [f"{self.auto_id}_error"] + [
                f"{self.auto_id}_error_{n}" for n in range(2, len(self.errors) + 1)
            ]
            existing = attrs.get("aria-describedby", "")
            attrs["aria-describedby"] = " ".join(filter(None, [existing, *error_ids]))
        return attrs


class UswdsFormMixin:
    bound_field_class = UswdsBoundField


class Form(UswdsFormMixin, forms.Form):
    pass


class ModelForm(UswdsFormMixin, forms.ModelForm):
    pass
