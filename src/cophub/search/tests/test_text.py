"""Queries are cut into plain words (never full-text syntax); snippets escape HTML."""

import pytest

from cophub.search.text import (
    MAX_QUERY_CHARS,
    MAX_QUERY_TERMS,
    highlight,
    index_terms,
    markdown_text,
    query_parse,
    snippet,
)


def test_stop_words_and_repeats_are_dropped_and_accents_folded():
    parsed = query_parse("How can we detect the FRAUD in Café claims, fraud?")
    assert parsed.terms == ["detect", "fraud", "cafe", "claims"]


@pytest.mark.parametrize("query", [
    '"fraud', "fraud*", "title:fraud", "NEAR(fraud claims)", "fraud AND claims",
    "-fraud", "^fraud", "(fraud OR claims)", "'fraud'", 'fr"aud', "fraud; DROP TABLE x",
])
def test_syntax_characters_are_separators_not_operators(query):
    terms = query_parse(query).terms
    assert all(term.isalnum() for term in terms), terms
    assert "fraud" in terms or "fr" in terms


def test_operators_written_as_words_are_plain_words():
    assert query_parse("near and or not").terms == ["near"]  # and/or/not are stop words
    assert query_parse("NEAR AND fraud").terms == ["near", "fraud"]


def test_a_very_long_query_is_cut_and_says_so():
    parsed = query_parse("fraud " * 5_000)  # 30,000 characters
    assert len(parsed.text) <= MAX_QUERY_CHARS
    assert parsed.terms == ["fraud"]
    assert any("very long" in n for n in parsed.notices)
    many = query_parse(" ".join(f"word{i}" for i in range(200)))
    assert len(many.terms) == MAX_QUERY_TERMS
    assert any(f"first {MAX_QUERY_TERMS} words" in n for n in many.notices)


def test_an_empty_or_blank_query_is_empty():
    for raw in ("", "   ", None):
        parsed = query_parse(raw)
        assert parsed.is_empty and not parsed.terms
    assert not query_parse('"*:^()').is_empty and not query_parse('"*:^()').terms


def test_index_terms_leave_out_stop_words_and_long_numbers():
    assert index_terms("The 2025 inventory lists 123456 AI use cases") == {
        "2025", "inventory", "lists", "ai", "use", "cases"}


def test_highlight_escapes_html_and_marks_stems():
    html = highlight("<script>alert(1)</script> Claims & claimed fraud", ["claims"])
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<mark>Claims</mark>" in html and "<mark>claimed</mark>" in html
    assert "&amp;" in html and "<mark>fraud</mark>" not in html


def test_highlight_handles_accents():
    assert highlight("Café déjà vu", ["cafe"]) == "<mark>Café</mark> déjà vu"


def test_snippet_shows_the_passage_with_most_terms():
    text = " ".join(["filler"] * 200) + " We detect fraud in benefit claims quickly. " + \
        " ".join(["more"] * 200)
    html = snippet(text, ["fraud", "claims"])
    assert "<mark>fraud</mark>" in html and "<mark>claims</mark>" in html
    assert html.startswith("… ") and html.endswith(" …")
    assert len(html.split()) < 60


def test_snippet_of_a_short_text_is_the_text():
    assert snippet("Fraud <b>detection</b>", ["fraud"]) == \
        "<mark>Fraud</mark> &lt;b&gt;detection&lt;/b&gt;"
    assert snippet("", ["fraud"]) == ""


def test_markdown_becomes_plain_text():
    text = markdown_text("# Title\n\nSome **bold** text and a [link](https://x.gov).\n\n- one\n"
                         "- two <b>x</b> &amp; y")
    assert "**" not in text and "https://x.gov" not in text
    assert "Title" in text and "bold" in text and "link" in text and "two" in text
    # What the writer typed as HTML stays text (the page shows it escaped; so do snippets).
    assert "<b>x</b> & y" in text
