"""Answers: cleaning every kind, branching, the rows stored, and the checks organizers see.

Definitions are built from plain data, so these need no database, except the one test of
`definition_load`."""

from datetime import date, datetime
from decimal import Decimal

import pytest

from cophub.communities.tests.factories import CommunityFactory
from cophub.surveys.answers import (
    NEEDS_ANSWER,
    Definition,
    QuestionDef,
    SectionDef,
    answer_rows,
    answers_clean,
    definition_from_data,
    definition_load,
    definition_problems,
    visited_sections,
)
from cophub.surveys.models import Question, Section, Survey, SurveyVersion

COLORS = ["Red", "Green", "Blue"]
AGREE = ["Disagree", "Neutral", "Agree"]
ROWS = ["Speed", "Ease"]


def question(code: str, kind: str, **fields) -> dict:
    return {"code": code, "kind": kind, "text": f"Question {code}", **fields}


def survey(*sections: list[dict]) -> Definition:
    """Sections given as lists of questions, numbered 1..n."""
    return definition_from_data([{"title": f"Part {n}", "questions": questions}
                                 for n, questions in enumerate(sections, 1)])


def answer(q: dict, value):
    """(cleaned value, error) for one question answered with `value`."""
    cleaned, errors = answers_clean(survey([q]), {q["code"]: value})
    return cleaned.get(q["code"]), errors.get(q["code"])


# Building a definition from data ---------------------------------------------------------

def test_definition_from_data_numbers_sections_and_questions():
    definition = survey([question("a", "short_text"), question("b", "yes_no")],
                        [question("c", "date")])

    assert [s.position for s in definition.sections] == [1, 2]
    assert [q.id for q in definition.questions] == [1, 2, 3]
    assert [q.position for q in definition.sections[0].questions] == [1, 2]
    assert definition.sections[1].title == "Part 2"
    assert definition.question("c").kind == "date"
    assert definition.question("missing") is None


def test_definition_from_data_fills_defaults():
    q = survey([question("a", "single", choices=["x"])]).question("a")

    assert (q.required, q.rows, dict(q.branches), q.max_length) == (False, (), {}, None)
    assert q.choices == ("x",)


# Text ----------------------------------------------------------------------------------

def test_short_text_is_stripped():
    assert answer(question("a", "short_text"), "  Hello  ") == ("Hello", None)


def test_blank_text_is_no_answer():
    assert answer(question("a", "short_text"), "   ") == (None, None)


def test_required_blank_text_needs_an_answer():
    assert answer(question("a", "short_text", required=True), " ") == (None, NEEDS_ANSWER)


def test_missing_required_answer_needs_an_answer():
    cleaned, errors = answers_clean(survey([question("a", "long_text", required=True)]), {})

    assert (cleaned, errors) == ({}, {"a": NEEDS_ANSWER})


def test_short_text_over_500_characters_says_how_long_it_was():
    assert answer(question("a", "short_text"), "x" * 612) == (
        None, "Keep this under 500 characters (you wrote 612).")


def test_short_text_of_exactly_500_characters_is_kept():
    assert answer(question("a", "short_text"), "x" * 500) == ("x" * 500, None)


def test_long_text_limit_is_10_000():
    q = question("a", "long_text")

    assert answer(q, "y" * 10_000) == ("y" * 10_000, None)
    assert answer(q, "y" * 10_001)[1] == "Keep this under 10,000 characters (you wrote 10,001)."


def test_huge_text_is_refused_not_truncated():
    assert answer(question("a", "long_text"), "z" * 2_000_000) == (
        None, "Keep this under 10,000 characters (you wrote 2,000,000).")


def test_max_length_overrides_the_default_limit():
    q = question("a", "long_text", max_length=20)

    assert answer(q, "x" * 21)[1] == "Keep this under 20 characters (you wrote 21)."
    assert answer(q, "x" * 20) == ("x" * 20, None)


def test_markup_is_kept_as_text_not_altered():
    script = '<script>alert("x")</script> & <b>bold</b>'

    assert answer(question("a", "long_text"), script) == (script, None)


def test_text_with_a_nul_character_is_refused():
    assert answer(question("a", "short_text"), "a\x00b") == (
        None, "Remove the invisible control characters from your answer.")


@pytest.mark.parametrize("value", [["a"], {"a": "b"}, 42, 3.5, True, b"bytes"])
def test_text_of_the_wrong_type_is_an_error(value):
    assert answer(question("a", "short_text"), value) == (None, "Write your answer as text.")


# One choice ----------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["single", "dropdown"])
def test_one_choice_takes_an_option(kind):
    assert answer(question("a", kind, choices=COLORS), "Green") == ("Green", None)


@pytest.mark.parametrize("kind", ["single", "dropdown"])
@pytest.mark.parametrize("value", ["Purple", "green", " Green", ["Green"], {"Green": 1}, 1,
                                   True])
def test_one_choice_refuses_anything_but_an_option(kind, value):
    assert answer(question("a", kind, choices=COLORS), value) == (
        None, "Choose one of the options given.")


def test_one_choice_left_empty_is_no_answer():
    assert answer(question("a", "single", choices=COLORS), "") == (None, None)


def test_required_one_choice_left_empty_needs_an_answer():
    assert answer(question("a", "dropdown", choices=COLORS, required=True), "") == (
        None, NEEDS_ANSWER)


# Yes or no -----------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["yes", "no"])
def test_yes_no_takes_yes_or_no(value):
    assert answer(question("a", "yes_no"), value) == (value, None)


@pytest.mark.parametrize("value", ["Yes", "maybe", True, 1, ["yes"], {"yes": 1}])
def test_yes_no_refuses_anything_else(value):
    assert answer(question("a", "yes_no"), value) == (None, "Answer yes or no.")


# Several choices -------------------------------------------------------------------------

def test_multiple_keeps_the_order_of_the_choices():
    assert answer(question("a", "multiple", choices=COLORS), ["Blue", "Red"]) == (
        ["Red", "Blue"], None)


def test_multiple_refuses_duplicates():
    assert answer(question("a", "multiple", choices=COLORS), ["Red", "Red"]) == (
        None, "Choose each option only once.")


@pytest.mark.parametrize("value", [["Red", "Purple"], ["Red", 1], [["Red"]], [None]])
def test_multiple_refuses_unknown_options(value):
    assert answer(question("a", "multiple", choices=COLORS), value) == (
        None, "Choose only from the options given.")


@pytest.mark.parametrize("value", ["Red", {"Red": True}, 3, True])
def test_multiple_needs_a_list(value):
    assert answer(question("a", "multiple", choices=COLORS), value) == (
        None, "Choose from the options given.")


def test_multiple_with_nothing_chosen_is_no_answer():
    assert answer(question("a", "multiple", choices=COLORS), []) == (None, None)
    assert answer(question("a", "multiple", choices=COLORS, required=True), []) == (
        None, NEEDS_ANSWER)


# Rating --------------------------------------------------------------------------------

@pytest.mark.parametrize("value, expected", [(1, 1), (5, 5), ("4", 4), (" 3 ", 3), ("+2", 2)])
def test_rating_takes_whole_numbers_on_the_scale(value, expected):
    assert answer(question("a", "rating"), value) == (expected, None)


@pytest.mark.parametrize("value", [0, 6, -1, "6", "4.5", 4.5, "four", True, "1_0", "٤",
                                   "9" * 5_000, [4], {"4": 4}, Decimal("4")])
def test_rating_refuses_anything_else(value):
    assert answer(question("a", "rating"), value) == (
        None, "Enter a whole number from 1 to 5.")


def test_rating_uses_its_own_scale():
    q = question("a", "rating", scale_min=0, scale_max=10)

    assert answer(q, 0) == (0, None)
    assert answer(q, "10") == (10, None)
    assert answer(q, 11) == (None, "Enter a whole number from 0 to 10.")


# Number --------------------------------------------------------------------------------

@pytest.mark.parametrize("value, expected", [
    ("3.25", Decimal("3.25")), (7, Decimal(7)), (Decimal("-1.5"), Decimal("-1.5")),
    (2.5, Decimal("2.5")), (0.1, Decimal("0.1")), (" 12 ", Decimal(12)), (".5", Decimal(".5")),
    ("9999999999.9999", Decimal("9999999999.9999")),
])
def test_number_takes_decimals(value, expected):
    cleaned, error = answer(question("a", "number"), value)

    assert (cleaned, error) == (expected, None)
    assert isinstance(cleaned, Decimal)


def test_number_with_trailing_zeros_is_kept_at_four_places():
    cleaned, error = answer(question("a", "number"), "1.50000")

    assert error is None
    assert str(cleaned) == "1.5000"


def test_number_with_five_decimal_places_is_refused():
    assert answer(question("a", "number"), "1.23456") == (None, "Use at most 4 decimal places.")


@pytest.mark.parametrize("value", ["12345678901", 10 ** 10, -(10 ** 10)])
def test_number_with_more_than_ten_whole_digits_is_refused(value):
    assert answer(question("a", "number"), value) == (
        None, "Enter a number with at most 10 digits before the decimal point.")


@pytest.mark.parametrize("value", ["abc", "1,000", "1e3", "NaN", "Infinity", float("nan"),
                                   float("inf"), Decimal("NaN"), True, [1], {"n": 1}, "1_0",
                                   "1" * 100])
def test_number_refuses_what_is_not_a_number(value):
    assert answer(question("a", "number"), value) == (
        None, "Enter a number, such as 12 or 3.5.")


def test_number_is_checked_against_both_ends_of_the_scale():
    q = question("a", "number", scale_min=-5, scale_max=5)

    assert answer(q, "5") == (Decimal(5), None)
    assert answer(q, "5.0001") == (None, "Enter a number from -5 to 5.")
    assert answer(q, -6) == (None, "Enter a number from -5 to 5.")


def test_number_with_only_a_lowest_value():
    q = question("a", "number", scale_min=0)

    assert answer(q, "-0.5") == (None, "Enter a number of at least 0.")
    assert answer(q, "123456") == (Decimal(123456), None)


def test_number_with_only_a_highest_value():
    assert answer(question("a", "number", scale_max=100), 101) == (
        None, "Enter a number no more than 100.")


def test_number_without_a_scale_takes_negatives():
    assert answer(question("a", "number"), "-42") == (Decimal(-42), None)


# Grid ----------------------------------------------------------------------------------

def grid(**fields) -> dict:
    return question("g", "likert", choices=AGREE, rows=ROWS, **fields)


def test_likert_keeps_the_order_of_the_rows():
    cleaned, error = answer(grid(), {"Ease": "Agree", "Speed": "Neutral"})

    assert (cleaned, error) == ({"Speed": "Neutral", "Ease": "Agree"}, None)
    assert list(cleaned) == ROWS


def test_optional_likert_may_be_partly_answered():
    assert answer(grid(), {"Ease": "Agree", "Speed": ""}) == ({"Ease": "Agree"}, None)


def test_required_likert_needs_every_row():
    assert answer(grid(required=True), {"Ease": "Agree"}) == (None, "Answer every row.")


def test_required_likert_left_empty_needs_an_answer():
    assert answer(grid(required=True), {}) == (None, NEEDS_ANSWER)


def test_likert_refuses_unknown_rows():
    assert answer(grid(), {"Ease": "Agree", "Price": "Agree"}) == (
        None, "Answer only the rows given.")


@pytest.mark.parametrize("choice", ["Love it", 3, ["Agree"], {"x": "Agree"}, True])
def test_likert_refuses_unknown_choices(choice):
    assert answer(grid(), {"Ease": choice}) == (
        None, "Choose one of the options given for each row.")


@pytest.mark.parametrize("value", ["Agree", ["Agree", "Agree"], 3])
def test_likert_needs_a_row_for_each_choice(value):
    assert answer(grid(), value) == (None, "Choose one option for each row.")


# Date ----------------------------------------------------------------------------------

def test_date_takes_year_month_day():
    assert answer(question("d", "date"), "2024-02-29") == (date(2024, 2, 29), None)


def test_date_that_does_not_exist_is_refused():
    assert answer(question("d", "date"), "2023-02-29") == (
        None, "Enter a date that exists, as YYYY-MM-DD.")


@pytest.mark.parametrize("value", ["29/02/2024", "20240229", "2024-2-9", "2024-02-29T10:00",
                                   "tomorrow", 20240229, ["2024-02-29"], datetime(2024, 2, 29)])
def test_date_in_another_form_is_refused(value):
    assert answer(question("d", "date"), value) == (None, "Enter a date as YYYY-MM-DD.")


def test_date_object_is_taken_as_it_is():
    assert answer(question("d", "date"), date(2024, 1, 2)) == (date(2024, 1, 2), None)


# The whole submission ------------------------------------------------------------------

def test_unknown_codes_are_ignored():
    cleaned, errors = answers_clean(survey([question("a", "short_text")]),
                                    {"a": "hi", "admin": True, "b": ["x"]})

    assert (cleaned, errors) == ({"a": "hi"}, {})


def test_a_submission_that_is_not_a_mapping_counts_as_no_answers():
    definition = survey([question("a", "short_text", required=True)])

    assert answers_clean(definition, ["a", "hi"]) == ({}, {"a": NEEDS_ANSWER})


WEIRD_VALUES = ["", " ", "x" * 20_000, "<img src=x onerror=alert(1)>", 0, -1, 10 ** 40, 1.5,
                float("nan"), True, None, [], [None], [[]], {}, {"a": {"b": "c"}},
                {1: 2}, ("Red",), b"\xff", object(), Decimal("sNaN"), date(2024, 1, 1)]
ALL_KINDS = [
    question("short_text", "short_text"), question("long_text", "long_text"),
    question("single", "single", choices=COLORS),
    question("dropdown", "dropdown", choices=COLORS), question("yes_no", "yes_no"),
    question("multiple", "multiple", choices=COLORS), question("rating", "rating"),
    question("number", "number", scale_min=0, scale_max=10),
    question("likert", "likert", choices=AGREE, rows=ROWS), question("date", "date"),
]


@pytest.mark.parametrize("value", WEIRD_VALUES, ids=repr)
def test_no_value_of_any_type_raises(value):
    definition = survey(ALL_KINDS)

    cleaned, errors = answers_clean(definition, {q["code"]: value for q in ALL_KINDS})

    assert all(isinstance(message, str) and message.endswith(".")
               for message in errors.values())
    assert not set(cleaned) & set(errors)
    answer_rows(definition, cleaned)


def test_every_kind_cleans_to_its_type():
    definition = survey(ALL_KINDS)
    submitted = {"short_text": "Hi", "long_text": "Para", "single": "Red", "dropdown": "Blue",
                 "yes_no": "no", "multiple": ["Green"], "rating": "3", "number": "2.5",
                 "likert": {"Speed": "Agree"}, "date": "2024-05-06"}

    cleaned, errors = answers_clean(definition, submitted)

    assert errors == {}
    assert cleaned == {"short_text": "Hi", "long_text": "Para", "single": "Red",
                       "dropdown": "Blue", "yes_no": "no", "multiple": ["Green"], "rating": 3,
                       "number": Decimal("2.5"), "likert": {"Speed": "Agree"},
                       "date": date(2024, 5, 6)}


# Branching -----------------------------------------------------------------------------

def branching_survey() -> Definition:
    """1: a path question (A → 3, B → end, C → back to 1, D → a section that is missing);
    2 and 3 each have a required question; 3 ends on "no"; 4 is the last."""
    return survey(
        [question("path", "single", choices=["A", "B", "C", "D", "E"],
                  branches={"A": 3, "B": 0, "C": 1, "D": 9}),
         question("name", "short_text")],
        [question("two", "short_text", required=True)],
        [question("three", "short_text", required=True),
         question("more", "yes_no", branches={"no": 0})],
        [question("four", "short_text", required=True)],
    )


@pytest.mark.parametrize("path, visited", [
    (None, [1, 2, 3, 4]),
    ("A", [1, 3, 4]),
    ("B", [1]),
    ("C", [1, 2, 3, 4]),  # backwards: ignored
    ("D", [1, 2, 3, 4]),  # no such section: ignored
    ("E", [1, 2, 3, 4]),  # not mapped
])
def test_branch_on_one_choice(path, visited):
    cleaned = {"path": path} if path else {}

    assert visited_sections(branching_survey(), cleaned) == visited


def test_branch_on_yes_no_ends_the_survey():
    assert visited_sections(branching_survey(), {"path": "A", "more": "no"}) == [1, 3]
    assert visited_sections(branching_survey(), {"path": "A", "more": "yes"}) == [1, 3, 4]


def test_branch_names_a_section_by_position_not_by_place():
    jump = QuestionDef(id=1, code="path", kind="single", text="Path", choices=("A",),
                       branches={"A": 30})
    definition = Definition(sections=(
        SectionDef(position=10, questions=(jump,)), SectionDef(position=20, questions=()),
        SectionDef(position=30, questions=()), SectionDef(position=40, questions=())))

    assert visited_sections(definition, {"path": "A"}) == [10, 30, 40]
    assert visited_sections(definition, {}) == [10, 20, 30, 40]


def test_first_answered_branching_question_decides():
    definition = survey(
        [question("first", "yes_no", branches={"yes": 3}),
         question("second", "dropdown", choices=["x"], branches={"x": 0})],
        [], [])

    assert visited_sections(definition, {"first": "yes", "second": "x"}) == [1, 3]
    assert visited_sections(definition, {"second": "x"}) == [1]
    # "no" is not mapped, so the next question's branch decides.
    assert visited_sections(definition, {"first": "no", "second": "x"}) == [1]


def test_branches_on_kinds_that_cannot_branch_are_ignored():
    definition = survey(
        [question("text", "short_text", branches={"x": 0}),
         question("several", "multiple", choices=["x"], branches={"x": 0})],
        [])

    assert visited_sections(definition, {"text": "x", "several": ["x"]}) == [1, 2]


@pytest.mark.parametrize("target", ["2", None, True, 2.0, [2]])
def test_branch_targets_that_are_not_whole_numbers_are_ignored(target):
    definition = survey([question("q", "yes_no", branches={"yes": target})], [], [])

    assert visited_sections(definition, {"q": "yes"}) == [1, 2, 3]


def test_visited_sections_reads_odd_values_without_raising():
    assert visited_sections(branching_survey(), {"path": ["A"], "more": {"no": 1}}) == [
        1, 2, 3, 4]


def test_visited_sections_of_an_empty_definition():
    assert visited_sections(Definition(sections=()), {}) == []


def test_required_questions_are_required_only_in_visited_sections():
    _, errors = answers_clean(branching_survey(), {"path": "B"})
    assert errors == {}

    _, errors = answers_clean(branching_survey(), {"path": "A"})
    assert errors == {"three": NEEDS_ANSWER, "four": NEEDS_ANSWER}

    _, errors = answers_clean(branching_survey(), {})
    assert errors == {"two": NEEDS_ANSWER, "three": NEEDS_ANSWER, "four": NEEDS_ANSWER}


def test_answers_in_skipped_sections_are_dropped():
    cleaned, errors = answers_clean(branching_survey(), {
        "path": "A", "name": "Ana", "two": "answered before changing path", "three": "3",
        "more": "no", "four": "also skipped"})

    assert cleaned == {"path": "A", "name": "Ana", "three": "3", "more": "no"}
    assert errors == {}


def test_errors_in_skipped_sections_are_dropped():
    _, errors = answers_clean(branching_survey(), {"path": "B", "two": ["bad"], "four": 7})

    assert errors == {}


def test_an_invalid_branching_answer_takes_no_branch():
    cleaned, errors = answers_clean(branching_survey(), {"path": "Z"})

    assert "path" not in cleaned
    assert errors == {"path": "Choose one of the options given.", "two": NEEDS_ANSWER,
                      "three": NEEDS_ANSWER, "four": NEEDS_ANSWER}


# Answer rows ---------------------------------------------------------------------------

def blank(question_id: int, **values) -> dict:
    return {"question_id": question_id, "row": "", "option": "", "number": None, "text": "",
            "date": None} | values


def test_answer_rows_for_every_kind():
    definition = survey(ALL_KINDS)
    cleaned, _ = answers_clean(definition, {
        "short_text": "Hi", "long_text": "<b>Para</b>", "single": "Red", "dropdown": "Blue",
        "yes_no": "yes", "multiple": ["Blue", "Red"], "rating": 4, "number": "2.5",
        "likert": {"Ease": "Agree", "Speed": "Neutral"}, "date": "2024-05-06"})

    assert answer_rows(definition, cleaned) == [
        blank(1, text="Hi"),
        blank(2, text="<b>Para</b>"),
        blank(3, option="Red"),
        blank(4, option="Blue"),
        blank(5, option="yes"),
        blank(6, option="Red"), blank(6, option="Blue"),
        blank(7, number=Decimal(4)),
        blank(8, number=Decimal("2.5")),
        blank(9, row="Speed", option="Neutral"), blank(9, row="Ease", option="Agree"),
        blank(10, date=date(2024, 5, 6)),
    ]


def test_answer_rows_give_ratings_as_decimals():
    definition = survey([question("r", "rating")])

    [row] = answer_rows(definition, {"r": 5})

    assert isinstance(row["number"], Decimal)


def test_answer_rows_skip_unanswered_and_unknown_codes():
    definition = survey([question("a", "short_text"), question("b", "date")])

    assert answer_rows(definition, {"b": date(2020, 1, 1), "zzz": "x"}) == [
        blank(2, date=date(2020, 1, 1))]


def test_answer_rows_of_nothing_is_nothing():
    assert answer_rows(survey(ALL_KINDS), {}) == []


# Problems an organizer must fix --------------------------------------------------------

def problems(*sections: list[dict]) -> list[str]:
    return definition_problems(survey(*sections))


def test_a_sound_definition_has_no_problems():
    assert definition_problems(survey(ALL_KINDS)) == []
    assert definition_problems(branching_survey()) != []  # it branches backwards on purpose


@pytest.mark.parametrize("kind", ["single", "multiple", "dropdown"])
def test_a_choice_question_without_choices(kind):
    assert problems([question("a", kind)]) == [
        'Section 1, question 1 ("Question a") has no options to choose from.']


def test_a_likert_without_rows_or_choices():
    assert problems([question("g", "likert")]) == [
        'Section 1, question 1 ("Question g") has no options to choose from.',
        'Section 1, question 1 ("Question g") has no rows to rate.']


def test_duplicate_choices():
    assert problems([question("a", "single", choices=["x", "y", "x"])]) == [
        'Section 1, question 1 ("Question a") lists the option "x" more than once.']


def test_duplicate_rows():
    assert problems([question("g", "likert", choices=AGREE, rows=["r", "r"])]) == [
        'Section 1, question 1 ("Question g") lists the row "r" more than once.']


def test_empty_and_overlong_options():
    found = problems([question("a", "multiple", choices=["ok", " ", 3, "x" * 201])])

    assert found == [
        'Section 1, question 1 ("Question a") has an empty option; give every option '
        "some words.",
        'Section 1, question 1 ("Question a") has an empty option; give every option '
        "some words.",
        f'Section 1, question 1 ("Question a") has the option "{"x" * 40}…", which is '
        "longer than 200 characters; shorten it.",
    ]


@pytest.mark.parametrize("fields, low, high", [
    ({"scale_min": 5, "scale_max": 5}, 5, 5),
    ({"scale_min": 7, "scale_max": 3}, 7, 3),
    ({"scale_min": 5}, 5, 5),  # the default highest value is 5
    ({"scale_max": 0}, 1, 0),  # the default lowest value is 1
])
def test_rating_scale_that_does_not_rise(fields, low, high):
    assert problems([question("r", "rating", **fields)]) == [
        f'Section 1, question 1 ("Question r") has a scale from {low} to {high}; the '
        "lowest value must be below the highest."]


def test_number_scale_that_does_not_rise():
    assert problems([question("n", "number", scale_min=3, scale_max=3)]) == [
        'Section 1, question 1 ("Question n") has a scale from 3 to 3; the lowest value '
        "must be below the highest."]
    assert problems([question("n", "number", scale_min=100)]) == []


def test_branch_on_an_answer_the_question_does_not_have():
    found = problems([question("a", "single", choices=["x"], branches={"y": 0}),
                      question("b", "yes_no", branches={"maybe": 0, "yes": 0})])

    assert found == [
        'Section 1, question 1 ("Question a") branches on "y", which is not one of its '
        "answers.",
        'Section 1, question 2 ("Question b") branches on "maybe", which is not one of its '
        "answers."]


@pytest.mark.parametrize("target", [1, 2])
def test_branch_that_goes_backwards_or_stays(target):
    found = problems([], [question("a", "yes_no", branches={"yes": target})], [])

    assert found == [
        f'Section 2, question 1 ("Question a") sends "yes" back to section {target}; a '
        "branch can only go forward to a later section or to the end."]


def test_branch_to_a_section_that_does_not_exist():
    assert problems([question("a", "dropdown", choices=["x"], branches={"x": 4})], []) == [
        'Section 1, question 1 ("Question a") sends "x" to section 4, which does not exist.']


@pytest.mark.parametrize("target", ["2", None, True, 2.5])
def test_branch_to_something_that_is_not_a_section_number(target):
    assert problems([question("a", "yes_no", branches={"no": target})], []) == [
        f'Section 1, question 1 ("Question a") sends "no" to "{target}", which is not a '
        "section number."]


def test_branches_forward_and_to_the_end_are_fine():
    assert problems([question("a", "yes_no", branches={"yes": 3, "no": 0})], [], []) == []


@pytest.mark.parametrize("kind, fields", [
    ("short_text", {}), ("long_text", {}), ("multiple", {"choices": ["x"]}), ("rating", {}),
    ("number", {}), ("date", {}), ("likert", {"choices": ["x"], "rows": ["r"]}),
])
def test_branches_on_a_kind_that_cannot_branch(kind, fields):
    assert problems([question("a", kind, branches={"x": 0}, **fields)], []) == [
        'Section 1, question 1 ("Question a") has branches, but only one-choice, dropdown '
        "and yes-or-no questions can lead to another section."]


def test_branches_that_are_not_a_mapping():
    assert problems([question("a", "yes_no", branches=["yes", 0])]) == [
        'Section 1, question 1 ("Question a") has branches that do not say which answer '
        "leads where."]


def test_duplicate_codes_in_the_version():
    found = problems([question("a", "short_text"), question("b", "date")],
                     [question("a", "long_text")])

    assert found == ['The code "a" is used by more than one question; each question needs '
                     "its own."]


def test_a_question_without_a_code():
    assert problems([question("", "short_text")]) == [
        'Section 1, question 1 ("Question ") has no code; give it a short name for the '
        "results."]


def test_an_unknown_kind():
    assert problems([question("a", "slider")]) == [
        'Section 1, question 1 ("Question a") has the unknown kind "slider".']


def test_long_question_text_is_shortened_in_problems():
    q = question("a", "single") | {"text": "W" * 100}

    [problem] = problems([q])

    assert problem == f'Section 1, question 1 ("{"W" * 59}…") has no options to choose from.'


# Loading from the database -------------------------------------------------------------

@pytest.mark.django_db
def test_definition_load_reads_sections_and_questions_in_two_queries(
        django_assert_num_queries):
    form = Survey.objects.create(community=CommunityFactory(), title="Checkup")
    version = SurveyVersion.objects.create(survey=form, number=1)
    later = Section.objects.create(version=version, position=2, title="Later")
    first = Section.objects.create(version=version, position=1, title="First")
    Question.objects.create(section=first, position=2, code="colour", kind="single",
                            text="Colour?", choices=COLORS, branches={"Red": 0})
    Question.objects.create(section=first, position=1, code="name", kind="short_text",
                            text="Name?", required=True, max_length=40)
    Question.objects.create(section=later, position=1, code="score", kind="rating",
                            text="Score?", scale_min=0, scale_max=10,
                            scale_min_label="Low", scale_max_label="High")
    other = SurveyVersion.objects.create(survey=form, number=2)
    Question.objects.create(section=Section.objects.create(version=other, position=1),
                            position=1, code="elsewhere", kind="date", text="Not this one")

    with django_assert_num_queries(2):
        definition = definition_load(version)

    assert [(s.position, s.title) for s in definition.sections] == [(1, "First"), (2, "Later")]
    assert [q.code for q in definition.questions] == ["name", "colour", "score"]
    name, colour, score = definition.questions
    assert (name.required, name.max_length, name.id) == (
        True, 40, Question.objects.get(code="name").pk)
    assert (colour.choices, dict(colour.branches)) == (tuple(COLORS), {"Red": 0})
    assert (score.scale_min, score.scale_max, score.scale_max_label) == (0, 10, "High")
    assert definition_problems(definition) == []
    assert visited_sections(definition, {"colour": "Red"}) == [1]
