import zoneinfo

from django import forms

from cophub.core.forms import Form, ModelForm
from cophub.core.timezones import US_TIME_ZONES

from .models import DomainRule, Interest, Level, User


class ProfileForm(ModelForm):
    time_zone = forms.ChoiceField(choices=US_TIME_ZONES)
    level = forms.ChoiceField(label="Level of government", required=False,
                              choices=[("", "Not set"), *Level.choices])
    interests = forms.ModelMultipleChoiceField(
        queryset=Interest.objects.all(), required=False, widget=forms.CheckboxSelectMultiple,
        help_text="Practice-area topics you follow.",
    )

    class Meta:
        model = User
        fields = ["name", "organization", "level", "job_role", "bio", "time_zone",
                  "in_directory"]
        widgets = {"bio": forms.Textarea(attrs={"rows": 4})}
        help_texts = {"organization": "Filled in from the .gov registry when you verify a "
                                      "government address; you may correct it."}

    def clean_time_zone(self):
        value = self.cleaned_data["time_zone"]
        if value not in zoneinfo.available_timezones():
            raise forms.ValidationError("Choose a time zone from the list.")
        return value


class DirectoryFilterForm(Form):
    q = forms.CharField(label="Search by name, organization or role", required=False,
                        max_length=100)
    organization = forms.CharField(required=False, max_length=300)
    level = forms.ChoiceField(label="Level of government", required=False,
                              choices=[("", "Any level"), *Level.choices])
    interest = forms.ModelChoiceField(queryset=Interest.objects.all(), required=False,
                                      empty_label="Any interest", to_field_name="slug")


class DomainRuleForm(Form):
    domain = forms.CharField(max_length=253, help_text="For example partner-lab.org. "
                             "Rules cover the domain and every domain below it.")
    kind = forms.ChoiceField(label="Rule", choices=DomainRule.Kind.choices,
                             widget=forms.RadioSelect)
    organization = forms.CharField(max_length=300, required=False)
    level = forms.ChoiceField(label="Level of government", required=False,
                              choices=[("", "—"), *Level.choices])
    note = forms.CharField(max_length=300, required=False)


class AccountDeleteForm(Form):
    confirm = forms.CharField(
        label="Type DELETE to confirm", max_length=10,
        help_text="Your profile, addresses and memberships are removed for good.",
    )

    def clean_confirm(self):
        if self.cleaned_data["confirm"].strip() != "DELETE":
            raise forms.ValidationError("Type DELETE in capital letters to confirm.")
        return self.cleaned_data["confirm"]
