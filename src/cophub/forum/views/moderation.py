"""The moderators' pages: the queue (flagged and held posts, silenced people, the forum's
recent decisions), deciding on flags and held posts, silencing; and the members' flag
form. Behind `manage_page`, except flagging, which any reader of the topic may do."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from cophub.communities.decorators import load_community, manage_page
from cophub.core.access import CREATE, ORGANIZE
from cophub.core.models import AuditEvent
from cophub.lists.models import Post

from .. import selectors, services
from ..exceptions import ForumError
from ..models import Flag, Silence, Topic
from .manage import load_post
from .public import _topic_post, topic_url


def load_held(request, community: str, post_id: int) -> tuple[Post, Topic]:
    """A post held in a category bound to no list (its topic may not be shown yet)."""
    post, topic = load_post(request, community, post_id, statuses=(Post.Status.HELD,),
                            shown_topic=False)
    if post.mailing_list_id is not None:
        raise Http404("Decide posts held on a list on the list's moderation page")
    return post, topic


def load_flagged(request, community: str, post_id: int) -> tuple[Post, Topic]:
    """A flagged post, published or already hidden by its flags, of a visible category."""
    return load_post(request, community, post_id,
                     statuses=(Post.Status.PUBLISHED, Post.Status.HIDDEN), shown_topic=False)


def load_silence(request, community: str, pk: int):
    silence = get_object_or_404(Silence.objects.select_related("community", "user"), pk=pk,
                                community__slug=community)
    return silence, silence.community


moderation_page = manage_page(load_community, action=CREATE)
"""The queue: the organizers, and the group leads for their groups' categories."""
flagged_post_page = manage_page(load_flagged)
held_post_page = manage_page(load_held)
silence_page = manage_page(load_community, action=ORGANIZE)
silence_lift_page = manage_page(load_silence, action=ORGANIZE)


@moderation_page
def moderation_view(request, community):
    queue = selectors.moderation_queue(viewer=request.viewer, community=community)
    audit = (AuditEvent.objects.filter(scope=community.slug, verb__startswith="forum.")
             .order_by("-created_at")[:50])
    return render(request, "forum/moderation.html", {
        "community": community, **queue, "page": audit,
        "is_organizer": request.viewer.is_organizer(community.pk),
        "reasons": Flag.Reason.choices})


@flagged_post_page
@require_POST
def flags_decide_view(request, post, topic):
    try:
        services.flags_resolve(post=post, actor=request.user,
                               action=request.POST.get("action", ""))
    except ForumError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "The post stays, and its flags are dismissed."
                         if request.POST["action"] == "keep" else "The post is hidden.")
    return redirect("forum:moderation", topic.category.community.slug)


@held_post_page
@require_POST
def held_decide_view(request, post, topic):
    try:
        services.held_post_decide(post=post, actor=request.user,
                                  action=request.POST.get("action", ""),
                                  reason=request.POST.get("reason", ""))
    except ForumError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Decided.")
    return redirect("forum:moderation", topic.category.community.slug)


@silence_page
@require_POST
def silence_view(request, community):
    try:
        user = get_user_model().objects.get(pk=int(request.POST.get("user", "")))
        days = int(request.POST.get("days", ""))
    except (ValueError, get_user_model().DoesNotExist):
        messages.error(request, "Choose a person and a number of days.")
        return redirect("forum:moderation", community.slug)
    try:
        services.silence_set(community=community, user=user, actor=request.user, days=days,
                             reason=request.POST.get("reason", ""))
    except ForumError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{user.name or user.email} cannot post in the forum for "
                         f"{days} day{'s' if days != 1 else ''}.")
    return redirect("forum:moderation", community.slug)


@silence_lift_page
@require_POST
def silence_lift_view(request, silence, community):
    services.silence_lift(silence=silence, actor=request.user)
    messages.success(request, "The silence is lifted.")
    return redirect("forum:moderation", silence.community.slug)


@login_required
def post_flag_view(request, community, post_id):
    topic, post = _topic_post(request, community, post_id)
    if request.method == "POST":
        try:
            services.post_flag(post=post, user=request.user,
                               reason=request.POST.get("reason", ""),
                               note=request.POST.get("note", ""))
        except ForumError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "Thank you: the moderators will look at this post.")
            return redirect(topic_url(topic))
    return render(request, "forum/flag.html", {
        "community": topic.category.community, "category": topic.category, "topic": topic,
        "post": post, "reasons": Flag.Reason.choices},
        status=400 if request.method == "POST" else 200)
