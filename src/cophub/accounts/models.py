"""People, their tier, their profile, and the domain lists that decide the tier."""

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone

# Stands in for a person who has given no name yet (accounts from before names were asked).
NAMELESS_MEMBER = "A member"


class Tier(models.TextChoices):
    PUBLIC = "public", "Public participant"
    GOVERNMENT = "government", "Government member"


class Level(models.TextChoices):
    """Level of government, from the .gov registry's domain type (and `.mil`)."""

    FEDERAL = "federal", "Federal"
    MILITARY = "military", "Military"
    STATE = "state", "State or territory"
    COUNTY = "county", "County"
    CITY = "city", "City"
    TRIBAL = "tribal", "Tribal"
    SPECIAL_DISTRICT = "special_district", "Special district"
    SCHOOL_DISTRICT = "school_district", "School district"
    INTERSTATE = "interstate", "Interstate"
    OTHER = "other", "Other"


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra):
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=self.normalize_email(email), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **extra)


class Interest(models.Model):
    """A topic a person follows (Generative AI, Computer Vision, …); filters the directory."""

    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField("e-mail address", unique=True)
    name = models.CharField(max_length=150, blank=True)
    is_staff = models.BooleanField(
        "site operator", default=False,
        help_text="Operators run the installation: domain lists, the Django admin.",
    )
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)

    # Derived from verified addresses only, by `accounts.services.user_tier_refresh`.
    tier = models.CharField(max_length=12, choices=Tier.choices, default=Tier.PUBLIC,
                            db_index=True)
    tier_domain = models.CharField(max_length=253, blank=True)

    # Profile.
    organization = models.CharField(max_length=300, blank=True)
    level = models.CharField("level of government", max_length=20, choices=Level.choices,
                             blank=True)
    job_role = models.CharField("job role", max_length=150, blank=True)
    bio = models.TextField("short bio", max_length=2000, blank=True)
    time_zone = models.CharField(max_length=64, default="America/New_York")
    interests = models.ManyToManyField(Interest, blank=True, related_name="people")
    in_directory = models.BooleanField(
        "listed in the member directory", default=True,
        help_text="Government members can find you in the directory. Public participants never "
                  "see the directory.",
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        indexes = [models.Index(fields=["tier", "in_directory", "name"])]

    def __str__(self) -> str:
        return self.name or self.email

    @property
    def is_government(self) -> bool:
        return self.tier == Tier.GOVERNMENT

    @property
    def display_name(self) -> str:
        """How pages and mail show the person to others: their name, else "A member" (as the
        forum shows an author without a name). Never anything taken from their address."""
        return self.name or NAMELESS_MEMBER


class DomainRule(models.Model):
    """An operator's decision about a domain: allow (grants the government tier, e.g. a
    mission partner's domain) or deny (never grants it, even under .gov/.mil)."""

    class Kind(models.TextChoices):
        ALLOW = "allow", "Allow (government tier)"
        DENY = "deny", "Deny (never government tier)"

    domain = models.CharField(max_length=253, unique=True)
    kind = models.CharField(max_length=5, choices=Kind.choices)
    organization = models.CharField(max_length=300, blank=True)
    level = models.CharField(max_length=20, choices=Level.choices, blank=True)
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["domain"]

    def __str__(self) -> str:
        return f"{self.kind} {self.domain}"


class RegistryDomain(models.Model):
    """One row of CISA's official .gov registry (current-full.csv)."""

    domain = models.CharField(max_length=253, unique=True)
    domain_type = models.CharField(max_length=100)
    level = models.CharField(max_length=20, choices=Level.choices)
    organization = models.CharField(max_length=300)
    suborganization = models.CharField(max_length=300, blank=True)
    city = models.CharField(max_length=100, blank=True)
    state = models.CharField(max_length=100, blank=True)
    imported_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["domain"]

    def __str__(self) -> str:
        return self.domain


class QualifyingAddressLapse(models.Model):
    """A verified address that no longer counts for the government tier: mail to it came back
    for good (a hard bounce to a signed return path, the sign that the person has left the
    agency), or it was not confirmed again in time at its yearly check
    (`QualifyingAddressCheck`). Kept beside allauth's `EmailAddress`, not in it: the address
    stays verified for signing in and for mail; only the tier ignores it. The way back is a
    confirmation of this very address: the signed link of the yearly check, which the person
    can ask for again on their e-mail addresses page (`services.address_reconfirm`), or
    allauth's own confirmation after removing the address and adding it again
    (`email_confirmed`). The audit log keeps the history (`accounts.address.lapsed`,
    `accounts.address.lapse_lifted`); organizers' counts are read from it."""

    class Reason(models.TextChoices):
        HARD_BOUNCE = "hard_bounce", "Mail to the address bounced permanently"
        NOT_RECONFIRMED = "not_reconfirmed", "Not confirmed by the deadline of the yearly check"

    email_address = models.OneToOneField("account.EmailAddress", on_delete=models.CASCADE,
                                         related_name="qualifying_lapse")
    reason = models.CharField(max_length=20, choices=Reason.choices)
    detail = models.CharField(max_length=500, blank=True)
    lapsed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"{self.email_address_id} lapsed ({self.reason})"


class QualifyingAddressCheck(models.Model):
    """The yearly check that a qualifying address still reaches its person: a government
    tier granted once would otherwise outlive the job it came from. The address's year starts
    when it last proved its mailbox (verified, or confirmed again); once
    `COPHUB_GOV_RECONFIRM_DAYS` have passed, the daily job (`services.address_checks_run`)
    sends it a signed link once (`requested_at`), and lapses the address if nobody follows
    it within `COPHUB_GOV_RECONFIRM_GRACE_DAYS`. A confirmation starts a new year
    (`requested_at` back to empty).

    Kept beside allauth's `EmailAddress` like `QualifyingAddressLapse`. Rows exist for every
    address confirmed since this feature (whatever its domain: an address that starts to
    qualify through an operator's rule already has its year) and for every qualifying one
    (the job starts a year for any it has not seen); only qualifying addresses are asked."""

    email_address = models.OneToOneField("account.EmailAddress", on_delete=models.CASCADE,
                                         related_name="qualifying_check")
    confirmed_at = models.DateTimeField(
        default=timezone.now, db_index=True,
        help_text="When the address's current year started: verified, confirmed again, or "
                  "(for addresses older than the check) first seen.")
    requested_at = models.DateTimeField(
        null=True, blank=True, db_index=True,
        help_text="When this year's confirmation link was sent; empty until then.")

    def __str__(self) -> str:
        return f"{self.email_address_id} confirmed {self.confirmed_at:%Y-%m-%d}"
