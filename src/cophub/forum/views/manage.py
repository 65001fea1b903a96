"""The pages that run the forum: adding and changing categories, pinning and closing
topics, and the edit history of a post. Behind `manage_page` (`core.access.can_manage`)."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from cophub.communities.decorators import load_community, manage_page
from cophub.communities.models import Community, Group
from cophub.core.access import CREATE, manageable_q
from cophub.lists.models import Post, PostRevision

from .. import selectors, services
from ..exceptions import ForumError
from ..forms import CategoryForm
from ..models import Category, Topic
from .public import _post_url, topic_url


def load_category(request, community: str, category: str) -> tuple[Community, Category]:
    try:
        found = selectors.category_for_page(viewer=request.viewer, community_slug=community,
                                            slug=category)
    except Category.DoesNotExist:
        raise Http404("No such category") from None
    return found.community, found


def _topic(request, community: str, pk: int) -> Topic:
    try:
        return selectors.topic_for_page(viewer=request.viewer, community_slug=community, pk=pk)
    except Topic.DoesNotExist:
        raise Http404("No such topic") from None


def load_topic(request, community: str, pk: int) -> tuple[Topic]:
    return (_topic(request, community, pk),)


def load_post(request, community: str, post_id: int, *, statuses=(Post.Status.PUBLISHED,),
              shown_topic: bool = True) -> tuple[Post, Topic]:
    """A post of a topic; the topic is what is managed (its category's moderators)."""
    try:
        return selectors.post_for_page(viewer=request.viewer, community_slug=community,
                                       post_id=post_id, statuses=statuses,
                                       shown_topic=shown_topic)
    except Post.DoesNotExist:
        raise Http404("No such post in the forum") from None


category_creator_page = manage_page(load_community, action=CREATE)
"""Adding categories: the organizers (any), the group leads (their groups')."""

category_manager_page = manage_page(load_category)
topic_moderator_page = manage_page(load_topic)
post_moderator_page = manage_page(load_post)


def _form(request, community, category=None):
    viewer = request.viewer
    groups = Group.objects.filter(community=community).filter(
        manageable_q(viewer, group_field="id")).order_by("name")
    return CategoryForm(request.POST or None, instance=category, community=community,
                        groups=groups, lists_allowed=viewer.is_organizer(community.pk))


def _save(request, community, form, category=None):
    fields = {name: form.cleaned_data[name] for name in form.fields}
    try:
        saved = services.category_save(actor=request.user, community=community,
                                       category=category, **fields)
    except ForumError as exc:
        form.add_error(None, str(exc))
        return None
    return saved


@category_creator_page
def category_create_view(request, community):
    form = _form(request, community)
    if request.method == "POST" and form.is_valid():
        category = _save(request, community, form)
        if category is not None:
            messages.success(request, f"The category “{category}” is open.")
            return redirect("forum:category", community.slug, category.slug)
    return render(request, "forum/category_form.html", {
        "community": community, "form": form, "category": None},
        status=400 if request.method == "POST" else 200)


@category_manager_page
def category_settings_view(request, community, category):
    form = _form(request, community, category)
    if request.method == "POST" and form.is_valid():
        # The form's instance already carries the new values; the service decides on them.
        saved = _save(request, community, form, Category.objects.get(pk=category.pk))
        if saved is not None:
            messages.success(request, "The category's settings are saved.")
            return redirect("forum:category", community.slug, saved.slug)
    return render(request, "forum/category_form.html", {
        "community": community, "form": form, "category": category},
        status=400 if request.method == "POST" else 200)


@topic_moderator_page
@require_POST
def topic_moderate_view(request, topic):
    flags = {}
    for name in ("pinned", "closed"):
        if name in request.POST:
            flags[name] = request.POST[name] == "1"
    try:
        services.topic_moderate(topic=topic, actor=request.user, **flags)
    except ForumError as exc:
        messages.error(request, str(exc))
    else:
        done = [("pinned" if v else "unpinned") if k == "pinned" else
                ("closed" if v else "reopened") for k, v in flags.items()]
        if done:
            messages.success(request, f"The topic is {' and '.join(done)}.")
    return redirect(topic_url(topic))


@post_moderator_page
def post_history_view(request, post, topic):
    revisions = list(PostRevision.objects.filter(post=post).select_related("edited_by")
                     .order_by("-number"))
    return render(request, "forum/post_history.html", {
        "community": topic.category.community, "category": topic.category, "topic": topic,
        "post": post, "revisions": revisions, "post_url": _post_url(topic, post)})


@topic_moderator_page
@require_POST
def topic_move_view(request, topic):
    target = (Category.objects.filter(community=topic.category.community,
                                      slug=request.POST.get("category", ""))
              .select_related("community").first())
    if target is None or not selectors.category_can_view(viewer=request.viewer,
                                                          category=target):
        messages.error(request, "Choose a category to move the topic to.")
        return redirect(topic_url(topic))
    try:
        services.topic_move(topic=topic, category=target, actor=request.user)
    except ForumError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"The topic is now in {target.name}.")
    return redirect(topic_url(topic))
