from django import forms

from cophub.core.forms import Form, ModelForm

from .models import Group


class GroupForm(ModelForm):
    class Meta:
        model = Group
        fields = ["name", "slug", "kind", "summary", "charter", "join_policy", "access_level"]
        widgets = {"charter": forms.Textarea(attrs={"rows": 8}),
                   "join_policy": forms.RadioSelect, "access_level": forms.RadioSelect}
        help_texts = {"slug": "The group's address: letters, numbers and hyphens.",
                      "charter": "Markdown: the group's purpose, scope and how to take part."}


class JoinRequestForm(Form):
    message = forms.CharField(label="Note to the leads (optional)", required=False,
                              max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


class InviteForm(Form):
    email = forms.EmailField(label="E-mail address of the person to invite",
                             help_text="They must already have a cophub account.")
