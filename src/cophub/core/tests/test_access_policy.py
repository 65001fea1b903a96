"""`visible_q` (querysets) and `can_view` (one object) must always agree; so must
`manageable_q` and `can_manage`."""

import itertools

import pytest

from cophub.communities.models import Community, Group
from cophub.core.access import (
    ACTIONS,
    CREATE,
    ORGANIZE,
    AccessLevel,
    Viewer,
    can_manage,
    can_manage_in,
    can_view,
    can_view_object,
    manageable_q,
    visible_q,
)

pytestmark = pytest.mark.django_db

VIEWERS = {
    "anonymous": lambda c, g: Viewer(),
    "public": lambda c, g: Viewer(user_id=1),
    "government": lambda c, g: Viewer(user_id=2, is_government=True),
    "group member": lambda c, g: Viewer(user_id=3, group_ids=frozenset({g.pk})),
    "organizer": lambda c, g: Viewer(user_id=4, organizer_community_ids=frozenset({c.pk})),
    "organizer elsewhere": lambda c, g: Viewer(user_id=5, is_government=True,
                                               organizer_community_ids=frozenset({c.pk + 99})),
}


def test_queryset_filter_and_object_check_agree_for_every_level_and_viewer():
    community = Community.objects.create(slug="c", name="C")
    groups = {
        level: Group.objects.create(community=community, slug=f"g-{level}", name=level,
                                    kind="committee", access_level=level)
        for level in AccessLevel.values
    }
    anchor = groups[AccessLevel.PUBLIC]
    for (name, make), group in itertools.product(VIEWERS.items(), groups.values()):
        viewer = make(community, group)
        in_queryset = Group.objects.filter(visible_q(viewer, group_field="id"),
                                           pk=group.pk).exists()
        assert in_queryset == can_view_object(viewer, group), (name, group.access_level)
    assert can_view(Viewer(), access_level=AccessLevel.PUBLIC, community_id=anchor.community_id)


def test_unknown_access_level_is_closed():
    assert not can_view(Viewer(user_id=1, is_government=True), access_level="everyone?",
                        community_id=None)


def test_public_participant_never_sees_government_content():
    viewer = Viewer(user_id=1, is_government=False)
    assert not can_view(viewer, access_level=AccessLevel.GOVERNMENT, community_id=1)


# --- Who may manage --------------------------------------------------------------------------

def _managers(c, g, other):
    """Every kind of viewer, for community `c`, group `g` and another group `other` of `c`."""
    return {
        "anonymous": Viewer(),
        "public": Viewer(user_id=1),
        "government": Viewer(user_id=2, is_government=True),
        "group member": Viewer(user_id=3, group_ids=frozenset({g.pk})),
        "lead of this group": Viewer(user_id=4, group_ids=frozenset({g.pk}),
                                     led_group_ids=frozenset({g.pk}),
                                     lead_community_ids=frozenset({c.pk})),
        "lead of another group": Viewer(user_id=5, group_ids=frozenset({other.pk}),
                                        led_group_ids=frozenset({other.pk}),
                                        lead_community_ids=frozenset({c.pk})),
        "lead elsewhere": Viewer(user_id=6, led_group_ids=frozenset({other.pk + 99}),
                                 lead_community_ids=frozenset({c.pk + 99})),
        "organizer": Viewer(user_id=7, organizer_community_ids=frozenset({c.pk})),
        "organizer elsewhere": Viewer(user_id=8, organizer_community_ids=frozenset({c.pk + 99})),
        "operator": Viewer(user_id=9, is_staff=True, is_government=True),
    }


def test_manage_filter_and_object_check_agree_for_every_action_level_and_viewer():
    community = Community.objects.create(slug="c", name="C")
    Community.objects.create(slug="d", name="D")
    groups = [Group.objects.create(community=community, slug=f"g-{level}", name=level,
                                   kind="committee", access_level=level)
              for level in AccessLevel.values]
    other = groups[0]
    checked = 0
    for group, action in itertools.product(groups[1:], ACTIONS):
        for name, viewer in _managers(community, group, other).items():
            # A group's own content (the group is its own group) ...
            assert (Group.objects.filter(manageable_q(viewer, action=action, group_field="id"),
                                         pk=group.pk).exists()
                    == can_manage(viewer, group, action=action)), (name, action, "group")
            # ... content of the community without a group ...
            assert (Group.objects.filter(manageable_q(viewer, action=action, group_field=None),
                                         pk=group.pk).exists()
                    == can_manage_in(viewer, community_id=community.pk, action=action)), (
                name, action, "no group")
            # ... and the communities themselves.
            for each in Community.objects.all():
                assert (Community.objects.filter(
                    manageable_q(viewer, action=action, community_field="id", group_field=None),
                    pk=each.pk).exists() == can_manage(viewer, each, action=action)), (
                    name, action, each.slug)
            checked += 1
    assert checked == (len(AccessLevel.values) - 1) * len(ACTIONS) * 10


@pytest.mark.parametrize(("who", "manage", "organize", "create"), [
    ("anonymous", False, False, False),
    ("public", False, False, False),
    ("government", False, False, False),
    ("group member", False, False, False),
    ("lead of this group", True, False, True),
    ("lead of another group", False, False, True),
    ("lead elsewhere", False, False, False),
    ("organizer", True, True, True),
    ("organizer elsewhere", False, False, False),
    ("operator", False, False, False),
])
def test_the_manage_rule(who, manage, organize, create):
    community = Community.objects.create(slug="c", name="C")
    group, other = (Group.objects.create(community=community, slug=s, name=s, kind="committee")
                    for s in ("g", "h"))
    viewer = _managers(community, group, other)[who]
    assert can_manage(viewer, group) is manage
    assert can_manage(viewer, group, action=ORGANIZE) is organize
    assert can_manage(viewer, community, action=CREATE) is create
    # Content without a group is the organizers'; the community itself too.
    assert can_manage_in(viewer, community_id=community.pk) is organize
    assert can_manage(viewer, community) is organize


def test_site_level_things_are_the_operators():
    operator = Viewer(user_id=1, is_staff=True)
    organizer = Viewer(user_id=2, organizer_community_ids=frozenset({1}))
    assert can_manage_in(operator, community_id=None)
    assert not can_manage_in(organizer, community_id=None)
    assert not can_manage_in(Viewer(is_staff=True), community_id=None)  # not signed in


def test_unknown_action_is_closed():
    lead = Viewer(user_id=1, led_group_ids=frozenset({5}), lead_community_ids=frozenset({1}))
    assert not can_manage_in(lead, community_id=1, group_id=5, action="delete everything")
    assert not can_manage_in(Viewer(user_id=2, organizer_community_ids=frozenset({1})),
                         community_id=1, group_id=5, action="delete everything")
