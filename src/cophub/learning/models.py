"""The training programme: series, tracks, sessions (events), instructors, enrolments,
certificates, and access to recordings for people who cannot sign in with a government address.

Credit is never stored per attendance: it is derived from `events.Attendance` (minutes,
revocation) and the session's credit rules every time it is read (`credit.py`), so a corrected
or revoked attendance changes transcripts, reports and certificate validity at once.
"""

import secrets
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone


class Series(models.Model):
    """A training series, e.g. the "2023 AI Training Series"."""

    community = models.ForeignKey("communities.Community", on_delete=models.CASCADE,
                                  related_name="training_series")
    slug = models.SlugField(max_length=60)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, max_length=20_000, help_text="Markdown.")
    year = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-year", "title"]
        verbose_name_plural = "series"
        constraints = [models.UniqueConstraint(fields=["community", "slug"],
                                               name="series_slug_per_community")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("learning:series_detail", kwargs={"community": self.community.slug,
                                                         "series": self.slug})


class Track(models.Model):
    """A role-based track of a series (Acquisition, Leadership, Technical, …)."""

    series = models.ForeignKey(Series, on_delete=models.CASCADE, related_name="tracks")
    slug = models.SlugField(max_length=60)
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True, max_length=5_000, help_text="Markdown.")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        constraints = [models.UniqueConstraint(fields=["series", "slug"],
                                               name="track_slug_per_series")]

    def __str__(self) -> str:
        return self.name


class Instructor(models.Model):
    """A person who teaches sessions, typically university faculty."""

    name = models.CharField(max_length=150)
    title = models.CharField(max_length=200, blank=True, help_text="e.g. Professor of "
                             "Computer Science")
    affiliation = models.CharField(max_length=200, blank=True,
                                   help_text="e.g. Stanford University")
    bio = models.TextField(blank=True, max_length=5_000)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name}, {self.affiliation}" if self.affiliation else self.name


class Session(models.Model):
    """An event that is part of a series and earns credit. The event holds the when, where,
    capacity and registrations; the session holds the credit rules."""

    event = models.OneToOneField("events.Event", on_delete=models.CASCADE,
                                 related_name="training_session")
    series = models.ForeignKey(Series, on_delete=models.CASCADE, related_name="sessions")
    tracks = models.ManyToManyField(Track, blank=True, related_name="sessions")
    instructors = models.ManyToManyField(Instructor, blank=True, related_name="sessions")
    credit_per_hour = models.DecimalField(
        "CLPs per hour attended", max_digits=4, decimal_places=2, default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0"))])
    min_attendance_ratio = models.DecimalField(
        "minimum share attended", max_digits=3, decimal_places=2, default=Decimal("0.5"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
        help_text="Attendance below this share of the session's length earns no credit "
                  "(0.5 = half).")
    credit_points = models.DecimalField(
        "fixed CLPs", max_digits=5, decimal_places=2, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text="Leave empty to award CLPs per hour attended.")

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(min_attendance_ratio__gte=0, min_attendance_ratio__lte=1),
                name="session_ratio_0_to_1"),
            models.CheckConstraint(condition=Q(credit_per_hour__gte=0),
                                   name="session_credit_per_hour_not_negative"),
        ]

    def __str__(self) -> str:
        return str(self.event)

    @property
    def duration_minutes(self) -> int:
        """The event's length in whole minutes, halves rounded up (as the SQL in credit.py)."""
        seconds = (self.event.ends_at - self.event.starts_at).total_seconds()
        return int((seconds + 30) // 60)

    @property
    def max_credit(self) -> Decimal:
        """The CLPs full attendance earns."""
        if self.credit_points is not None:
            return self.credit_points
        hours = Decimal(self.duration_minutes) / 60
        return (hours * self.credit_per_hour).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


class Enrolment(models.Model):
    """A person enrolled in a whole series (track empty) or in one track of it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="enrolments")
    series = models.ForeignKey(Series, on_delete=models.CASCADE, related_name="enrolments")
    track = models.ForeignKey(Track, null=True, blank=True, on_delete=models.CASCADE,
                              related_name="enrolments")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "enrollment"  # U.S. spelling on every page; the code keeps its names
        constraints = [
            models.UniqueConstraint(fields=["user", "series"], condition=Q(track__isnull=True),
                                    name="one_series_enrolment"),
            models.UniqueConstraint(fields=["user", "track"], condition=Q(track__isnull=False),
                                    name="one_track_enrolment"),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.track or self.series}"


def new_verification_code() -> str:
    # 128 random bits: unguessable, so the public verification page needs no rate limit.
    return secrets.token_urlsafe(16)


class Certificate(models.Model):
    """A certificate for a completed session or track. Whether it is valid is decided live
    (`selectors.certificate_is_valid`): revoked by an organizer, or any covered session's
    attendance revoked or no longer earning credit, makes it invalid."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="certificates")
    session = models.ForeignKey(Session, null=True, blank=True, on_delete=models.CASCADE,
                                related_name="certificates")
    track = models.ForeignKey(Track, null=True, blank=True, on_delete=models.CASCADE,
                              related_name="certificates")
    # The sessions whose attendance the certificate stands on (the session itself, or the
    # track's sessions at the time of issue: a session added to the track later does not
    # invalidate it).
    covers = models.ManyToManyField(Session, related_name="+")
    code = models.CharField(max_length=32, unique=True, default=new_verification_code,
                            editable=False)
    holder_name = models.CharField(max_length=150, help_text="The name as printed.")
    credit = models.DecimalField("CLPs", max_digits=6, decimal_places=2)
    issued_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(session__isnull=False, track__isnull=True)
                           | Q(session__isnull=True, track__isnull=False)),
                name="certificate_for_session_or_track"),
            models.UniqueConstraint(fields=["user", "session"],
                                    condition=Q(revoked_at__isnull=True, session__isnull=False),
                                    name="one_live_certificate_per_session"),
            models.UniqueConstraint(fields=["user", "track"],
                                    condition=Q(revoked_at__isnull=True, track__isnull=False),
                                    name="one_live_certificate_per_track"),
        ]

    def __str__(self) -> str:
        return f"Certificate {self.code} for {self.holder_name}"

    def get_absolute_url(self) -> str:
        return reverse("learning:certificate_verify", kwargs={"code": self.code})

    @property
    def subject_title(self) -> str:
        if self.session_id:
            return self.session.event.title
        return f"{self.track.series.title}: {self.track.name} track"


class AccessRequest(models.Model):
    """"Request for AI Training Links": a government employee who cannot sign in with their
    work address asks for the recordings of a series."""

    class Status(models.TextChoices):
        REQUESTED = "requested", "Requested"
        APPROVED = "approved", "Approved"
        DECLINED = "declined", "Declined"

    community = models.ForeignKey("communities.Community", on_delete=models.CASCADE,
                                  related_name="+")
    series = models.ForeignKey(Series, on_delete=models.CASCADE, related_name="access_requests")
    name = models.CharField(max_length=150)
    email = models.EmailField("e-mail address", max_length=254)
    agency = models.CharField(max_length=200)
    reason = models.TextField(max_length=2_000)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+",
                             help_text="The account that sent the request, if signed in.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.REQUESTED,
                              db_index=True)
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["community", "status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.email} for {self.series_id} ({self.status})"


class RecordingAccessGrant(models.Model):
    """Lets the holder of a *verified* address see a series' government-only recordings
    without the government tier. Keyed by address, not account: the requester may not have an
    account yet, and the grant only takes effect once they verify that address."""

    series = models.ForeignKey(Series, on_delete=models.CASCADE, related_name="access_grants")
    email = models.EmailField(max_length=254, help_text="Stored in lower case.")
    access_request = models.ForeignKey(AccessRequest, null=True, blank=True,
                                       on_delete=models.SET_NULL, related_name="grants")
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    granted_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["series", "email"],
                                               name="one_grant_per_address_and_series")]
        indexes = [models.Index(fields=["email"])]

    def __str__(self) -> str:
        return f"{self.email} may see recordings of {self.series_id}"
