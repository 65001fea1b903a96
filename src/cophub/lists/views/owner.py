"""Owners' pages of a list: compose a post, the moderation queue, subscribers, bounces.

Owners are whoever may manage the list (`core.access.can_manage`: the community's
organizers and, for a group's list, the group's leads); the pages go through
`communities.decorators.manage_page` with the list as the thing managed, and need MFA. A
person who may not even see the list gets a 404 first; a visitor is sent to sign in; a
signed-in person who may see it but does not run it gets a 403."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render

from cophub.communities.decorators import manage_page
from cophub.core.markdown import render_markdown

from .. import services
from ..forms import ComposeForm, ModerationForm, SearchForm
from ..models import Bounce, MailingList, Post, Subscription
from .public import visible_list

SUBSCRIBERS_PER_PAGE = 50
BOUNCES_SHOWN = 100


def load_list(request, local_part: str) -> tuple[MailingList]:
    """The list in the URL, if the person may see it (else 404)."""
    return (visible_list(request, local_part),)


list_owner_page = manage_page(load_list)
"""Pages that run a list: the view gets `mailing_list` after `request`."""


def _context(mailing_list, **extra):
    return {"mailing_list": mailing_list, "community": mailing_list.community, **extra}


@list_owner_page
def compose_view(request, mailing_list):
    """Write a post in Markdown. "Preview" shows the rendered message under the form;
    "Send" publishes it (or holds it, per the list's moderation) through post_compose."""
    form = ComposeForm(request.POST or None)
    preview = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if request.POST.get("action") == "send":
            try:
                post = services.post_compose(mailing_list=mailing_list, author=request.user,
                                             subject=data["subject"],
                                             body_markdown=data["body_markdown"])
            except services.ListError as exc:
                form.add_error(None, str(exc))
            else:
                if post.status == Post.Status.PUBLISHED:
                    messages.success(request, f"Sent “{post.subject}” to "
                                              f"{mailing_list.address}.")
                    return redirect("lists:archive_post", mailing_list.local_part, post.pk)
                messages.info(request, f"“{post.subject}” is waiting in the moderation "
                                       "queue.")
                return redirect("lists:moderation", mailing_list.local_part)
        else:
            preview = render_markdown(data["body_markdown"])
    return render(request, "lists/compose.html",
                  _context(mailing_list, form=form, preview=preview),
                  status=400 if request.method == "POST" and form.errors else 200)


@list_owner_page
def moderation_view(request, mailing_list):
    held = Post.objects.filter(mailing_list=mailing_list, status=Post.Status.HELD)
    failed = None
    if request.method == "POST":
        form = ModerationForm(request.POST)
        if form.is_valid():
            post = get_object_or_404(held, pk=form.cleaned_data["post"])
            action = form.cleaned_data["action"]
            try:
                services.post_moderate(post=post, actor=request.user, action=action,
                                       reason=form.cleaned_data["reason"])
            except services.ListError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, _MODERATED[action].format(subject=post.subject))
            return redirect("lists:moderation", mailing_list.local_part)
        failed = form
    posts = list(held.select_related("author").order_by("created_at", "id"))
    for post in posts:
        post.form = (failed if failed is not None and str(post.pk) == failed.data.get("post")
                     else ModerationForm(initial={"post": post.pk}, prefix=None))
        post.body_preview = post.body_text[:4000]
    return render(request, "lists/moderation.html", _context(mailing_list, posts=posts),
                  status=400 if failed is not None else 200)


_MODERATED = {
    "approve": "Approved “{subject}”; it is on its way to the subscribers.",
    "approve_whitelist": "Approved “{subject}”; this sender's posts now skip moderation.",
    "reject": "Rejected “{subject}”; the sender has been told why.",
    "discard": "Discarded “{subject}”.",
}


@list_owner_page
def subscribers_view(request, mailing_list):
    subscriptions = Subscription.objects.filter(mailing_list=mailing_list)
    counts = {(row["state"], row["delivery"]): row["n"] for row in
              subscriptions.values("state", "delivery").annotate(n=Count("id"))
              .order_by()}
    table = [
        (label, [counts.get((state, delivery), 0)
                 for delivery, _ in Subscription.Delivery.choices],
         sum(n for (s, _), n in counts.items() if s == state))
        for state, label in Subscription.State.choices
    ]
    form = SearchForm(request.GET or None)
    query = form.cleaned_data["q"].strip() if form.is_valid() else ""
    rows = subscriptions.select_related("subscriber").order_by("subscriber__email", "id")
    if query:
        rows = rows.filter(subscriber__email__icontains=query)
    page = Paginator(rows, SUBSCRIBERS_PER_PAGE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return render(request, "lists/subscribers.html", _context(
        mailing_list, table=table, deliveries=Subscription.Delivery.choices,
        total=sum(counts.values()), form=form, query=query, page=page,
        pagequery=params.urlencode()))


@list_owner_page
def bounces_view(request, mailing_list):
    """Recent bounces (unparseable ones with their diagnostic, for a person to read) and the
    subscriptions whose delivery bounces disabled, each with a re-enable button."""
    disabled = Subscription.objects.filter(mailing_list=mailing_list,
                                           state=Subscription.State.DISABLED)
    if request.method == "POST":
        subscription = get_object_or_404(disabled, pk=request.POST.get("subscription") or 0)
        services.subscription_enable(subscription=subscription, actor=request.user)
        messages.success(request, f"Delivery to {subscription.subscriber.email} is on again; "
                                  "its bounce score starts from zero.")
        return redirect("lists:bounces", mailing_list.local_part)
    bounces = list(Bounce.objects.filter(mailing_list=mailing_list)
                   .select_related("subscription__subscriber")
                   .order_by("-received_at", "-id")[:BOUNCES_SHOWN])
    return render(request, "lists/bounces.html", _context(
        mailing_list, bounces=bounces,
        disabled=list(disabled.select_related("subscriber").order_by("subscriber__email")),
        shown=BOUNCES_SHOWN))
