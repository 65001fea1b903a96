"""The organizers' forms: a new survey, and its settings (audience, anonymity, closing time,
results, the Paperwork Reduction Act's fields)."""

import zoneinfo

from django import forms

from cophub.core.access import AccessLevel
from cophub.core.forms import Form, ModelForm, WallClockDateTimeField
from cophub.core.timezones import time_zone_label
from cophub.events.models import Event
from cophub.learning.models import Series
from cophub.lists.models import MailingList

from .. import catalog
from ..models import Survey

ANONYMOUS_HELP = ("Answers are kept apart from who gave them: no name, address, browser or "
                  "time of day. It cannot be changed once the survey is published.")


class SurveyCreateForm(Form):
    title = forms.CharField(max_length=200)
    template = forms.ChoiceField(
        label="Start from", widget=forms.RadioSelect, initial="",
        choices=[("", "Blank: no questions yet"), *catalog.template_choices()])
    group = forms.ModelChoiceField(
        queryset=None, required=False, label="Run by",
        help_text="A group's leads run the survey with the organizers. Leave empty for the "
                  "organizers alone.")
    anonymous = forms.BooleanField(required=False, label="Anonymous survey",
                                   help_text=ANONYMOUS_HELP)

    def __init__(self, *args, groups, organizer: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = groups
        if not organizer:  # a lead runs surveys for the groups they lead
            self.fields["group"].required = True
            self.fields["group"].help_text = "The group you lead that runs the survey."


class SurveySettingsForm(ModelForm):
    closes_at = WallClockDateTimeField(required=False, label="Closes at")

    class Meta:
        model = Survey
        fields = ["title", "description", "anonymous", "audience", "audience_group",
                  "audience_list", "audience_event", "audience_series", "access_level",
                  "closes_at", "small_cell_min", "results_published", "omb_control_number",
                  "omb_expires_on", "burden_minutes", "pra_exemption"]
        widgets = {"description": forms.Textarea(attrs={"rows": 5}),
                   "pra_exemption": forms.Textarea(attrs={"rows": 3}),
                   "audience": forms.RadioSelect,
                   "omb_expires_on": forms.DateInput(attrs={"type": "date"},
                                                     format="%Y-%m-%d")}
        labels = {"audience_group": "Group", "audience_list": "Mailing list",
                  "audience_event": "Event", "audience_series": "Training series",
                  "access_level": "Who may answer the open link"}

    def __init__(self, *args, zone: str, **kwargs):
        super().__init__(*args, **kwargs)
        survey = self.instance
        self.zone = zone
        community = survey.community
        self.fields["audience_group"].queryset = community.groups.order_by("name")
        self.fields["audience_list"].queryset = MailingList.objects.filter(
            community=community).order_by("name")
        self.fields["audience_event"].queryset = Event.objects.filter(
            community=community).order_by("-starts_at")
        self.fields["audience_series"].queryset = Series.objects.filter(
            community=community)
        self.fields["access_level"] = forms.ChoiceField(
            choices=[(level.value, level.label) for level in
                     (AccessLevel.PUBLIC, AccessLevel.SIGNED_IN, AccessLevel.GOVERNMENT)],
            label="Who may answer the open link", initial=survey.access_level)
        self.fields["closes_at"].help_text = f"In {time_zone_label(zone)}. Leave empty to " \
                                             "close it yourself."
        self.fields["anonymous"].help_text = ANONYMOUS_HELP
        if survey.closes_at:
            self.initial["closes_at"] = survey.closes_at.astimezone(
                zoneinfo.ZoneInfo(zone)).replace(tzinfo=None)
        if survey.status != Survey.Status.DRAFT:
            # Fixed once published: who was asked, and the promise made to them.
            for name in ("anonymous", "audience", "audience_group", "audience_list",
                         "audience_event", "audience_series", "access_level"):
                self.fields[name].disabled = True

    def clean_closes_at(self):
        local = self.cleaned_data["closes_at"]
        return None if local is None else local.replace(tzinfo=zoneinfo.ZoneInfo(self.zone))

    def clean(self):
        data = super().clean()
        targets = {Survey.Audience.GROUP: "audience_group", Survey.Audience.LIST:
                   "audience_list", Survey.Audience.EVENT: "audience_event",
                   Survey.Audience.SERIES: "audience_series"}
        audience = data.get("audience")
        for kind, name in targets.items():
            if audience == kind and not data.get(name):
                self.add_error(name, "Choose who the survey goes to.")
            elif audience != kind:
                data[name] = None
        if data.get("omb_control_number") and not data.get("omb_expires_on"):
            self.add_error("omb_expires_on", "Enter the date the control number expires.")
        return data
