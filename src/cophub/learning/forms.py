from django import forms

from cophub.core.forms import Form, ModelForm
from cophub.events.models import Event

from .models import AccessRequest, Instructor, Series, Session, Track
from .services.management import RESERVED_SLUGS


class AccessRequestForm(ModelForm):
    """"Request for AI Training Links"."""

    class Meta:
        model = AccessRequest
        fields = ["series", "name", "email", "agency", "reason"]
        labels = {"series": "Training series", "name": "Your name",
                  "email": "E-mail address you will sign in with",
                  "agency": "Agency or organization",
                  "reason": "Why you cannot sign in with a government address"}
        help_texts = {
            "email": "Use an address you can confirm: access works once you sign in with it.",
            "reason": "For example: my agency's e-mail blocks outside links, or I am a "
                      "contractor supporting an agency mission.",
        }
        widgets = {"reason": forms.Textarea(attrs={"rows": 4, "maxlength": 2000})}

    def __init__(self, *args, community, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["series"].queryset = Series.objects.filter(community=community)
        self.fields["series"].empty_label = None
        if "email" in self.fields:
            self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.fields["name"].widget.attrs["autocomplete"] = "name"
        self.fields["agency"].widget.attrs["autocomplete"] = "organization"

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if len(reason) < 10:
            raise forms.ValidationError("Tell the organizers a little more (a sentence is "
                                        "enough).")
        return reason


class EmailedAccessRequestForm(AccessRequestForm):
    """The same request, opened from the link mailed to someone who asked by e-mail: the
    address is the one the link was sent to, so it is not a field."""

    class Meta(AccessRequestForm.Meta):
        fields = ["series", "name", "agency", "reason"]


class DecisionForm(Form):
    decision = forms.ChoiceField(choices=[("approve", "Approve"), ("decline", "Decline")])


class SeriesForm(ModelForm):
    class Meta:
        model = Series
        fields = ["title", "slug", "year", "description"]
        labels = {"slug": "Address"}
        help_texts = {"slug": "Letters, numbers and hyphens, e.g. 2024-ai-training."}

    def __init__(self, *args, community, **kwargs):
        super().__init__(*args, **kwargs)
        self.community = community

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        if slug in RESERVED_SLUGS:
            raise forms.ValidationError("That address is taken by a page; choose another.")
        clash = Series.objects.filter(community=self.community, slug=slug)
        if self.instance.pk:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError("Another series uses this address.")
        return slug


class TrackForm(ModelForm):
    class Meta:
        model = Track
        fields = ["name", "slug", "description", "position"]
        labels = {"slug": "Address", "position": "Order on the series page"}

    def __init__(self, *args, series, **kwargs):
        super().__init__(*args, **kwargs)
        self.series = series

    def clean_slug(self):
        slug = self.cleaned_data["slug"]
        clash = Track.objects.filter(series=self.series, slug=slug)
        if self.instance.pk:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError("Another track of this series uses this address.")
        return slug


class InstructorForm(ModelForm):
    class Meta:
        model = Instructor
        fields = ["name", "title", "affiliation", "bio"]


class SessionForm(ModelForm):
    event = forms.ModelChoiceField(
        queryset=Event.objects.none(), label="Event",
        help_text="A training event of this community that is not yet part of a series.")

    class Meta:
        model = Session
        fields = ["tracks", "instructors", "credit_per_hour", "min_attendance_ratio",
                  "credit_points"]
        widgets = {"tracks": forms.CheckboxSelectMultiple,
                   "instructors": forms.CheckboxSelectMultiple}

    def __init__(self, *args, series, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tracks"].queryset = series.tracks.all()
        self.fields["instructors"].queryset = Instructor.objects.all()
        if self.instance.pk:
            del self.fields["event"]
        else:
            self.fields["event"].queryset = Event.objects.filter(
                community=series.community, kind=Event.Kind.TRAINING,
                training_session__isnull=True).exclude(status=Event.Status.CANCELLED)
            self.order_fields(["event"])
