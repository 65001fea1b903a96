"""The question form of the survey builder: one question in `catalog`'s shape (lists one
item per line, branches one per line as "answer = section number" or "answer = end")."""

from django import forms
from django.utils.text import slugify

from cophub.core.forms import Form

from ..models import Question

NEW_SECTION = "new"
K = Question.Kind
USES = {  # the settings each kind of question reads
    K.SHORT_TEXT: {"max_length"}, K.LONG_TEXT: {"max_length"},
    K.SINGLE: {"choices", "branches"}, K.DROPDOWN: {"choices", "branches"},
    K.MULTIPLE: {"choices"}, K.YES_NO: {"branches"},
    K.RATING: {"scale", "labels"}, K.NUMBER: {"scale"},
    K.LIKERT: {"choices", "rows"}, K.DATE: set(),
}
LINES_HELP = "One per line."


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class QuestionForm(Form):
    section = forms.ChoiceField(label="Section")
    kind = forms.ChoiceField(label="Kind of answer", choices=Question.Kind.choices)
    text = forms.CharField(label="Question", max_length=500)
    help_text = forms.CharField(label="Help text", max_length=1_000, required=False)
    required = forms.BooleanField(label="An answer is required", required=False)
    choices = forms.CharField(
        label="Options", required=False, widget=forms.Textarea(attrs={"rows": 5}),
        help_text="For one choice, several choices, a dropdown, and a grid's columns. "
                  + LINES_HELP)
    rows = forms.CharField(label="Grid rows", required=False,
                           widget=forms.Textarea(attrs={"rows": 4}),
                           help_text="For a grid: the statements rated. " + LINES_HELP)
    scale_min = forms.IntegerField(label="Scale from (or smallest number)", required=False)
    scale_max = forms.IntegerField(label="Scale to (or largest number)", required=False)
    scale_min_label = forms.CharField(label="Label of the low end", max_length=60,
                                      required=False)
    scale_max_label = forms.CharField(label="Label of the high end", max_length=60,
                                      required=False)
    max_length = forms.IntegerField(label="Character limit", required=False, min_value=1,
                                    max_value=10_000)
    branches = forms.CharField(
        label="Branches", required=False, widget=forms.Textarea(attrs={"rows": 3}),
        help_text='For one choice, a dropdown or yes/no: where an answer leads, one per line, '
                  'as "answer = section number" or "answer = end". Other answers go on to '
                  "the next section.")
    code = forms.SlugField(
        label="Short name", max_length=60, required=False,
        help_text="Names the question in results and the CSV file, across versions. Made "
                  "from the question if left empty.")

    def __init__(self, *args, sections: list[dict], taken_codes: set[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.taken_codes = taken_codes
        self.fields["section"].choices = [
            (str(n), f"{n}. {s['title']}" if s.get("title") else f"Section {n}")
            for n, s in enumerate(sections, start=1)] + [(NEW_SECTION, "A new section")]

    @classmethod
    def initial_from(cls, question: dict, section: int) -> dict:
        branches = "\n".join(f"{answer} = {'end' if target == 0 else target}"
                             for answer, target in question.get("branches", {}).items())
        return {**question, "section": str(section),
                "choices": "\n".join(question.get("choices", [])),
                "rows": "\n".join(question.get("rows", [])), "branches": branches}

    def clean_branches(self) -> dict:
        branches = {}
        for line in _lines(self.cleaned_data["branches"]):
            answer, sep, target = line.rpartition("=")
            answer, target = answer.strip(), target.strip().lower()
            if not sep or not answer:
                raise forms.ValidationError(f'Write "{line}" as "answer = section number" or '
                                            '"answer = end".')
            if target == "end":
                branches[answer] = 0
            elif target.isdigit() and int(target) > 0:
                branches[answer] = int(target)
            else:
                raise forms.ValidationError(f'In "{line}", write a section number or "end" '
                                            "after the equals sign.")
        return branches

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        code = data.get("code") or slugify(data.get("text", ""))[:60].strip("-") or "question"
        base, n = code, 2
        while code in self.taken_codes:
            if data.get("code"):
                self.add_error("code", "Another question of this survey has this short name.")
                return data
            code, n = f"{base[:55]}-{n}", n + 1
        data["code"] = code
        return data

    def question(self) -> dict:
        """The question as `services.definition_replace` takes it, with only what its kind
        uses (the form shows every field; a rating keeps no options typed before the kind
        was changed)."""
        data = self.cleaned_data
        uses = USES[data["kind"]]

        def used(name, value, empty):
            return value if name in uses else empty

        return {"code": data["code"], "kind": data["kind"], "text": data["text"],
                "help_text": data["help_text"], "required": data["required"],
                "choices": used("choices", _lines(data["choices"]), []),
                "rows": used("rows", _lines(data["rows"]), []),
                "branches": used("branches", data["branches"], {}),
                "max_length": used("max_length", data["max_length"], None),
                "scale_min": used("scale", data["scale_min"], None),
                "scale_max": used("scale", data["scale_max"], None),
                "scale_min_label": used("labels", data["scale_min_label"], ""),
                "scale_max_label": used("labels", data["scale_max_label"], "")}


class SectionForm(Form):
    title = forms.CharField(label="Section title", max_length=200, required=False)
    description = forms.CharField(label="Introduction", required=False, max_length=5_000,
                                  widget=forms.Textarea(attrs={"rows": 3}),
                                  help_text="Markdown, shown above the section's questions.")
