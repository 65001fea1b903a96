"""The Federal AI Use Case Inventory: agencies, their use cases, facet values for browsing,
and the government members who offer themselves as contacts for their agency's use cases.

Use cases are public data (OMB publishes the inventory), so they carry no community and no
access level of their own: every page about them is public. Only the contacts are limited
(to government members; see `selectors.agency_contacts`)."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone


class Agency(models.Model):
    """A reporting agency, as the inventory names it (`agency`, `agency_name`), and the
    organization of the .gov registry it maps to ("" when none does)."""

    abbreviation = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=300)
    organization = models.CharField(
        max_length=300, blank=True,
        help_text="Organization name in the .gov registry (what a member's verified domain "
                  "gives as their organization).")
    suborganization = models.CharField(
        max_length=300, blank=True,
        help_text="Set when the agency is a suborganization in the registry (National Indian "
                  "Gaming Commission under the Department of the Interior).")

    class Meta:
        ordering = ["abbreviation"]
        verbose_name_plural = "agencies"

    def __str__(self) -> str:
        return f"{self.name} ({self.abbreviation})"


class UseCase(models.Model):
    """One row of an inventory file. `fields` keeps every column as OMB wrote it; the other
    columns are typed copies for lists, sorting and filtering.

    `key` identifies the row across imports of the same year: "<agency>:<id>" when OMB's id
    is present and unique within the agency in the file, else "<agency>:row-<source_row>"
    (see `importing` and the README for the rule and its trade-off)."""

    inventory_year = models.PositiveSmallIntegerField()
    key = models.CharField(max_length=200)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="use_cases")
    inventory_id = models.CharField("use case ID", max_length=100, blank=True)
    source_row = models.PositiveIntegerField(
        help_text="0-based data row of the imported file (blank lines not counted).")
    name = models.TextField(blank=True)
    bureau = models.TextField(blank=True)
    development_stage = models.CharField(max_length=100, blank=True)
    high_impact = models.CharField(max_length=100, blank=True)
    topic_areas = models.JSONField(default=list, blank=True)
    classification = models.CharField(max_length=300, blank=True)
    vendor_name = models.TextField(blank=True)
    # Every column of the file (OMB's 36), raw strings keyed by column name.
    fields = models.JSONField(default=dict)
    # Lower-case text the list's text filter searches (name, bureau, problem, benefits, …).
    search_text = models.TextField(blank=True)
    # Distinctive words of the name and problem, for "similar use cases" (space-separated).
    terms = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    changed_at = models.DateTimeField(default=timezone.now)  # last import that changed it

    class Meta:
        ordering = ["agency__abbreviation", "name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["inventory_year", "key"],
                                    name="usecase_unique_key_per_year"),
        ]
        indexes = [
            models.Index(fields=["inventory_year", "agency"]),
            models.Index(fields=["inventory_id"]),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("usecases:detail", kwargs={"pk": self.pk})

    @property
    def title(self) -> str:
        """The use case's name; OMB's file has rows without one."""
        return self.name or (f"Untitled use case {self.inventory_id}" if self.inventory_id
                             else f"Untitled use case (row {self.source_row})")


class UseCaseFacet(models.Model):
    """One facet value of a use case ("stage" = "Pilot", "topic" = "Science", …), so that the
    count of each facet's values is one GROUP BY, and multi-valued columns (topic areas,
    vendors) filter like the others."""

    use_case = models.ForeignKey(UseCase, on_delete=models.CASCADE, related_name="facet_values")
    facet = models.CharField(max_length=20)
    value = models.CharField(max_length=300)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["use_case", "facet", "value"],
                                    name="usecasefacet_unique_value"),
        ]
        indexes = [models.Index(fields=["facet", "value", "use_case"])]

    def __str__(self) -> str:
        return f"{self.facet}={self.value}"


class UseCaseContact(models.Model):
    """A government member of an agency who offers to answer questions about the agency's
    AI use cases. Only government members see contacts."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="usecase_contacts")
    agency = models.ForeignKey(Agency, on_delete=models.CASCADE, related_name="contacts")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "agency"], name="usecasecontact_once"),
        ]

    def __str__(self) -> str:
        return f"{self.user} for {self.agency.abbreviation}"
