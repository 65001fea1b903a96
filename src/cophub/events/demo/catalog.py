"""What the demo events say: titles, speakers, descriptions and the shape of the FY2023
calendar. Speakers are fictional; links are placeholders."""

from typing import NamedTuple
from zoneinfo import ZoneInfo

from cophub.events.models import Event, Question

EASTERN = ZoneInfo("America/New_York")
LINKS = "https://www.example.gov"


class Spec(NamedTuple):
    when: tuple  # (year, month, day, hour, minute) in Washington; or (days from today, hour)
    minutes: int
    kind: str
    group: str | None  # host group slug
    title: str
    about: str
    speakers: str = ""
    access: str = "public"
    capacity: int | None = None
    popularity: float = 1.0  # 1.0: about 6% of the community registers
    interest: str = ""  # members with this interest register more (default: the group's)
    location: str = ""
    status: str = Event.Status.PUBLISHED


W, H, WS, D = Event.Kind.WEBINAR, Event.Kind.HUDDLE, Event.Kind.WORKSHOP, Event.Kind.DEMO_DAY
HQ = "GSA headquarters, 1800 F Street NW, Washington, DC 20405, and online"

# The monthly meetings of FY2023: (topic, what it covers, speakers, popularity).
MEETINGS_FY2023 = [
    ("the AI Training Act and your agency", "The AI Training Act (Public Law 117-207) asks "
     "agencies to train their acquisition workforce on AI. OMB and GSA walk through what comes "
     "next.", "Dana Whitaker, Policy Analyst, Office of Management and Budget", 1.1),
    ("lessons from the 2022 AI use case inventories", "Agencies published their second AI "
     "use case inventories under EO 13960. Three inventory leads compare how they found, "
     "described and reviewed their use cases.", "Marcus Bell, Chief Data Officer, Department "
     "of Labor\nIngrid Sato, AI Lead, Department of Energy", 1.2),
    ("2022 in review and working group plans for 2023", "The steering committee looks back "
     "at the year and each working group and practice area presents its plans.", "", 0.8),
    ("getting ready for the NIST AI Risk Management Framework", "NIST previews version 1.0 of "
     "the AI RMF and its playbook, and how agencies can map, measure and manage AI risk.",
     "Dr. Rachel Ortiz, Computer Scientist, National Institute of Standards and Technology",
     1.1),
    ("ChatGPT and large language models at work", "What large language models can and cannot "
     "do, and the questions agencies are asking about security, privacy and records.",
     "Dr. Kwame Mensah, Research Scientist, National Institutes of Health", 1.7),
    ("Applied AI Challenge: healthcare finalists", "The finalists of the healthcare challenge "
     "present their solutions and the judges explain what stood out.", "", 1.0),
    ("the Blueprint for an AI Bill of Rights in practice", "How agencies turn the Blueprint's "
     "five principles into reviews, notices and human alternatives.",
     "Lena Fischer, Senior Policy Advisor, Office of Science and Technology Policy", 1.0),
    ("computer vision across missions", "From wildfire detection in satellite imagery to "
     "reading scanned benefits forms: three teams show computer vision in production.",
     "Tomás Rivera, Data Scientist, U.S. Forest Service", 0.9),
    ("interim generative AI guidance at agencies", "Several agencies have published interim "
     "guidance on generative AI. Their authors compare approaches and open questions.",
     "Aaron Feld, Deputy CIO, Department of Veterans Affairs", 1.4),
    ("securing machine learning systems", "Adversarial examples, data poisoning and model "
     "theft: what defenders need to know, with CISA's perspective.",
     "Nia Brooks, Cybersecurity Advisor, Cybersecurity and Infrastructure Security Agency",
     1.0),
    ("Applied AI Challenge: large language models results", "The winners of the LLM "
     "challenge, and what the challenge taught us about buying and testing LLM solutions.",
     "", 1.1),
    ("building the federal AI workforce", "Hiring authorities, the AI training series and "
     "career paths for data scientists and AI practitioners in government.",
     "Grace Liu, Human Capital Lead, Office of Personnel Management", 1.0),
]

UPCOMING_MEETINGS = [
    ("this year's AI use case inventory guidance", "What changed in the inventory guidance "
     "and how to report rights- and safety-impacting uses."),
    ("AI agents: promise and guardrails", "Agencies piloting agentic AI share what they "
     "automate, what they keep a human on, and how they log it."),
    ("Chief AI Officers roundtable", "Chief AI Officers discuss governance boards, "
     "compliance plans and what they need from the community."),
]

EVENTS_FY2023 = [
    Spec((2022, 10, 20, 14, 0), 60, W, "external-collaborations",
         "State and local AI: how states are standing up AI programs",
         "Leaders from two state governments describe their AI task forces, policies and "
         "first projects, and where federal and state work can meet.",
         "Jordan Avery, Chief Data Officer, State of Colorado\nPriya Natarajan, Director of "
         "Innovation, City of San José"),
    Spec((2022, 11, 3, 13, 0), 120, WS, "tools-and-resources",
         "Building your AI use case inventory with open-source tools",
         "A hands-on session: collect use cases with a shared form, review them against the "
         "EO 13960 criteria and publish the inventory as a CSV.", "Ingrid Sato, AI Lead, "
         "Department of Energy", capacity=60, popularity=1.2,
         interest="AI Policy and Governance"),
    Spec((2022, 11, 17, 14, 0), 60, H, "natural-language-processing",
         "Document classification for FOIA and records management",
         "Practitioners compare approaches to sorting records and FOIA requests with NLP, "
         "from keyword rules to fine-tuned transformers.", popularity=0.8),
    Spec((2022, 12, 1, 14, 0), 60, W, "computer-vision",
         "Aerial imagery and computer vision for disaster response",
         "How damage assessment teams use models on aerial and satellite imagery after "
         "hurricanes and wildfires, and how they check the results.",
         "Dr. Helen Park, Geospatial Scientist, Federal Emergency Management Agency"),
    Spec((2022, 12, 8, 15, 0), 60, H, "reinforcement-learning",
         "Reinforcement learning for logistics and scheduling",
         "An informal discussion of RL for routing, inventory and maintenance scheduling.",
         popularity=0.5),
    Spec((2023, 1, 19, 13, 0), 90, W, "generative-ai",
         "Large language models: a primer for government",
         "How models like ChatGPT work, what they are good at, where they fail, and what "
         "to consider before using them with agency information.",
         "Dr. Kwame Mensah, Research Scientist, National Institutes of Health\nSara "
         "Lindqvist, Senior Engineer, 18F", popularity=2.6),
    Spec((2023, 1, 26, 13, 0), 120, WS, "ai-security",
         "Threat modeling for machine learning systems",
         "Walk through a threat model of a real ML pipeline: data, training, serving and "
         "monitoring, using MITRE ATLAS.", "Nia Brooks, Cybersecurity Advisor, "
         "Cybersecurity and Infrastructure Security Agency", access="government",
         capacity=50, popularity=1.1),
    Spec((2023, 2, 9, 12, 0), 45, W, "community-outreach",
         "New member orientation: getting the most from the AI CoP",
         "How the community works: the listserv, monthly meetings, working groups, "
         "practice areas and where to find past presentations.", popularity=0.6,
         interest="Responsible AI"),
    Spec((2023, 2, 23, 13, 0), 90, W, None,
         "The NIST AI Risk Management Framework 1.0: a walkthrough",
         "NIST released AI RMF 1.0 in January. Its authors walk through the Govern, Map, "
         "Measure and Manage functions and the companion playbook.",
         "Dr. Rachel Ortiz, Computer Scientist, National Institute of Standards and "
         "Technology", popularity=1.8, interest="Responsible AI"),
    Spec((2023, 3, 2, 13, 0), 120, WS, "generative-ai",
         "Prompt engineering for public servants",
         "Practice writing, testing and comparing prompts for summarizing, drafting and "
         "classifying, with a sandbox that holds no agency data.",
         "Sara Lindqvist, Senior Engineer, 18F", access="government", capacity=80,
         popularity=2.0),
    Spec((2023, 3, 23, 10, 0), 180, D, "external-collaborations",
         "Applied AI Challenge: healthcare demo day",
         "Finalists of the healthcare Applied AI Challenge demonstrate their solutions to "
         "agency judges and the community.", "Judges from HHS, VA and NIH",
         popularity=1.3, interest="Computer Vision", location=HQ),
    Spec((2023, 4, 6, 14, 0), 60, H, "natural-language-processing",
         "Speech-to-text and translation for public-facing services",
         "Contact centers and benefits offices compare speech recognition and machine "
         "translation tools, and how they test them for accuracy and bias.",
         popularity=0.8),
    Spec((2023, 4, 13, 13, 0), 60, W, "ai-security",
         "Securing the AI supply chain: models, data and dependencies",
         "Pre-trained models and open datasets bring risks. How to review, pin and monitor "
         "what your AI system depends on.", "Victor Hale, Security Architect, "
         "Department of Homeland Security"),
    Spec((2023, 4, 27, 13, 0), 120, WS, "tools-and-resources",
         "MLOps on government cloud: from notebook to production",
         "Package, deploy and monitor a model on a FedRAMP-authorized cloud platform.",
         "Omar Haddad, MLOps Engineer, Centers for Medicare & Medicaid Services",
         capacity=100, interest="MLOps"),
    Spec((2023, 5, 4, 14, 0), 60, W, "reinforcement-learning",
         "Reinforcement learning in energy grid management",
         "Canceled: the speaker is no longer available. The talk will be rescheduled.",
         popularity=0.6, status=Event.Status.CANCELLED),
    Spec((2023, 5, 11, 14, 0), 60, W, "external-collaborations",
         "Working with universities on AI research",
         "Cooperative agreements, IPAs and student programs: how agencies partner with "
         "academia on AI, from three working examples.", "Dr. Marisol Vega, Program "
         "Director, National Science Foundation", popularity=0.8),
    Spec((2023, 5, 25, 14, 0), 60, H, "computer-vision",
         "Labeling pipelines and annotation tools",
         "A members-only practice area huddle: how teams label imagery and documents, "
         "measure label quality and manage annotators.", access="group", popularity=0.6),
    Spec((2023, 6, 1, 13, 0), 90, W, "generative-ai",
         "Buying generative AI: what contracting officers need to know",
         "Market research, data rights, terms of service and evaluation criteria for "
         "generative AI products.", "Beth Carrington, Procurement Analyst, General Services "
         "Administration", popularity=1.6, interest="AI Acquisition"),
    Spec((2023, 6, 8, 13, 0), 150, WS, "steering-committee",
         "Responsible AI impact assessments: a hands-on workshop",
         "Work through an algorithmic impact assessment for a sample benefits-eligibility "
         "model, from purpose to monitoring.", "Lena Fischer, Senior Policy Advisor, Office "
         "of Science and Technology Policy", access="government", capacity=60,
         popularity=1.2, interest="Responsible AI"),
    Spec((2023, 6, 22, 14, 0), 60, H, "ai-security",
         "AI red-teaming: lessons from agency exercises",
         "Teams that red-teamed chatbots and classifiers share what they found and how "
         "they fixed it.", access="government", popularity=1.0),
    Spec((2023, 7, 13, 13, 0), 60, W, "computer-vision",
         "Document AI: extracting data from forms and scanned records",
         "OCR, layout models and human review for paper-heavy processes.",
         "Tomás Rivera, Data Scientist, U.S. Forest Service\nAngela Cho, Product Manager, "
         "Internal Revenue Service", popularity=1.1),
    Spec((2023, 7, 27, 13, 0), 90, W, "natural-language-processing",
         "Retrieval-augmented generation: grounding LLMs in agency knowledge",
         "Build a question-answering assistant over policy documents, and measure whether "
         "its answers are faithful to the sources.", "Dr. Priya Raman, Senior Lecturer, "
         "Stanford University", popularity=1.9, interest="Generative AI"),
    Spec((2023, 8, 3, 10, 0), 180, D, "generative-ai",
         "Applied AI Challenge: large language models demo day",
         "Finalists of the LLM challenge demonstrate assistants for case workers, contract "
         "review and public inquiries.", "Judges from GSA, DOL and the VA",
         popularity=1.5, location=HQ),
    Spec((2023, 8, 24, 13, 0), 120, WS, "tools-and-resources",
         "Evaluating large language models: benchmarks, test sets and human review",
         "Design an evaluation for an LLM use case: task-specific test sets, automatic "
         "metrics and structured human review.", access="government", capacity=40,
         popularity=1.4, interest="Generative AI"),
    Spec((2023, 9, 7, 14, 0), 60, W, "community-outreach",
         "Plain language for AI: explaining AI systems to the public",
         "Writing notices and explanations of AI use that people understand.",
         "Monique Harris, Plain Language Lead, Social Security Administration",
         popularity=0.7, interest="Responsible AI"),
    Spec((2023, 9, 14, 14, 0), 60, H, "event-planning",
         "FY2024 planning: what should the AI CoP do next?",
         "Bring your ideas for next year's meetings, workshops and training.",
         access="signed_in", popularity=0.5, interest="AI Policy and Governance"),
    Spec((2023, 9, 28, 13, 0), 60, W, "reinforcement-learning",
         "Reinforcement learning from human feedback: how chat models are tuned",
         "How RLHF works, what it does to model behavior and what it means for evaluation.",
         "Dr. Ethan Cole, Research Scientist, Defense Advanced Research Projects Agency",
         popularity=1.0),
]

# Upcoming events: when = (days from today, hour in Washington), moved to a Tuesday–Thursday.
FULL, QUESTIONS = 1, 2  # indexes in UPCOMING
UPCOMING = [
    Spec((9, 13), 60, W, "generative-ai",
         "Generative AI in government: what agencies learned from their first pilots",
         "Three agencies share results of their generative AI pilots: what worked, what they "
         "measured, and what they would do differently.", "Aaron Feld, Deputy CIO, "
         "Department of Veterans Affairs\nSara Lindqvist, Senior Engineer, 18F",
         popularity=1.2),
    Spec((16, 13), 120, WS, "ai-security",
         "Hands-on: red-teaming a large language model application",
         "Probe a sample chatbot for prompt injection, data leakage and unsafe output, and "
         "write up findings. Seats are limited so that everyone can take part.",
         "Nia Brooks, Cybersecurity Advisor, Cybersecurity and Infrastructure Security Agency",
         access="government", capacity=40),
    Spec((23, 14), 90, WS, "tools-and-resources",
         "AI use case inventory office hours: preparing your agency's submission",
         "Bring your questions about this year's inventory: scope, rights- and "
         "safety-impacting determinations and the submission format. Tell us your role "
         "and questions when you register so we can prepare.", "Ingrid Sato, AI Lead, "
         "Department of Energy", access="government", capacity=150, popularity=0.5,
         interest="AI Policy and Governance"),
    Spec((45, 10), 180, D, "computer-vision",
         "Computer vision demo day: agency projects in imagery, video and documents",
         "Agency teams demonstrate computer vision systems in production and answer "
         "questions about data, evaluation and deployment.", popularity=0.8, location=HQ),
]

ROLE_CHOICES = ["Chief AI Officer or their staff", "Program or mission staff",
                "Data scientist or engineer", "Acquisition or contracting",
                "Legal, privacy or policy", "Other"]
QUESTION_SPECS = [
    ("Your role", Question.Kind.CHOICE, ROLE_CHOICES, True),
    ("Has your agency submitted an AI use case inventory before?", Question.Kind.YES_NO,
     [], True),
    ("Which questions would you like us to answer in the session?", Question.Kind.TEXT,
     [], False),
]
ASKED = ["How do we decide whether a use case is rights-impacting?",
         "Do pilots that ended this year need to be reported?",
         "Can we reuse last year's entries?", "How should we describe vendor-provided models?"]

DATA_EVENTS = [
    Spec((2023, 3, 15, 14, 0), 60, W, "data-governance", "Data quality for AI-ready data",
         "Profiling, documenting and monitoring the datasets that models are trained on.",
         "Ruth Adler, Data Steward, Bureau of Labor Statistics", popularity=3.0),
    Spec((2023, 7, 19, 14, 0), 90, WS, "open-data",
         "Publishing open data with machine-readable metadata",
         "A hands-on session on DCAT-US metadata, data dictionaries and APIs.",
         capacity=60, popularity=2.5),
    Spec((20, 14), 60, W, "open-data",
         "Open data that AI can use: metadata, licensing and APIs",
         "How agencies prepare open datasets for machine learning and AI search.",
         popularity=2.0),
]

COMMENTS = {5: ["Excellent speakers and very practical.", "Exactly what my team needed.",
                "Please share the slides: I will brief my office.", "Best session this year."],
            4: ["Useful overview; I would like more time for questions.",
                "Good examples from other agencies.", "Helpful, a bit fast in places."],
            3: ["Some useful parts, but too introductory for me.",
                "Audio problems in the first ten minutes."],
            2: ["Too high-level for practitioners."], 1: ["I could not join the meeting."]}
