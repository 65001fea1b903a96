"""Communities (tenants), their groups, and who belongs to them in which role."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from cophub.core.access import AccessLevel

# The local part of every community's contact address, `contact+<slug>@<list domain>`
# (`Community.contact_address`); the lists app routes mail to it.
CONTACT_LOCAL_PART = "contact"


class Community(models.Model):
    slug = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=200)
    short_name = models.CharField(max_length=40, blank=True)
    tagline = models.CharField(max_length=300, blank=True)
    description = models.TextField(blank=True, help_text="Markdown.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "communities"

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("communities:detail", kwargs={"community": self.slug})

    @property
    def community_id(self) -> int:
        """The access policy asks content for its community; a community is its own."""
        return self.pk

    @property
    def contact_address(self) -> str:
        """Where people write to the community's organizers: `contact+ai-cop@<list domain>`.
        Mail to it asking for training links starts that request; anything else is passed
        on to the organizers (lists.inbound.contact). Calendar invitations name it as their
        organizer, so replies to them reach people."""
        domain = settings.COPHUB_LIST_DOMAIN.lower()
        return f"{CONTACT_LOCAL_PART}+{self.slug}@{domain}"


class CommunityRole(models.Model):
    """A person's standing in a community: member, or organizer (runs the community)."""

    class Role(models.TextChoices):
        MEMBER = "member", "Member"
        ORGANIZER = "organizer", "Organizer"

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="roles")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="community_roles")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["community", "user"], name="one_role_per_community")
        ]
        indexes = [models.Index(fields=["user", "role"])]

    def __str__(self) -> str:
        return f"{self.user} — {self.role} of {self.community}"


class Group(models.Model):
    class Kind(models.TextChoices):
        WORKING_GROUP = "working_group", "Working group"
        PRACTICE_AREA = "practice_area", "Practice area"
        COMMITTEE = "committee", "Committee"

    class JoinPolicy(models.TextChoices):
        OPEN = "open", "Open: anyone who may see the group joins at once"
        REQUEST = "request", "Request: a lead approves each request"
        INVITE = "invite", "Invite only"

    community = models.ForeignKey(Community, on_delete=models.CASCADE, related_name="groups")
    slug = models.SlugField(max_length=60)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    summary = models.CharField(max_length=300, blank=True)
    charter = models.TextField(blank=True, help_text="Markdown.")
    join_policy = models.CharField(max_length=10, choices=JoinPolicy.choices,
                                   default=JoinPolicy.OPEN)
    access_level = models.CharField(
        "who may see the group", max_length=12, choices=AccessLevel.group_choices(),
        default=AccessLevel.PUBLIC,
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["community", "slug"], name="group_slug_per_community")
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("communities:group", kwargs={"community": self.community.slug,
                                                    "group": self.slug})

    @property
    def group_id(self) -> int:
        """The access policy checks content against its group; a group is its own."""
        return self.pk


class Membership(models.Model):
    """A person in a group. Requests and invitations are memberships not yet active."""

    class Role(models.TextChoices):
        MEMBER = "member", "Member"
        LEAD = "lead", "Lead"

    class State(models.TextChoices):
        ACTIVE = "active", "Active"
        REQUESTED = "requested", "Requested"
        INVITED = "invited", "Invited"

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    state = models.CharField(max_length=10, choices=State.choices, default=State.ACTIVE)
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    message = models.CharField("note to the leads", max_length=500, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["group", "user"], name="one_membership_per_group"),
            models.CheckConstraint(
                condition=~Q(role="lead") | Q(state="active"), name="leads_are_active"
            ),
        ]
        indexes = [models.Index(fields=["user", "state"]), models.Index(fields=["group", "state"])]

    def __str__(self) -> str:
        return f"{self.user} in {self.group} ({self.state}, {self.role})"
