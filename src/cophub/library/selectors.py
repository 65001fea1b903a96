"""Reads about library resources, always through the access policy."""

import difflib
from dataclasses import dataclass, field
from datetime import date

from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from cophub.communities.models import Community, Group
from cophub.communities.selectors import groups_visible_to
from cophub.core.access import AccessLevel, Viewer, manageable_q, visible_q
from cophub.core.uploads import FILE_TYPES, human_size
from cophub.events.selectors import events_visible_to

from .models import Resource, ResourceVersion

RELATED_LIMIT = 4


def resources_visible_to(*, viewer: Viewer, community: Community | None = None,
                         include_withdrawn: bool = False) -> QuerySet[Resource]:
    """Resources the viewer may see: by the access policy, plus every resource of the groups
    they lead (a lead runs them, whatever their level). Withdrawn ones only with
    `include_withdrawn`, and then only for the people who run them (the community's
    organizers, the group's leads)."""
    qs = Resource.objects.filter(visible_q(viewer) | manageable_q(viewer))
    if include_withdrawn:
        qs = qs.filter(Q(withdrawn_at__isnull=True) | manageable_q(viewer))
    else:
        qs = qs.filter(withdrawn_at__isnull=True)
    if community is not None:
        qs = qs.filter(community=community)
    return qs.select_related("community")


def manageable_groups(*, viewer: Viewer, community: Community) -> QuerySet[Group]:
    """Groups a person may file resources under (`core.access.manageable_q` on the group):
    every group of the community for its organizers, the groups they lead for leads."""
    return (Group.objects.filter(community=community)
            .filter(manageable_q(viewer, group_field="id")).order_by("name"))


def resource_list(*, viewer: Viewer, community: Community | None = None, kind: str = "",
                  practice_area: Group | None = None, year: int | None = None,
                  text: str = "", withdrawn: bool = False) -> QuerySet[Resource]:
    """Resources for the browse pages, newest first. `withdrawn` lists the withdrawn
    resources the viewer runs instead of the current ones. `text` matches every word in the
    title, summary or authors."""
    if withdrawn:
        qs = resources_visible_to(viewer=viewer, community=community, include_withdrawn=True
                                  ).filter(withdrawn_at__isnull=False)
    else:
        qs = resources_visible_to(viewer=viewer, community=community)
    if kind:
        qs = qs.filter(kind=kind)
    if practice_area is not None:
        qs = qs.filter(practice_areas=practice_area)
    if year is not None:
        qs = qs.filter(published_on__gte=date(year, 1, 1), published_on__lte=date(year, 12, 31))
    for word in text.split()[:10]:
        qs = qs.filter(Q(title__icontains=word) | Q(summary__icontains=word)
                       | Q(authors__icontains=word))
    return qs.order_by("-published_on", "-id")


def hub_resources(*, viewer: Viewer, community: Community | None = None,
                  group: Group | None = None, limit: int = 5) -> tuple[list[Resource], int]:
    """The newest resources the viewer may see (of a community, or filed under or tagged
    with a group) and how many more current ones they may not see: two queries."""
    scope = Resource.objects.filter(withdrawn_at__isnull=True)
    if community is not None:
        scope = scope.filter(community=community)
    if group is not None:
        scope = scope.filter(Q(group=group) | Q(practice_areas=group)).distinct()
    shown = list(scope.filter(visible_q(viewer) | manageable_q(viewer))
                 .select_related("community").order_by("-published_on", "-id")[:limit])
    if group is not None:
        return shown, 0
    counts = scope.aggregate(total=Count("pk"),
                             seen=Count("pk", filter=visible_q(viewer) | manageable_q(viewer)))
    return shown, counts["total"] - counts["seen"]


def resource_years(*, viewer: Viewer, community: Community | None = None) -> list[int]:
    """The years from the newest resource the viewer may see back to the oldest. From the
    two ends only: listing the distinct years would truncate every row's date (on SQLite a
    Python function call per row), where the minimum and maximum come from the index."""
    ends = resources_visible_to(viewer=viewer, community=community).aggregate(
        first=Min("published_on"), last=Max("published_on"))
    if ends["first"] is None:
        return []
    return list(range(ends["last"].year, ends["first"].year - 1, -1))


def practice_areas_visible_to(*, viewer: Viewer,
                              community: Community | None = None) -> QuerySet[Group]:
    return groups_visible_to(viewer=viewer, community=community).filter(
        kind=Group.Kind.PRACTICE_AREA).order_by("community__name", "name")


def resource_for_page(*, viewer: Viewer, community_slug: str, pk: int) -> Resource:
    """One resource for its pages, with its community, group and source event (withdrawn
    ones for the people who run them). Raises Resource.DoesNotExist when the viewer may not
    see it."""
    resource = (resources_visible_to(viewer=viewer, include_withdrawn=True)
                .select_related("group", "source_event")
                .get(community__slug=community_slug, pk=pk))
    # They belong to the resource's community (the services make sure of it).
    for related in (resource.group, resource.source_event):
        if related is not None:
            related.community = resource.community
    return resource


def source_event_visible(*, viewer: Viewer, resource: Resource) -> bool:
    if resource.source_event_id is None:
        return False
    return events_visible_to(viewer=viewer).filter(pk=resource.source_event_id).exists()


def resource_related(*, resource: Resource, viewer: Viewer,
                     practice_area_ids: list[int] | None = None,
                     limit: int = RELATED_LIMIT) -> list[Resource]:
    """Up to `limit` other resources the viewer may see, closest first: each practice area
    in common counts 2, the same source event 3, the same kind 1. One query."""
    if practice_area_ids is None:
        practice_area_ids = list(resource.practice_areas.values_list("pk", flat=True))
    def points(condition: Q, weight: int) -> Case:
        return Case(When(condition, then=Value(weight)), default=Value(0),
                    output_field=IntegerField())

    score = points(Q(kind=resource.kind), 1)
    if resource.source_event_id:
        score = score + points(Q(source_event_id=resource.source_event_id), 3)
    qs = resources_visible_to(viewer=viewer).exclude(pk=resource.pk)
    if practice_area_ids:
        through = Resource.practice_areas.through
        shared = (through.objects.filter(resource_id=OuterRef("pk"),
                                         group_id__in=practice_area_ids)
                  .order_by().values("resource_id").annotate(n=Count("pk")).values("n"))
        qs = qs.annotate(shared=Coalesce(Subquery(shared, output_field=IntegerField()), 0))
        score = score + F("shared") * 2
    qs = qs.annotate(score=score).filter(score__gt=0).order_by("-score", "-published_on", "-id")
    return list(qs[:limit])


# --- Version history -------------------------------------------------------------------------

FIELD_LABELS = {
    "kind": "Kind", "title": "Title", "summary": "Summary", "authors": "Authors",
    "url": "Link", "file": "File", "group": "Source group", "practice_areas": "Practice areas",
    "source_event": "Source event", "published_on": "Published", "access_level": "Who may see it",
}
MULTILINE = {"summary", "authors"}


@dataclass
class Change:
    field: str
    label: str
    before: str
    after: str
    lines: list[tuple[str, str]] = field(default_factory=list)  # ("removed"/"added", line)


@dataclass
class VersionRow:
    version: ResourceVersion
    changes: list[Change]
    current: bool


def _shown(name: str, value) -> str:
    if value in (None, "", []):
        return "(none)"
    match name:
        case "kind":
            return Resource.Kind(value).label if value in Resource.Kind.values else value
        case "access_level":
            return AccessLevel(value).label if value in AccessLevel.values else value
        case "group":
            return value["name"]
        case "source_event":
            return value["title"]
        case "practice_areas":
            return ", ".join(p["name"] for p in value)
        case "published_on":
            day = date.fromisoformat(value)
            return f"{day:%B} {day.day}, {day.year}"
        case "file":
            info = FILE_TYPES.get(value.get("type"))
            return (f"{value['original']} ({info.label if info else value.get('type')}, "
                    f"{human_size(value.get('size'))})")
    return str(value)


def version_changes(before: dict | None, after: dict) -> list[Change]:
    """What changed between two consecutive versions, field by field (everything, for the
    first version). Long text fields also get a line-by-line comparison."""
    changes = []
    for name, label in FIELD_LABELS.items():
        old = before.get(name) if before is not None else None
        new = after.get(name)
        if before is not None and old == new:
            continue
        if before is None and new in (None, "", []):
            continue
        change = Change(name, label, _shown(name, old) if before is not None else "",
                        _shown(name, new))
        if name in MULTILINE and before is not None:
            for line in difflib.ndiff((old or "").splitlines(), (new or "").splitlines()):
                if line.startswith("- ") and line[2:].strip():
                    change.lines.append(("removed", line[2:]))
                elif line.startswith("+ ") and line[2:].strip():
                    change.lines.append(("added", line[2:]))
        changes.append(change)
    return changes


def resource_history(*, resource: Resource) -> list[VersionRow]:
    """Every version of a resource, newest first, each with what it changed. One query."""
    versions = list(ResourceVersion.objects.filter(resource=resource)
                    .select_related("editor").order_by("number"))
    rows, previous = [], None
    for version in versions:
        rows.append(VersionRow(version, version_changes(previous, version.data),
                               current=version.number == resource.version))
        previous = version.data
    return rows[::-1]
