"""Survey templates organizers can start from, as plain data.

Kept as data rather than rows so a template is reviewed like code, reaches every community
at once, and can be checked without a database (`answers.definition_from_data`). Building a
survey copies a template into a new version; the version, not the template, is what people
answer, so changing a template never changes a survey already made from it.

Branches name sections by their place in the template's list, counting from 1; 0 ends the
survey. Treat `TEMPLATES` as read-only: copy a template before changing it.
"""

from .models import Question

Kind = Question.Kind

AGREEMENT = ["Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree",
             "Strongly agree"]


def _question(code: str, kind: str, text: str, *, help_text: str = "",
              required: bool = False, choices: list[str] | None = None,
              rows: list[str] | None = None, scale_min: int | None = None,
              scale_max: int | None = None, scale_min_label: str = "",
              scale_max_label: str = "", branches: dict[str, int] | None = None,
              max_length: int | None = None) -> dict:
    """Every key a question has, so code reading a template never needs a default."""
    return {"code": code, "kind": str(kind), "text": text, "help_text": help_text,
            "required": required, "choices": list(choices or []), "rows": list(rows or []),
            "scale_min": scale_min, "scale_max": scale_max,
            "scale_min_label": scale_min_label, "scale_max_label": scale_max_label,
            "branches": dict(branches or {}), "max_length": max_length}


# The events app's feedback form has exactly these four fields (satisfaction, usefulness,
# would_recommend, comment); its answers are migrated onto this template, so the codes,
# scales and the comment's length limit must stay as they are.
EVENT_FEEDBACK = {
    "key": "event_feedback",
    "title": "Event feedback",
    "description": "Four short questions for attendees after an event: how satisfied they "
                   "were, how useful it was, whether they would recommend it, and what to "
                   "keep or change.",
    "sections": [{
        "title": "Your feedback",
        "description": "",
        "questions": [
            _question("satisfaction", Kind.RATING,
                      "Overall, how satisfied were you with the event?", required=True,
                      scale_min=1, scale_max=5, scale_min_label="Very dissatisfied",
                      scale_max_label="Very satisfied"),
            _question("usefulness", Kind.RATING, "How useful was it for your work?",
                      required=True, scale_min=1, scale_max=5,
                      scale_min_label="Not useful at all", scale_max_label="Very useful"),
            _question("would_recommend", Kind.YES_NO,
                      "Would you recommend it to a colleague?", required=True),
            _question("comment", Kind.LONG_TEXT, "What worked well, and what could we improve?",
                      help_text="Optional.",
                      max_length=5_000),
        ],
    }],
}

# OMB Circular A-11, Section 280: the trust question and the seven drivers of customer
# experience, worded as in the circular's sample statements with the agency or program
# replaced by "this community of practice". Keeping the wording close lets results be
# compared with other federal services.
A11_DRIVERS = [
    "I am satisfied with the service I received.",  # satisfaction
    "This interaction increased my confidence in this community of practice.",  # confidence
    "My need was addressed.",  # effectiveness and quality
    "It was easy to complete what I needed to do.",  # ease and simplicity
    "It took a reasonable amount of time to do what I needed to do.",  # efficiency and speed
    "I was treated fairly.",  # equity and transparency
    "The people I interacted with were helpful.",  # employee helpfulness
]

A11_CX = {
    "key": "a11_cx",
    "title": "Customer experience (OMB A-11, Section 280)",
    "description": "The federal government's standard customer experience questions: trust, "
                   "and the drivers behind it (satisfaction, confidence, effectiveness, ease, "
                   "efficiency, equity and helpfulness), on a five-point agreement scale. "
                   "Asking the public may need an OMB control number.",
    "sections": [{
        "title": "Your experience",
        "description": "Think about your most recent experience with this community of "
                       "practice.",
        "questions": [
            _question("trust", Kind.SINGLE,
                      "I trust this community of practice to fulfill our country's "
                      "commitment to the people it serves.",
                      required=True, choices=AGREEMENT),
            _question("drivers", Kind.LIKERT,
                      "How much do you agree with each statement?", choices=AGREEMENT,
                      rows=A11_DRIVERS),
            _question("comment", Kind.LONG_TEXT,
                      "Is there anything else you would like to tell us about your "
                      "experience?", help_text="Optional."),
        ],
    }],
}

LACK_OF_TRAINING = "Lack of training"
BARRIERS = [LACK_OF_TRAINING, "Access to data", "Access to tools or computing",
            "Unclear policy or legal questions", "Funding", "Support from leadership",
            "Hiring and keeping staff", "Other"]
# Sections of the practitioner template, by place: only people held back by a lack of
# training are asked about training formats; everyone else goes straight to the close.
TRAINING_SECTION, CLOSING_SECTION = 3, 4

AI_PRACTITIONER = {
    "key": "ai_practitioner",
    "title": "AI practitioner profile",
    "description": "Who the community's members are, what they work with, and what would "
                   "help them: role, workplace, experience, skills, tools, training needs "
                   "and the biggest barrier. People held back by a lack of training are "
                   "also asked how they like to learn.",
    "sections": [
        {
            "title": "About you",
            "description": "",
            "questions": [
                _question("role", Kind.SINGLE, "Which best describes your role?",
                          required=True, choices=[
                              "Data scientist", "Machine learning engineer",
                              "Software or data engineer", "Program or product manager",
                              "Acquisition or contracting", "Policy or legal", "Leadership",
                              "Other"]),
                _question("agency_type", Kind.SINGLE, "Where do you work?", required=True,
                          choices=[
                              "Federal civilian agency", "Defense or intelligence agency",
                              "Legislative or judicial branch", "State government",
                              "Local, tribal or territorial government",
                              "University or research institution", "Industry",
                              "Nonprofit", "Other"]),
                _question("years_ai", Kind.SINGLE, "How long have you worked with AI?",
                          choices=["Not yet", "Less than 1 year", "1 to 2 years",
                                   "3 to 5 years", "6 to 10 years", "More than 10 years"]),
            ],
        },
        {
            "title": "Your work with AI",
            "description": "",
            "questions": [
                _question("skills", Kind.MULTIPLE, "Which skills do you use in your work?",
                          help_text="Choose all that apply.", choices=[
                              "Data analysis and statistics", "Machine learning",
                              "Generative AI and prompting", "Data engineering",
                              "Software engineering", "Testing and evaluating AI systems",
                              "AI governance and risk management",
                              "Buying AI products and services", "Managing AI programs"]),
                _question("tools", Kind.MULTIPLE, "Which tools do you use?",
                          help_text="Choose all that apply.", choices=[
                              "Python", "R", "SQL", "Cloud machine learning platforms",
                              "LLM APIs or chat assistants", "AutoML tools",
                              "Business intelligence tools", "Spreadsheets", "Other"]),
                _question("training_needs", Kind.MULTIPLE,
                          "What would you most like to learn?",
                          help_text="Choose all that apply.", choices=[
                              "AI fundamentals", "Generative AI for everyday work",
                              "Responsible AI and risk management",
                              "Data management and quality",
                              "Machine learning engineering and operations",
                              "Evaluating AI systems", "Buying AI", "AI policy and law",
                              "Leading AI programs"]),
                _question("barrier", Kind.SINGLE,
                          "What is the biggest barrier to using AI in your work?",
                          required=True, choices=BARRIERS,
                          branches={barrier: CLOSING_SECTION for barrier in BARRIERS}
                          | {LACK_OF_TRAINING: TRAINING_SECTION}),
            ],
        },
        {
            "title": "Training",
            "description": "You said a lack of training holds you back. Tell us how you "
                           "like to learn, so the community can offer it.",
            "questions": [
                _question("training_formats", Kind.MULTIPLE, "How do you like to learn?",
                          help_text="Choose all that apply.", choices=[
                              "Self-paced online courses", "Live online sessions",
                              "In-person workshops", "Hands-on labs",
                              "Mentoring or coaching", "Peer groups",
                              "Courses that lead to a certificate"]),
                _question("training_time", Kind.SINGLE,
                          "How much time could you spend on training?", choices=[
                              "Less than 1 hour a week", "1 to 2 hours a week",
                              "3 to 5 hours a week", "More than 5 hours a week"]),
            ],
        },
        {
            "title": "Anything else",
            "description": "",
            "questions": [
                _question("comment", Kind.LONG_TEXT,
                          "Is there anything else the community should know?",
                          help_text="Optional."),
            ],
        },
    ],
}

TEMPLATES: dict[str, dict] = {
    template["key"]: template for template in (EVENT_FEEDBACK, A11_CX, AI_PRACTITIONER)
}


def template_choices() -> list[tuple[str, str]]:
    """(key, title) for each template, in the order organizers see them."""
    return [(key, template["title"]) for key, template in TEMPLATES.items()]
