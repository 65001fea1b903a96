"""Survey templates: each one builds into a version an organizer could publish as it is."""

from decimal import Decimal

import pytest

from cophub.surveys.answers import (
    answer_rows,
    answers_clean,
    definition_from_data,
    definition_problems,
    visited_sections,
)
from cophub.surveys.catalog import (
    A11_DRIVERS,
    AGREEMENT,
    BARRIERS,
    TEMPLATES,
    template_choices,
)
from cophub.surveys.models import Question

QUESTION_KEYS = {"code", "kind", "text", "help_text", "required", "choices", "rows",
                 "scale_min", "scale_max", "scale_min_label", "scale_max_label", "branches",
                 "max_length"}


def build(key: str):
    return definition_from_data(TEMPLATES[key]["sections"])


@pytest.mark.parametrize("key", list(TEMPLATES))
def test_template_builds_without_problems(key):
    assert definition_problems(build(key)) == []


@pytest.mark.parametrize("key", list(TEMPLATES))
def test_template_is_complete_plain_data(key):
    template = TEMPLATES[key]

    assert template["key"] == key
    assert template["title"] and template["description"]
    assert template["sections"]
    for section in template["sections"]:
        assert set(section) == {"title", "description", "questions"}
        for q in section["questions"]:
            assert set(q) == QUESTION_KEYS
            assert type(q["kind"]) is str and q["kind"] in Question.Kind.values
            assert len(q["text"]) <= 500 and len(q["code"]) <= 60


def test_template_choices_list_every_template_in_order():
    assert template_choices() == [
        ("event_feedback", "Event feedback"),
        ("a11_cx", "Customer experience (OMB A-11, Section 280)"),
        ("ai_practitioner", "AI practitioner profile"),
    ]


# Event feedback ------------------------------------------------------------------------

def test_event_feedback_has_the_events_apps_four_fields():
    definition = build("event_feedback")
    by_code = {q.code: q for q in definition.questions}

    assert list(by_code) == ["satisfaction", "usefulness", "would_recommend", "comment"]
    for code in ("satisfaction", "usefulness"):
        assert (by_code[code].kind, by_code[code].scale_min, by_code[code].scale_max) == (
            "rating", 1, 5)
        assert by_code[code].required
    assert (by_code["would_recommend"].kind, by_code["would_recommend"].required) == (
        "yes_no", True)
    comment = by_code["comment"]
    # The events app keeps comments of up to 5,000 characters; every one must fit.
    assert (comment.kind, comment.required, comment.max_length) == ("long_text", False, 5_000)


def test_event_feedback_answers_become_rows():
    definition = build("event_feedback")

    cleaned, errors = answers_clean(definition, {
        "satisfaction": "5", "usefulness": 4, "would_recommend": "yes", "comment": " Great "})

    assert errors == {}
    assert [(r["number"], r["option"], r["text"]) for r in answer_rows(definition, cleaned)] == [
        (Decimal(5), "", ""), (Decimal(4), "", ""), (None, "yes", ""), (None, "", "Great")]


def test_event_feedback_needs_the_three_scores():
    _, errors = answers_clean(build("event_feedback"), {"comment": "Only a comment"})

    assert set(errors) == {"satisfaction", "usefulness", "would_recommend"}


# A-11 customer experience --------------------------------------------------------------

def test_a11_asks_trust_and_the_seven_drivers_on_the_agreement_scale():
    definition = build("a11_cx")
    trust, drivers, comment = definition.questions

    assert AGREEMENT == ["Strongly disagree", "Disagree", "Neither agree nor disagree",
                         "Agree", "Strongly agree"]
    assert "this community of practice" in trust.text and trust.text.startswith("I trust")
    assert trust.choices == tuple(AGREEMENT)
    assert (drivers.kind, drivers.choices, drivers.rows) == (
        "likert", tuple(AGREEMENT), tuple(A11_DRIVERS))
    assert len(A11_DRIVERS) == 7
    assert (comment.kind, comment.required) == ("long_text", False)


def test_a11_drivers_may_be_partly_answered():
    definition = build("a11_cx")

    cleaned, errors = answers_clean(definition, {
        "trust": "Agree", "drivers": {A11_DRIVERS[0]: "Strongly agree"}})

    assert errors == {}
    assert answer_rows(definition, cleaned)[1]["row"] == A11_DRIVERS[0]


def test_a11_driver_rows_fit_an_answer_row():
    assert all(len(row) <= 200 for row in A11_DRIVERS)


# AI practitioner -----------------------------------------------------------------------

PRACTITIONER = {"role": "Data scientist", "agency_type": "Federal civilian agency",
                "years_ai": "3 to 5 years", "skills": ["Machine learning"],
                "tools": ["R", "Python"], "training_needs": ["AI fundamentals"],
                "training_formats": ["Hands-on labs"], "comment": "Thanks"}


def test_ai_practitioner_asks_about_training_only_when_training_is_the_barrier():
    definition = build("ai_practitioner")
    training = next(s.position for s in definition.sections if s.title == "Training")

    assert training in visited_sections(definition, {"barrier": "Lack of training"})
    for barrier in BARRIERS[1:]:
        assert training not in visited_sections(definition, {"barrier": barrier})


def test_ai_practitioner_drops_training_answers_when_the_barrier_changes():
    definition = build("ai_practitioner")

    cleaned, errors = answers_clean(definition, PRACTITIONER | {"barrier": "Funding"})

    assert errors == {}
    assert "training_formats" not in cleaned
    assert cleaned["comment"] == "Thanks"
    assert cleaned["tools"] == ["Python", "R"]


def test_ai_practitioner_keeps_training_answers_for_lack_of_training():
    cleaned, errors = answers_clean(build("ai_practitioner"),
                                    PRACTITIONER | {"barrier": "Lack of training"})

    assert errors == {}
    assert cleaned["training_formats"] == ["Hands-on labs"]


def test_ai_practitioner_offers_the_expected_choices():
    by_code = {q.code: q for q in build("ai_practitioner").questions}

    assert {"Data scientist", "Machine learning engineer", "Program or product manager",
            "Acquisition or contracting", "Policy or legal", "Leadership",
            "Other"} <= set(by_code["role"].choices)
    assert {"Python", "R", "Cloud machine learning platforms", "LLM APIs or chat assistants",
            "AutoML tools", "Business intelligence tools"} <= set(by_code["tools"].choices)
    assert [by_code[c].kind for c in ("skills", "tools", "training_needs")] == ["multiple"] * 3
    assert by_code["barrier"].required
