"""Markdown as plain text (`markdown_to_text`), for the text part of e-mail and calendar
descriptions: what a reader sees, without Markdown's markers."""

import pytest

from cophub.core.markdown import markdown_to_text


@pytest.mark.parametrize(("source", "expected"), [
    ("Some *em*, __strong__, ~~gone~~ and `code`.", "Some em, strong, gone and code."),
    ("See [the agenda](https://ai.example.gov/agenda).",
     "See the agenda (https://ai.example.gov/agenda)."),
    ("<https://ai.example.gov>", "https://ai.example.gov"),  # the text is the address
    ("Write to <jane@va.gov> or [me](mailto:jane@va.gov).", "Write to jane@va.gov or me "
     "(jane@va.gov)."),
    ("![The logo](https://ai.example.gov/logo.png)",
     "The logo (https://ai.example.gov/logo.png)"),
    ("# Agenda\n\n## Morning", "Agenda\n\nMorning"),
    ("Line one  \nline two\nline three", "Line one\nline two\nline three"),
    (r"Not \*emphasis\* &amp; an entity", "Not *emphasis* & an entity"),
    ("[x](javascript:alert(1))", "[x](javascript:alert(1))"),  # never a link: kept as text
    ("", ""),
])
def test_inline_markdown_becomes_text(source, expected):
    assert markdown_to_text(source) == expected


def test_lists_keep_their_markers_numbers_and_nesting():
    source = ("Bring:\n\n- a laptop\n- questions, with [links](https://x.gov)\n"
              "  1. about data\n  2. about models\n     in production\n- lunch\n\n"
              "7. seventh\n8. eighth")
    assert markdown_to_text(source) == (
        "Bring:\n\n"
        "- a laptop\n"
        "- questions, with links (https://x.gov)\n"
        "  1. about data\n"
        "  2. about models\n"
        "     in production\n"
        "- lunch\n\n"
        "7. seventh\n"
        "8. eighth")


def test_loose_list_items_keep_their_paragraphs():
    source = "1. First\n\n   more about it\n\n2. Second"
    assert markdown_to_text(source) == "1. First\n\n   more about it\n\n2. Second"


def test_quotes_code_tables_and_rules():
    source = ("> Quoted\n> - item\n\n```\nx = 1\n  y = 2\n```\n\n| Track | Seats |\n"
              "|---|---|\n| Technical | 40 |\n\n---\n\nEnd")
    assert markdown_to_text(source) == (
        "> Quoted\n>\n> - item\n\n"
        "    x = 1\n      y = 2\n\n"
        "Track | Seats\nTechnical | 40\n\n"
        + "-" * 20 + "\n\nEnd")


def test_the_template_filter_renders_text():
    from django.template import Context, Template

    rendered = Template("{% load cophub %}{{ value|markdown_text }}").render(
        Context({"value": "**Hello** [site](https://x.gov)"}))
    assert rendered == "Hello site (https://x.gov)"
