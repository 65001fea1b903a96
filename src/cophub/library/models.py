"""The knowledge library: resources (presentations, recordings, documents, playbooks, tools,
data sets and links) with an access level, and the version history of every edit."""

import html
import uuid

import nh3
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from cophub.core.access import AccessLevel
from cophub.core.markdown import render_markdown
from cophub.core.uploads import FILE_TYPES


def resource_storage_name(instance, filename: str) -> str:
    """A random name in storage: the person's file name is kept in `file_name` for the
    download, never used as a path, and nothing about the file can be guessed from its
    storage name."""
    return f"library/{timezone.now():%Y}/{uuid.uuid4().hex}"


class Resource(models.Model):
    class Kind(models.TextChoices):
        PRESENTATION = "presentation", "Presentation"
        RECORDING = "recording", "Recording"
        DOCUMENT = "document", "Document"
        PLAYBOOK = "playbook", "Playbook"
        TOOL = "tool", "Tool"
        DATASET = "dataset", "Data set"
        LINK = "link", "Link"

    community = models.ForeignKey("communities.Community", on_delete=models.CASCADE,
                                  related_name="resources")
    # The group the resource comes from; for the "group" access level, whose members see it.
    group = models.ForeignKey("communities.Group", null=True, blank=True,
                              on_delete=models.PROTECT, related_name="resources",
                              verbose_name="source group")
    practice_areas = models.ManyToManyField("communities.Group", blank=True,
                                            related_name="tagged_resources")
    source_event = models.ForeignKey("events.Event", null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="resources")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80)
    summary = models.TextField(max_length=20_000, help_text="Markdown.")
    authors = models.TextField(blank=True, max_length=2_000,
                               help_text="One author per line: name, organization.")
    url = models.URLField("link", max_length=1000, blank=True)
    file = models.FileField(upload_to=resource_storage_name, blank=True, max_length=200)
    file_name = models.CharField("original file name", max_length=200, blank=True)
    file_type = models.CharField(max_length=10, blank=True,
                                 choices=[(key, t.label) for key, t in FILE_TYPES.items()])
    file_size = models.PositiveBigIntegerField(null=True, blank=True)
    published_on = models.DateField(db_index=True)
    access_level = models.CharField("who may see it", max_length=12,
                                    choices=AccessLevel.choices, default=AccessLevel.PUBLIC)
    version = models.PositiveIntegerField(default=1)  # number of the latest version
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-published_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(file="") & ~Q(url="")) | (~Q(file="") & Q(url="")),
                name="resource_file_or_link",
            ),
            models.CheckConstraint(
                condition=~Q(access_level="group") | Q(group__isnull=False),
                name="group_resources_have_a_group",
            ),
        ]
        indexes = [models.Index(fields=["community", "withdrawn_at", "published_on"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("library:detail", kwargs={"community": self.community.slug,
                                                 "pk": self.pk, "slug": self.slug})

    def clean(self) -> None:
        if bool(self.file) == bool(self.url):
            raise ValidationError("Upload a file or give a link (one of the two).")
        if self.access_level == AccessLevel.GROUP and not self.group_id:
            raise ValidationError({"group": "Choose the group whose members may see it."})

    @property
    def withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @property
    def file_info(self):
        return FILE_TYPES.get(self.file_type)

    @property
    def summary_text(self) -> str:
        """The summary as plain text (for excerpts and the search index)."""
        return markdown_to_text(self.summary)

    @property
    def author_lines(self) -> list[str]:
        return [line.strip() for line in self.authors.splitlines() if line.strip()]


def markdown_to_text(source: str) -> str:
    # Rendered and sanitised first, then every tag dropped: what remains is what a reader
    # sees, without Markdown punctuation.
    return " ".join(html.unescape(nh3.clean(str(render_markdown(source)), tags=set())).split())


class ResourceVersion(models.Model):
    """One saved state of a resource: its field values (as JSON) after an organizer's edit.
    Version 1 is the resource as created; restoring an old version makes a new one."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    editor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    data = models.JSONField()
    summary = models.CharField("change summary", max_length=300, blank=True)

    class Meta:
        ordering = ["-number"]
        constraints = [models.UniqueConstraint(fields=["resource", "number"],
                                               name="one_version_number_per_resource")]

    def __str__(self) -> str:
        return f"{self.resource_id} v{self.number}"
