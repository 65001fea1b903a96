"""Forms for the library: the browse filters and the organizers' resource form."""

from django import forms
from django.core.exceptions import ValidationError

from cophub.core.access import AccessLevel
from cophub.core.forms import Form
from cophub.core.uploads import ACCEPTED_DESCRIPTION, max_upload_bytes

from .models import Resource


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


# --- Browsing ----------------------------------------------------------------------------

class ResourceFilterForm(Form):
    q = forms.CharField(label="Words in the title, summary or authors", required=False,
                        max_length=200)
    community = forms.ChoiceField(required=False)
    kind = forms.ChoiceField(label="Kind of resource", required=False,
                             choices=[("", "Any kind"), *Resource.Kind.choices])
    practice_area = forms.ChoiceField(required=False)
    year = forms.ChoiceField(label="Year published", required=False)
    status = forms.ChoiceField(label="Show", required=False, choices=[
        ("", "Resources in the library"), ("withdrawn", "Withdrawn resources")])

    def __init__(self, *args, communities=None, practice_areas=(), years=(),
                 show_status: bool = False, **kwargs):
        """`communities`: choices for the site-wide page (None on a community's page);
        `practice_areas`: the practice areas the viewer may see; `years`: the years with
        resources. Cleaned values are objects (or None) and an int year."""
        super().__init__(*args, **kwargs)
        if communities is None:
            del self.fields["community"]
            self.communities = {}
        else:
            self.communities = {c.slug: c for c in communities}
            self.fields["community"].choices = [("", "All communities")] + [
                (c.slug, c.name) for c in communities]
        several = len({p.community_id for p in practice_areas}) > 1
        self.practice_areas = {str(p.pk): p for p in practice_areas}
        self.fields["practice_area"].choices = [("", "Any practice area")] + [
            (str(p.pk), f"{p.name} ({p.community.short_name or p.community.name})" if several
             else p.name) for p in practice_areas]
        self.fields["year"].choices = [("", "Any year")] + [(str(y), str(y)) for y in years]
        if not show_status:
            del self.fields["status"]

    def clean_community(self):
        return self.communities.get(self.cleaned_data["community"])

    def clean_practice_area(self):
        return self.practice_areas.get(self.cleaned_data["practice_area"])

    def clean_year(self):
        value = self.cleaned_data["year"]
        return int(value) if value else None


# --- Organizers: the resource form ---------------------------------------------------------

class EventChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, event) -> str:
        return f"{event.title} ({event.starts_at:%b %-d, %Y})"


class ResourceForm(Form):
    kind = forms.ChoiceField(choices=Resource.Kind.choices)
    title = forms.CharField(max_length=200)
    summary = forms.CharField(max_length=20_000, widget=forms.Textarea(attrs={"rows": 8}),
                              help_text="What the resource is and who it is for. Markdown "
                                        "(for example **bold**, lists and links) is allowed.")
    authors = forms.CharField(required=False, max_length=2_000,
                              widget=forms.Textarea(attrs={"rows": 3}),
                              help_text="One author per line: name, organization.")
    upload = forms.FileField(label="File", required=False)
    url = forms.URLField(label="Link", required=False, max_length=1000, assume_scheme="https",
                         help_text="The address of the resource on another site, instead of "
                                   "a file.")
    group = forms.ModelChoiceField(label="Source group", queryset=None, required=False,
                                   help_text="The working group, practice area or committee "
                                             "the resource comes from.")
    practice_areas = forms.ModelMultipleChoiceField(
        queryset=None, required=False, widget=forms.CheckboxSelectMultiple)
    source_event = EventChoiceField(queryset=None, required=False,
                                    help_text="The event where it was presented, if any.")
    published_on = forms.DateField(label="Published", widget=DateInput)
    access_level = forms.ChoiceField(label="Who may see it", choices=AccessLevel.choices,
                                     initial=AccessLevel.PUBLIC, widget=forms.RadioSelect)
    change_summary = forms.CharField(label="What changed", required=False, max_length=300,
                                     help_text="A short note for the version history.")

    def __init__(self, *args, groups, practice_areas, events, resource: Resource | None = None,
                 group_required: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.resource = resource
        self.fields["group"].queryset = groups
        self.fields["group"].empty_label = "No group"
        if group_required:
            self.fields["group"].required = True
            self.fields["group"].empty_label = None
            self.fields["group"].help_text = "A group you lead."
        self.fields["practice_areas"].queryset = practice_areas
        self.fields["source_event"].queryset = events
        self.fields["source_event"].empty_label = "No event"
        limit = max_upload_bytes() // (1024 * 1024)
        if resource is not None and resource.file:
            self.fields["upload"].label = "Replace the file"
            self.fields["upload"].help_text = (
                f"The current file is {resource.file_name}. Choose a new file to replace it "
                f"(up to {limit} MB), or give a link below instead of a file.")
        else:
            self.fields["upload"].help_text = (f"Up to {limit} MB: {ACCEPTED_DESCRIPTION}. "
                                               "Or give a link below instead.")
        if resource is None:
            del self.fields["change_summary"]

    def clean(self):
        data = super().clean()
        upload, url = data.get("upload"), data.get("url")
        if upload and url:
            self.add_error("url", "Upload a file or give a link, not both. To use the file, "
                                  "empty this field.")
        elif not upload and not url and not (self.resource and self.resource.file):
            self.add_error("url", "Give a link or upload a file.")
        if data.get("kind") == Resource.Kind.LINK and upload:
            self.add_error("kind", "A link resource has no file: choose the kind of document "
                                   "the file is.")
        if data.get("access_level") == AccessLevel.GROUP and not data.get("group"):
            self.add_error("group", "Choose the group whose members may see it.")
        return data

    def resource_data(self) -> dict:
        data = self.cleaned_data
        return {"kind": data["kind"], "title": data["title"], "summary": data["summary"],
                "authors": data["authors"], "url": data["url"], "group": data["group"],
                "practice_areas": list(data["practice_areas"]),
                "source_event": data["source_event"], "published_on": data["published_on"],
                "access_level": data["access_level"]}

    def add_service_error(self, exc: ValidationError) -> None:
        if hasattr(exc, "error_dict"):
            for name, errors in exc.message_dict.items():
                self.add_error(name if name in self.fields else None, errors)
        else:
            self.add_error(None, exc.messages)


def resource_initial(resource: Resource) -> dict:
    return {"kind": resource.kind, "title": resource.title, "summary": resource.summary,
            "authors": resource.authors, "url": resource.url, "group": resource.group_id,
            "practice_areas": [p.pk for p in resource.practice_areas.all()],
            "source_event": resource.source_event_id, "published_on": resource.published_on,
            "access_level": resource.access_level}
