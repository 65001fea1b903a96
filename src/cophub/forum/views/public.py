"""Forum pages for readers and posters: a community's categories, a category's topics, a
topic with its posts, starting a topic, replying, editing, choosing the accepted answer.

Every page finds its category or topic through the selectors, so a person who may not see
it gets a 404 on every URL about it, before anything else."""

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from cophub.communities.models import Community
from cophub.core.access import CREATE, AccessLevel, can_manage
from cophub.core.cards import cards_for
from cophub.core.markdown import render_markdown
from cophub.lists.models import Post
from cophub.lists.selectors import list_shows_addresses, post_body_html, post_reply_split
from cophub.search.selectors import search_run

from .. import selectors, services
from ..addresses import category_address
from ..exceptions import ForumError
from ..forms import EditForm, ReplyForm, TopicFilterForm, TopicForm
from ..mentions import mention_suggestions
from ..models import Category, Topic, Watch

TOPICS_PER_PAGE = 30
POSTS_PER_PAGE = 50


def _community(slug: str) -> Community:
    return get_object_or_404(Community, slug=slug)


def _category(request, community: str, category: str) -> Category:
    try:
        return selectors.category_for_page(viewer=request.viewer, community_slug=community,
                                           slug=category)
    except Category.DoesNotExist:
        raise Http404("No such category") from None


def _topic(request, community: str, pk: int) -> Topic:
    try:
        return selectors.topic_for_page(viewer=request.viewer, community_slug=community, pk=pk)
    except Topic.DoesNotExist:
        raise Http404("No such topic") from None


def topic_url(topic: Topic, post_id: int | None = None) -> str:
    url = reverse("forum:topic", args=[topic.category.community.slug, topic.pk])
    return f"{url}#post-{post_id}" if post_id else url


def _post_url(topic: Topic, post: Post) -> str:
    """The page of the topic that shows `post`, anchored at it."""
    before = (selectors.topic_posts(topic=topic)
              .filter(Q(published_at__lt=post.published_at)
                      | Q(published_at=post.published_at, id__lt=post.pk)).count())
    page = before // POSTS_PER_PAGE + 1
    url = reverse("forum:topic", args=[topic.category.community.slug, topic.pk])
    return f"{url}{f'?page={page}' if page > 1 else ''}#post-{post.pk}"


# --- Reading ---------------------------------------------------------------------------------

def forum_index_view(request, community):
    community = _community(community)
    categories = selectors.categories_visible_to(viewer=request.viewer, community=community)
    counts = dict(Topic.objects.filter(category__in=categories,
                                       root__status=Post.Status.PUBLISHED)
                  .values_list("category").annotate(n=Count("id")))
    for category in categories:
        category.topic_count = counts.get(category.pk, 0)
    latest = list(selectors.topics_visible_to(viewer=request.viewer,
                                              community=community)[:10])
    return render(request, "forum/index.html", {
        "community": community, "categories": categories, "latest": latest,
        "can_add": can_manage(request.viewer, community, action=CREATE)})


def category_view(request, community, category):
    category = _category(request, community, category)
    viewer = request.viewer
    form = TopicFilterForm(request.GET or None, questions=category.is_questions)
    show = form.cleaned_data["show"] if form.is_valid() else ""
    page = Paginator(selectors.topics_of(category=category, show=show),
                     TOPICS_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    can_post = selectors.category_can_post(viewer=viewer, category=category)
    return render(request, "forum/category.html", {
        "community": category.community, "category": category, "page": page,
        "topics": page.object_list, "form": form, "show": show, "query": query.urlencode(),
        "description_html": render_markdown(category.description),
        "can_post": can_post,
        "address": category_address(category) if can_post else None,
        "refusal": selectors.category_post_refusal(viewer=viewer, category=category),
        "can_moderate": selectors.category_can_moderate(viewer=viewer, category=category),
        "watch": _watch_control(request, category=category),
        "feed": selectors.effective_level(category) == AccessLevel.PUBLIC})


def topic_view(request, community, pk):
    try:
        topic = selectors.topic_for_page(viewer=request.viewer, community_slug=community, pk=pk)
    except Topic.DoesNotExist:
        merged_into = selectors.topic_merged_into(viewer=request.viewer,
                                                  community_slug=community, pk=pk)
        if merged_into is None:
            raise Http404("No such topic") from None
        return redirect(topic_url(merged_into), permanent=True)
    return _topic_page(request, topic, ReplyForm(initial=_quote(request, topic)))


def _quote(request, topic: Topic) -> dict:
    """?quote=<post> prefills the reply with that post as a Markdown quote, as a reply to it."""
    try:
        quoted_id = int(request.GET.get("quote", ""))
    except ValueError:
        return {}
    quoted = selectors.topic_posts(topic=topic).filter(pk=quoted_id).first()
    if quoted is None:
        return {}
    who = _author_name(quoted, addresses=False)
    text = (quoted.body_markdown or quoted.body_text).strip()
    lines = "\n".join(f"> {line}" if line else ">" for line in text.splitlines()[:40])
    return {"body": f"{who} wrote:\n{lines}\n\n", "parent": quoted.pk}


def _author_name(post: Post, *, addresses: bool) -> str:
    if post.author_id is not None and post.author.name:
        return post.author.name
    if post.sender_name:
        return post.sender_name
    if addresses and post.sender_email:
        return post.sender_email
    return "A member" if post.author_id else "A subscriber"


def _body(post: Post) -> None:
    """What the page shows of a post: Markdown written here as HTML; mail as text, its own
    words first and the quoted rest (signature, "On … wrote:", quotes) folded away."""
    post.html, post.text_own, post.text_quoted = None, "", ""
    if post.source != Post.Source.WEB and not post.body_markdown:  # mailed or imported
        post.text_own, post.text_quoted = post_reply_split(post)
    else:
        post.html = post_body_html(post)
        if post.html is None:
            post.text_own = post.body_text


def _topic_page(request, topic: Topic, reply_form, status: int = 200):
    viewer = request.viewer
    category = topic.category
    posts = selectors.topic_posts(topic=topic)
    page = Paginator(posts, POSTS_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    ml = category.mailing_list
    addresses = ml is not None and list_shows_addresses(viewer=viewer, mailing_list=ml)
    can_moderate = selectors.category_can_moderate(viewer=viewer, category=category)
    can_post = selectors.category_can_post(viewer=viewer, category=category) and (
        not topic.closed or can_moderate)
    is_asker = viewer.user_id is not None and viewer.user_id == topic.root.author_id
    slug = category.community.slug
    # One reverse per kind of link, not one per post (a tenth of a page of 50 posts).
    per_post = {name: reverse(f"forum:{name}", args=[slug, 0]).replace("/p/0/", "/p/{}/")
                for name in ("post_flag", "post_edit", "post_history")}
    previous_id = None
    for post in page.object_list:
        post.flag_url = per_post["post_flag"].format(post.pk)
        post.edit_url = per_post["post_edit"].format(post.pk)
        post.history_url = per_post["post_history"].format(post.pk)
        post.display_name = _author_name(post, addresses=addresses)
        post.display_address = post.sender_email if addresses else ""
        _body(post)
        post.is_root = post.pk == topic.root_id
        post.is_answer = post.pk == topic.accepted_answer_id
        post.can_edit = can_moderate or (viewer.user_id is not None
                                         and post.author_id == viewer.user_id
                                         and not topic.closed)
        # "In reply to" only where the thread is not already plain from the order.
        post.shows_parent = (post.parent_id is not None and post.parent_id != previous_id
                             and post.parent_id != topic.root_id)
        previous_id = post.pk
    answer = None
    if topic.accepted_answer_id and topic.accepted_answer.status == Post.Status.PUBLISHED:
        answer = topic.accepted_answer
        answer.display_name = _author_name(answer, addresses=addresses)
        _body(answer)
    shown = page.object_list + ([answer] if answer is not None else [])
    for post, cards in zip(shown, cards_for([p.html or p.text_own for p in shown], viewer),
                           strict=True):
        post.cards = cards  # links to events, resources, use cases the viewer may see
    return render(request, "forum/topic.html", {
        "community": category.community, "category": category, "topic": topic,
        "page": page, "posts": page.object_list, "answer": answer, "reply_form": reply_form,
        "answer_url": reverse("forum:answer", args=[slug, topic.pk]),
        "can_post": can_post, "can_moderate": can_moderate,
        "can_accept": category.is_questions and (is_asker or can_moderate),
        "refusal": ("This topic is closed to new replies." if topic.closed and not can_moderate
                    else selectors.category_post_refusal(viewer=viewer, category=category)),
        "mailing_list": ml, "watch": _watch_control(request, topic=topic),
        "move_targets": _move_targets(request, topic) if can_moderate else []}, status=status)


def _move_targets(request, topic: Topic) -> list[Category]:
    """The other categories a moderator may move this topic to (none for a list's thread)."""
    if topic.category.mailing_list_id:
        return []
    return [c for c in selectors.categories_visible_to(viewer=request.viewer,
                                                       community=topic.category.community)
            if c.pk != topic.category_id and c.mailing_list_id is None
            and selectors.category_can_moderate(viewer=request.viewer, category=c)]


def _watch_control(request, *, category=None, topic=None) -> dict | None:
    """What the watch form of the page needs, for a signed-in person."""
    if not request.user.is_authenticated:
        return None
    if topic is not None:
        level, source = services.watch_level(user=request.user, topic=topic)
        levels = [(v, lbl) for v, lbl in Watch.Level.choices if v != Watch.Level.FIRST_POST]
        action = reverse("forum:topic_watch", args=[topic.category.community.slug, topic.pk])
        return {"action": action, "levels": levels, "level": level, "what": "topic",
                "source": source}
    level = (Watch.objects.filter(user=request.user, category=category)
             .values_list("level", flat=True).first() or Watch.Level.NORMAL)
    action = reverse("forum:category_watch", args=[category.community.slug, category.slug])
    return {"action": action, "levels": Watch.Level.choices, "level": level,
            "what": "category", "source": "category"}


# --- Writing ---------------------------------------------------------------------------------

SIMILAR_COUNT = 5


def similar_topics_view(request, community, category):
    """While someone writes a new topic: the closest existing topics of the community (the
    site's hybrid search, semantic neighbours included, as the person may see them), so
    they find an answer before asking again. A fragment for htmx."""
    category = _category(request, community, category)
    title = (request.GET.get("title") or "").strip()[:300]
    hits = []
    if len(title) >= 8:
        results = search_run(viewer=request.viewer, query=title, types=["topic"],
                             facets={"community": [category.community.name]},
                             per_page=SIMILAR_COUNT)
        hits = results.hits
    return render(request, "forum/partials/_similar.html", {"hits": hits, "title": title})


_TARGET = re.compile(r"^id_[a-z_]{1,30}$")


@login_required
def mention_suggestions_view(request, community, category):
    """People the writer may @mention in the category, for the "Mention someone" field (a
    fragment for htmx). Only for those who may post there."""
    category = _category(request, community, category)
    if not selectors.category_can_post(viewer=request.viewer, category=category):
        raise Http404("You cannot post in this category")
    q = (request.GET.get("mention_q") or "").strip()
    target = request.GET.get("target", "")
    if not _TARGET.match(target):
        target = "id_body"
    return render(request, "forum/partials/_mentions.html", {
        "people": mention_suggestions(viewer=request.viewer, category=category, q=q),
        "q": q, "target": target})


@login_required
def topic_create_view(request, community, category):
    category = _category(request, community, category)
    refusal = selectors.category_post_refusal(viewer=request.viewer, category=category)
    if refusal:
        messages.error(request, refusal)
        return redirect("forum:category", category.community.slug, category.slug)
    form = TopicForm(request.POST or None)
    form.fields["title"].widget.attrs.update({
        "hx-get": reverse("forum:similar", args=[category.community.slug, category.slug]),
        "hx-trigger": "input changed delay:600ms", "hx-target": "#similar-topics",
        "hx-swap": "innerHTML", "aria-describedby": "similar-topics"})
    if request.method == "POST" and form.is_valid():
        try:
            post = services.topic_start(category=category, author=request.user,
                                        title=form.cleaned_data["title"],
                                        body_markdown=form.cleaned_data["body"])
        except ForumError as exc:
            form.add_error(None, str(exc))
        else:
            if post.status != Post.Status.PUBLISHED:
                messages.info(request, "Your topic waits for a moderator: "
                              f"{post.held_reason} It appears here once approved.")
                return redirect("forum:category", category.community.slug, category.slug)
            topic = post.forum_topic
            messages.success(request, "Your topic is posted." + (
                f" Subscribers of {category.mailing_list.address} receive it by e-mail."
                if category.mailing_list_id else ""))
            return redirect(topic_url(topic))
    return render(request, "forum/topic_form.html", {
        "community": category.community, "category": category, "form": form},
        status=400 if request.method == "POST" else 200)


@login_required
@require_POST
def reply_view(request, community, pk):
    topic = _topic(request, community, pk)
    form = ReplyForm(request.POST)
    if form.is_valid():
        parent = None
        if form.cleaned_data.get("parent"):
            parent = selectors.topic_posts(topic=topic).filter(
                pk=form.cleaned_data["parent"]).first()
        try:
            post = services.reply_create(topic=topic, author=request.user,
                                         body_markdown=form.cleaned_data["body"],
                                         parent=parent)
        except ForumError as exc:
            form.add_error(None, str(exc))
        else:
            if post.status != Post.Status.PUBLISHED:
                messages.info(request, f"Your reply waits for a moderator: {post.held_reason}")
                return redirect(topic_url(topic))
            return redirect(_post_url(topic, post))
    return _topic_page(request, topic, form, status=400)


def _topic_post(request, community, post_id) -> tuple[Topic, Post]:
    try:
        post, topic = selectors.post_for_page(viewer=request.viewer, community_slug=community,
                                              post_id=post_id)
    except Post.DoesNotExist:
        raise Http404("No such post in the forum") from None
    return topic, post


@login_required
def post_edit_view(request, community, post_id):
    topic, post = _topic_post(request, community, post_id)
    is_root = post.pk == topic.root_id
    initial = {"title": topic.title, "body": post.body_markdown or post.body_text}
    form = EditForm(request.POST or None, initial=initial, with_title=is_root)
    if request.method == "POST" and form.is_valid():
        try:
            services.forum_post_edit(post=post, editor=request.user,
                                     body_markdown=form.cleaned_data["body"],
                                     title=form.cleaned_data.get("title"))
        except ForumError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Your changes are saved.")
            return redirect(_post_url(topic, post))
    elif not (selectors.category_can_moderate(viewer=request.viewer, category=topic.category)
              or (post.author_id == request.user.pk and not topic.closed)):
        messages.error(request, "Only the author of a post or a moderator can edit it.")
        return redirect(_post_url(topic, post))
    return render(request, "forum/post_edit.html", {
        "community": topic.category.community, "category": topic.category, "topic": topic,
        "post": post, "form": form, "mailed": topic.category.mailing_list_id is not None},
        status=400 if request.method == "POST" else 200)


@login_required
@require_POST
def answer_view(request, community, pk):
    topic = _topic(request, community, pk)
    post = None
    if request.POST.get("post"):
        post = selectors.topic_posts(topic=topic).filter(pk=request.POST["post"]).first()
        if post is None:
            raise Http404("No such reply")
    try:
        services.answer_accept(topic=topic, post=post, actor=request.user)
    except ForumError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "The accepted answer is shown under the question."
                         if post else "The topic has no accepted answer now.")
    return redirect(topic_url(topic))
