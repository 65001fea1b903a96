"""Demo forum conversation: practice-area topics and Q&A threads.
Plain data only; the demo loader posts it as seeded members of the community."""

# practice-area slug -> list of topics;
# each topic is (title, first_post_markdown, [reply_markdown, ...])
PRACTICE_AREA_TOPICS: dict[str, list[tuple[str, str, list[str]]]] = {
    "generative-ai": [
        (
            "Six months of call-summary drafting in our contact center: what we learned",
            (
                "We piloted LLM-drafted after-call summaries for about 60 agents in one benefits "
                "contact center. The agent reviews and edits every summary before it is saved to "
                "the case record; nothing goes in untouched.\n\n"
                "Headline numbers: median wrap-up time dropped from a little over four minutes to "
                "about two and a half. Agents edited roughly 40% of drafts, mostly to fix dates "
                "and claim numbers the model paraphrased instead of copying.\n\n"
                "Happy to share our evaluation rubric if that helps anyone starting out."
            ),
            [
                (
                    "Please do share the rubric. Did you track *what kind* of edits agents made, "
                    "or only whether they edited?"
                ),
                (
                    "We categorized a random sample of 300 edits by hand: factual fix, omission, "
                    "tone, and formatting. Factual fixes were the biggest bucket, and almost all "
                    "of them were identifiers. We now pull claim numbers and dates from the case "
                    "system and insert them into the template instead of asking the model."
                ),
                (
                    "Same finding here. Anything that already lives in a structured field should "
                    "never be generated. Let the model write the narrative and fill the rest from "
                    "the system of record."
                ),
                (
                    "How did the union and the agents themselves react? Our labor relations office "
                    "wants a briefing before we even start a pilot."
                ),
                (
                    "Brief them early; it went far better for us than springing it on them. We "
                    "were explicit that summary edit rates are not used in performance "
                    "evaluations, and we put that in writing in the pilot charter. @Mia Member, "
                    "you asked about this at the last meeting: happy to send you the charter's "
                    "wording."
                ),
            ],
        ),
        (
            "Adding an internal chat assistant under an existing ATO: what did you update?",
            (
                "Our enterprise collaboration platform already has an ATO, and the vendor now "
                "offers an AI assistant inside it. Our ISSO says it is a significant change and we "
                "need to update the package rather than just flip it on.\n\n"
                "For those who went through this: which documents did you actually have to touch, "
                "and how long did it take?"
            ),
            [
                (
                    "For us it was the SSP, the data flow diagrams, the customer responsibility "
                    "matrix from the vendor's FedRAMP package, and the PIA. About ten weeks end to "
                    "end, most of it waiting on the vendor to document where prompts are processed."
                ),
                (
                    "Ask the vendor early whether prompts and responses are retained, for how "
                    "long, and whether they are used for training. Get it in the contract, not "
                    "only in a FAQ page."
                ),
                (
                    "> which documents did you actually have to touch\n\n"
                    "Don't forget the rules of behavior. We added two lines: no CUI in prompts "
                    "until the data flows are approved for it, and users are responsible for "
                    "checking output before it goes anywhere official."
                ),
                (
                    "We also had to add the assistant to our AI use case inventory, which "
                    "surprised "
                    'a few people who thought of it as "just a feature".'
                ),
            ],
        ),
        (
            "Are prompts and outputs federal records? How is your agency handling it?",
            (
                "Our records officer asked a fair question: if staff use a generative AI tool to "
                "draft a decision memo, which parts are records? The final memo obviously is. "
                "The prompts, the intermediate drafts and the chat history are less clear.\n\n"
                "Curious how others have scoped this before rolling out tools broadly."
            ),
            [
                (
                    "Our current position: the content is what matters, not the tool. If a chat "
                    "session documents agency business or a decision, it is a record and follows "
                    "the schedule for that business. Most drafting sessions are transitory."
                ),
                (
                    "The hard part is technical. Make sure the tool can actually export and retain "
                    "conversations before you deploy it, or you will have no way to respond to a "
                    "FOIA request or a litigation hold."
                ),
                (
                    "We ran a short training for staff with three examples: brainstorming (usually "
                    "transitory), drafting correspondence (the final version is the record), and "
                    "analysis that supports a decision (keep the session). It cut down questions "
                    "a lot."
                ),
            ],
        ),
        (
            "How are you evaluating RAG over policy manuals before go-live?",
            (
                "We are building a retrieval-augmented assistant over our program operations "
                "manual (roughly 9,000 pages) for caseworkers. Before we let anyone use it, we "
                "want an evaluation that leadership and our AI governance board can understand.\n\n"
                "Current plan:\n\n"
                "- 250 real questions collected from caseworkers, with answers and citations "
                "written by senior staff\n"
                "- Score retrieval separately from generation\n"
                "- Manual review of every answer that cites the wrong section\n\n"
                "What are we missing?"
            ),
            [
                (
                    "Add questions the manual *cannot* answer. You want to measure how often it "
                    'says "I don\'t know" versus inventing a policy. That was our worst failure '
                    "mode early on."
                ),
                (
                    "Track retrieval with something simple like `recall@5` against the sections "
                    "your senior staff cited. If the right section is not retrieved, no prompt "
                    "tuning will save the answer."
                ),
                (
                    "Version the manual. When policy changes, your gold answers go stale too. We "
                    "tag each question with the manual revision it was written against and re-run "
                    "the whole set on every content update."
                ),
                (
                    "> Manual review of every answer that cites the wrong section\n\n"
                    "Also review a sample of answers that cite the *right* section. We found "
                    "correct citations attached to answers that misstated the rule."
                ),
                (
                    "For the governance board we reported three numbers: correct and cited, "
                    "incorrect, and appropriately declined. They understood that much faster than "
                    "any F1 score."
                ),
                (
                    "One more: test with the exact phrasing caseworkers use, abbreviations and "
                    "all. Our retrieval fell apart on internal acronyms until we added a glossary "
                    "to the index."
                ),
            ],
        ),
        (
            "Writing the use case inventory entry for a general drafting assistant",
            (
                "We have to write an AI use case inventory entry for a general-purpose drafting "
                "assistant available to all staff. The form asks for the intended purpose and "
                'expected benefits, but the honest answer is "it depends on who is using it".\n\n'
                "How have others described enterprise-wide tools without making the entry useless?"
            ),
            [
                (
                    "We described the tool once and listed the main use patterns we actually saw "
                    "in the pilot: drafting, summarizing, and editing for plain language. We also "
                    "stated clearly that it is not used to make or support determinations about "
                    "individuals."
                ),
                (
                    "Keep a separate entry for any team that builds something on top of it for a "
                    "specific program. The enterprise entry covers the tool, and the program "
                    "entries cover the decisions it touches."
                ),
            ],
        ),
    ],
    "reinforcement-learning": [
        (
            "Has anyone taken RL for inspection scheduling beyond simulation?",
            (
                "We have a simulator for prioritizing facility inspections, and an RL policy "
                "beats our current rule-based schedule in it by a good margin. The trouble is "
                "convincing anyone that the simulator reflects reality.\n\n"
                "Has anyone actually deployed something like this, even in an advisory mode?"
            ),
            [
                (
                    "We ran ours in shadow mode for a full year: the policy produced a schedule, "
                    "inspectors followed the existing one, and we compared outcomes afterwards. "
                    "It was slow, but it is the only evidence our leadership trusted."
                ),
                (
                    "Check whether the simulator rewards the policy for avoiding hard-to-reach "
                    "sites. Ours learned to skip rural facilities, which looked efficient and was "
                    "completely unacceptable."
                ),
                (
                    "Honestly, a well-tuned contextual bandit got us most of the benefit and was "
                    "far easier to explain to the program office. Worth comparing before going "
                    "full RL."
                ),
            ],
        ),
        (
            "Offline RL from historical caseworker decisions: handling bias in the logs",
            (
                "We are exploring offline RL for routing cases between review queues, trained on "
                "several years of logged decisions. Those decisions reflect old staffing levels "
                "and old policies, and some of them we would rather not imitate.\n\n"
                "How do people deal with this before anything reaches a real case?"
            ),
            [
                (
                    "Do off-policy evaluation with more than one estimator and report the spread. "
                    "If importance sampling and a doubly robust estimate disagree wildly, your "
                    "logs do not support the policy you are evaluating."
                ),
                (
                    "We segmented the logs by policy era and dropped the period before a major "
                    "rule change. Less data, but the policy stopped learning patterns from a "
                    "process that no longer exists."
                ),
            ],
        ),
        (
            "Should reward design go through the AI governance board?",
            (
                "Our governance board reviews models, data and outcomes, but nobody has looked at "
                "the reward function for our RL pilot. It seems to me that is where the policy "
                "choices actually live. Has anyone put reward design in front of a review board?"
            ),
            [
                (
                    "Yes, and it was the most useful review we had. We wrote the reward in plain "
                    "language, one term per line, with the trade-off each weight represents. The "
                    "board changed two weights and asked for a fairness constraint."
                ),
            ],
        ),
    ],
    "ai-security": [
        (
            "Red-teaming plan for a public-facing benefits chatbot",
            (
                "We are about to red-team a chatbot that answers general eligibility questions on "
                "a public website. It uses no personal data and cannot take actions, but it will "
                "carry the agency's name.\n\n"
                "Draft scope: jailbreaks, harmful content, misinformation about eligibility, "
                "impersonation of staff, and prompt injection through retrieved web content. "
                "Anything we should add or cut?"
            ),
            [
                (
                    "Add consistency testing: ask the same eligibility question twenty different "
                    "ways and check the answers agree. Inconsistent answers are a reputational "
                    "risk even when each one is individually defensible."
                ),
                (
                    "Test in Spanish and the other languages your public actually uses. Guardrails "
                    "that hold in English often don't in other languages."
                ),
                (
                    "Bring in people who are not ML engineers. Our best findings came from a "
                    "contact center supervisor who knew exactly what frustrated callers say."
                ),
                (
                    "Decide in advance what counts as a blocking finding. Otherwise you end up "
                    "arguing about severity for weeks after the exercise."
                ),
                (
                    "The NIST Generative AI Profile (AI 600-1) was a good checklist for making "
                    "sure we had not missed a whole category. We mapped each test to one of its "
                    "risks in the report."
                ),
            ],
        ),
        (
            "Prompt injection through uploaded documents in a document-processing pipeline",
            (
                "In testing our correspondence-processing pipeline, a tester embedded white text "
                'in a PDF telling the model to classify the letter as "no action required". It '
                "worked. The letters come from the public, so we have to assume some will try "
                "this.\n\n"
                "What mitigations have actually held up for you?"
            ),
            [
                (
                    "Nothing fully prevents it, so design as if it will succeed. Ours can only "
                    'choose from a fixed label set, and anything labeled "no action" still gets '
                    "a random human spot check."
                ),
                (
                    "We render the PDF to images and OCR it before the model sees anything. Hidden "
                    "text layers and white-on-white text disappear. It costs some accuracy on "
                    "clean documents but removes a whole class of tricks."
                ),
                (
                    "Log the extracted text alongside the decision. When something odd happens you "
                    "want to see exactly what the model read, not just the original file."
                ),
            ],
        ),
        (
            "Vetting open-weight models before they enter the enclave",
            (
                "Teams keep asking to bring open-weight models into our analytics enclave. We "
                "have a software approval process, but it was built for applications, not for "
                "multi-gigabyte weight files.\n\n"
                "What does your intake checklist look like?"
            ),
            [
                (
                    "Ours, roughly:\n\n"
                    "- Source and publisher verified, hashes recorded\n"
                    "- Weights in `safetensors` only; no pickle-based formats\n"
                    "- License reviewed by counsel\n"
                    "- Model card and known limitations on file\n"
                    "- Internal evaluation on our own tasks before any production use"
                ),
                (
                    "> no pickle-based formats\n\n"
                    "This one matters most. Loading a pickled checkpoint can execute arbitrary "
                    "code, so treat it like running an unknown binary."
                ),
                (
                    "We keep an internal mirror of approved models so teams stop pulling from the "
                    "internet directly. It also gave us a clean inventory, which the CISO loved."
                ),
                (
                    "Remember the inference libraries too. The weights were fine in our case; a "
                    "dependency in the serving stack was what the vulnerability scan flagged."
                ),
            ],
        ),
        (
            "Mapping AI-specific risks onto our existing SP 800-53 control baseline",
            (
                "Our security assessors want AI risks expressed in terms of the SP 800-53 "
                "controls they already assess. Some map cleanly (access control, audit logging), "
                "others like hallucination or model drift do not map at all.\n\n"
                "Has anyone built a crosswalk they would be willing to describe?"
            ),
            [
                (
                    "We stopped trying to force everything into 800-53. Security risks go into the "
                    "SSP as usual; performance and trustworthiness risks go into a separate AI "
                    "risk register based on the NIST AI RMF, which the governance board owns."
                ),
                (
                    "Configuration management and continuous monitoring carried more than we "
                    "expected. We treat a model version, its prompt template and its retrieval "
                    "index as configuration items, so changes go through the normal CM process."
                ),
            ],
        ),
    ],
    "natural-language-processing": [
        (
            "Entity extraction on scanned correspondence: OCR is the real bottleneck",
            (
                "We are extracting names, case numbers and addresses from scanned letters. The "
                "extraction model is fine on clean text; most of our errors trace back to OCR on "
                "faxes and photocopies of photocopies.\n\n"
                "Has anyone measured how much an OCR upgrade helps downstream extraction?"
            ),
            [
                (
                    "We did. Switching OCR engines cut character error rate roughly in half on our "
                    "worst documents, and extraction F1 went up more than any model change we had "
                    "tried."
                ),
                (
                    "Validate identifiers with their check rules before trusting them. A case "
                    "number that fails its format check goes to human review instead of the record."
                ),
                (
                    "Keep the OCR confidence scores and pass them downstream. Low-confidence "
                    "regions were a better predictor of extraction errors than the extraction "
                    "model's own confidence."
                ),
                (
                    "Also worth building a small test set of your ugliest documents on purpose. "
                    "Random samples are mostly clean and will flatter every tool you try."
                ),
            ],
        ),
        (
            "Plain language rewriting: how do you measure whether it actually helps?",
            (
                "We are using a model to suggest plain-language rewrites of notices. Readability "
                "scores improve, but I am not convinced that means people understand the notice "
                "better. How are others measuring this?"
            ),
            [
                (
                    "Readability formulas reward short words and sentences, and the model learns "
                    "to game them. We ran small comprehension tests with members of the public "
                    "instead: read the notice, then answer three questions about what to do next."
                ),
                (
                    "Check with your PRA clearance officer before surveying the public. Usability "
                    "testing with a handful of people is often fine, but ask first."
                ),
                (
                    "Have a program attorney review a sample. Our rewrites were clearer but "
                    "sometimes dropped a required legal statement, which is a much bigger problem."
                ),
            ],
        ),
        (
            "Triaging public comments on a rulemaking with 200,000+ submissions",
            (
                "A proposed rule drew over 200,000 comments, most of them from mass mail "
                "campaigns. We want NLP to group duplicates and surface unique substantive "
                "comments, while staff still read and respond to the substance.\n\n"
                "What has worked for others, and what did your general counsel want to see?"
            ),
            [
                (
                    "Near-duplicate detection with MinHash on shingles handled the campaigns well. "
                    "We kept one representative per cluster plus a count, and every cluster was "
                    "spot-checked by staff."
                ),
                (
                    "Our counsel's main concern was that nothing substantive gets dropped. We "
                    "documented the method in the administrative record and had reviewers read "
                    "every comment that did not fall into a large cluster."
                ),
                (
                    "Watch for campaign letters where people added a personal paragraph at the "
                    "top. Those are often the most substantive part, and naive deduplication "
                    "hides them."
                ),
                (
                    "Topic clustering helped assign comments to subject matter experts, but we "
                    "never used it to decide what counts as significant. That stayed a human call."
                ),
                (
                    "> what did your general counsel want to see\n\n"
                    "Reproducibility. Pin model and library versions and save the cluster "
                    "assignments, so you can show later exactly how each comment was handled."
                ),
            ],
        ),
        (
            "Extending our intake classifier to Spanish and other languages",
            (
                "Our intake classifier routes inquiries to the right office, but only in "
                "English. About 15% of incoming messages are in Spanish, and a few percent are in "
                "other languages. Translate first and classify, or train multilingual?"
            ),
            [
                (
                    "We tried both. Translate-then-classify was easier to validate because the "
                    "classifier did not change, but it struggled with regional vocabulary. A "
                    "multilingual model did better once we had a few hundred labeled Spanish "
                    "examples."
                ),
                (
                    "Whatever you choose, report accuracy by language separately. An overall "
                    "number will hide a much worse experience for non-English speakers, and your "
                    "language access plan will ask about it."
                ),
            ],
        ),
    ],
    "computer-vision": [
        (
            "Change detection on satellite imagery for post-disaster damage assessment",
            (
                "We are piloting building damage assessment from before/after satellite imagery "
                "to help prioritize field inspections after hurricanes. The model is decent on "
                "clear imagery, but the first days after a storm are usually cloudy.\n\n"
                "Anyone combining optical with SAR, or working around this another way?"
            ),
            [
                (
                    "SAR helped us with flooding extent a lot more than with building damage. For "
                    "damage we still wait for the first clear optical pass and use SAR to decide "
                    "where to look first."
                ),
                (
                    "Read the imagery license terms carefully before the event. Ours limited "
                    "sharing derived products with state and local partners until we negotiated "
                    "an amendment, which is not something you want to sort out during a response."
                ),
                (
                    "Keep a human in the loop for the final damage category. We use the model to "
                    "rank areas for inspection, never to make determinations about assistance."
                ),
            ],
        ),
        (
            "Layout models for forms processing: worth it over templates?",
            (
                "We process about a dozen form types with template-based extraction. It is "
                "brittle whenever a form revision moves a field. Has anyone switched to a "
                "document layout model, and was the maintenance trade-off worth it?"
            ),
            [
                (
                    "For us, yes. A layout model handled form revisions without new templates, "
                    "but we kept templates for the two highest-volume forms where they were "
                    "already near perfect."
                ),
                (
                    "Budget time for the checkbox and signature fields. Text fields were easy; "
                    "checkboxes on low-quality scans were where most errors were."
                ),
            ],
        ),
        (
            "How much annotator agreement is enough for drone inspection imagery?",
            (
                "We labeled 2,000 drone images of bridge components for corrosion severity, with "
                "two inspectors per image. Cohen's kappa came out around 0.6. Is that good enough "
                "to train on, or do we need to fix the labeling guide first?"
            ),
            [
                (
                    "Fix the guide first. Look at which severity levels the disagreements cluster "
                    "in; ours were almost all between adjacent levels, and adding reference photos "
                    "for each level got kappa above 0.75."
                ),
            ],
        ),
    ],
}

# Q&A: (title, question_markdown, [reply_markdown, ...], accepted_reply_index or None)
QUESTIONS: list[tuple[str, str, list[str], int | None]] = [
    (
        "Does a FedRAMP-authorized AI service mean we don't need our own ATO?",
        (
            "The LLM service we want to use is FedRAMP authorized at Moderate. Our program "
            "office thinks that means we can start using it right away. Is that right?"
        ),
        [
            (
                "No. FedRAMP authorization means you can reuse the provider's security package, "
                "but your agency still has to issue its own ATO for your use of the service. You "
                "are responsible for the customer-side controls in the responsibility matrix."
            ),
            (
                "Also check that the specific AI features you want are inside the authorization "
                "boundary. New features are sometimes released before they are added to it."
            ),
            (
                "And an ATO covers security, not everything else. You will still need your "
                "privacy review and your AI governance review if the use case calls for it."
            ),
        ],
        0,
    ),
    (
        "Do we need a new PIA when adding an AI feature to an existing system?",
        (
            "We have a PIA for our case management system. We want to add a model that "
            "summarizes case notes. Do we need a new PIA, or is an update enough?"
        ),
        [
            (
                "Talk to your privacy office, but generally the trigger is whether the change "
                "creates new privacy risks, not whether it is AI. If the feature uses personal "
                "information in a new way, or sends it to a new processor such as an external "
                "model service, expect to update the PIA. Also check whether the SORN still "
                "covers the new use."
            ),
            (
                "We updated ours rather than writing a new one. The privacy office mostly wanted "
                "to know where the data goes, how long it is kept, and whether it trains the "
                "model."
            ),
        ],
        0,
    ),
    (
        "How do you count use cases for the inventory when one model serves several programs?",
        (
            "We have one document classification model used by three different programs for "
            "different purposes. Is that one entry in the AI use case inventory or three?"
        ),
        [
            (
                "We count by purpose, not by model. Three programs using it for three different "
                "purposes means three entries, because the risks and the affected people differ. "
                "Each entry can note that they share the same underlying model."
            ),
            (
                "Same approach here. It also made the rights- and safety-impacting determinations "
                "easier, since only one of our programs actually used the output in decisions "
                "about individuals."
            ),
            (
                "Worth noting that under M-25-21, which replaced M-24-10, the category you need "
                'to assess is "high-impact" AI. Counting by purpose still works for that.'
            ),
        ],
        0,
    ),
    (
        "How do we make an AI chat interface Section 508 conformant?",
        (
            "Our accessibility team flagged our chatbot prototype. Responses stream in word by "
            "word and screen reader users hear a mess. Has anyone solved this?"
        ),
        [
            (
                "Announce complete messages, not tokens. We render the stream visually but only "
                'push the finished response to an ARIA live region with `aria-live="polite"`. '
                "Also make sure focus stays in the input after sending, everything works by "
                "keyboard, and there is a way to review the full conversation history. Test with "
                "actual screen reader users, not only automated checkers."
            ),
            (
                "The WCAG 2.0 AA criteria are what the 508 standards reference, so build your "
                "test plan from those. https://www.section508.gov/ has good testing guidance."
            ),
            "Also watch response length. Long answers are exhausting to listen to.",
        ],
        0,
    ),
    (
        "What retention schedule applies to chat logs from an internal AI assistant?",
        (
            "We are deploying an internal AI assistant and the vendor keeps chat logs for 30 "
            "days by default. Our records officer isn't sure which schedule applies. What have "
            "others landed on?"
        ),
        [
            (
                "We have not settled it either. For now we treat most sessions as transitory and "
                "ask users to save anything that documents a decision into the relevant case "
                "file."
            ),
            (
                "Our records officer pushed back on a blanket transitory approach. The content "
                "decides the schedule, so the tool has to be able to retain logs longer when they "
                "document agency business."
            ),
            (
                "Whatever you decide, make sure the 30-day vendor default can be changed for "
                "litigation holds. Ours could not, at first."
            ),
        ],
        None,
    ),
    (
        "Can staff use a free public AI tool for non-sensitive drafting?",
        (
            "Staff keep asking whether they can use a free consumer AI tool to draft things "
            "like meeting agendas and public-facing FAQs. Nothing sensitive. What is the usual "
            "answer?"
        ),
        [
            (
                "Check your agency's AI policy first; many agencies have a list of approved tools. "
                "The main issues with free tiers are terms of service that let the vendor use your "
                "inputs for training, no agency control over retention, and no way to meet "
                "records obligations. Approved enterprise versions usually solve those."
            ),
            (
                'Also, "nothing sensitive" is harder for users to judge than it sounds. Draft '
                "agendas can reveal pre-decisional information."
            ),
        ],
        0,
    ),
    (
        "How large should the human-review sample be for a document classifier?",
        (
            "Our classifier routes incoming documents to 12 queues. Leadership wants ongoing "
            "human review to monitor accuracy. How many documents per month should we sample?"
        ),
        [
            (
                "Depends on the precision you need. To estimate an error rate within about ±5 "
                "points at 95% confidence, you need roughly 385 randomly sampled documents; for "
                "±3 points, a bit over 1,000."
            ),
            (
                "Building on that: the overall number hides problems in small queues. We sample "
                "a fixed minimum per queue (say 50) plus a proportional sample, and report a "
                "confidence interval per queue. Also oversample low-confidence predictions "
                "separately, but keep that out of the accuracy estimate so it stays unbiased."
            ),
            (
                "Make sure reviewers don't see the model's label first, or they will tend to "
                "agree with it."
            ),
        ],
        1,
    ),
    (
        "What should go in a statement of work for independent model evaluation?",
        (
            "We want to hire a contractor to independently evaluate a vendor's fraud detection "
            "model before we renew. What have you put in the SOW?"
        ),
        [
            (
                "Key items from ours:\n\n"
                "- Access to the model, or a test harness, plus documentation of training data\n"
                "- Evaluation on our data, with performance broken down by relevant subgroups\n"
                "- Testing for drift against the data from the original evaluation\n"
                "- A written report the government owns, with reproducible code and data\n"
                "- No conflict of interest with the model vendor"
            ),
            (
                "Make sure the model vendor's contract requires them to cooperate with a third "
                "party evaluator. Ours didn't, and access took months."
            ),
            (
                "Specify the false positive cost in the SOW. For fraud models, a flag that delays "
                "a legitimate payment is a real harm, and the evaluator should report it."
            ),
        ],
        0,
    ),
    (
        "Has anyone shared labeled training data with a state agency under a DSA?",
        (
            "A state partner wants to use our labeled document data to train their own "
            "classifier. We have data sharing agreements for operational data, but nothing that "
            "covers model training. What did yours need to cover?"
        ),
        [
            (
                "Ours added permitted uses (training and evaluation only), a ban on re-sharing, "
                "and what happens to trained models when the agreement ends. That last one took "
                "the longest to negotiate."
            ),
            (
                "Check whether the original collection notices allow this use. If the data came "
                "from the public under a specific purpose, counsel may say no regardless of the "
                "agreement."
            ),
        ],
        None,
    ),
    (
        "How do you present model error rates to leadership without losing the room?",
        (
            "Every time I show precision and recall, eyes glaze over. How do others explain "
            "model performance to executives who have to sign off?"
        ),
        [
            (
                'Translate into cases. "Out of 1,000 applications, about 30 would be sent for '
                "extra review that did not need it, and about 5 that needed review would be "
                'missed." Then compare with the current process.'
            ),
            (
                "Always show the baseline. Leadership doesn't need the model to be perfect; "
                "they need to know whether it is better than what happens today."
            ),
            "One slide, one number per decision they have to make. Put the rest in the appendix.",
        ],
        None,
    ),
    (
        "Is anyone using synthetic data to test a claims processing pipeline?",
        (
            "We want realistic test data for an end-to-end claims pipeline without using real "
            "claimant data in the test environment. Has anyone generated synthetic claims that "
            "were good enough to find real bugs?"
        ),
        [],
        None,
    ),
    (
        "Has anyone benchmarked OCR on handwritten forms from the 1970s?",
        (
            "We have a backlog of handwritten paper forms from the 1970s and 1980s being "
            "digitized. Before we pick a tool, has anyone compared handwriting recognition "
            "engines on records this old?"
        ),
        [],
        None,
    ),
]

# A reply two members flagged as advertising, waiting in the moderators' queue:
# (practice-area slug, topic index in PRACTICE_AREA_TOPICS[slug], reply, flag reason).
FLAGGED_REPLY: tuple[str, int, str, str] = (
    "generative-ai",
    3,
    (
        "Great thread! Our platform evaluates RAG pipelines against any policy corpus in "
        "minutes, with dashboards your leadership will love. We already support several "
        "agencies. Contact me for a demo and a special public-sector price."
    ),
    "spam",
)
