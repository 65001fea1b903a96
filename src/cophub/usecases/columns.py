"""The columns of OMB's individually reported AI use case inventory (2025 data dictionary),
how people see them, and how the typed and facet values are read from the raw strings.

Multi-select columns are stringified Python lists (`['a) Age', 'b) Sex']`). They are parsed
with `ast.literal_eval` on a string that must look like a list: never `eval`, and anything
that does not parse stays one value."""

import ast
import re
import unicodedata

# In the file's order. The label is OMB's question, shortened for a page.
COLUMNS: dict[str, str] = {
    "agency": "Agency abbreviation",
    "agency_name": "Agency",
    "id": "Use case ID",
    "use_case_name": "Use case name",
    "agency_bureau": "Bureau or component",
    "contact_email": "Contact e-mail",
    "is_withheld": "Withheld from public reporting",
    "development_stage": "Stage of development",
    "is_high_impact": "High-impact",
    "HI_justification": "Justification (not high-impact)",
    "topic_area": "Topic area",
    "classification": "AI classification",
    "problem_solved": "Problem the AI is intended to solve",
    "benefits": "Expected benefits",
    "system_outputs": "The AI system's outputs",
    "operational_date": "Operational or pilot start date",
    "contracting_usage": "Purchased from a vendor or developed in-house",
    "vendor_name": "Vendors",
    "have_ato": "Authorization to Operate (ATO)",
    "system_name_ato": "Systems named in the ATO",
    "data_description": "Data used to train, fine-tune or evaluate the models",
    "link_to_data": "Federal Data Catalog entry",
    "has_pii": "Involves personally identifiable information (PII)",
    "pia_url": "Privacy Impact Assessment",
    "demographic_features": "Demographic variables used as model features",
    "has_custom_code": "Includes custom-developed code",
    "code_url": "Open-source code",
    "hi_testing_conducted": "Pre-deployment testing conducted",
    "hi_assessment_completed": "AI impact assessment completed",
    "hi_potential_impacts": "Potential impacts and how they were identified",
    "hi_independent_review": "Independent review",
    "hi_ongoing_monitoring": "Ongoing monitoring",
    "hi_training_established": "Training for operators",
    "hi_failsafe_presence": "Fail-safe",
    "hi_appeal_process": "Appeal process",
    "hi_public_consultation": "Consultation with end users and the public",
}
REQUIRED_COLUMNS: tuple[str, ...] = tuple(COLUMNS)

LIST_COLUMNS = frozenset({"demographic_features", "hi_public_consultation"})
LINK_COLUMNS = frozenset({"link_to_data", "pia_url", "code_url"})
# Long answers shown as paragraphs on the use case page, not as one line.
PROSE_COLUMNS = frozenset({"problem_solved", "benefits", "system_outputs", "HI_justification",
                           "data_description", "hi_potential_impacts"})

# No field may be longer than this (characters). OMB's longest is about 3,000; a bigger one
# is a broken file (an unclosed quote swallowing the rows after it), and the row is refused.
FIELD_MAX_CHARS = 20_000
AGENCY_MAX_CHARS = 20
ID_MAX_CHARS = 100
# Facet values are indexed; longer values are cut for the facet only (the field keeps all).
FACET_VALUE_MAX_CHARS = 300

# OMB's full wording of the topic areas → the shorthand codes the file uses, so a file that
# spells out "Administrative functions" lands in the same facet value as "Admin Functions".
TOPIC_SHORTHAND = {
    "administrative functions": "Admin Functions",
    "emergency management": "Emergency Mgmt",
    "energy and the environment": "Energy and Environment",
    "government benefits processing": "Benefits Processing",
    "human resources": "HR",
    "information technology": "IT",
    "procurement and financial management": "Procurement and Finance Mgmt",
}

_LIST_RE = re.compile(r"^\s*\[.*\]\s*$", re.DOTALL)


def list_values(raw: str) -> list[str]:
    """The values of a multi-select cell: a stringified list, or "a; b", or one value."""
    text = (raw or "").strip()
    if not text:
        return []
    if _LIST_RE.match(text):
        try:
            parsed = ast.literal_eval(text)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            parsed = None
        if isinstance(parsed, list | tuple):
            return [v for v in (" ".join(str(item).split()) for item in parsed) if v]
        if parsed is None:
            text = text.strip()[1:-1]  # a malformed list: read what is between the brackets
    return [v for v in (" ".join(part.split()) for part in text.split(";")) if v]


def topic_values(raw: str) -> list[str]:
    values = []
    for value in list_values(raw):
        value = TOPIC_SHORTHAND.get(value.casefold(), value)
        if value not in values:
            values.append(value)
    return values


def vendor_values(raw: str) -> list[str]:
    """Vendors named in the cell. Only semicolons and line breaks separate vendors: commas
    are part of company names ("Palantir Technologies, Inc.")."""
    values = []
    for part in re.split(r"[;\n]", raw or ""):
        value = " ".join(part.split()).strip(" ,")
        if value and value not in values:
            values.append(value)
    return values


def one_value(raw: str) -> str:
    return " ".join((raw or "").split())


def facet_value(value: str) -> str:
    return value if len(value) <= FACET_VALUE_MAX_CHARS else value[:FACET_VALUE_MAX_CHARS - 1] + "…"


# --- Words, for the text filter and for "similar use cases" -------------------------------

STOPWORDS = frozenset("""
a about above after again all also an and any are as at be been being both but by can could
data did do does each for from further had has have having he her here how i if in into is it
its itself just may more most must no nor not of off on once only or other our out over own
same she should so some such than that the their them then there these they this those
through to too under until up use used uses using very was we were what when where which while
who whom why will with within would you your ai system systems tool tools model models agency
agencies federal new based provide provides support supports help helps enable enables
improve improves process processes information work""".split())

_WORD_RE = re.compile(r"[a-z0-9]+")
TERMS_MAX = 80


def words(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()
    return _WORD_RE.findall(folded.lower())


def distinctive_terms(*texts: str) -> str:
    """Up to TERMS_MAX distinct words of the texts, in order, without stop words or words
    shorter than three letters."""
    seen: list[str] = []
    found = set()
    for text in texts:
        for word in words(text):
            if len(word) < 3 or word in STOPWORDS or word.isdigit() or word in found:
                continue
            found.add(word)
            seen.append(word)
            if len(seen) >= TERMS_MAX:
                return " ".join(seen)
    return " ".join(seen)


SEARCH_TEXT_COLUMNS = ("id", "use_case_name", "agency_name", "agency_bureau", "problem_solved",
                       "benefits", "system_outputs", "vendor_name", "system_name_ato")


def search_text(fields: dict[str, str]) -> str:
    """The words of the searched columns, folded as `words` folds the text filter's, so
    "Café" is found by "cafe"."""
    return "\n".join(" ".join(words(fields.get(c, ""))) for c in SEARCH_TEXT_COLUMNS)
