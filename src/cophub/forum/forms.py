from django import forms

from cophub.core.access import AccessLevel
from cophub.lists.models import MailingList

from .models import Category
from .selectors import TOPIC_FILTERS

BODY_HELP = "Markdown: **bold**, *italic*, [links](https://…), lists, > quotes and `code`."


class TopicForm(forms.Form):
    title = forms.CharField(max_length=300, label="Title")
    body = forms.CharField(label="Message", widget=forms.Textarea(attrs={"rows": 10}),
                           help_text=BODY_HELP, max_length=50_000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "usa-input" if field is self.fields["title"]
                                          else "usa-textarea")


class ReplyForm(forms.Form):
    body = forms.CharField(label="Your reply", widget=forms.Textarea(
        attrs={"rows": 8, "class": "usa-textarea"}), help_text=BODY_HELP, max_length=50_000)
    parent = forms.IntegerField(required=False, widget=forms.HiddenInput)


class EditForm(forms.Form):
    title = forms.CharField(max_length=300, label="Title",
                            widget=forms.TextInput(attrs={"class": "usa-input"}))
    body = forms.CharField(label="Message", widget=forms.Textarea(
        attrs={"rows": 12, "class": "usa-textarea"}), help_text=BODY_HELP, max_length=50_000)

    def __init__(self, *args, with_title: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not with_title:
            del self.fields["title"]


class TopicFilterForm(forms.Form):
    show = forms.ChoiceField(required=False, label="Show", choices=[])

    def __init__(self, *args, questions: bool, **kwargs):
        super().__init__(*args, **kwargs)
        names = ["unanswered", "unsolved", "solved"] if questions else ["unanswered"]
        self.fields["show"].choices = [("", "All topics")] + [
            (name, TOPIC_FILTERS[name][0]) for name in names]
        self.fields["show"].widget.attrs["class"] = "usa-select"


class CategoryForm(forms.ModelForm):
    class Meta:
        model = Category
        fields = ["name", "slug", "description", "kind", "group", "access_level",
                  "posting_rule", "hold_first_posts", "mailing_list", "position"]
        labels = {"slug": "Address", "mailing_list": "Discussion list"}
        help_texts = {
            "slug": "Letters, numbers and hyphens; part of the category's web address.",
            "mailing_list": ("Optional. The category becomes this list's conversation: topics "
                             "started here go to its subscribers, mail to the list becomes "
                             "topics here, and who can see it follows the list's archive."),
            "position": "Categories are shown in this order (lowest first).",
        }
        widgets = {"kind": forms.RadioSelect, "posting_rule": forms.RadioSelect,
                   "access_level": forms.RadioSelect,
                   "description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, community, groups, lists_allowed: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = groups
        self.fields["group"].required = False
        self.fields["group"].empty_label = "The whole community"
        self.fields["access_level"].choices = [
            (c.value, c.label) for c in AccessLevel if c != AccessLevel.ORGANIZERS]
        lists = MailingList.objects.filter(community=community,
                                           kind=MailingList.Kind.DISCUSSION, is_active=True)
        if lists_allowed:
            self.fields["mailing_list"].queryset = lists
            self.fields["mailing_list"].empty_label = "None: the category's posts stay on the site"
        else:
            del self.fields["mailing_list"]
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.RadioSelect):
                continue
            css = {"Select": "usa-select", "Textarea": "usa-textarea"}.get(
                type(widget).__name__, "usa-input")
            widget.attrs.setdefault("class", css)
