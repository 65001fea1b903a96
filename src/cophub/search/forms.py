from django import forms

from cophub.core.forms import Form

from .registry import search_types


class SearchForm(Form):
    """The search page's query and type filter (facet filters are read as `f.<facet>`
    parameters, since which facets exist depends on the chosen type)."""

    q = forms.CharField(label="Search terms", required=False, strip=True,
                        widget=forms.TextInput(attrs={"type": "search"}))
    type = forms.MultipleChoiceField(label="Type", required=False, choices=(),
                                     widget=forms.CheckboxSelectMultiple)
    exact = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["type"].choices = [(name, t.label) for name, t in search_types().items()]
        self.fields["type"].error_messages["invalid_choice"] = (
            "There is no type of result called “%(value)s”.")
