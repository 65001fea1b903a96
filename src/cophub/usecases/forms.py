from django import forms

from cophub.core.forms import Form

from .columns import FACET_VALUE_MAX_CHARS, words
from .selectors import FACETS, SORTS, UseCaseFilters

MAX_VALUES_PER_FACET = 50
MAX_WORDS = 10


class FacetValuesField(forms.MultipleChoiceField):
    """Any values (the facet's values are whatever the inventory holds; an unknown one
    matches nothing and shows with a count of 0), within limits. No NUL: the import refuses
    it, so no facet holds one, and PostgreSQL cannot even compare a text with it."""

    def valid_value(self, value) -> bool:
        return 0 < len(value) <= FACET_VALUE_MAX_CHARS and "\x00" not in value

    def validate(self, value):
        super().validate(value)
        if len(value) > MAX_VALUES_PER_FACET:
            raise forms.ValidationError(
                f"Choose at most {MAX_VALUES_PER_FACET} values.")


class UseCaseFilterForm(Form):
    """The list's filters. The facet checkboxes are drawn by the page with their counts;
    this form reads and checks what came back."""

    q = forms.CharField(label="Words in the name or description", required=False,
                        max_length=200)
    sort = forms.ChoiceField(label="Sort by", required=False,
                             choices=[(k, label) for k, (label, _) in SORTS.items()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for facet in FACETS:
            self.fields[facet.name] = FacetValuesField(label=facet.label, required=False)

    def filters(self) -> UseCaseFilters:
        data = self.cleaned_data if self.is_valid() else {}
        query_words = [w for w in dict.fromkeys(words(data.get("q", "")))][:MAX_WORDS]
        return UseCaseFilters(
            words=tuple(query_words),
            facets={f.name: tuple(dict.fromkeys(data.get(f.name) or ())) for f in FACETS
                    if data.get(f.name)},
            sort=data.get("sort") or "agency",
        )


class ContactForm(Form):
    listed = forms.BooleanField(
        label="List me as a contact for my agency's AI use cases", required=False,
        help_text="Government members see your name, job role and e-mail address on the "
                  "agency's use cases. Public visitors never do. Untick to stop.")


class StatisticsForm(Form):
    year = forms.TypedChoiceField(label="Inventory year", coerce=int, required=False)

    def __init__(self, *args, years: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, str(y)) for y in years]
