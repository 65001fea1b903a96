"""Library resources in search (type "resource"). Withdrawn resources are not indexed."""

from cophub.core.access import AccessLevel
from cophub.search.registry import Document, SearchType, register

from .models import Resource

# How far a level opens: a practice area's name goes into a resource's document only if
# everyone who may see the resource may also see the practice area (a name can reveal a
# group). Members of a group are at least signed in; organizers see every group.
_OPENNESS = {AccessLevel.PUBLIC: 0, AccessLevel.SIGNED_IN: 1, AccessLevel.GROUP: 1,
             AccessLevel.GOVERNMENT: 2, AccessLevel.ORGANIZERS: 3}


def _practice_area_names(resource: Resource) -> list[str]:
    level = _OPENNESS.get(resource.access_level, 3)
    return sorted(g.name for g in resource.practice_areas.all()
                  if _OPENNESS.get(g.access_level, 3) <= level)


def resource_document(resource: Resource) -> Document | None:
    if resource.withdrawn:
        return None
    areas = _practice_area_names(resource)
    kind = resource.get_kind_display()
    body = "\n".join(filter(None, [resource.summary_text, "\n".join(resource.author_lines),
                                   kind, ", ".join(areas)]))
    return Document(
        title=resource.title,
        body=body,
        url=resource.get_absolute_url(),
        access_level=resource.access_level,
        community_id=resource.community_id,
        group_id=resource.group_id,
        facets={"kind": [kind], "practice_area": areas,
                "community": [resource.community.name]},
        date=resource.published_on,
    )


def _all_resources():
    return Resource.objects.select_related("community").prefetch_related("practice_areas")


register(SearchType(
    name="resource", label="Resources", singular="Resource", browse_url="library:browse",
    model=Resource, document=resource_document,
    facets={"kind": "Kind", "practice_area": "Practice area", "community": "Community"},
    queryset=_all_resources,
))
