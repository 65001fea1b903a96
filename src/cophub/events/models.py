"""Events, registrations with a wait-list, attendance, materials and feedback."""

import secrets
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from cophub.core.access import AccessLevel


class Event(models.Model):
    class Kind(models.TextChoices):
        COMMUNITY_MEETING = "community_meeting", "Community meeting"
        WORKSHOP = "workshop", "Workshop"
        WEBINAR = "webinar", "Webinar"
        TRAINING = "training", "Training session"
        HUDDLE = "huddle", "Huddle"
        DEMO_DAY = "demo_day", "Demo day"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        CANCELLED = "cancelled", "Canceled"

    community = models.ForeignKey("communities.Community", on_delete=models.CASCADE,
                                  related_name="events")
    group = models.ForeignKey("communities.Group", null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="events",
                              verbose_name="host group")
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)  # iCalendar UID
    sequence = models.PositiveIntegerField(default=0)  # iCalendar SEQUENCE, bumped on change
    kind = models.CharField(max_length=20, choices=Kind.choices)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=20_000, help_text="Markdown.")
    speakers = models.TextField(blank=True, max_length=2_000,
                                help_text="One speaker per line: name, title, organization.")
    starts_at = models.DateTimeField(db_index=True)
    ends_at = models.DateTimeField()
    time_zone = models.CharField(max_length=64, default="America/New_York",
                                 help_text="The time zone the event is planned in.")
    join_url = models.URLField("virtual join link", blank=True, max_length=500,
                               help_text="Shown only to confirmed registrants.")
    location = models.CharField(max_length=300, blank=True)
    capacity = models.PositiveIntegerField(null=True, blank=True,
                                           help_text="Leave empty for no limit.")
    registration_opens_at = models.DateTimeField(null=True, blank=True)
    registration_closes_at = models.DateTimeField(null=True, blank=True)
    access_level = models.CharField(
        "who may see and register", max_length=12, default=AccessLevel.PUBLIC,
        choices=[(c.value, c.label) for c in (AccessLevel.PUBLIC, AccessLevel.SIGNED_IN,
                                              AccessLevel.GOVERNMENT, AccessLevel.GROUP)],
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT,
                              db_index=True)
    # Occurrences of a recurring event (the monthly meeting) share a recurrence id.
    recurrence_id = models.UUIDField(null=True, blank=True, db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")),
                                   name="event_ends_after_start"),
            models.CheckConstraint(
                condition=~Q(access_level="group") | Q(group__isnull=False),
                name="group_events_have_a_group",
            ),
        ]
        indexes = [models.Index(fields=["community", "status", "starts_at"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("events:detail", kwargs={"community": self.community.slug,
                                                "pk": self.pk})

    def clean(self) -> None:
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": "The event must end after it starts."})
        if (self.registration_opens_at and self.registration_closes_at
                and self.registration_closes_at <= self.registration_opens_at):
            raise ValidationError({"registration_closes_at":
                                   "Registration must close after it opens."})
        if self.access_level == AccessLevel.GROUP and not self.group_id:
            raise ValidationError({"group": "Choose the group whose members may register."})

    @property
    def is_past(self) -> bool:
        return self.ends_at <= timezone.now()

    def registration_state(self, now=None) -> str:
        """"open", "not_open", "closed", "past", "cancelled" or "draft"."""
        now = now or timezone.now()
        if self.status == self.Status.CANCELLED:
            return "cancelled"
        if self.status == self.Status.DRAFT:
            return "draft"
        if self.ends_at <= now:
            return "past"
        if self.registration_opens_at and now < self.registration_opens_at:
            return "not_open"
        if self.registration_closes_at and now >= self.registration_closes_at:
            return "closed"
        return "open"


class Question(models.Model):
    """A custom registration question."""

    class Kind(models.TextChoices):
        TEXT = "text", "Text"
        CHOICE = "choice", "Choice"
        YES_NO = "yes_no", "Yes or no"

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="questions")
    label = models.CharField(max_length=300)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.TEXT)
    choices = models.JSONField(default=list, blank=True)  # for CHOICE: list of strings
    required = models.BooleanField(default=False)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.label


class Registration(models.Model):
    class Status(models.TextChoices):
        CONFIRMED = "confirmed", "Confirmed"
        WAITLISTED = "waitlisted", "Wait-listed"
        CANCELLED = "cancelled", "Canceled"

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="registrations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="registrations")
    status = models.CharField(max_length=10, choices=Status.choices, db_index=True)
    answers = models.JSONField(default=dict, blank=True)
    # Arrival order for the wait-list: assigned under the event lock, so it is exact.
    arrival = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["arrival"]
        constraints = [
            models.UniqueConstraint(fields=["event", "user"], name="one_registration_per_person"),
            models.UniqueConstraint(fields=["event", "arrival"], name="one_arrival_slot"),
        ]
        indexes = [models.Index(fields=["event", "status", "arrival"])]

    def __str__(self) -> str:
        return f"{self.user} → {self.event} ({self.status})"


class ReminderSent(models.Model):
    """One row per reminder sent: the unique constraint is what makes a reminder go out at
    most once, even if two workers run the reminder job at the same moment."""

    registration = models.ForeignKey(Registration, on_delete=models.CASCADE,
                                     related_name="reminders")
    kind = models.CharField(max_length=4)  # "24h", "1h"
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["registration", "kind"],
                                               name="one_reminder_of_each_kind")]

    def __str__(self) -> str:
        return f"{self.kind} reminder for {self.registration_id}"


class Attendance(models.Model):
    class Source(models.TextChoices):
        CHECK_IN = "check_in", "Checked in"
        ZOOM = "zoom", "Zoom report"
        TEAMS = "teams", "Microsoft Teams report"

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="attendances")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="attendances")
    minutes = models.PositiveIntegerField(default=0, help_text="Minutes attended.")
    source = models.CharField(max_length=10, choices=Source.choices)
    recorded_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["event", "user"],
                                               name="one_attendance_per_person")]

    def __str__(self) -> str:
        return f"{self.user} attended {self.event} ({self.minutes} min)"


class Material(models.Model):
    """A recording, slides or another file or link attached after an event."""

    class Kind(models.TextChoices):
        RECORDING = "recording", "Recording"
        SLIDES = "slides", "Slides"
        OTHER = "other", "Other"

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="materials")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    title = models.CharField(max_length=200)
    url = models.URLField(max_length=500, blank=True)
    file = models.FileField(upload_to="events/materials/%Y/", blank=True)
    access_level = models.CharField(max_length=12, choices=AccessLevel.choices,
                                    default=AccessLevel.GOVERNMENT)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["kind", "title"]

    def __str__(self) -> str:
        return self.title

    @property
    def community_id(self) -> int:
        return self.event.community_id

    @property
    def group_id(self) -> int | None:
        return self.event.group_id


class Feedback(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="feedback")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                             related_name="+")
    satisfaction = models.PositiveSmallIntegerField()  # 1–5
    usefulness = models.PositiveSmallIntegerField()  # 1–5
    would_recommend = models.BooleanField()
    comment = models.TextField(blank=True, max_length=5000)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event", "user"], name="one_feedback_per_person"),
            models.CheckConstraint(condition=Q(satisfaction__gte=1, satisfaction__lte=5),
                                   name="satisfaction_1_to_5"),
            models.CheckConstraint(condition=Q(usefulness__gte=1, usefulness__lte=5),
                                   name="usefulness_1_to_5"),
        ]

    def __str__(self) -> str:
        return f"Feedback on {self.event_id}"


class FeedbackRequest(models.Model):
    """One row per attendee asked for feedback: the constraint makes the survey go out at
    most once per person and event."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE,
                              related_name="feedback_requests")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+")
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["event", "user"],
                                               name="one_feedback_request_per_person")]

    def __str__(self) -> str:
        return f"Feedback request {self.event_id}/{self.user_id}"


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """A person's private calendar feed URL. Revoking replaces the token."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="calendar_feed")
    token = models.CharField(max_length=64, unique=True, default=new_feed_token)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Calendar feed of {self.user}"
