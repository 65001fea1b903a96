"""Events in search: every kind (training sessions included), as the events pages show them.

Published and cancelled events carry their own access level; a cancelled event stays
findable, with "Canceled" as its status facet. A draft is indexed as organizers-only, so
only its community's organizers find it (its host group's leads, who may also open drafts,
see them on the events pages instead).

The host group's name is part of the document only when everyone who may see the event may
also see the group — the event page shows it on the same condition — since one document
serves every reader.
"""

import zoneinfo

from cophub.communities.models import Community, Group
from cophub.core.access import AccessLevel
from cophub.search.registry import Document, SearchType, Watch, register
from cophub.search.text import markdown_text

from .models import Event


def _local_date(event: Event):
    try:
        zone = zoneinfo.ZoneInfo(event.time_zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("America/New_York")
    return event.starts_at.astimezone(zone).date()


# How far a level opens, for the rule above: group members are at least signed in (not
# necessarily government members); organizers see every group.
_OPENNESS = {AccessLevel.PUBLIC: 0, AccessLevel.SIGNED_IN: 1, AccessLevel.GROUP: 1,
             AccessLevel.GOVERNMENT: 2, AccessLevel.ORGANIZERS: 3}


def _host_group_shown(event: Event, access_level: str) -> bool:
    return event.group_id is not None and (
        _OPENNESS.get(event.group.access_level, 3) <= _OPENNESS.get(access_level, 3))


def event_document(event: Event) -> Document:
    access_level = (AccessLevel.ORGANIZERS if event.status == Event.Status.DRAFT
                    else event.access_level)
    show_group = _host_group_shown(event, access_level)
    body = [event.get_kind_display(), markdown_text(event.description), event.speakers,
            event.location]
    if show_group:
        body.append(event.group.name)
    facets = {
        "kind": [event.get_kind_display()],
        "status": [event.get_status_display()],
        "community": [event.community.name],
    }
    if show_group:
        facets["group"] = [event.group.name]
    return Document(
        title=event.title,
        body="\n".join(part for part in body if part),
        url=event.get_absolute_url(),
        access_level=access_level,
        community_id=event.community_id,
        group_id=event.group_id,
        facets=facets,
        date=_local_date(event),
    )


register(SearchType(
    name="event", label="Events", singular="Event", model=Event, document=event_document,
    facets={"kind": "Kind", "status": "Status", "community": "Community",
            "group": "Host group"},
    queryset=lambda: Event.objects.select_related("community", "group"),
    watch=(
        # The host group's name and level and the community's name shape an event's
        # document.
        Watch(Group, lambda group: Event.objects.filter(group_id=group.pk)
              .values_list("pk", flat=True)),
        Watch(Community, lambda community: Event.objects.filter(community_id=community.pk)
              .values_list("pk", flat=True)),
    ),
))
