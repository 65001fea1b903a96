"""What the demo lists talk about: a year of threads on the government list and the
announcements of the public list, written the way people in the AI CoP write to each other."""

# (subject, opening message, replies). Replies are used in order, as many as the thread has.
THREADS = [
    ("Guidance on generative AI pilots under M-25-21?",
     "Our CIO office asked us to stand up two generative AI pilots this quarter. Has anyone "
     "mapped the new OMB memo's minimum practices onto a pilot checklist they would share? "
     "We are especially unsure how to document the risk assessment for a tool that only "
     "drafts internal correspondence.",
     ["We built a one-page checklist against the memo for our chatbot pilot. Happy to share "
      "it on the Library; the short version is: inventory entry first, then an impact "
      "assessment even for internal tools.",
      "+1 to doing the inventory entry first. Our privacy office would not review anything "
      "until it had a use case ID.",
      "For drafting tools we treated it as not rights- or safety-impacting, but we still "
      "wrote down why. The reviewers appreciated the paper trail."]),
    ("Evaluating LLM outputs for plain-language compliance",
     "Is anyone measuring whether model-drafted public notices meet the Plain Writing Act? "
     "We tried readability scores but they reward short sentences that say nothing.",
     ["We pair a readability score with a small rubric scored by two reviewers (clarity, "
      "accuracy, action for the reader). Slow, but it catches the empty sentences.",
      "Digital.gov's plain language guidelines make a decent rubric out of the box.",
      "We found the biggest gains came from giving the model three of our best past "
      "notices as examples, not from the scoring."]),
    ("Request: examples of AI acquisition language for SOWs",
     "Our contracting officer asked for sample statement-of-work language covering model "
     "documentation, data rights and testing for an AI-enabled service. Does anyone have "
     "language that made it through legal review?",
     ["The Acquisition track of last year's training series had a session on exactly this; "
      "the recording is in the Library for government members.",
      "We required a model card and a test report at each delivery, plus government rights "
      "to any fine-tuning data we supply. Sending you our clause offline.",
      "Do not forget an exit clause for the model itself: what happens to fine-tuned "
      "weights when the contract ends."]),
    ("Computer vision for infrastructure inspection — lessons learned",
     "We just finished a year of drone imagery analysis for bridge inspections. Sharing "
     "three lessons: label quality beat model choice, inspectors must stay in the loop, and "
     "edge cases (snow, glare) need their own test set.",
     ["Thank you for this. Did you build the labeling team in-house?",
      "Mostly in-house, with inspectors labeling a sample each week. It was the single best "
      "investment we made.",
      "Our state DOT would love to hear this at a community meeting. Would you present?"]),
    ("FedRAMP status of common LLM platforms",
     "Is there a current list of which hosted LLM offerings have FedRAMP authorizations and "
     "at which impact level? Our ATO team keeps asking.",
     ["The FedRAMP marketplace is the source of truth; search by service name, and check "
      "whether the model you want is inside the authorization boundary.",
      "Watch out for that last point: the platform can be authorized while a specific "
      "model endpoint is not."]),
    ("Monthly meeting follow-up: responsible AI playbooks",
     "Thanks to everyone who joined this month's meeting. The slides and the recording are "
     "in the Library. Several people asked for the playbooks we mentioned; links are in the "
     "resource page.",
     ["Great session. Is the Q&A transcript available too?",
      "It is part of the recording page; the chat export is attached there."]),
    ("Speech-to-text accuracy for call center transcripts",
     "We are testing speech-to-text for a benefits call center. Word error rates look fine "
     "on average but are much worse for some accents. How have others tested for this?",
     ["Break your test set out by speaker group and report each separately; the average "
      "hides exactly the problem you found.",
      "We recorded a consented test set with staff volunteers from across regions. It was "
      "small, but it showed the gaps.",
      "Also check the cost of errors, not just the rate: a wrong benefit amount is worse "
      "than a wrong filler word."]),
    ("Anyone using retrieval-augmented generation on policy manuals?",
     "We want staff to ask questions of a 2,000-page policy manual. Has anyone put RAG into "
     "production for something like this, and how did you keep answers tied to citations?",
     ["Yes, for our travel regulations. We refuse to answer unless a passage is retrieved "
      "and always show the section number.",
      "Chunking by section heading mattered more than the embedding model for us.",
      "How did you handle manual updates? Re-index nightly?",
      "Nightly re-index, and every answer shows the manual's revision date."]),
    ("Data-sharing agreements for training data",
     "What does a good data-sharing agreement look like when another agency's data will be "
     "used to train a model? Our counsel is worried about downstream use.",
     ["Limit the purpose explicitly and require deletion or return of derived datasets at "
      "the end. Ours also forbids using the data to train general-purpose models.",
      "The Data CoP has a template agreement; worth cross-posting there."]),
    ("Hiring: AI technical leads — how did you write the position description?",
     "We are hiring two AI technical leads under the new AI hiring authorities. Would "
     "anyone share a position description that worked?",
     ["Ours focused on shipping outcomes rather than listing frameworks. Applicants were "
      "much stronger.",
      "Subject-matter-expert qualification assessments made a big difference for us.",
      "Happy to share ours; it went through OPM review last spring."]),
    ("Red-teaming a chatbot before public launch",
     "Before we launch a public-facing chatbot we want a structured red-team exercise. "
     "What scope and duration have others used?",
     ["Two weeks, six testers, with a list of harms to probe (privacy leaks, wrong benefit "
      "information, prompt injection through pasted text).",
      "Include people who know the program rules; they found the subtle wrong answers.",
      "Log every finding with a severity and retest after each fix."]),
    ("Use case inventory: how do you classify pilots vs. operational?",
     "For this year's AI use case inventory we are debating whether a pilot used by twenty "
     "staff counts as operation and maintenance. How are others classifying it?",
     ["We used the stage definitions in the guidance literally: if it is used for real "
      "work, it is in operation, even at small scale.",
      "Same here, and we note the scale in the description field."]),
]

ANNOUNCEMENTS = [
    ("Monthly community meeting: AI in benefits delivery",
     "Join us for this month's community meeting. Three agencies will share how they use "
     "AI to speed up benefits decisions while keeping people in the loop.\n\n"
     "Register on the event page; the link to join is sent to registrants."),
    ("2024 training series: registration is open",
     "The role-based training series returns with **Acquisition**, **Leadership** and "
     "**Technical** tracks, led by faculty from George Washington University, Princeton "
     "University and Stanford University. Sessions earn Continuous Learning Points."),
    ("Applied AI Challenge: call for applications",
     "This year's Applied AI Challenge focuses on large language models for public "
     "service. Teams from industry and academia are invited to apply; government judges "
     "will review every application."),
    ("New in the Library: prompt engineering playbook",
     "The Tools and Resources working group published a prompt engineering playbook with "
     "examples from federal use cases. It is free to read for everyone."),
    ("Save the date: AI CoP annual summit",
     "Our annual summit brings together practitioners from more than 100 agencies. Save "
     "the date; the agenda follows next month."),
    ("External collaboration proposals welcome",
     "Universities and companies can propose joint projects, webinars or research with the "
     "AI CoP through the External Collaboration Proposal Form."),
]

SIGNATURES = ["Thanks,", "Best,", "Regards,", "Thank you,", "V/r,"]
