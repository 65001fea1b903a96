"""An Atom feed of each public category's topics, the group page's latest topics (a
fragment the group page loads, or a page of its own without JavaScript)."""

from django.contrib.syndication.views import Feed
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from cophub.communities.models import Community
from cophub.communities.selectors import groups_visible_to
from cophub.core.access import ANONYMOUS, AccessLevel

from .. import selectors
from ..models import Category

FEED_ITEMS = 30


class CategoryFeed(Feed):
    """Only categories anyone may read (visitors included, and, when bound, the list's
    archive too): a feed reader signs in as nobody."""

    feed_type = Atom1Feed

    def get_object(self, request, community, category):
        try:
            found = selectors.category_for_page(viewer=ANONYMOUS, community_slug=community,
                                                slug=category)
        except Category.DoesNotExist:
            raise Http404("No such public category") from None
        if selectors.effective_level(found) != AccessLevel.PUBLIC:
            raise Http404("No such public category")
        return found

    def title(self, category):
        return f"{category.name} · {category.community.name} forum"

    def link(self, category):
        return reverse("forum:category", args=[category.community.slug, category.slug])

    def subtitle(self, category):
        return category.description or f"New topics in {category.name}."

    def items(self, category):
        return list(selectors.topics_of(category=category)
                    .order_by("-root__published_at", "-id")[:FEED_ITEMS])

    def item_title(self, topic):
        return topic.title

    def item_description(self, topic):
        return topic.root.body_text[:2000]

    def item_link(self, topic):
        return reverse("forum:topic", args=[topic.category.community.slug, topic.pk])

    def item_pubdate(self, topic):
        return topic.root.published_at

    def item_updateddate(self, topic):
        return topic.last_posted_at

    def item_author_name(self, topic):
        return topic.root.sender_name or "A member"


def group_latest_view(request, community, group):
    """The group's latest topics (its categories the person may see)."""
    community = get_object_or_404(Community, slug=community)
    group = get_object_or_404(groups_visible_to(viewer=request.viewer), community=community,
                              slug=group)
    topics = list(selectors.topics_visible_to(viewer=request.viewer, community=community,
                                              group=group)[:5])
    fragment = request.headers.get("HX-Request") == "true"
    return render(request, "forum/group_latest.html" if not fragment
                  else "forum/partials/_group_latest.html",
                  {"community": community, "group": group, "topics": topics,
                   "categories": selectors.categories_visible_to(
                       viewer=request.viewer, community=community, group=group)})

