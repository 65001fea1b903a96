"""The access policy: who may see a piece of content. One place decides, for every type.

Content carries `access_level`, `community_id` and (optionally) `group_id`. A `Viewer` says
what a person is: signed in, government member, member of which groups, organizer of which
communities. `can_view` answers for one object; `visible_q` gives the same answer as a
queryset filter, so lists, search, feeds and the API can never show more than the pages.
"""

from dataclasses import dataclass, field

from django.db.models import Q, TextChoices


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

    @property
    def is_authenticated(self) -> bool:
        return self.user_id is not None

    def is_organizer(self, community_id: int) -> bool:
        return community_id in self.organizer_community_ids

    def leads(self, group_id: int) -> bool:
        return group_id in self.led_group_ids


ANONYMOUS = Viewer()


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
