"""Reads about the AI use case inventory: the filtered list and its facet counts, similar use
cases at other agencies, agency contacts, statistics.

Use cases are public; the only limited read here is `agency_contacts` (government members
only)."""

import heapq
import math
from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Case, Count, IntegerField, QuerySet, Value, When

from cophub.accounts.domains import domain_candidates, domain_verdict
from cophub.accounts.models import RegistryDomain, Tier
from cophub.core.access import Viewer
from cophub.search.selectors import search_similar

from .agencies import organization_key
from .columns import facet_value
from .models import Agency, UseCase, UseCaseContact, UseCaseFacet


@dataclass(frozen=True)
class Facet:
    name: str  # URL parameter and UseCaseFacet.facet
    label: str
    plural: str


FACETS = (
    Facet("year", "Inventory year", "years"),
    Facet("agency", "Agency", "agencies"),
    Facet("bureau", "Bureau or component", "bureaus and components"),
    Facet("stage", "Stage of development", "stages"),
    Facet("high_impact", "High-impact", "answers"),
    Facet("topic", "Topic area", "topic areas"),
    Facet("classification", "AI classification", "classifications"),
    Facet("vendor", "Vendor", "vendors"),
)
FACET_NAMES = tuple(f.name for f in FACETS)

STAGE_ORDER = ("Pre-deployment", "Pilot", "Deployed", "Retired")
SORTS = {
    "agency": ("Agency", ["agency__abbreviation", "name", "pk"]),
    "name": ("Name", ["name", "pk"]),
    "stage": ("Stage of development", ["stage_rank", "agency__abbreviation", "name", "pk"]),
    "newest": ("Newest inventory first", ["-inventory_year", "agency__abbreviation", "name",
                                          "pk"]),
}


@dataclass(frozen=True)
class UseCaseFilters:
    words: tuple[str, ...] = ()
    facets: dict[str, tuple[str, ...]] = field(default_factory=dict)
    sort: str = "agency"

    @property
    def active(self) -> bool:
        return bool(self.words or any(self.facets.values()))


def _stage_rank():
    return Case(*[When(development_stage=s, then=Value(i)) for i, s in enumerate(STAGE_ORDER)],
                default=Value(len(STAGE_ORDER)), output_field=IntegerField())


def usecases_filtered(*, filters: UseCaseFilters, skip_facet: str | None = None,
                      ) -> QuerySet[UseCase]:
    """Use cases matching every chosen facet (any of the values chosen within one facet) and
    every word of the text filter. `skip_facet` leaves one facet's choice out, for its own
    counts."""
    qs = UseCase.objects.all()
    for name, values in filters.facets.items():
        if values and name != skip_facet:
            qs = qs.filter(pk__in=UseCaseFacet.objects.filter(
                facet=name, value__in=list(values)).values("use_case_id"))
    for word in filters.words:
        qs = qs.filter(search_text__contains=word)
    return qs


def usecase_list(*, filters: UseCaseFilters) -> QuerySet[UseCase]:
    order = SORTS.get(filters.sort, SORTS["agency"])[1]
    qs = usecases_filtered(filters=filters).select_related("agency").defer("search_text",
                                                                          "terms")
    if "stage_rank" in order:
        qs = qs.annotate(stage_rank=_stage_rank())
    return qs.order_by(*order)


def facet_counts(*, filters: UseCaseFilters) -> dict[str, list[tuple[str, int]]]:
    """For each facet, its values with the number of use cases each would give, most
    frequent first: one GROUP BY per facet. A facet's own choice is left out of its counts,
    so choosing "Pilot" still shows how many are deployed."""
    counts: dict[str, list[tuple[str, int]]] = {}
    for facet in FACETS:
        rows = UseCaseFacet.objects.filter(facet=facet.name)
        narrowed = filters.words or any(v for k, v in filters.facets.items() if k != facet.name)
        if narrowed:
            rows = rows.filter(use_case__in=usecases_filtered(filters=filters,
                                                              skip_facet=facet.name))
        ordering = ("-value",) if facet.name == "year" else ("-n", "value")
        counts[facet.name] = [
            (row["value"], row["n"]) for row in
            rows.values("value").annotate(n=Count("use_case_id")).order_by(*ordering)]
    return counts


def agency_names() -> dict[str, str]:
    return dict(Agency.objects.values_list("abbreviation", "name"))


def inventory_years() -> list[int]:
    return list(UseCase.objects.order_by("-inventory_year").values_list(
        "inventory_year", flat=True).distinct())


# --- Similar use cases at other agencies ------------------------------------------------------

SIMILAR_LIMIT = 5


def usecase_similar(*, use_case: UseCase, viewer: Viewer,
                    limit: int = SIMILAR_LIMIT) -> list[UseCase]:
    """Use cases at other agencies most like this one, best first: the search index's
    nearest neighbours (semantic when embeddings are on), or, for a use case that is not
    indexed (imported with --no-index), the lexical ranking below. The one place that
    decides how."""
    hits = search_similar(type_name="usecase", object_id=use_case.pk, viewer=viewer,
                          limit=limit, exclude_facets={"agency": [use_case.agency.name]})
    if not hits:
        return _similar_lexical(use_case=use_case, limit=limit)
    order = {hit.object_id: i for i, hit in enumerate(hits)}
    found = UseCase.objects.filter(pk__in=list(order)).exclude(
        agency_id=use_case.agency_id).select_related("agency").defer(
        "search_text", "terms", "fields")
    return sorted(found, key=lambda u: order[u.pk])


def _similar_lexical(*, use_case: UseCase, limit: int) -> list[UseCase]:
    """Same inventory year, another agency, sharing a topic area (or, with none, the stage),
    ranked by the rarity-weighted words their names and problems share: two queries."""
    mine = set(use_case.terms.split())
    if not mine:
        return []
    candidates = UseCase.objects.filter(inventory_year=use_case.inventory_year).exclude(
        agency_id=use_case.agency_id)
    if use_case.topic_areas:
        facet, values = "topic", [facet_value(t) for t in use_case.topic_areas]
    elif use_case.development_stage:
        facet, values = "stage", [use_case.development_stage]
    else:
        facet, values = None, []
    if facet:
        candidates = candidates.filter(pk__in=UseCaseFacet.objects.filter(
            facet=facet, value__in=values).values("use_case_id"))
    rows = [(pk, set(terms.split()) & mine, stage, classification)
            for pk, terms, stage, classification in candidates.values_list(
                "pk", "terms", "development_stage", "classification")]
    frequency = Counter(term for _, shared, _, _ in rows for term in shared)
    total = len(rows) + 1

    def score(row) -> float:
        _, shared, stage, classification = row
        value = sum(math.log(total / (frequency[t] + 0.5)) for t in shared)
        if stage and stage == use_case.development_stage:
            value += 0.5
        if classification and classification == use_case.classification:
            value += 0.5
        return value

    best = heapq.nlargest(limit, (row for row in rows if row[1]), key=score)
    order = {row[0]: i for i, row in enumerate(best)}
    found = UseCase.objects.filter(pk__in=list(order)).select_related("agency").defer(
        "search_text", "terms", "fields")
    return sorted(found, key=lambda u: order[u.pk])


# --- Contacts ----------------------------------------------------------------------------------

def agency_contacts(*, agency: Agency, viewer: Viewer) -> list[UseCaseContact]:
    """Government members who offered to be contacts for the agency's use cases — shown
    only to government members (public participants and visitors never see names)."""
    if not viewer.is_government:
        return []
    return list(UseCaseContact.objects.filter(
        agency=agency, user__is_active=True, user__tier=Tier.GOVERNMENT,
    ).select_related("user").order_by("user__name", "user__email"))


def member_agencies(*, user) -> list[Agency]:
    """The agencies a person may be a contact for: those whose .gov registry organization is
    the organization of the person's *verified* government domain. The profile's
    organization field is not used: people can type anything there."""
    if not getattr(user, "is_authenticated", False) or not user.is_government \
            or not user.tier_domain:
        return []
    # The verdict for any address at the domain: it re-checks operator deny rules and
    # reads the registry (or an allow rule) for the organization.
    verdict = domain_verdict(f"postmaster@{user.tier_domain}")
    if not verdict.is_government or not verdict.organization:
        return []
    organization = organization_key(verdict.organization)
    agencies = [a for a in Agency.objects.exclude(organization="")
                if organization_key(a.organization) == organization]
    if any(a.suborganization for a in agencies):
        candidates = domain_candidates(verdict.domain)
        subs = dict(RegistryDomain.objects.filter(domain__in=candidates).values_list(
            "domain", "suborganization"))
        suborganization = next((subs[c] for c in candidates if c in subs), "")
        agencies = [a for a in agencies
                    if not a.suborganization or a.suborganization == suborganization]
    return agencies


def contact_exists(*, user, agency: Agency) -> bool:
    return UseCaseContact.objects.filter(user=user, agency=agency).exists()


# --- Statistics -------------------------------------------------------------------------------

TOP_AGENCIES = 20


@dataclass
class Statistics:
    year: int | None
    total: int = 0
    by_agency: list[tuple[str, str, int]] = field(default_factory=list)  # abbr, name, n
    other_agencies: tuple[int, int] = (0, 0)  # (agencies, use cases) beyond the top 20
    by_stage: list[tuple[str, int]] = field(default_factory=list)
    by_topic: list[tuple[str, int]] = field(default_factory=list)


def usecase_statistics(*, year: int | None) -> Statistics:
    """Counts by agency (top 20), stage and topic area for one inventory year: five queries.
    Use cases without a stage or topic are counted as "Not reported"."""
    stats = Statistics(year=year)
    if year is None:
        return stats
    base = UseCase.objects.filter(inventory_year=year)
    agencies = list(base.values("agency__abbreviation", "agency__name").annotate(
        n=Count("pk")).order_by("-n", "agency__abbreviation"))
    stats.total = sum(row["n"] for row in agencies)
    stats.by_agency = [(r["agency__abbreviation"], r["agency__name"], r["n"])
                       for r in agencies[:TOP_AGENCIES]]
    rest = agencies[TOP_AGENCIES:]
    stats.other_agencies = (len(rest), sum(r["n"] for r in rest))
    for facet, target in (("stage", stats.by_stage), ("topic", stats.by_topic)):
        rows = list(UseCaseFacet.objects.filter(facet=facet, use_case__inventory_year=year)
                    .values("value").annotate(n=Count("use_case_id")).order_by("-n", "value"))
        if facet == "stage":
            rank = {s: i for i, s in enumerate(STAGE_ORDER)}
            rows.sort(key=lambda r: (rank.get(r["value"], len(rank)), -r["n"], r["value"]))
        target.extend((r["value"], r["n"]) for r in rows)
        reported = base.filter(pk__in=UseCaseFacet.objects.filter(
            facet=facet).values("use_case_id")).count()
        if stats.total - reported:
            target.append(("Not reported", stats.total - reported))
    return stats
