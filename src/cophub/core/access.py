"""The access policy: who may see a thing and who may manage it. One place decides, for
every type (ADR 0007).

Content carries `access_level`, `community_id` and (optionally) `group_id`. A `Viewer` says
what a person is: signed in, government member, member of which groups, lead of which groups,
organizer of which communities, site operator. Each question has two forms that a test proves
equal for every level × viewer: one object (`can_view`, `can_manage`) and a queryset filter
(`visible_q`, `manageable_q`), so lists, search, feeds, e-mail and the API can never show or
allow more than the pages.

**Who may see** — a community's organizers see everything in it; otherwise the access level
decides (public, signed in, government members, the group's members, organizers only).

**Who may manage** (`action`):
- `MANAGE` (the default) — run an item: edit it, see its registrants, subscribers or answers,
  moderate it, and every after-event page of an event. The organizers of the item's
  community, and the leads of the item's group (a group's own leads for the group itself).
  An item without a group is the organizers' alone. Site-level things (no community) are the
  site operators'.
- `ORGANIZE` — decisions about an item that reach past its group (moving it to another group,
  removing a group's last lead): the community's organizers only.
- `CREATE` — add content to a community (the target is the community): its organizers, and
  the leads of any of its groups (who then choose one of the groups they lead).

The objects asked about expose `community_id` and, if they belong to a group, `group_id`
(communities and groups expose themselves through those names too).
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Q, TextChoices
from django.utils.module_loading import import_string


class AccessLevel(TextChoices):
    PUBLIC = "public", "Everyone, including visitors who are not signed in"
    SIGNED_IN = "signed_in", "Signed-in people"
    GOVERNMENT = "government", "Government members only"
    GROUP = "group", "Members of the group only"
    ORGANIZERS = "organizers", "Organizers only"

    @classmethod
    def group_choices(cls) -> list[tuple[str, str]]:
        """The levels that make sense for a group itself (a group cannot be members-only
        to its own prospective members)."""
        return [(c.value, c.label) for c in (cls.PUBLIC, cls.SIGNED_IN, cls.GOVERNMENT)]


@dataclass(frozen=True)
class Viewer:
    user_id: int | None = None
    is_government: bool = False
    is_staff: bool = False
    group_ids: frozenset[int] = field(default_factory=frozenset)
    led_group_ids: frozenset[int] = field(default_factory=frozenset)
    organizer_community_ids: frozenset[int] = field(default_factory=frozenset)
    # The communities of `led_group_ids`, so `CREATE` needs no query.
    lead_community_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def is_authenticated(self) -> bool:
        return self.user_id is not None

    def is_organizer(self, community_id: int) -> bool:
        return community_id in self.organizer_community_ids

    def leads(self, group_id: int) -> bool:
        return group_id in self.led_group_ids


ANONYMOUS = Viewer()


def viewer_for_user(user) -> Viewer:
    """The viewer of a person outside a request (a command, a task). Pages use
    `request.viewer`. Built by the function `COPHUB_VIEWER_BUILDER` names (the app that owns
    roles and memberships), so nothing below that app imports it."""
    if user is None or not user.is_authenticated:
        return ANONYMOUS
    return import_string(settings.COPHUB_VIEWER_BUILDER)(user)


def can_view(viewer: Viewer, *, access_level: str, community_id: int | None,
             group_id: int | None = None) -> bool:
    if community_id is not None and viewer.is_organizer(community_id):
        return True
    match access_level:
        case AccessLevel.PUBLIC:
            return True
        case AccessLevel.SIGNED_IN:
            return viewer.is_authenticated
        case AccessLevel.GOVERNMENT:
            return viewer.is_government
        case AccessLevel.GROUP:
            return group_id is not None and group_id in viewer.group_ids
        case _:  # ORGANIZERS, and any level this code does not know: closed.
            return False


def can_view_object(viewer: Viewer, obj) -> bool:
    return can_view(viewer, access_level=obj.access_level, community_id=obj.community_id,
                    group_id=getattr(obj, "group_id", None))


def visible_q(viewer: Viewer, *, prefix: str = "", group_field: str | None = "group_id") -> Q:
    """The filter form of `can_view`, for a model with `access_level` and `community`.

    `prefix` reaches the fields through a relation (`"resource__"`); `group_field` names the
    field holding the content's group (`"id"` for groups themselves, None if it has none).
    """
    p = prefix
    allowed = [AccessLevel.PUBLIC]
    if viewer.is_authenticated:
        allowed.append(AccessLevel.SIGNED_IN)
    if viewer.is_government:
        allowed.append(AccessLevel.GOVERNMENT)
    q = Q(**{f"{p}access_level__in": allowed})
    if group_field and viewer.group_ids:
        q |= Q(**{f"{p}access_level": AccessLevel.GROUP,
                  f"{p}{group_field}__in": sorted(viewer.group_ids)})
    if viewer.organizer_community_ids:
        q |= Q(**{f"{p}community_id__in": sorted(viewer.organizer_community_ids)})
    return q


# --- Who may manage --------------------------------------------------------------------------

class _Site:
    """The installation itself, for site-level things (domain rules, the site-wide audit
    log): it belongs to no community, so only operators manage it."""

    community_id = None
    group_id = None

    def __repr__(self) -> str:
        return "SITE"


SITE = _Site()

MANAGE = "manage"
ORGANIZE = "organize"
CREATE = "create"
ACTIONS = (MANAGE, ORGANIZE, CREATE)


def can_manage_in(viewer: Viewer, *, community_id: int | None, group_id: int | None = None,
                  action: str = MANAGE) -> bool:
    """`can_manage` for an item described by its community and group."""
    if not viewer.is_authenticated:
        return False
    if community_id is None:  # site-level: domain rules, the site-wide audit log
        return viewer.is_staff
    if viewer.is_organizer(community_id):
        return action in ACTIONS
    match action:
        case "manage":
            return group_id is not None and viewer.leads(group_id)
        case "create":
            return community_id in viewer.lead_community_ids
        case _:  # ORGANIZE: organizers only (and an action this code does not know: nobody)
            return False


def can_manage(viewer: Viewer, obj, *, action: str = MANAGE) -> bool:
    """May this person manage `obj` (see the module docstring for the rule)?"""
    return can_manage_in(viewer, community_id=obj.community_id,
                         group_id=getattr(obj, "group_id", None), action=action)


def manageable_q(viewer: Viewer, *, action: str = MANAGE, prefix: str = "",
                 community_field: str = "community_id",
                 group_field: str | None = "group_id") -> Q:
    """The filter form of `can_manage`. `prefix` reaches the fields through a relation;
    `community_field` / `group_field` name the fields holding the item's community and group
    (`"id"` for communities and groups themselves; `group_field=None` if it has none)."""
    p = prefix
    nothing = Q(pk__in=[])
    if not viewer.is_authenticated:
        return nothing
    q = Q(**{f"{p}{community_field}__isnull": True}) if viewer.is_staff else nothing
    if viewer.organizer_community_ids and action in ACTIONS:
        q |= Q(**{f"{p}{community_field}__in": sorted(viewer.organizer_community_ids)})
    if action == MANAGE and group_field and viewer.led_group_ids:
        q |= Q(**{f"{p}{group_field}__in": sorted(viewer.led_group_ids)})
    if action == CREATE and viewer.lead_community_ids:
        q |= Q(**{f"{p}{community_field}__in": sorted(viewer.lead_community_ids)})
    return q
