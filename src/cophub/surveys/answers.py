"""What a respondent's answers mean: checking them against a version's questions, following
the branches, turning them into `Answer` rows, and checking a version before it is used.

Everything here is pure: a version's structure is read once into a `Definition` (two
queries), and every check after that needs no database, so forms, the ballot counter and the
survey builder all ask the same functions and cannot disagree about what an answer is.

Submitted values are whatever arrived over the wire, so nothing here trusts their type: a
list where text was expected is an error message for the person, never an exception.
"""

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import cached_property
from itertools import count
from typing import Any

from django.db.models import Prefetch

from .models import Question, Section

Kind = Question.Kind

TEXT_LIMITS = {Kind.SHORT_TEXT: 500, Kind.LONG_TEXT: 10_000}
RATING_DEFAULT_MIN, RATING_DEFAULT_MAX = 1, 5
NUMBER_MAX_PLACES, NUMBER_MAX_WHOLE_DIGITS = 4, 10
# The options must fit `Answer.option` and `Answer.row`.
OPTION_MAX_LENGTH = 200

CHOICE_KINDS = frozenset({Kind.SINGLE, Kind.MULTIPLE, Kind.DROPDOWN, Kind.LIKERT})
BRANCHING_KINDS = frozenset({Kind.SINGLE, Kind.DROPDOWN, Kind.YES_NO})
YES_NO = ("yes", "no")
END = 0  # a branch to 0 ends the survey

NEEDS_ANSWER = "This question needs an answer."
# ASCII digits only: int() and Decimal() would also take "1_000" and other scripts' digits.
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_WHOLE_RE = re.compile(r"[+-]?[0-9]+")
_DECIMAL_RE = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)")
_FOUR_PLACES = Decimal(1).scaleb(-NUMBER_MAX_PLACES)
# Longer than any number we accept; parsing stops here rather than on a megabyte of digits.
_NUMBER_MAX_CHARS = 40


@dataclass(frozen=True)
class QuestionDef:
    id: int
    code: str
    kind: str
    text: str
    position: int = 0
    help_text: str = ""
    required: bool = False
    choices: tuple = ()
    rows: tuple = ()
    # Kept as stored ({answer: section position}), so `definition_problems` can name what
    # is wrong with it; the walk through the sections skips whatever is not usable.
    branches: Mapping = field(default_factory=dict, hash=False)
    max_length: int | None = None
    scale_min: int | None = None
    scale_max: int | None = None
    scale_min_label: str = ""
    scale_max_label: str = ""


@dataclass(frozen=True)
class SectionDef:
    position: int
    questions: tuple[QuestionDef, ...]
    title: str = ""
    description: str = ""


@dataclass(frozen=True)
class Definition:
    """A version's structure, read once, so checking answers needs no database."""

    sections: tuple[SectionDef, ...]  # ordered by position

    @cached_property
    def questions(self) -> tuple[QuestionDef, ...]:
        return tuple(q for section in self.sections for q in section.questions)

    @cached_property
    def _by_code(self) -> dict[str, QuestionDef]:
        by_code: dict[str, QuestionDef] = {}
        for question in self.questions:
            by_code.setdefault(question.code, question)
        return by_code

    def question(self, code: str) -> QuestionDef | None:
        return self._by_code.get(code)


# Reading a definition -------------------------------------------------------------------

def _as_tuple(value) -> tuple:
    return tuple(value) if isinstance(value, list | tuple) else ()


def _as_mapping(value) -> Mapping:
    return value if isinstance(value, Mapping) else {}


def _question_def(source, *, question_id: int, position: int) -> QuestionDef:
    """From a `Question` row or a template's dict, whichever `source` is."""
    get = source.get if isinstance(source, Mapping) else (
        lambda name, default=None: getattr(source, name, default))
    return QuestionDef(
        id=question_id, code=get("code", ""), kind=get("kind", ""), text=get("text", ""),
        position=position, help_text=get("help_text", "") or "",
        required=bool(get("required", False)), choices=_as_tuple(get("choices")),
        rows=_as_tuple(get("rows")), branches=get("branches") or {},
        max_length=get("max_length"), scale_min=get("scale_min"),
        scale_max=get("scale_max"), scale_min_label=get("scale_min_label", "") or "",
        scale_max_label=get("scale_max_label", "") or "")


def definition_load(version) -> Definition:
    """A version's sections and questions in two queries."""
    sections = Section.objects.filter(version=version).order_by("position").prefetch_related(
        Prefetch("questions", queryset=Question.objects.order_by("position")))
    return Definition(sections=tuple(
        SectionDef(position=section.position, title=section.title,
                   description=section.description,
                   questions=tuple(_question_def(q, question_id=q.pk, position=q.position)
                                   for q in section.questions.all()))
        for section in sections))


def definition_from_data(sections: list[dict]) -> Definition:
    """A definition from plain data (a template, a builder's draft) without the database:
    sections are numbered 1..n in the order given, questions get ids 1..n across the whole
    version, so branches in the data name sections by their place in the list."""
    ids = count(1)
    return Definition(sections=tuple(
        SectionDef(position=s_index, title=section.get("title", ""),
                   description=section.get("description", ""),
                   questions=tuple(_question_def(q, question_id=next(ids), position=q_index)
                                   for q_index, q in enumerate(section.get("questions", []), 1)))
        for s_index, section in enumerate(sections, 1)))


# Cleaning one answer: each returns (value or None for no answer, error or None) --------

def _clean_text(question: QuestionDef, raw) -> tuple[Any, str | None]:
    if not isinstance(raw, str):
        return None, "Write your answer as text."
    value = raw.strip()
    if not value:
        return None, None
    limit = question.max_length or TEXT_LIMITS[question.kind]
    if len(value) > limit:
        return None, f"Keep this under {limit:,} characters (you wrote {len(value):,})."
    # The database cannot store a NUL character; nothing typed in a browser contains one.
    if "\x00" in value:
        return None, "Remove the invisible control characters from your answer."
    return value, None


def _clean_choice(question: QuestionDef, raw) -> tuple[Any, str | None]:
    if raw == "":
        return None, None
    if not isinstance(raw, str) or raw not in question.choices:
        return None, "Choose one of the options given."
    return raw, None


def _clean_yes_no(question: QuestionDef, raw) -> tuple[Any, str | None]:
    if raw == "":
        return None, None
    if not isinstance(raw, str) or raw not in YES_NO:
        return None, "Answer yes or no."
    return raw, None


def _clean_multiple(question: QuestionDef, raw) -> tuple[Any, str | None]:
    if not isinstance(raw, list | tuple):
        return None, "Choose from the options given."
    if not raw:
        return None, None
    if not all(isinstance(option, str) and option in question.choices for option in raw):
        return None, "Choose only from the options given."
    if len(set(raw)) != len(raw):
        return None, "Choose each option only once."
    return [choice for choice in question.choices if choice in raw], None


def _scale(question: QuestionDef) -> tuple[int, int]:
    low = RATING_DEFAULT_MIN if question.scale_min is None else question.scale_min
    high = RATING_DEFAULT_MAX if question.scale_max is None else question.scale_max
    return low, high


def _clean_rating(question: QuestionDef, raw) -> tuple[Any, str | None]:
    if raw == "":
        return None, None
    low, high = _scale(question)
    error = f"Enter a whole number from {low} to {high}."
    if isinstance(raw, str):
        if len(raw) > _NUMBER_MAX_CHARS or not _WHOLE_RE.fullmatch(raw.strip()):
            return None, error
        raw = int(raw.strip())
    if not isinstance(raw, int) or isinstance(raw, bool) or not low <= raw <= high:
        return None, error
    return raw, None


def _number_range_error(question: QuestionDef, value: Decimal) -> str | None:
    low, high = question.scale_min, question.scale_max
    if (low is None or value >= low) and (high is None or value <= high):
        return None
    if low is not None and high is not None:
        return f"Enter a number from {low} to {high}."
    if low is not None:
        return f"Enter a number of at least {low}."
    return f"Enter a number no more than {high}."


def _clean_number(question: QuestionDef, raw) -> tuple[Any, str | None]:
    if raw == "":
        return None, None
    error = "Enter a number, such as 12 or 3.5."
    if isinstance(raw, str):
        if len(raw) > _NUMBER_MAX_CHARS or not _DECIMAL_RE.fullmatch(raw.strip()):
            return None, error
        raw = raw.strip()
    elif isinstance(raw, float):  # taken at the value it prints as, not its binary value
        raw = repr(raw)
    elif isinstance(raw, bool) or not isinstance(raw, int | Decimal):
        return None, error
    value = Decimal(raw)
    if not value.is_finite():  # a float's nan or inf
        return None, error
    if abs(value) >= 10 ** NUMBER_MAX_WHOLE_DIGITS:
        return None, (f"Enter a number with at most {NUMBER_MAX_WHOLE_DIGITS} digits "
                      "before the decimal point.")
    rounded = value.quantize(_FOUR_PLACES)
    if rounded != value:
        return None, f"Use at most {NUMBER_MAX_PLACES} decimal places."
    if value.as_tuple().exponent < -NUMBER_MAX_PLACES:  # 1.50000 is 1.5000
        value = rounded
    return value, _number_range_error(question, value)


def _clean_likert(question: QuestionDef, raw) -> tuple[Any, str | None]:
    if not isinstance(raw, Mapping):
        return None, "Choose one option for each row."
    answered = {row: choice for row, choice in raw.items() if choice not in ("", None)}
    if any(row not in question.rows for row in answered):
        return None, "Answer only the rows given."
    if not all(isinstance(choice, str) and choice in question.choices
               for choice in answered.values()):
        return None, "Choose one of the options given for each row."
    if not answered:
        return None, None
    return {row: answered[row] for row in question.rows if row in answered}, None


def _clean_date(question: QuestionDef, raw) -> tuple[Any, str | None]:
    if raw == "":
        return None, None
    if isinstance(raw, date) and not isinstance(raw, datetime):
        return raw, None
    if not isinstance(raw, str) or not _DATE_RE.fullmatch(raw.strip()):
        return None, "Enter a date as YYYY-MM-DD."
    try:
        return date.fromisoformat(raw.strip()), None
    except ValueError:
        return None, "Enter a date that exists, as YYYY-MM-DD."


_CLEANERS = {
    Kind.SHORT_TEXT: _clean_text, Kind.LONG_TEXT: _clean_text,
    Kind.SINGLE: _clean_choice, Kind.DROPDOWN: _clean_choice, Kind.YES_NO: _clean_yes_no,
    Kind.MULTIPLE: _clean_multiple, Kind.RATING: _clean_rating, Kind.NUMBER: _clean_number,
    Kind.LIKERT: _clean_likert, Kind.DATE: _clean_date,
}


def answer_clean(question: QuestionDef, raw) -> tuple[Any, str | None]:
    """One answer, cleaned: (value, None), (None, None) for no answer, or (None, error).
    Requiredness is not decided here: it depends on the branches taken."""
    cleaner = _CLEANERS.get(question.kind)
    if raw is None or cleaner is None:
        return None, None
    return cleaner(question, raw)


def answers_clean(definition: Definition, submitted: Mapping) -> tuple[dict, dict]:
    """(cleaned {code: value}, errors {code: message}) for the sections the answers lead
    through. Answers and errors in sections the person's branches skip are dropped: they
    answered, then changed their mind on a branch. Unknown codes are ignored."""
    if not isinstance(submitted, Mapping):
        submitted = {}
    cleaned, errors = {}, {}
    for question in definition.questions:
        value, error = answer_clean(question, submitted.get(question.code))
        if error:
            errors[question.code] = error
        elif value is not None:
            cleaned[question.code] = value

    visited = set(visited_sections(definition, cleaned))
    kept = {q.code for s in definition.sections if s.position in visited for q in s.questions}
    cleaned = {code: value for code, value in cleaned.items() if code in kept}
    errors = {code: error for code, error in errors.items() if code in kept}
    for section in definition.sections:
        if section.position not in visited:
            continue
        for question in section.questions:
            if not question.required or question.code in errors:
                continue
            value = cleaned.get(question.code)
            if value is None:
                errors[question.code] = NEEDS_ANSWER
            elif question.kind == Kind.LIKERT and len(value) < len(set(question.rows)):
                errors[question.code] = "Answer every row."
                del cleaned[question.code]  # a code is either cleaned or in error, never both
    return cleaned, errors


# Branching ------------------------------------------------------------------------------

def _usable_target(target, *, current: int, positions) -> bool:
    """A branch goes forward to a section that exists, or to the end; anything else is
    refused when the version is built, and ignored if it got through."""
    if not isinstance(target, int) or isinstance(target, bool):
        return False
    return target == END or (target > current and target in positions)


def _branch_target(section: SectionDef, cleaned: Mapping, positions) -> int | None:
    """Where the first answered question that branches on its answer leads, if any."""
    for question in section.questions:
        if question.kind not in BRANCHING_KINDS:
            continue
        answer = cleaned.get(question.code)
        branches = _as_mapping(question.branches)
        if not isinstance(answer, str) or answer not in branches:
            continue
        target = branches[answer]
        if _usable_target(target, current=section.position, positions=positions):
            return target
    return None


def visited_sections(definition: Definition, cleaned: Mapping) -> list[int]:
    """The positions of the sections the answers lead through, in order. Branches only go
    forward, so the walk always ends."""
    positions = {section.position: index for index, section in enumerate(definition.sections)}
    visited, index = [], 0
    while index < len(definition.sections):
        section = definition.sections[index]
        visited.append(section.position)
        target = _branch_target(section, cleaned, positions)
        if target == END:
            break
        index = index + 1 if target is None else positions[target]
    return visited


# Storing --------------------------------------------------------------------------------

def _row(question: QuestionDef, **values) -> dict:
    return {"question_id": question.id, "row": "", "option": "", "number": None, "text": "",
            "date": None} | values


def answer_rows(definition: Definition, cleaned: Mapping) -> list[dict]:
    """Keyword arguments for `Answer` rows (all but `response`), in question order: one
    row per chosen option of a multiple choice and one per answered row of a grid, so
    results count options with a plain GROUP BY."""
    rows = []
    for question in definition.questions:
        value = cleaned.get(question.code)
        if value is None:
            continue
        kind = question.kind
        if kind == Kind.MULTIPLE:
            rows += [_row(question, option=option) for option in value]
        elif kind == Kind.LIKERT:
            rows += [_row(question, row=row, option=choice) for row, choice in value.items()]
        elif kind in BRANCHING_KINDS:
            rows.append(_row(question, option=value))
        elif kind in (Kind.RATING, Kind.NUMBER):
            rows.append(_row(question, number=Decimal(value)))
        elif kind == Kind.DATE:
            rows.append(_row(question, date=value))
        elif kind in TEXT_LIMITS:
            rows.append(_row(question, text=value))
    return rows


# Checking a version before it is used ---------------------------------------------------

def _label(section: SectionDef, question: QuestionDef) -> str:
    text = question.text if len(question.text) <= 60 else question.text[:59] + "…"
    return f'Section {section.position}, question {question.position} ("{text}")'


def _list_problems(label: str, values: tuple, noun: str) -> list[str]:
    problems, seen = [], set()
    for value in values:
        if not isinstance(value, str) or not value.strip():
            problems.append(f"{label} has an empty {noun}; give every {noun} some words.")
        elif len(value) > OPTION_MAX_LENGTH:
            problems.append(f'{label} has the {noun} "{value[:40]}…", which is longer than '
                            f"{OPTION_MAX_LENGTH} characters; shorten it.")
        elif value in seen:
            problems.append(f'{label} lists the {noun} "{value}" more than once.')
        else:
            seen.add(value)
    return problems


def _branch_problems(label: str, section: SectionDef, question: QuestionDef,
                     positions) -> list[str]:
    branches = question.branches
    if not branches:
        return []
    if question.kind not in BRANCHING_KINDS:
        return [f"{label} has branches, but only one-choice, dropdown and yes-or-no "
                "questions can lead to another section."]
    if not isinstance(branches, Mapping):
        return [f"{label} has branches that do not say which answer leads where."]
    answers = YES_NO if question.kind == Kind.YES_NO else question.choices
    problems = []
    for answer, target in branches.items():
        if answer not in answers:
            problems.append(f'{label} branches on "{answer}", which is not one of its '
                            "answers.")
        elif not isinstance(target, int) or isinstance(target, bool):
            problems.append(f'{label} sends "{answer}" to "{target}", which is not a '
                            "section number.")
        elif target == END:
            continue
        elif target <= section.position:
            problems.append(f'{label} sends "{answer}" back to section {target}; a branch '
                            "can only go forward to a later section or to the end.")
        elif target not in positions:
            problems.append(f'{label} sends "{answer}" to section {target}, which does not '
                            "exist.")
    return problems


def _question_problems(section: SectionDef, question: QuestionDef, positions) -> list[str]:
    label = _label(section, question)
    if question.kind not in _CLEANERS:
        return [f'{label} has the unknown kind "{question.kind}".']
    problems = []
    if not question.code:
        problems.append(f"{label} has no code; give it a short name for the results.")
    if question.kind in CHOICE_KINDS:
        if not question.choices:
            problems.append(f"{label} has no options to choose from.")
        problems += _list_problems(label, question.choices, "option")
    if question.kind == Kind.LIKERT:
        if not question.rows:
            problems.append(f"{label} has no rows to rate.")
        problems += _list_problems(label, question.rows, "row")
    if question.kind in (Kind.RATING, Kind.NUMBER):
        low, high = (_scale(question) if question.kind == Kind.RATING
                     else (question.scale_min, question.scale_max))
        if low is not None and high is not None and low >= high:
            problems.append(f"{label} has a scale from {low} to {high}; the lowest value "
                            "must be below the highest.")
    return problems + _branch_problems(label, section, question, positions)


def definition_problems(definition: Definition) -> list[str]:
    """What an organizer must fix before the version can be published, in plain sentences;
    empty when it is ready. Answers are checked against the same rules, so a version that
    passes here can always be answered."""
    positions = {section.position for section in definition.sections}
    problems = []
    for section in definition.sections:
        for question in section.questions:
            problems += _question_problems(section, question, positions)
    codes = Counter(question.code for question in definition.questions if question.code)
    for code in (code for code, uses in codes.items() if uses > 1):
        problems.append(f'The code "{code}" is used by more than one question; each '
                        "question needs its own.")
    return problems
