"""`visible_q` (querysets) and `can_view` (one object) must always agree."""

import itertools

import pytest

from cophub.communities.models import Community, Group
from cophub.core.access import AccessLevel, Viewer, can_view, can_view_object, visible_q

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
