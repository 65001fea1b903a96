"""Django forms rendered as USWDS form controls, with errors tied to their fields, the
wall-clock date-time field that event and newsletter forms share, and the date field that
list filters share."""

from datetime import date, datetime

from django import forms
from django.forms.boundfield import BoundField
from django.utils.dateparse import parse_datetime

DJANGO_EMPTY_LABEL = "---------"
EMPTY_LABEL = "- Select -"

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

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A select's empty choice reads "- Select -" (the USWDS convention), not Django's
        # "---------". A form that gives it a meaningful label ("Any level") keeps that.
        for field in self.fields.values():
            if not isinstance(field.widget, forms.Select):
                continue
            if isinstance(field, forms.ModelChoiceField):
                if field.empty_label == DJANGO_EMPTY_LABEL:
                    field.empty_label = EMPTY_LABEL
            elif isinstance(field, forms.ChoiceField) and any(
                    label == DJANGO_EMPTY_LABEL for _value, label in field.choices):
                field.choices = [(value, EMPTY_LABEL if label == DJANGO_EMPTY_LABEL else label)
                                 for value, label in field.choices]


class Form(UswdsFormMixin, forms.Form):
    pass


class ModelForm(UswdsFormMixin, forms.ModelForm):
    pass


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class WallClockDateTimeField(forms.DateTimeField):
    """A date and time as entered, without a time zone: the form decides the zone (an
    event's, an organizer's) and checks the time exists there. Django's own field would
    apply the site's zone first and refuse times that do not exist there, which is the wrong
    zone to ask."""

    widget = DateTimeLocalInput

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, datetime):
            return value.replace(tzinfo=None)
        try:
            result = parse_datetime(value.strip())
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
        if result is None:
            result = forms.BaseTemporalField.to_python(self, value)
        return result.replace(tzinfo=None)


class FilterDateField(forms.DateField):
    """A date a list is filtered by, from the query string, where anyone may type anything.

    Filters turn a date into the start of that day and of the day after in some time zone.
    Python's dates end at 9999-12-31 and start at 0001-01-01, so at either end that arithmetic
    overflows (a 500, not an answer). The field accepts only dates from `MIN` to `MAX`, far
    enough from both ends that the day after and midnight in any zone exist, and refuses
    others with a form error like any other bad input."""

    MIN = date(1900, 1, 1)
    MAX = date(2199, 12, 31)

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.error_messages["out_of_range"] = (
            f"Enter a date between {self.MIN:%-d %B %Y} and {self.MAX:%-d %B %Y}.")

    def to_python(self, value):
        day = super().to_python(value)
        if day is not None and not (self.MIN <= day <= self.MAX):
            raise forms.ValidationError(self.error_messages["out_of_range"],
                                        code="out_of_range")
        return day
