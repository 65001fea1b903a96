"""The home pages' panels: what is happening, gathered from every app without this app
knowing them.

The site home, a community's home and a group's page show the next events, open training,
the latest discussions, new library resources, the newsletter and, for a signed-in person,
their own registrations and groups. Each of those belongs to another app, and apps above
this one in the layers may not be imported here; so, as link cards do (`core.cards`), each
app registers its panels in its own `hub.py`, found by autodiscovery::

    def upcoming(scope):                         # Scope: request, viewer, place, community, group
        events = ...                              # through the app's selectors: the policy
        return {"events": events} if events else None   # None: the panel is not shown

    hub_panel_register(key="events.upcoming", order=10, places={"site", "community"},
                       template="events/hub/_upcoming.html", load=upcoming)

Panels are cached, so that a home page costs one cache read however much is happening:

- `cache="audience"` (the default): what the panel shows depends only on what the access
  policy knows of the person (signed in, government member, their groups, the communities
  they organize, staff) and the time zone times are shown in, so its HTML is kept for
  `HUB_CACHE_SECONDS` per such audience. Its template never shows the person's own things
  and holds no form of its own (a CSRF token is the person's): the little that is theirs
  is put in by the panel's `fill(scope, html, data)` after the cache, from `person_data`
  (e.g. the events with "Register" buttons, then "You are registered" where they are).
- `cache="person"`: the person's own things (their next registrations), kept for them until
  `hub_person_changed(user_id)` is called (by the app, when those things change) or
  `HUB_CACHE_SECONDS` pass. `person_data` is kept the same way.
- `cache="none"`: rendered for every request (a group's list with its subscribe button).

Something published shows on the home pages within `HUB_CACHE_SECONDS`; a person's own
change shows at once.
"""

import hashlib
import time
import zoneinfo
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property

from django.core.cache import cache
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.module_loading import autodiscover_modules
from django.utils.safestring import SafeString, mark_safe

from cophub.core.access import Viewer
from cophub.core.timezones import DEFAULT_TIME_ZONE

from .models import Community, Group
from .selectors import communities_for_home, group_cards

HUB_CACHE_SECONDS = 60
PLACES = frozenset({"site", "community", "group"})
COLUMNS = ("main", "side", "below")


@dataclass(frozen=True)
class Scope:
    """Where a panel is shown and to whom: `place` is "site" (every community),
    "community" or "group"; `community` is set for the last two, `group` for "group"."""

    request: HttpRequest
    viewer: Viewer
    place: str
    community: Community | None = None
    group: Group | None = None
    zone: str = DEFAULT_TIME_ZONE  # the time zone times are shown in

    @cached_property
    def key(self) -> str:
        """Where, to which audience, in which time zone: what a shared result may vary by."""
        where = f"{self.place}:{self.community.pk if self.community else 0}:" \
                f"{self.group.pk if self.group else 0}"
        return f"{where}:{self.zone}:{audience_digest(self.viewer)}"


Loader = Callable[[Scope], dict | None]


Filler = Callable[[Scope, str, object], str]
PersonData = Callable[[Scope], object]

CACHES = ("audience", "person", "none")


@dataclass(frozen=True)
class Panel:
    key: str
    order: int
    places: frozenset[str]
    template: str
    load: Loader
    column: str = "main"
    cache: str = "audience"
    signed_in_only: bool = False
    fill: Filler | None = None
    person_data: PersonData | None = None


_panels: dict[str, Panel] = {}
_discovered = False


def hub_panel_register(*, key: str, order: int, places: Iterable[str], template: str,
                       load: Loader, column: str = "main", cache: str = "audience",
                       signed_in_only: bool = False, fill: Filler | None = None,
                       person_data: PersonData | None = None) -> Panel:
    places = frozenset(places)
    if not places or not places <= PLACES:
        raise ValueError(f"Panel {key!r}: places must be among {sorted(PLACES)}.")
    if column not in COLUMNS:
        raise ValueError(f"Panel {key!r}: column must be one of {COLUMNS}.")
    if cache not in CACHES:
        raise ValueError(f"Panel {key!r}: cache must be one of {CACHES}.")
    panel = Panel(key=key, order=order, places=places, template=template, load=load,
                  column=column, cache=cache, signed_in_only=signed_in_only, fill=fill,
                  person_data=person_data)
    _panels[key] = panel
    return panel


def hub_panels(place: str) -> list[Panel]:
    global _discovered
    if not _discovered:
        autodiscover_modules("hub")
        _discovered = True
    return sorted((p for p in _panels.values() if place in p.places),
                  key=lambda p: (p.order, p.key))


def person_zone(user) -> str:
    """The zone a person's times are shown in: their own, or Eastern for visitors."""
    zone = getattr(user, "time_zone", "") if user.is_authenticated else ""
    if zone:
        try:
            zoneinfo.ZoneInfo(zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            zone = ""
    return zone or DEFAULT_TIME_ZONE


def audience_digest(viewer: Viewer) -> str:
    """Everything the access policy decides with, and nothing else: two people with the
    same digest may see exactly the same things."""
    parts = (viewer.is_authenticated, viewer.is_government, viewer.is_staff,
             sorted(viewer.group_ids), sorted(viewer.organizer_community_ids),
             sorted(viewer.led_group_ids))
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]


@dataclass
class HubPage:
    """The rendered panels of one page, by column."""

    main: list[SafeString] = field(default_factory=list)
    side: list[SafeString] = field(default_factory=list)
    below: list[SafeString] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.main or self.side)


def hub_person_changed(user_id: int | None) -> None:
    """Something shown in a person's own panels changed (they registered, cancelled):
    their cached panels and data made before now are stale from this moment."""
    if user_id is not None:
        cache.set(f"hub:changed:{user_id}", time.time(), HUB_CACHE_SECONDS * 2)


def hub_render(request: HttpRequest, *, place: str, community: Community | None = None,
               group: Group | None = None) -> HubPage:
    """Render every panel registered for `place`, as `request.viewer` may see them, with
    one cache read (`get_many`) for all of them: the audience's panels, the person's own
    panels and data (kept until `hub_person_changed` says otherwise), and the moment the
    person's things last changed. What is missing is rendered and stored."""
    viewer = request.viewer
    uid = viewer.user_id
    scope = Scope(request=request, viewer=viewer, place=place, community=community,
                  group=group, zone=person_zone(request.user))
    panels = [p for p in hub_panels(place)
              if viewer.is_authenticated or not p.signed_in_only]
    keys: dict[str, str] = {}
    data_keys: dict[str, str] = {}
    for panel in panels:
        if panel.cache == "audience":
            keys[panel.key] = f"hub:{panel.key}:{scope.key}"
        elif panel.cache == "person" and uid is not None:
            keys[panel.key] = f"hub:{panel.key}:{scope.key}:{uid}"
        if panel.person_data is not None and uid is not None:
            data_keys[panel.key] = f"hub-person:{panel.key}:{uid}"
    changed_key = f"hub:changed:{uid}"
    wanted = [*keys.values(), *data_keys.values()] + ([changed_key] if uid is not None else [])
    cached = cache.get_many(wanted) if wanted else {}
    changed_at = cached.get(changed_key, 0.0)
    started = time.time()  # what is built from here on is at least this fresh
    fresh: dict[str, object] = {}

    def personal(key: str, build: Callable[[], object]) -> object:
        entry = cached.get(key)
        if entry is not None and entry[0] >= changed_at:
            return entry[1]
        value = build()
        fresh[key] = (started, value)
        return value

    def render(panel: Panel) -> str:
        context = panel.load(scope)
        return "" if context is None else render_to_string(
            panel.template, {**context, "scope": scope, "panel": panel}, request=request)

    page = HubPage()
    for panel in panels:
        key = keys.get(panel.key)
        if panel.cache == "audience":
            html = cached.get(key)
            if html is None:
                html = fresh[key] = render(panel)
        elif key is not None:  # the person's own, cached for them
            html = personal(key, lambda panel=panel: render(panel))
        else:
            html = render(panel)
        if html and panel.fill is not None:
            data = None
            if panel.key in data_keys:
                data = personal(data_keys[panel.key], lambda panel=panel: panel.person_data(scope))
            html = panel.fill(scope, html, data)
        if html:
            # Rendered by the panel's own template above (or read back from the cache).
            getattr(page, panel.column).append(mark_safe(html))  # noqa: S308
    if fresh:
        cache.set_many(fresh, HUB_CACHE_SECONDS)
    return page


# --- This app's own panel --------------------------------------------------------------------

def _my_groups(scope: Scope) -> dict:
    """The person's groups, from what the viewer already knows (their active groups and those
    they lead): the same for everyone in those groups, so cached for the audience."""
    groups = (Group.objects.filter(pk__in=sorted(scope.viewer.group_ids))
              .select_related("community").order_by("community__name", "name"))
    if scope.community is not None:
        groups = groups.filter(community=scope.community)
    return {"groups": list(groups), "led": scope.viewer.led_group_ids,
            "community": scope.community}


def _about(scope: Scope) -> dict:
    """A community's description and its groups by kind, each card with its active member
    count: the part of its home page below what is happening."""
    cards = list(group_cards(viewer=scope.viewer, community=scope.community))
    sections = [(label, [g for g in cards if g.kind == kind]) for kind, label in Group.Kind.choices]
    return {"community": scope.community,
            "sections": [(label, items) for label, items in sections if items]}


def _communities(scope: Scope) -> dict:
    """The communities, with their member and group counts as this audience sees them: the
    site home's part below what is happening."""
    return {"communities": communities_for_home(viewer=scope.viewer)}


hub_panel_register(key="communities.list", order=95, places={"site"},
                   template="communities/hub/_communities.html", load=_communities,
                   column="below")
hub_panel_register(key="communities.about", order=90, places={"community"},
                   template="communities/hub/_about.html", load=_about, column="below")
hub_panel_register(key="communities.my_groups", order=20, places={"site", "community"},
                   template="communities/hub/_my_groups.html", load=_my_groups, column="side",
                   signed_in_only=True)
