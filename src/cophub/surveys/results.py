"""Survey results, read only: counts per question, breakdowns by who answered (with small
cells hidden), the live count, the free-text answers and the CSV export.

Every count is a GROUP BY on `Answer` (question, row, option, number), so a page costs the
same few queries for ten responses or ten thousand. A question is followed across versions
by its `code`; versions whose question differs (another kind, other options, another scale)
are reported apart, since their counts cannot be added up.

Breakdowns show the traits a response keeps (organization, level of government, groups),
which could point at a person when few people share them, so cells below the survey's
small-cell size are hidden, along with enough others that they cannot be worked out from
the totals shown (`cells_suppress`).
"""

from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.core.paginator import Page, Paginator
from django.db.models import Count, F, Q

from cophub.accounts.models import Level
from cophub.communities.models import Group
from cophub.core.csv_export import csv_safe

from .answers import RATING_DEFAULT_MAX, RATING_DEFAULT_MIN
from .models import Answer, Ballot, Question, Response, Survey, SurveyVersion

Kind = Question.Kind

OPTION_KINDS = frozenset({Kind.SINGLE, Kind.MULTIPLE, Kind.DROPDOWN, Kind.YES_NO})
NUMBER_KINDS = frozenset({Kind.RATING, Kind.NUMBER})
TEXT_KINDS = frozenset({Kind.SHORT_TEXT, Kind.LONG_TEXT})
BREAKDOWN_KINDS = frozenset({Kind.SINGLE, Kind.DROPDOWN, Kind.YES_NO, Kind.RATING})
BREAKDOWN_BY = {"organization": "Organization", "level": "Level of government",
                "group": "Group"}
YES_NO_LABELS = {"yes": "Yes", "no": "No"}
# A rating scale wider than this, and a number question with more distinct answers, is
# shown in ranges rather than one bar per value.
MAX_POINTS = 12
NUMBER_RANGES = 10
TEXT_PAGE_SIZE = 20
CSV_CHUNK = 500


@dataclass(frozen=True)
class OptionCount:
    label: str
    count: int
    percent: int | None  # of the people who answered the question


@dataclass(frozen=True)
class GridRow:
    label: str
    answered: int
    counts: tuple[OptionCount, ...]


@dataclass(frozen=True)
class QuestionResult:
    key: str  # unique on the page: the code, and the versions when reported apart
    code: str
    kind: str
    text: str
    versions: tuple[int, ...]
    responses: int  # responses to those versions
    answered: int  # of them, how many answered this question
    counts: tuple[OptionCount, ...] = ()  # options, or the distribution of a rating or number
    grid: tuple[GridRow, ...] = ()  # a likert grid's rows
    mean: Decimal | None = None
    median: Decimal | None = None
    low: int | None = None  # a rating's scale
    high: int | None = None

    @property
    def kind_label(self) -> str:
        return Kind(self.kind).label if self.kind in Kind.values else self.kind


# --- Reading questions across versions ----------------------------------------------------

def _questions(survey: Survey, version: SurveyVersion | None = None):
    questions = Question.objects.filter(section__version__survey=survey)
    if version is not None:
        questions = questions.filter(section__version=version)
    return questions.annotate(version_number=F("section__version__number")).order_by(
        "section__version__number", "section__position", "position")


def _scale(question) -> tuple[int, int]:
    low = RATING_DEFAULT_MIN if question.scale_min is None else question.scale_min
    high = RATING_DEFAULT_MAX if question.scale_max is None else question.scale_max
    return low, high


def _signature(question) -> tuple:
    """What must be equal for two versions' counts of a question to be added up."""
    if question.kind in OPTION_KINDS or question.kind == Kind.LIKERT:
        return (question.kind, tuple(question.choices or ()), tuple(question.rows or ()))
    if question.kind == Kind.RATING:
        return (question.kind, *_scale(question))
    return (question.kind,)


def _codes_in_order(questions) -> list[str]:
    """Codes in the newest version's order, then those only older versions have."""
    by_version = defaultdict(list)
    for question in questions:  # already in (version, section, position) order
        by_version[question.version_number].append(question.code)
    ordered: dict[str, None] = {}
    for number in sorted(by_version, reverse=True):
        for code in by_version[number]:
            ordered.setdefault(code, None)
    return list(ordered)


def _groups(questions) -> list[list]:
    """Questions grouped for reporting: per code, versions with the same signature
    together, in the order of `_codes_in_order`."""
    by_code: dict[str, dict[tuple, list]] = defaultdict(dict)
    for question in questions:
        by_code[question.code].setdefault(_signature(question), []).append(question)
    return [group for code in _codes_in_order(questions)
            for group in by_code[code].values()]


# --- Counting ------------------------------------------------------------------------------

def _percent(count: int, of: int) -> int | None:
    return round(100 * count / of) if of else None


def _plain(number: Decimal) -> str:
    """12.5000 → "12.5", 100 → "100" (never "1E+2")."""
    return format(number.normalize(), "f") if number else "0"


def _mean_median(distribution: dict[Decimal, int]) -> tuple[Decimal | None, Decimal | None]:
    total = sum(distribution.values())
    if not total:
        return None, None
    mean = sum(value * n for value, n in distribution.items()) / total
    ordered = sorted(distribution.items())

    def nth(index: int) -> Decimal:  # the index-th value (from 0) in sorted order
        seen = 0
        for value, n in ordered:
            seen += n
            if index < seen:
                return value
        return ordered[-1][0]

    middle = (nth((total - 1) // 2) + nth(total // 2)) / 2
    return Decimal(_plain(mean.quantize(Decimal("0.01")))), Decimal(_plain(middle))


def _ranges(distribution: dict[Decimal, int], answered: int) -> list[OptionCount]:
    """Many distinct numbers: NUMBER_RANGES ranges of equal width from the smallest to the
    largest."""
    low, high = min(distribution), max(distribution)
    width = (high - low) / NUMBER_RANGES
    counts = [0] * NUMBER_RANGES
    for value, n in distribution.items():
        counts[min(int((value - low) / width), NUMBER_RANGES - 1)] += n
    labels = []
    for index in range(NUMBER_RANGES):
        start = (low + width * index).quantize(Decimal("0.01"))
        end = (low + width * (index + 1)).quantize(Decimal("0.01"))
        last = index == NUMBER_RANGES - 1
        labels.append(f"{_plain(start)} to {'' if last else 'under '}{_plain(end)}")
    return [OptionCount(label, n, _percent(n, answered))
            for label, n in zip(labels, counts, strict=True)]


def _distribution(question, distribution: dict[Decimal, int],
                  answered: int) -> list[OptionCount]:
    """A rating's points from lowest to highest (zeros included); a number's values, or
    ranges of them when there are many."""
    if question.kind == Kind.RATING:
        low, high = _scale(question)
        if high - low + 1 <= MAX_POINTS:
            ends = {low: question.scale_min_label, high: question.scale_max_label}
            counts = []
            for point in range(low, high + 1):
                n = distribution.get(Decimal(point), 0)
                label = f"{point} ({ends[point]})" if ends.get(point) else str(point)
                counts.append(OptionCount(label, n, _percent(n, answered)))
            return counts
    if not distribution:
        return []
    if len(distribution) <= MAX_POINTS:
        return [OptionCount(_plain(value), n, _percent(n, answered))
                for value, n in sorted(distribution.items())]
    return _ranges(distribution, answered)


def _option_label(question, option: str) -> str:
    return YES_NO_LABELS.get(option, option) if question.kind == Kind.YES_NO else option


def _options(question) -> list[str]:
    return list(YES_NO_LABELS) if question.kind == Kind.YES_NO else list(question.choices)


def _result(group: list, *, tallies, numbers, answered_by_question, responses_by_version,
            several: bool) -> QuestionResult:
    newest = group[-1]
    ids = [q.pk for q in group]
    versions = tuple(sorted({q.version_number for q in group}))
    answered = sum(answered_by_question.get(pk, 0) for pk in ids)
    base = {"key": newest.code + (f"-v{'-'.join(map(str, versions))}" if several else ""),
            "code": newest.code, "kind": newest.kind, "text": newest.text,
            "versions": versions, "answered": answered,
            "responses": sum(responses_by_version.get(n, 0) for n in versions)}
    tally: dict[tuple[str, str], int] = defaultdict(int)
    for pk in ids:
        for key, n in tallies.get(pk, {}).items():
            tally[key] += n
    if newest.kind in OPTION_KINDS:
        return QuestionResult(**base, counts=tuple(
            OptionCount(_option_label(newest, option), tally[("", option)],
                        _percent(tally[("", option)], answered))
            for option in _options(newest)))
    if newest.kind == Kind.LIKERT:
        rows = []
        for row in newest.rows:
            row_answered = sum(tally[(row, option)] for option in newest.choices)
            rows.append(GridRow(row, row_answered, tuple(
                OptionCount(option, tally[(row, option)],
                            _percent(tally[(row, option)], row_answered))
                for option in newest.choices)))
        return QuestionResult(**base, grid=tuple(rows))
    if newest.kind in NUMBER_KINDS:
        distribution: dict[Decimal, int] = defaultdict(int)
        for pk in ids:
            for value, n in numbers.get(pk, {}).items():
                distribution[value] += n
        mean, median = _mean_median(distribution)
        low, high = _scale(newest) if newest.kind == Kind.RATING else (None, None)
        return QuestionResult(**base, counts=tuple(_distribution(newest, distribution,
                                                                  answered)),
                              mean=mean, median=median, low=low, high=high)
    return QuestionResult(**base)


def question_results(survey: Survey, *, version: SurveyVersion | None = None
                     ) -> list[QuestionResult]:
    """Every question's counts, in the newest version's order (questions dropped from it
    follow), across all versions or one. Four queries, whatever the number of responses."""
    questions = list(_questions(survey, version))
    ids = _questions(survey, version).values("pk")
    responses = Response.objects.filter(survey=survey)
    if version is not None:
        responses = responses.filter(version=version)
    responses_by_version = dict(responses.values_list("version__number").annotate(
        n=Count("pk")).order_by())
    answered_by_question = dict(Answer.objects.filter(question_id__in=ids).values_list(
        "question_id").annotate(n=Count("response_id", distinct=True)).order_by())
    tallies: dict[int, dict] = defaultdict(dict)
    numbers: dict[int, dict] = defaultdict(dict)
    for question_id, row, option, number, n in (
            Answer.objects.filter(question_id__in=ids)
            .filter(Q(option__gt="") | Q(number__isnull=False))
            .values_list("question_id", "row", "option", "number")
            .annotate(n=Count("pk")).order_by()):
        if number is None:
            tallies[question_id][(row, option)] = n
        else:
            value = Decimal(number)
            numbers[question_id][value] = numbers[question_id].get(value, 0) + n
    groups = _groups(questions)
    reports_per_code = Counter(group[0].code for group in groups)
    return [_result(group, tallies=tallies, numbers=numbers,
                    answered_by_question=answered_by_question,
                    responses_by_version=responses_by_version,
                    several=reports_per_code[group[0].code] > 1)
            for group in groups]


# --- The live count (ADR 0012) ------------------------------------------------------------

def response_count(survey: Survey) -> int:
    """Responses counted into the results."""
    return Response.objects.filter(survey=survey).count()


def ballots_waiting(survey: Survey) -> int:
    """An anonymous survey's answers still in the ballot box, not yet in the results."""
    return Ballot.objects.filter(survey=survey).count()


# --- Breakdowns with small cells hidden ---------------------------------------------------

@dataclass(frozen=True)
class BreakdownRow:
    label: str
    cells: tuple[int | None, ...]  # None: hidden
    total: int | None  # None: hidden
    merged: bool = False  # the "Other" row


@dataclass(frozen=True)
class Breakdown:
    code: str
    text: str
    by: str
    by_label: str
    columns: tuple[str, ...]
    rows: tuple[BreakdownRow, ...]
    small_cell_min: int
    answered: int

    @property
    def any_hidden(self) -> bool:
        return any(row.total is None for row in self.rows)


def cells_suppress(counts: list[list[int]], *, minimum: int
                   ) -> tuple[list[list[bool]], list[bool]]:
    """Which cells and which row totals of a cross-tab to hide.

    A cell below `minimum` is hidden (zero included: "nobody at this agency said no" tells
    on everyone there), and so is a whole row whose total is below it; a row with a hidden
    cell hides its total. Then, until nothing changes, every line — each row, each column
    (whose totals are on the page, in the question's own counts) and the column of row
    totals (whose sum is on the page too) — that hides anything must hide at least two
    numbers adding up to at least `minimum`, else its smallest visible number is hidden
    too; a row whose total is hidden that way hides a cell as well, so the total cannot be
    added up from the cells. This is the greedy form of what statistical agencies call
    complementary suppression; hand-written, as the packages that do it are not Python."""
    rows, columns = len(counts), len(counts[0]) if counts else 0
    totals = [sum(row) for row in counts]
    hidden = [[value < minimum or totals[r] < minimum for value in row]
              for r, row in enumerate(counts)]
    total_hidden = [any(row) for row in hidden]

    def weak(line: list[tuple[int, bool]]) -> bool:
        kept_back = [value for value, is_hidden in line if is_hidden]
        return bool(kept_back) and (len(kept_back) < 2 or sum(kept_back) < minimum)

    def smallest(line: list[tuple[int, bool]]) -> int | None:
        visible = [(value, index) for index, (value, is_hidden) in enumerate(line)
                   if not is_hidden]
        return min(visible)[1] if visible else None

    changed = True
    while changed:
        changed = False
        for r in range(rows):
            line = [(counts[r][c], hidden[r][c]) for c in range(columns)]
            if weak(line) and (c := smallest(line)) is not None:
                hidden[r][c] = changed = True
            if any(hidden[r]) and not total_hidden[r]:
                total_hidden[r] = changed = True
        for c in range(columns):
            line = [(counts[r][c], hidden[r][c]) for r in range(rows)]
            if weak(line) and (r := smallest(line)) is not None:
                hidden[r][c] = changed = True
        line = list(zip(totals, total_hidden, strict=True))
        if weak(line) and (r := smallest(line)) is not None:
            total_hidden[r] = changed = True
            if not any(hidden[r]) and columns:
                hidden[r][smallest([(value, False) for value in counts[r]])] = True
    return hidden, total_hidden


_BY_FIELD = {"organization": "response__organization", "level": "response__level",
             "group": "response__groups"}
_UNKNOWN = {"organization": "Organization not known", "level": "Level not known",
            "group": "In no group"}


def _category_labels(by: str, keys) -> dict:
    if by == "level":
        return {key: Level(key).label if key in Level.values else key for key in keys if key}
    if by == "group":
        return dict(Group.objects.filter(pk__in=[k for k in keys if k]).values_list(
            "pk", "name"))
    return {key: key for key in keys if key}


def breakdown(survey: Survey, *, question_code: str, by: str) -> Breakdown:
    """A choice or rating question's answers by the respondents' organization, level of
    government or group (a response counts in each of its groups), with small cells hidden
    (`cells_suppress`) and categories of fewer than `survey.small_cell_min` answers merged
    into one "Other" row. Raises ValueError for a question that cannot be broken down."""
    if by not in BREAKDOWN_BY:
        raise ValueError(f"Cannot break down by {by!r}.")
    questions = list(_questions(survey).filter(code=question_code))
    if not questions or questions[-1].kind not in BREAKDOWN_KINDS:
        raise ValueError(f"Question {question_code!r} cannot be broken down.")
    newest = questions[-1]
    if newest.kind == Kind.RATING:  # a point means the same only on the same scale
        ids = [q.pk for q in questions if _signature(q) == _signature(newest)]
    else:  # an option means the same whatever else changed
        ids = [q.pk for q in questions if q.kind == newest.kind]
    if newest.kind == Kind.RATING:
        low, high = _scale(newest)
        keys = [Decimal(point) for point in range(low, high + 1)]
        columns = [str(point) for point in range(low, high + 1)]
        value_field = "number"
    else:
        keys = _options(newest)
        for question in reversed(questions):  # options only older versions had, after
            if question.pk in ids:
                keys += [option for option in _options(question) if option not in keys]
        columns = [_option_label(newest, option) for option in keys]
        value_field = "option"
    position = {key: index for index, key in enumerate(keys)}
    by_category: dict = defaultdict(lambda: [0] * len(keys))
    for category, value, n in (
            Answer.objects.filter(question_id__in=ids)
            .values_list(_BY_FIELD[by], value_field)
            .annotate(n=Count("response_id", distinct=True)).order_by()):
        value = Decimal(value) if value_field == "number" and value is not None else value
        if value in position:
            by_category[category or ""][position[value]] += n
    labels = _category_labels(by, by_category)
    minimum = survey.small_cell_min
    named, other, merged = [], [0] * len(keys), False
    for category, counts in by_category.items():
        if sum(counts) < minimum:
            other = [a + b for a, b in zip(other, counts, strict=True)]
            merged = True
        else:
            named.append((labels.get(category) or _UNKNOWN[by], counts, not category))
    # Alphabetical, unknown last: an order by size would hint at the hidden totals.
    named.sort(key=lambda item: (item[2], item[0].casefold()))
    table = [(label, counts, False) for label, counts, _unknown in named]
    if merged:
        table.append((f"Other (fewer than {minimum} each)", other, True))
    hidden, total_hidden = cells_suppress([counts for _, counts, _ in table], minimum=minimum)
    rows = tuple(
        BreakdownRow(label=label, merged=is_other,
                     cells=tuple(None if hidden[r][c] else n for c, n in enumerate(counts)),
                     total=None if total_hidden[r] else sum(counts))
        for r, (label, counts, is_other) in enumerate(table))
    answered = Answer.objects.filter(question_id__in=ids).values("response_id").distinct()
    return Breakdown(code=newest.code, text=newest.text, by=by, by_label=BREAKDOWN_BY[by],
                     columns=tuple(columns), rows=rows, small_cell_min=minimum,
                     answered=answered.count())


# --- Free text, for those who run the survey -----------------------------------------------

def text_question(survey: Survey, code: str) -> Question | None:
    """The newest version's text question with this code, if there is one."""
    return (_questions(survey).filter(code=code, kind__in=TEXT_KINDS)
            .order_by("-section__version__number").first())


def text_answers(survey: Survey, *, code: str, q: str = "", page=1) -> Page:
    """A text question's answers containing `q`, 20 a page: newest first for a named
    survey; for an anonymous one in the order of the responses' random keys, which says
    nothing about who answered when, and without dates."""
    answers = Answer.objects.filter(question_id__in=_questions(survey).filter(
        code=code, kind__in=TEXT_KINDS).values("pk")).exclude(text="")
    if q:
        answers = answers.filter(text__icontains=q)
    if survey.anonymous:
        answers = answers.order_by("response_id").values("pk", "text")
    else:
        answers = answers.order_by("-response__submitted_at", "-pk").values(
            "pk", "text", submitted_on=F("response__submitted_on"))
    return Paginator(answers, TEXT_PAGE_SIZE).get_page(page)


# --- The CSV export -------------------------------------------------------------------------

def _csv_columns(questions) -> list[tuple[str, str]]:
    """(code, grid row or "") per column, in the order of the results."""
    rows_by_code: dict[str, list[str]] = defaultdict(list)
    plain: set[str] = set()
    for question in sorted(questions, key=lambda q: -q.version_number):
        if question.kind == Kind.LIKERT:
            rows_by_code[question.code] += [row for row in question.rows
                                            if row not in rows_by_code[question.code]]
        else:
            plain.add(question.code)
    columns = []
    for code in _codes_in_order(questions):
        if code in plain:
            columns.append((code, ""))
        columns += [(code, row) for row in rows_by_code.get(code, [])]
    return columns


def _csv_value(question, answer) -> str:
    if answer.number is not None:
        return _plain(Decimal(answer.number))
    if answer.date is not None:
        return answer.date.isoformat()
    return answer.option or answer.text


def csv_rows(survey: Survey) -> Iterator[list[str]]:
    """The header, then one row per response: its version and date, for a named survey
    the person's name and e-mail (never for an anonymous one), and a column per question
    code (a grid: one per row, "code: row"; several choices joined by "; "). Every cell is
    formula-safe (`core.csv_export.csv_safe`). Responses are read 500 at a time with their
    answers, so a large survey streams in a fixed number of queries per 500."""
    questions = list(_questions(survey))
    by_id = {question.pk: question for question in questions}
    columns = _csv_columns(questions)
    named = not survey.anonymous
    header = ["version", "date", *(["name", "e-mail"] if named else []),
              *[f"{code}: {row}" if row else code for code, row in columns]]
    yield [csv_safe(cell) for cell in header]
    responses = Response.objects.filter(survey=survey).select_related("version")
    if named:
        responses = responses.select_related("user").order_by("submitted_at", "pk")
    else:
        responses = responses.order_by("pk")
    responses = responses.prefetch_related("answers")
    for response in responses.iterator(chunk_size=CSV_CHUNK):
        values: dict[tuple[str, str], list[str]] = defaultdict(list)
        for answer in response.answers.all():
            question = by_id.get(answer.question_id)
            if question is None:
                continue
            key = (question.code, answer.row if question.kind == Kind.LIKERT else "")
            values[key].append(_csv_value(question, answer))
            if question.kind == Kind.MULTIPLE:
                order = {choice: i for i, choice in enumerate(question.choices)}
                values[key].sort(key=lambda option: order.get(option, len(order)))
        person = response.user if named else None
        cells = [response.version.number, response.submitted_on.isoformat(),
                 *([getattr(person, "name", ""), getattr(person, "email", "")]
                   if named else []),
                 *["; ".join(values.get(column, [])) for column in columns]]
        yield [csv_safe(cell) for cell in cells]
