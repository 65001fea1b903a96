"""Forms of the newsletter pages. They check shape; the services check the rules."""

import zoneinfo
from datetime import UTC, datetime

from django import forms
from django.core.exceptions import ValidationError

from cophub.core.access import AccessLevel
from cophub.core.forms import Form, WallClockDateTimeField

from .blocks import BLOCKS


class NewsletterIssueForm(Form):
    title = forms.CharField(max_length=200, help_text="Also the subject of the e-mail.")
    body_markdown = forms.CharField(
        label="Issue", widget=forms.Textarea(attrs={"rows": 18}),
        help_text=("Markdown. A line holding only a block fills it from the community: "
                   + ", ".join(f"{{{{ {name} }}}}" for name in BLOCKS)
                   + ". Add a number for how many items, e.g. {{ upcoming_events 3 }}."))
    lists = forms.ModelMultipleChoiceField(
        queryset=None, widget=forms.CheckboxSelectMultiple,
        label="Send to", help_text="A person on several of these lists gets one copy.",
        error_messages={"required": "Choose at least one list to send the issue to."})
    access_level = forms.ChoiceField(
        label="Who may read the web version", widget=forms.RadioSelect,
        choices=[(c.value, c.label) for c in (AccessLevel.PUBLIC, AccessLevel.SIGNED_IN,
                                              AccessLevel.GOVERNMENT)],
        initial=AccessLevel.PUBLIC)

    def __init__(self, *args, lists, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["lists"].queryset = lists
        self.fields["lists"].label_from_instance = lambda m: f"{m.name} ({m.address})"

    def add_service_error(self, exc: ValidationError) -> None:
        if hasattr(exc, "error_dict"):
            for field, errors in exc.error_dict.items():
                self.add_error(field if field in self.fields else None, errors)
        else:
            self.add_error(None, exc)


class ScheduleForm(Form):
    when = WallClockDateTimeField(label="Send at", error_messages={
        "invalid": "Enter a date and time, e.g. 2026-03-10 09:00."})

    def __init__(self, *args, time_zone: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.time_zone = time_zone
        self.fields["when"].help_text = f"In your time zone, {time_zone}."

    def clean_when(self) -> datetime:
        """The wall-clock time in the organizer's zone as an instant. A time that does not
        exist there, or happens twice (daylight saving), is refused rather than guessed."""
        local = self.cleaned_data["when"]
        zone = zoneinfo.ZoneInfo(self.time_zone)
        first, second = local.replace(tzinfo=zone, fold=0), local.replace(tzinfo=zone, fold=1)
        instant = first.astimezone(UTC)
        if instant.astimezone(zone).replace(tzinfo=None) != local:
            raise ValidationError("That time does not exist in your time zone (clocks skip "
                                  "that hour). Choose another time.")
        if first.utcoffset() != second.utcoffset():
            raise ValidationError("That time happens twice in your time zone (clocks repeat "
                                  "that hour). Choose a time outside that hour.")
        return instant
