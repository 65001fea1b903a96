"""The answer form of one survey section: HTML form data in, the submitted answers out, and
what each question's controls show (names, ids, values, errors).

Not a Django `Form`: what an answer may be is decided by `answers.answers_clean` alone (the
service checks the same way on submit), and a grid needs one radio group per row. This
module only translates between the page and the submitted dict:

- a multiple choice is the list of checked boxes (`getlist`), possibly empty;
- a grid (likert) is {row: choice}, read from the radio groups `<code>__<row index>`;
- everything else is the string sent, "" when nothing was.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..answers import TEXT_LIMITS, YES_NO, QuestionDef, SectionDef
from ..models import Question

Kind = Question.Kind

ROW_SEPARATOR = "__"
TEMPLATE_DIR = "surveys/answer/"  # one partial per kind, named after it
YES_NO_LABELS = dict(zip(YES_NO, ("Yes", "No"), strict=True))
DEFAULT_SCALE = (1, 5)

# Unfinished answers are kept (in a draft or the session) before they are checked, so what
# a page can make us keep is bounded: longer than any answer accepted, and no more options
# than a question can have.
STORED_TEXT_MAX = 2 * max(TEXT_LIMITS.values())
STORED_ITEMS_MAX = 200


def row_field_name(code: str, index: int) -> str:
    return f"{code}{ROW_SEPARATOR}{index}"


def _bounded(value):
    if isinstance(value, str):
        return value[:STORED_TEXT_MAX]
    if isinstance(value, list):
        return [_bounded(item) for item in value[:STORED_ITEMS_MAX]]
    if isinstance(value, Mapping):
        return {str(key)[:STORED_TEXT_MAX]: _bounded(item)
                for key, item in list(value.items())[:STORED_ITEMS_MAX]}
    return value


def section_submitted(section: SectionDef, data) -> dict:
    """This section's answers as the services take them, from the page's form data (a
    `QueryDict`). Every question of the section gets a value, so clearing an answer on the
    page clears it in the answers kept."""
    submitted: dict[str, Any] = {}
    for question in section.questions:
        code = question.code
        if question.kind == Kind.MULTIPLE:
            submitted[code] = data.getlist(code)
        elif question.kind == Kind.LIKERT:
            submitted[code] = {row: data.get(row_field_name(code, index), "")
                               for index, row in enumerate(question.rows)}
        else:
            submitted[code] = data.get(code, "")
    return _bounded(submitted)


def answers_bounded(answers: Mapping) -> dict:
    """Answers fit to keep unfinished (strings and lists cut to a size no answer needs)."""
    return _bounded(dict(answers))


# What the page shows --------------------------------------------------------------------

@dataclass
class Option:
    value: str
    label: str
    id: str
    checked: bool = False


@dataclass
class GridRow:
    label: str
    name: str
    id: str
    options: list[Option]


@dataclass
class QuestionField:
    """One question's controls. `id` is the first control's, where the error summary
    links; `error_id` and `hint_id` are what `aria-describedby` names."""

    question: QuestionDef
    template: str
    name: str
    id: str
    value: Any = ""
    error: str = ""
    options: list[Option] = field(default_factory=list)
    rows: list[GridRow] = field(default_factory=list)
    limit: int | None = None
    hint: str = ""

    @property
    def label(self) -> str:
        return self.question.text

    @property
    def required(self) -> bool:
        return self.question.required

    @property
    def error_id(self) -> str:
        return f"{self.base_id}-error"

    @property
    def hint_id(self) -> str:
        return f"{self.base_id}-hint"

    @property
    def base_id(self) -> str:
        return f"q-{self.question.code}"

    @property
    def described_by(self) -> str:
        ids = [self.hint_id] if self.hint else []
        if self.error:
            ids.append(self.error_id)
        return " ".join(ids)


def _options(base_id: str, pairs, chosen) -> list[Option]:
    chosen = chosen if isinstance(chosen, list | tuple) else [chosen]
    chosen = {str(value) for value in chosen if value not in (None, "")}
    return [Option(value=str(value), label=label, id=f"{base_id}-{index}",
                   checked=str(value) in chosen)
            for index, (value, label) in enumerate(pairs, start=1)]


def _scale(question: QuestionDef) -> tuple[int, int]:
    low = DEFAULT_SCALE[0] if question.scale_min is None else question.scale_min
    high = DEFAULT_SCALE[1] if question.scale_max is None else question.scale_max
    return low, high


def _rating_pairs(question: QuestionDef) -> list[tuple[str, str]]:
    low, high = _scale(question)
    pairs = []
    for number in range(low, high + 1):
        label = str(number)
        if number == low and question.scale_min_label:
            label = f"{number} – {question.scale_min_label}"
        elif number == high and question.scale_max_label:
            label = f"{number} – {question.scale_max_label}"
        pairs.append((str(number), label))
    return pairs


def _number_hint(question: QuestionDef) -> str:
    low, high = question.scale_min, question.scale_max
    if low is not None and high is not None:
        return f"A number from {low} to {high}."
    if low is not None:
        return f"A number of at least {low}."
    if high is not None:
        return f"A number no more than {high}."
    return ""


def _template(kind: str) -> str:
    return TEMPLATE_DIR + (kind if kind in Kind.values else Kind.SHORT_TEXT) + ".html"


def question_field(question: QuestionDef, value, error: str = "") -> QuestionField:
    base = f"q-{question.code}"
    made = QuestionField(question=question, template=_template(question.kind),
        name=question.code, id=base, error=error,
        hint=question.help_text)
    kind = question.kind
    if kind in (Kind.SINGLE, Kind.DROPDOWN, Kind.YES_NO, Kind.RATING, Kind.MULTIPLE):
        if kind == Kind.YES_NO:
            pairs = list(YES_NO_LABELS.items())
        elif kind == Kind.RATING:
            pairs = _rating_pairs(question)
        else:
            pairs = [(choice, choice) for choice in question.choices]
        made.options = _options(base, pairs, value)
        if kind != Kind.DROPDOWN and made.options:
            made.id = made.options[0].id
    elif kind == Kind.LIKERT:
        chosen = value if isinstance(value, Mapping) else {}
        for index, row in enumerate(question.rows):
            row_id = f"{base}-{index}"
            made.rows.append(GridRow(
                label=row, name=row_field_name(question.code, index), id=row_id,
                options=_options(row_id, [(c, c) for c in question.choices],
                                 chosen.get(row, ""))))
        if made.rows and made.rows[0].options:
            made.id = made.rows[0].options[0].id
    else:
        made.value = value if isinstance(value, str) else ""
        if kind in TEXT_LIMITS:
            made.limit = question.max_length or TEXT_LIMITS[kind]
        elif kind == Kind.NUMBER:
            range_hint = _number_hint(question)
            made.hint = " ".join(part for part in (question.help_text, range_hint) if part)
    return made


def section_fields(section: SectionDef, values: Mapping, errors: Mapping) -> list[QuestionField]:
    """The controls of a section's questions, showing `values` (the answers so far, as
    submitted) and the `errors` of these questions."""
    return [question_field(question, values.get(question.code, ""),
                           errors.get(question.code, ""))
            for question in section.questions]
