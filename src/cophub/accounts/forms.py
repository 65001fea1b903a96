import zoneinfo

from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms

from cophub.core.forms import Form, ModelForm
from cophub.core.timezones import US_TIME_ZONES

from .models import DomainRule, Interest, Level, User

NAME_HELP = ("Other members see your name on your posts, in groups and in the member "
             "directory. They never see your e-mail address in its place.")


def clean_person_name(value: str) -> str:
    """A person's name as others will see it: required, and not an e-mail address (a name is
    what stands in for the address wherever people are shown)."""
    value = " ".join((value or "").split())
    if not value:
        raise forms.ValidationError("Enter your name.")
    if "@" in value:
        raise forms.ValidationError("Enter your name, not an e-mail address.")
    return value


def name_field(*, label: str) -> forms.CharField:
    return forms.CharField(label=label, max_length=150, help_text=NAME_HELP,
                           error_messages={"required": "Enter your name."},
                           widget=forms.TextInput(attrs={"autocomplete": "name"}))


class SignupForm(AllauthSignupForm):
    """allauth's sign-up form with the person's name first (`ACCOUNT_FORMS["signup"]`); the
    adapter stores it (`AccountAdapter.save_user`)."""

    name = name_field(label="Your name")
    field_order = ["name", "email", "password1", "password2"]

    def clean_name(self) -> str:
        return clean_person_name(self.cleaned_data["name"])


class ProfileForm(ModelForm):
    name = name_field(label="Name")
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

    def clean_name(self) -> str:
        return clean_person_name(self.cleaned_data["name"])

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
                              choices=[("", "Not set"), *Level.choices])
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
