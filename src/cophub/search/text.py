"""Words, queries and snippets.

User text never reaches the full-text engines as syntax: a query is cut into words here
(letters and digits only), stop words are dropped, and each word is passed on as one quoted
term (FTS5) or one parameter (PostgreSQL). Quotes, `*`, `:`, `^`, `-`, parentheses, `NEAR(`
and `AND` are therefore plain text or separators, never operators.
"""

import html
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

import nh3
import numpy as np

from cophub.core.markdown import render_markdown

# Bounds on what one query may cost: the text we read, and the words we search for.
MAX_QUERY_CHARS = 1_000
MAX_QUERY_TERMS = 32
MAX_TERM_LENGTH = 40  # longer "words" (hashes, base64) are not searchable words

# The English stop words of Lucene's and Snowball's lists: words too common to say what a
# document is about. They are dropped from queries (both engines then agree; PostgreSQL's
# 'english' configuration drops them from documents too).
STOP_WORDS = frozenset("""
a about above after again against all am an and any are aren't as at be because been before
being below between both but by can can't cannot could couldn't did didn't do does doesn't
doing don't down during each few for from further had hadn't has hasn't have haven't having
he he'd he'll he's her here here's hers herself him himself his how how's i i'd i'll i'm i've
if in into is isn't it it's its itself let's me more most mustn't my myself no nor not of off
on once only or other ought our ours ourselves out over own same shan't she she'd she'll
she's should shouldn't so some such than that that's the their theirs them themselves then
there there's these they they'd they'll they're they've this those through to too under
until up very was wasn't we we'd we'll we're we've were weren't what what's when when's where
where's which while who who's whom why why's with won't would wouldn't you you'd you'll you're
you've your yours yourself yourselves s t d ll m o re ve y can will just don should now
also may might must shall via etc
""".split())

_WORD = re.compile(r"[^\W_]+")


_COMBINING_MARKS = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff"
                              "\ufe20-\ufe2f]")


def fold(text: str) -> str:
    """Lower case without accents, as FTS5's `unicode61 remove_diacritics 2` sees it."""
    if text.isascii():
        return text.lower()
    return _COMBINING_MARKS.sub("", unicodedata.normalize("NFKD", text.lower()))


def words(text: str) -> list[str]:
    """Every word of `text`, folded, in order (stop words included)."""
    return [w for w in _WORD.findall(fold(text)) if len(w) <= MAX_TERM_LENGTH]


def index_terms(text: str) -> set[str]:
    """The distinct words of a document that count as vocabulary: not stop words, at least
    two characters, not pure numbers longer than four digits (years stay)."""
    return {w for w in words(text)
            if w not in STOP_WORDS and len(w) >= 2 and not (w.isdigit() and len(w) > 4)}


@dataclass
class ParsedQuery:
    text: str  # what was searched for, cut to MAX_QUERY_CHARS
    terms: list[str]  # distinct content words, in order, at most MAX_QUERY_TERMS
    notices: list[str] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.text

    @property
    def has_terms(self) -> bool:
        return bool(self.terms)


def query_parse(raw: str) -> ParsedQuery:
    """Cut a query into search terms. Never raises: odd characters are separators, a long
    query is cut (and says so), an empty one stays empty."""
    text = " ".join((raw or "").split())
    notices = []
    if len(text) > MAX_QUERY_CHARS:
        text = text[:MAX_QUERY_CHARS].rsplit(" ", 1)[0] or text[:MAX_QUERY_CHARS]
        notices.append(f"Your search was very long: only its first {MAX_QUERY_CHARS:,} "
                       "characters were used.")
    terms: list[str] = []
    for word in words(text):
        if word in STOP_WORDS or word in terms:
            continue
        terms.append(word)
    if len(terms) > MAX_QUERY_TERMS:
        terms = terms[:MAX_QUERY_TERMS]
        notices.append(f"Only the first {MAX_QUERY_TERMS} words of your search were used.")
    return ParsedQuery(text=text, terms=terms, notices=notices)


# --- Plain text for the index ----------------------------------------------------------------

def markdown_text(source: str) -> str:
    """The plain text of Markdown (as its page renders it), for a document's body."""
    if not source:
        return ""
    rendered = render_markdown(source)
    # Block ends become line breaks so that words of adjacent paragraphs stay apart.
    rendered = re.sub(r"</(p|li|h[1-6]|tr|blockquote|pre)>|<br\s*/?>", "\n", rendered)
    return html.unescape(nh3.clean(rendered, tags=set())).strip()


# --- Snippets ------------------------------------------------------------------------------

SNIPPET_WORDS = 36
_TOKEN = re.compile(r"[^\W_]+|[\W_]+")
_SUFFIXES = ("ations", "ation", "ings", "ing", "ies", "ied", "ed", "es", "ly", "s")


def light_stem(word: str) -> str:
    """A crude English stem for highlighting ("claims", "claimed" → "claim"); the engines
    use Porter's stemmer for matching, and a prefix of it is close enough to mark words."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


@lru_cache(maxsize=256)
def _stem_pattern(terms: tuple[str, ...]) -> re.Pattern | None:
    """Matches, in folded text, a whole word that begins with one of the terms' stems;
    group `t<n>` tells which term."""
    stems = [light_stem(t) for t in terms]
    if not stems:
        return None
    # Longest stems first, so a longer stem wins over a shorter one that prefixes it.
    order = sorted(range(len(stems)), key=lambda i: -len(stems[i]))
    alternatives = "|".join(f"(?P<t{i}>{re.escape(stems[i])})" for i in order)
    return re.compile(rf"(?<![^\W_])(?:{alternatives})[^\W_]*")


def _fold_same_length(text: str) -> str | None:
    """`fold(text)` when it keeps the text's length (so positions match), else None."""
    folded = fold(text)
    return folded if len(folded) == len(text) else None


def highlight(text: str, terms: list[str]) -> str:
    """`text`, HTML-escaped, with the words that match a term wrapped in <mark>."""
    pattern = _stem_pattern(tuple(t for t in terms if t))
    if pattern is None:
        return html.escape(text)
    folded = _fold_same_length(text)
    if folded is None:  # accents: word by word
        return "".join(
            f"<mark>{html.escape(token)}</mark>"
            if token[0].isalnum() and pattern.fullmatch(fold(token)) else html.escape(token)
            for token in _TOKEN.findall(text))
    out, last = [], 0
    for match in pattern.finditer(folded):
        out.append(html.escape(text[last:match.start()]))
        out.append(f"<mark>{html.escape(text[match.start():match.end()])}</mark>")
        last = match.end()
    out.append(html.escape(text[last:]))
    return "".join(out)


MAX_SNIPPET_SOURCE_WORDS = 5_000


def snippet(text: str, terms: list[str], *, size: int = SNIPPET_WORDS) -> str:
    """The passage of `text` (about `size` words) with the most distinct matching terms,
    HTML-escaped, matches in <mark>, with an ellipsis where it was cut. The text must be
    one the viewer may see: snippets are made from the visible document only."""
    tokens = text.split()[:MAX_SNIPPET_SOURCE_WORDS]
    if not tokens:
        return ""
    start = 0
    terms = [t for t in terms if t]
    pattern = _stem_pattern(tuple(terms))
    if pattern is not None and len(tokens) > size:
        # Which term each word matches (one regex pass), then, for every window of `size`
        # words, how many distinct terms it holds (cumulative sums, no loop over windows).
        joined = " ".join(tokens)
        folded = _fold_same_length(joined) or " ".join(fold(t) for t in tokens)
        lengths = np.fromiter((len(t) + 1 for t in folded.split(" ")), dtype=np.int64)
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        hits = np.zeros((len(tokens), len(terms)), dtype=np.int32)
        for match in pattern.finditer(folded):
            row = int(np.searchsorted(starts, match.start(), side="right")) - 1
            hits[row, int(match.lastgroup[1:])] = 1
        cumulative = np.vstack([np.zeros((1, len(terms)), dtype=np.int32),
                                np.cumsum(hits, axis=0)])
        in_window = cumulative[size:] - cumulative[:-size]
        score = (in_window > 0).sum(axis=1) * 1000 + in_window.sum(axis=1)
        # Of the best windows, the middle one: the matches sit mid-snippet, with context.
        best = np.flatnonzero(score == score.max())
        start = int(best[len(best) // 2])
        # Begin at a sentence start when one is near, so the snippet reads well.
        for back in range(start, max(-1, start - 8), -1):
            if back == 0 or tokens[back - 1].endswith((".", "?", "!")):
                start = back
                break
    window = " ".join(tokens[start:start + size])
    prefix = "… " if start > 0 else ""
    suffix = " …" if start + size < len(tokens) else ""
    return f"{prefix}{highlight(window, terms)}{suffix}"
