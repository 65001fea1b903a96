"""Surveys: a definition in versions (sections, questions), the people asked, and what they
answered — kept so that an anonymous survey's answers can never be joined to a person.

- A survey's questions live in a `SurveyVersion`. Once a version has answers it is frozen:
  changing the questions makes the next version, and every response names its version.
- `Recipient` is who was asked (a personal link, reminders, whether they have answered);
  `Response` and `Answer` are what was answered. For an anonymous survey a response holds no
  person, no address, no browser and a date without the time, its key is random (so the
  order of keys says nothing), and it is not even written when the person submits: the
  submission puts a sealed `Ballot` in the survey's ballot box in the same transaction that
  marks the recipient as having answered, and ballots are counted into responses in
  shuffled batches of at least the survey's small-cell size by a job of their own (ADR
  0012). Nothing written in the person's transaction is part of the results.
"""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Survey(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    class Audience(models.TextChoices):
        COMMUNITY = "community", "The community's members"
        GROUP = "group", "A group's members"
        LIST = "list", "A mailing list's subscribers"
        EVENT = "event", "An event's attendees"
        SERIES = "series", "A training series' enrollees"
        LINK = "link", "Anyone with the link"

    community = models.ForeignKey("communities.Community", on_delete=models.CASCADE,
                                  related_name="surveys")
    # The group that runs the survey (its leads manage it), if not the organizers alone.
    group = models.ForeignKey("communities.Group", null=True, blank=True,
                              on_delete=models.PROTECT, related_name="surveys")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=20_000, help_text="Markdown.")
    anonymous = models.BooleanField(
        default=False,
        help_text="Chosen before publishing and shown to respondents: answers are kept "
                  "apart from who gave them, with no address, browser or time of day.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)

    audience = models.CharField(max_length=12, choices=Audience.choices,
                                default=Audience.COMMUNITY)
    audience_group = models.ForeignKey("communities.Group", null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="+")
    audience_list = models.ForeignKey("lists.MailingList", null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="+")
    audience_event = models.ForeignKey("events.Event", null=True, blank=True,
                                       on_delete=models.PROTECT, related_name="+")
    audience_series = models.ForeignKey("learning.Series", null=True, blank=True,
                                        on_delete=models.PROTECT, related_name="+")
    # Who may answer an open-link survey (`core.access.AccessLevel`); invitations decide
    # for the other audiences.
    access_level = models.CharField(max_length=20, default="signed_in")

    closes_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)  # the last reminder, to all
    results_published = models.BooleanField(
        default=False, help_text="Respondents may see the aggregate results.")
    small_cell_min = models.PositiveSmallIntegerField(
        "smallest group shown", default=5,
        validators=[MinValueValidator(3), MaxValueValidator(100)],
        help_text="Breakdowns hide any cell with fewer responses than this.")

    # Paperwork Reduction Act (44 U.S.C. 3501–3521; 5 CFR 1320).
    omb_control_number = models.CharField(
        "OMB control number", max_length=9, blank=True,
        validators=[RegexValidator(r"^\d{4}-\d{4}$", "Write the number as 0000-0000.")])
    omb_expires_on = models.DateField("control number expires on", null=True, blank=True)
    burden_minutes = models.PositiveSmallIntegerField(
        "burden estimate (minutes)", null=True, blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(600)])
    pra_exemption = models.TextField(
        "Paperwork Reduction Act exemption", blank=True, max_length=2_000,
        help_text="Why the survey needs no control number, e.g. federal employees answering "
                  "in their official role.")

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(omb_control_number="") | Q(omb_expires_on__isnull=False),
                name="survey_control_number_expires"),
        ]

    def __str__(self) -> str:
        return self.title


class SurveyVersion(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["survey", "number"]
        constraints = [models.UniqueConstraint(fields=["survey", "number"],
                                               name="one_version_number_per_survey")]

    def __str__(self) -> str:
        return f"{self.survey} (version {self.number})"


class Section(models.Model):
    version = models.ForeignKey(SurveyVersion, on_delete=models.CASCADE,
                                related_name="sections")
    position = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True, max_length=5_000, help_text="Markdown.")

    class Meta:
        ordering = ["version", "position"]
        constraints = [models.UniqueConstraint(fields=["version", "position"],
                                               name="one_section_per_position")]

    def __str__(self) -> str:
        return self.title or f"Section {self.position}"


class Question(models.Model):
    class Kind(models.TextChoices):
        SHORT_TEXT = "short_text", "Short answer"
        LONG_TEXT = "long_text", "Paragraph"
        SINGLE = "single", "One choice"
        MULTIPLE = "multiple", "Several choices"
        DROPDOWN = "dropdown", "Dropdown"
        YES_NO = "yes_no", "Yes or no"
        RATING = "rating", "Rating scale"
        LIKERT = "likert", "Grid (rows rated on one scale)"
        NUMBER = "number", "Number"
        DATE = "date", "Date"

    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField()
    # The same question across versions (results read it across them).
    code = models.SlugField(max_length=60)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    text = models.CharField(max_length=500)
    help_text = models.CharField(max_length=1_000, blank=True)
    required = models.BooleanField(default=False)
    # Choices (single, multiple, dropdown; the columns of a grid), grid rows, and where an
    # answer leads: {choice: section position, or 0 for the end of the survey}.
    choices = models.JSONField(default=list, blank=True)
    rows = models.JSONField(default=list, blank=True)
    branches = models.JSONField(default=dict, blank=True)
    max_length = models.PositiveIntegerField(null=True, blank=True)
    scale_min = models.IntegerField(null=True, blank=True)
    scale_max = models.IntegerField(null=True, blank=True)
    scale_min_label = models.CharField(max_length=60, blank=True)
    scale_max_label = models.CharField(max_length=60, blank=True)

    class Meta:
        ordering = ["section", "position"]
        constraints = [
            models.UniqueConstraint(fields=["section", "position"],
                                    name="one_question_per_position"),
        ]

    def __str__(self) -> str:
        return self.text


class Recipient(models.Model):
    """A person asked to answer: the reminders sent and whether they have answered — never
    when, and never what. Their personal link is signed (`services.recipients`), so no
    token is stored and a reminder can carry the same link as the invitation."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="recipients")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+")
    invited = models.BooleanField(default=False)  # the invitation is in the outbox
    reminders_sent = models.PositiveSmallIntegerField(default=0)
    responded = models.BooleanField(default=False)
    # A signed-in person's unfinished answers (deleted when they submit).
    draft = models.JSONField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["survey", "user"],
                                               name="one_recipient_per_person")]

    def __str__(self) -> str:
        return f"Recipient {self.user_id} of survey {self.survey_id}"


class Ballot(models.Model):
    """An anonymous survey's submitted answers, waiting to be counted: written in the
    respondent's transaction, turned into a `Response` (and deleted) in a later batch."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="ballots")
    payload = models.JSONField()

    def __str__(self) -> str:
        return f"Ballot for survey {self.survey_id}"


class Response(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    version = models.ForeignKey(SurveyVersion, on_delete=models.PROTECT,
                                related_name="responses")
    submitted_on = models.DateField()
    # Empty for an anonymous survey.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+")
    submitted_at = models.DateTimeField(null=True, blank=True)
    # What breakdowns read, taken when the answer was given (small cells are hidden).
    organization = models.CharField(max_length=300, blank=True)
    level = models.CharField(max_length=20, blank=True)
    groups = models.ManyToManyField("communities.Group", blank=True, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["survey", "version"])]

    def __str__(self) -> str:
        return f"Response to survey {self.survey_id}"


class Answer(models.Model):
    """One answer, or one chosen option of a multiple choice, or one row of a grid."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers")
    row = models.CharField(max_length=200, blank=True)
    option = models.CharField(max_length=200, blank=True)
    number = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    text = models.TextField(blank=True)
    date = models.DateField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["question", "row", "option"])]

    def __str__(self) -> str:
        return f"Answer to {self.question_id}"
