"""A person's notifications (the bell), its unread count for the header (fetched by htmx,
so no page pays a query for it), forum e-mail settings and what they follow, and the
watch buttons of categories and topics."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from .. import selectors, services
from ..exceptions import ForumError
from ..models import Notification, Preference, Watch
from .public import _category, _topic, topic_url


@login_required
def notifications_view(request):
    if request.method == "POST":
        count = services.notifications_mark_read(user=request.user)
        messages.success(request, f"{count} notification{'s' if count != 1 else ''} marked "
                         "read." if count else "Nothing was unread.")
        return redirect("forum:notifications")
    groups = selectors.notifications_grouped(user=request.user)
    return render(request, "forum/notifications.html", {
        "groups": groups, "unread": sum(1 for g in groups if g["unread"])})


@login_required
def notification_open_view(request, pk):
    """Open what a notification is about, marking it and the ones collapsed with it read."""
    n = (Notification.objects.filter(pk=pk, user=request.user)
         .select_related("topic__category__community").first())
    if n is None:
        raise Http404("No such notification")
    topic = _topic(request, n.topic.category.community.slug, n.topic_id)
    same = Notification.objects.filter(user=request.user, topic=topic, kind=n.kind,
                                       read_at__isnull=True).values_list("pk", flat=True)
    services.notifications_mark_read(user=request.user, ids=list(same) + [n.pk])
    return redirect(topic_url(topic, n.post_id))


def notifications_badge_view(request):
    count = (selectors.notifications_unread_count(user=request.user)
             if request.user.is_authenticated else 0)
    return render(request, "forum/partials/_badge.html", {"count": count})


@login_required
def notification_settings_view(request):
    preference = Preference.objects.filter(user=request.user).first()
    current = preference.email if preference else Preference.Email.IMMEDIATELY
    if request.method == "POST":
        try:
            services.preference_set(user=request.user, email=request.POST.get("email", ""))
        except ForumError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "Your forum e-mail setting is saved.")
            return redirect("forum:notification_settings")
    watches = list(Watch.objects.filter(user=request.user)
                   .exclude(level=Watch.Level.NORMAL)
                   .select_related("category__community", "topic__category__community")
                   .order_by("-updated_at")[:200])
    return render(request, "forum/notification_settings.html", {
        "choices": Preference.Email.choices, "current": current, "watches": watches})


def _watch(request, *, category=None, topic=None):
    try:
        services.watch_set(user=request.user, level=request.POST.get("level", ""),
                           category=category, topic=topic)
    except ForumError as exc:
        messages.error(request, str(exc))
    else:
        label = Watch.Level(request.POST["level"]).label.split(":")[0]
        messages.success(request, f"You are now {label.lower()} "
                         f"{'this topic' if topic else 'this category'}."
                         if request.POST["level"] != Watch.Level.NORMAL
                         else "You follow it as usual now (replies to you only).")


@login_required
@require_POST
def topic_watch_view(request, community, pk):
    topic = _topic(request, community, pk)
    _watch(request, topic=topic)
    return redirect(topic_url(topic))


@login_required
@require_POST
def category_watch_view(request, community, category):
    category = _category(request, community, category)
    _watch(request, category=category)
    return redirect("forum:category", category.community.slug, category.slug)
