"""List pages for everyone: the index, a list's page (how to join, subscribing, one's own
settings), confirmations, RFC 8058 one-click unsubscribe, one's subscriptions, and the
threaded archive with its permalinks and search. Owners' pages are in owner.py, settings
pages in settings.py.

Lists are found through `selectors.lists_visible_to` and archives through
`selectors.list_can_read_archive`: whoever may not read an archive gets a 404 on every URL
of it, never a 403 that tells it exists."""

from allauth.account.models import EmailAddress
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import F, Max, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from cophub.communities.models import Community
from cophub.core.access import can_manage
from cophub.core.markdown import render_markdown
from cophub.search.selectors import search_run

from .. import selectors, services
from ..forms import SearchForm, SubscribeForm, SubscriptionSettingsForm
from ..models import Confirmation, MailingList, Post, Subscription
from ..selectors import post_body_html

THREADS_PER_PAGE = 20
# Replies deeper than this are shown at this depth: the nesting stays readable on a phone
# and the recursive template stays shallow.
MAX_DEPTH = 6
ONE_CLICK_BODY = ("List-Unsubscribe", "One-Click")


# --- helpers ---------------------------------------------------------------------------------

def visible_list(request, local_part: str) -> MailingList:
    lists = selectors.lists_visible_to(viewer=request.viewer)
    return get_object_or_404(lists.select_related("community", "group"),
                             local_part=local_part)


def _readable_list(request, local_part: str) -> MailingList:
    mailing_list = visible_list(request, local_part)
    if not selectors.list_can_read_archive(viewer=request.viewer,
                                           mailing_list=mailing_list):
        raise Http404("No such archive")
    return mailing_list


def _verified_addresses(user) -> list[str]:
    return list(EmailAddress.objects.filter(user=user, verified=True)
                .order_by("-primary", "email").values_list("email", flat=True))


def _own_subscriptions(user, mailing_list: MailingList | None = None):
    qs = selectors.subscriptions_for_user(user=user).exclude(
        state=Subscription.State.UNSUBSCRIBED).select_related(
        "mailing_list", "mailing_list__community", "subscriber")
    if mailing_list is not None:
        qs = qs.filter(mailing_list=mailing_list)
    return qs


def _subscribe_form(request, mailing_list, data=None) -> SubscribeForm:
    addresses = _verified_addresses(request.user) if request.user.is_authenticated else None
    return SubscribeForm(data, mailing_list=mailing_list, addresses=addresses)


# --- index, list page, subscribing -----------------------------------------------------------

def list_index_view(request):
    viewer = request.viewer
    # Inactive lists are in it only for their organizers (marked as such).
    lists = list(selectors.lists_visible_to(viewer=viewer)
                 .order_by("community__name", "name"))
    states = {}
    if request.user.is_authenticated:
        states = {s.mailing_list_id: s for s in _own_subscriptions(request.user)}
    for mailing_list in lists:
        mailing_list.own_subscription = states.get(mailing_list.pk)
    organizing = sorted(viewer.organizer_community_ids)
    return render(request, "lists/index.html", {
        "lists": lists,
        # A "New list" button in each community the person organizes, and a section for
        # those of them that have no list at all yet.
        "organizer_ids": organizing,
        "communities_without_lists": list(
            Community.objects.filter(pk__in=organizing, mailing_lists__isnull=True)
            .order_by("name")) if organizing else [],
    })


def _detail_page(request, mailing_list, *, subscribe_form=None, settings_form=None,
                 status=200):
    viewer = request.viewer
    accepts, refusal = True, ""
    own = None
    if request.user.is_authenticated:
        own = _own_subscriptions(request.user, mailing_list).first()
        addresses = _verified_addresses(request.user)
        # The form says who may join before anyone tries: checked on the person's addresses.
        verdicts = [services.list_accepts_address(mailing_list=mailing_list, email=a)
                    for a in addresses]
        accepts = any(ok for ok, _ in verdicts)
        refusal = next((why for ok, why in verdicts if not ok), "") if not accepts else ""
    if own is not None and settings_form is None:
        settings_form = SubscriptionSettingsForm(subscription=own)
    return render(request, "lists/detail.html", {
        "mailing_list": mailing_list, "community": mailing_list.community,
        "own": own, "settings_form": settings_form,
        "subscribe_form": subscribe_form or _subscribe_form(request, mailing_list),
        "accepts": accepts, "refusal": refusal,
        "can_read_archive": selectors.list_can_read_archive(viewer=viewer,
                                                            mailing_list=mailing_list),
        "can_manage": can_manage(viewer, mailing_list),
        "description_html": render_markdown(mailing_list.description),
        "join_address": mailing_list.companion("join"),
        "request_address": mailing_list.companion("request"),
        "leave_address": mailing_list.companion("leave"),
    }, status=status)


def list_detail_view(request, local_part):
    """The list's page. POST changes the person's own subscription here (settings, leave)."""
    mailing_list = visible_list(request, local_part)
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect(f"{reverse('account_login')}?next={request.path}")
        own = _own_subscriptions(request.user, mailing_list).first()
        if own is None:
            messages.info(request, f"You are not subscribed to {mailing_list.name}.")
            return redirect("lists:detail", mailing_list.local_part)
        form = _subscription_change(request, own)
        if form is None:
            return redirect("lists:detail", mailing_list.local_part)
        return _detail_page(request, mailing_list, settings_form=form, status=400)
    return _detail_page(request, mailing_list)


def _subscription_change(request, subscription) -> SubscriptionSettingsForm | None:
    """Leave or change delivery; returns the invalid form to show again, else None."""
    name = subscription.mailing_list.name
    if request.POST.get("action") == "leave":
        services.subscription_cancel(subscription=subscription, via=Subscription.Via.WEB,
                                     actor=request.user)
        messages.success(request, f"You have left {name}. No more messages will be sent to "
                                  f"{subscription.subscriber.email}.")
        return None
    form = SubscriptionSettingsForm(request.POST, subscription=subscription)
    if not form.is_valid():
        return form
    try:
        services.subscription_update(subscription=subscription,
                                     delivery=form.cleaned_data["delivery"],
                                     digest_format=form.cleaned_data["digest_format"],
                                     actor=request.user)
    except services.ListError as exc:
        form.add_error(None, str(exc))
        return form
    messages.success(request, f"Saved your delivery settings for {name}.")
    return None


@require_POST
def list_subscribe_view(request, local_part):
    mailing_list = visible_list(request, local_part)
    form = _subscribe_form(request, mailing_list, request.POST)
    if not form.is_valid():
        return _detail_page(request, mailing_list, subscribe_form=form, status=400)
    data = form.cleaned_data
    user = request.user if request.user.is_authenticated else None
    try:
        result = services.subscription_request(
            mailing_list=mailing_list, email=data["email"], name=data.get("name", ""),
            user=user, via=Subscription.Via.WEB, delivery=data["delivery"])
    except services.ListError as exc:
        # Not eligible, already subscribed: the service's sentence, nothing changed.
        form.add_error(None, str(exc))
        return _detail_page(request, mailing_list, subscribe_form=form, status=400)
    if isinstance(result, Subscription):
        messages.success(request, f"You are subscribed to {mailing_list.name} as "
                                  f"{data['email']}.")
    else:
        messages.success(request, f"We sent a confirmation message to {data['email']}. "
                                  "Follow its link (or reply to it) to finish subscribing.")
    return redirect("lists:detail", mailing_list.local_part)


# --- confirmations and one-click unsubscribe -------------------------------------------------

def confirm_view(request, token):
    """GET shows what the link does and a button; only the POST confirms (mail scanners
    follow links, and must not subscribe or unsubscribe anyone)."""
    confirmation = (Confirmation.objects.select_related("mailing_list")
                    .filter(token=token).first())
    usable = (confirmation is not None and confirmation.confirmed_at is None
              and confirmation.expires_at > timezone.now())
    if request.method == "POST":
        try:
            subscription = services.confirmation_confirm(token=token)
        except services.ConfirmationInvalid as exc:
            return render(request, "lists/confirm.html",
                          {"confirmation": confirmation, "error": str(exc)}, status=400)
        return render(request, "lists/confirm_done.html", {
            "subscription": subscription, "mailing_list": subscription.mailing_list,
            "left": subscription.state == Subscription.State.UNSUBSCRIBED})
    error = "" if usable else (
        "This confirmation link has already been used or has expired. Links work once, "
        "for a few days. Subscribe again from the list's page to get a new one."
        if confirmation is not None else
        "This confirmation link is not valid. Check that the whole link was copied from "
        "the message, or subscribe again from the list's page.")
    return render(request, "lists/confirm.html",
                  {"confirmation": confirmation, "error": error},
                  status=200 if usable else 400)


@csrf_exempt  # RFC 8058: mail providers POST with no session and no token; the signed
# per-recipient token in the URL is the authorisation. Only this view is exempt.
def unsubscribe_one_click_view(request, token):
    subscription = services.unsubscribe_token_read(token)
    if subscription is None:
        return render(request, "lists/one_click.html", {"invalid": True}, status=400)
    if request.method == "POST":
        if request.POST.get(ONE_CLICK_BODY[0]) != ONE_CLICK_BODY[1]:
            return render(request, "lists/one_click.html", {
                "subscription": subscription, "bad_body": True}, status=400)
        # Idempotent: a repeated POST (the provider retrying, a second click) changes
        # nothing and answers the same.
        services.subscription_cancel(subscription=subscription, via=Subscription.Via.EMAIL)
        return render(request, "lists/one_click.html", {"subscription": subscription,
                                                        "done": True})
    return render(request, "lists/one_click.html", {
        "subscription": subscription,
        "already": subscription.state == Subscription.State.UNSUBSCRIBED})


@login_required
def my_subscriptions_view(request):
    """Every list the person receives, with settings and a leave button each. POST names
    one subscription (`subscription`), which must be theirs."""
    subscriptions = list(_own_subscriptions(request.user).order_by(
        "mailing_list__community__name", "mailing_list__name"))
    invalid = None
    if request.method == "POST":
        chosen = next((s for s in subscriptions
                       if str(s.pk) == request.POST.get("subscription")), None)
        if chosen is None:
            raise Http404("No such subscription of yours")
        invalid = _subscription_change(request, chosen)
        if invalid is None:
            return redirect("lists:my_subscriptions")
    rows = [(s, invalid if invalid is not None and invalid.prefix == f"s{s.pk}"
             else SubscriptionSettingsForm(subscription=s)) for s in subscriptions]
    return render(request, "lists/my_subscriptions.html", {"rows": rows},
                  status=400 if invalid is not None else 200)


# --- the archive -----------------------------------------------------------------------------

def _thread_roots(posts):
    """Published posts that start a thread on this page: a thread's first post, or a reply
    whose thread start is not published (held, rejected) and so stands alone. Newest
    activity first."""
    return (posts.filter(Q(thread_id=F("id")) | Q(thread__isnull=True)
                         | ~Q(thread__status=Post.Status.PUBLISHED))
            .annotate(last_at=Max("thread_posts__published_at",
                                  filter=Q(thread_posts__status=Post.Status.PUBLISHED)))
            .order_by(F("last_at").desc(nulls_last=True), "-published_at", "-id"))


def _nest(roots, posts):
    """Attach each post to its parent (or, if the parent is not shown, to its thread's
    first post) as `children`, oldest first; depth capped at MAX_DEPTH."""
    by_id = {p.pk: p for p in [*roots, *posts]}
    for post in by_id.values():
        post.children = []
    for post in sorted(posts, key=lambda p: (p.published_at, p.pk)):
        if post.pk in {r.pk for r in roots}:
            continue
        parent = by_id.get(post.parent_id) or by_id.get(post.thread_id)
        if parent is None or parent is post:
            continue
        parent.children.append(post)
    for root in roots:
        _set_depth(root, 0)
    return roots


def _set_depth(post, depth):
    post.depth = depth
    for child in post.children:
        _set_depth(child, depth + 1)
    if depth >= MAX_DEPTH:  # flatten anything deeper into this level
        flat, stack = [], list(post.children)
        while stack:
            node = stack.pop(0)
            flat.append(node)
            stack[:0] = node.children
            node.children = []
        post.children = sorted(flat, key=lambda p: (p.published_at, p.pk))


def archive_view(request, local_part):
    mailing_list = _readable_list(request, local_part)
    viewer = request.viewer
    form = SearchForm(request.GET or None)
    query = form.cleaned_data["q"].strip() if form.is_valid() else ""
    context = {"mailing_list": mailing_list, "community": mailing_list.community,
               "form": form, "query": query,
               "show_addresses": selectors.list_shows_addresses(viewer=viewer,
                                                                  mailing_list=mailing_list)}
    if query:
        return _archive_search(request, mailing_list, query, context)
    posts = selectors.archive_posts(viewer=viewer, mailing_list=mailing_list)
    page = Paginator(_thread_roots(posts), THREADS_PER_PAGE).get_page(request.GET.get("page"))
    roots = list(page.object_list)
    thread_ids = [r.pk for r in roots if r.thread_id == r.pk]
    replies = list(posts.filter(thread_id__in=thread_ids).exclude(pk__in=[r.pk for r in roots])
                   .order_by("published_at", "id"))
    page.object_list = _nest(roots, replies)
    context.update(page=page, threads=page.object_list)
    return render(request, "lists/archive.html", context)


def _archive_search(request, mailing_list, query, context):
    # The site's search (same index and access rules as /search/), narrowed to this list's
    # posts by the "list" facet.
    try:
        number = max(1, int(request.GET.get("page", 1)))
    except ValueError:
        number = 1
    results = search_run(viewer=request.viewer, query=query, types=["listpost"],
                         facets={"list": [mailing_list.local_part]}, page=number)
    params = request.GET.copy()
    params.pop("page", None)
    context.update(results=results, page=results.page, pagequery=params.urlencode())
    return render(request, "lists/archive_search.html", context)


def archive_post_view(request, local_part, post_id):
    mailing_list = _readable_list(request, local_part)
    viewer = request.viewer
    posts = selectors.archive_posts(viewer=viewer, mailing_list=mailing_list)
    post = get_object_or_404(posts, pk=post_id)
    thread_id = post.thread_id or post.pk
    thread = list(posts.filter(Q(thread_id=thread_id) | Q(pk=thread_id))
                  .order_by("published_at", "id"))
    root = next((p for p in thread if p.pk == thread_id), None)
    roots = [root] if root is not None else [post]
    _nest(roots, [p for p in thread if p.pk != roots[0].pk])
    return render(request, "lists/post.html", {
        "mailing_list": mailing_list, "community": mailing_list.community, "post": post,
        "threads": roots, "current_id": post.pk, "body_html": post_body_html(post),
        "show_addresses": selectors.list_shows_addresses(viewer=viewer,
                                                                  mailing_list=mailing_list),
        "parent": next((p for p in thread if p.pk == post.parent_id), None),
    })
