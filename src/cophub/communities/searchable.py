"""Groups in search (working groups, practice areas, committees), with the access level
their pages use: `groups_visible_to` is `visible_q` with the group as its own group."""

from cophub.search.registry import Document, SearchType, Watch, register
from cophub.search.text import markdown_text

from .models import Community, Group


def group_document(group: Group) -> Document:
    body = [group.get_kind_display(), group.summary, markdown_text(group.charter)]
    return Document(
        title=group.name,
        body="\n".join(part for part in body if part),
        url=group.get_absolute_url(),
        access_level=group.access_level,
        community_id=group.community_id,
        group_id=group.pk,
        facets={"kind": [group.get_kind_display()], "community": [group.community.name]},
    )


register(SearchType(
    name="group", label="Groups", singular="Group", model=Group, document=group_document,
    facets={"kind": "Kind", "community": "Community"},
    queryset=lambda: Group.objects.select_related("community"),
    browse_url="home",
    watch=(Watch(Community, lambda community: Group.objects.filter(
        community_id=community.pk).values_list("pk", flat=True)),),
))
