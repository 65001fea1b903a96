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

A panel is **shared** by default: what it shows depends only on what the access policy
knows of the person (signed in, government member, their groups, the communities they
organize) and the time zone times are shown in, so its HTML is cached for
`HUB_CACHE_SECONDS` per such audience, and every panel of a page comes from one cache read.
A shared panel's template therefore never shows the person's own things and holds no form
(a CSRF token is the person's own). A panel that does (their registrations, a register
button) says `shared=False` and is rendered for each request, keeping its own query count
small (`hub_cached` keeps the part of its data that is the audience's). Something published
shows on the home pages within `HUB_CACHE_SECONDS`.
"""

import hashlib
import zoneinfo
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.core.cache import cache
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.module_loading import autodiscover_modules
from django.utils.safestring import SafeString, mark_safe

from cophub.core.access import Viewer
from cophub.core.timezones import DEFAULT_TIME_ZONE

from .models import Community, Group, Membership

HUB_CACHE_SECONDS = 60
PLACES = frozenset({"site", "community", "group"})
COLUMNS = ("main", "side")


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

    @property
    def key(self) -> str:
        """Where, to which audience, in which time zone: what a shared result may vary by."""
        where = f"{self.place}:{self.community.pk if self.community else 0}:" \
                f"{self.group.pk if self.group else 0}"
        return f"{where}:{self.zone}:{audience_digest(self.viewer)}"


Loader = Callable[[Scope], dict | None]


@dataclass(frozen=True)
class Panel:
    key: str
    order: int
    places: frozenset[str]
    template: str
    load: Loader
    column: str = "main"
    shared: bool = True
    signed_in_only: bool = False


_panels: dict[str, Panel] = {}
_discovered = False


def hub_panel_register(*, key: str, order: int, places: Iterable[str], template: str,
                       load: Loader, column: str = "main", shared: bool = True,
                       signed_in_only: bool = False) -> Panel:
    places = frozenset(places)
    if not places or not places <= PLACES:
        raise ValueError(f"Panel {key!r}: places must be among {sorted(PLACES)}.")
    if column not in COLUMNS:
        raise ValueError(f"Panel {key!r}: column must be one of {COLUMNS}.")
    panel = Panel(key=key, order=order, places=places, template=template, load=load,
                  column=column, shared=shared, signed_in_only=signed_in_only)
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


def hub_cached(scope: Scope, name: str, build: Callable[[], object]) -> object:
    """`build()`, kept for `HUB_CACHE_SECONDS` for everyone of the scope's audience: the
    shared part of a personal panel's data (the events, not whether you registered)."""
    key = f"hub-data:{name}:{scope.key}"
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, HUB_CACHE_SECONDS)
    return value


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

    def __bool__(self) -> bool:
        return bool(self.main or self.side)


def hub_render(request: HttpRequest, *, place: str, community: Community | None = None,
               group: Group | None = None) -> HubPage:
    """Render every panel registered for `place`, as `request.viewer` may see them. The
    shared panels come from one cache read (`get_many`); the missing ones are rendered and
    stored for their audience."""
    viewer = request.viewer
    scope = Scope(request=request, viewer=viewer, place=place, community=community,
                  group=group, zone=person_zone(request.user))
    panels = [p for p in hub_panels(place)
              if viewer.is_authenticated or not p.signed_in_only]
    keys = {p.key: f"hub:{p.key}:{scope.key}" for p in panels if p.shared}
    cached = cache.get_many(list(keys.values())) if keys else {}
    fresh: dict[str, str] = {}
    page = HubPage()
    for panel in panels:
        key = keys.get(panel.key)
        html = cached.get(key) if key else None
        if html is None:
            context = panel.load(scope)
            html = "" if context is None else render_to_string(
                panel.template, {**context, "scope": scope, "panel": panel}, request=request)
            if key:
                fresh[key] = html
        if html:
            # Rendered by the panel's own template above (or read back from the cache).
            getattr(page, panel.column).append(mark_safe(html))  # noqa: S308
    if fresh:
        cache.set_many(fresh, HUB_CACHE_SECONDS)
    return page


# --- This app's own panel --------------------------------------------------------------------

def _my_groups(scope: Scope) -> dict:
    memberships = (Membership.objects.filter(user_id=scope.viewer.user_id)
                   .select_related("group__community")
                   .order_by("group__community__name", "group__name"))
    if scope.community is not None:
        memberships = memberships.filter(group__community=scope.community)
    return {"memberships": list(memberships), "community": scope.community}


hub_panel_register(key="communities.my_groups", order=20, places={"site", "community"},
                   template="communities/hub/_my_groups.html", load=_my_groups, column="side",
                   shared=False, signed_in_only=True)
