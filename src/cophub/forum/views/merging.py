"""The moderators' pages that merge a topic into an earlier one and split replies off into a
new topic. Behind `manage_page` with the topic loader (`manage.topic_moderator_page`): a
topic the person may not see is a 404, one they may see but not moderate a 403, a visitor
is sent to sign in. The forms live here because only these pages use them."""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import Truncator

from cophub.core.forms import Form
from cophub.lists.models import Post

from .. import selectors, services
from ..exceptions import ForumError
from ..models import Category, Topic
from .manage import topic_moderator_page
from .public import topic_url

REPLIES_PER_PAGE = 100


class TopicMergeForm(Form):
    target = forms.TypedChoiceField(label="Merge into", coerce=int, required=False,
                                    empty_value=None)
    number = forms.IntegerField(
        label="Or the topic's number", required=False, min_value=1,
        help_text="For a topic not in the list: the number in its address, …/t/<number>/.")

    def __init__(self, *args, targets: list[Topic], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = [("", "- Choose a topic -")] + [
            (t.pk, f"{t.title} ({t.category.name}, no. {t.pk})") for t in targets]
        self.fields["target"].help_text = (
            f"The {len(targets)} topic{'s' if len(targets) != 1 else ''} with the latest "
            f"replies that started before this one, in categories whose topics you may "
            f"merge with it.")

    def clean(self):
        data = super().clean()
        target, number = data.get("target"), data.get("number")
        if target and number and target != number:
            self.add_error("number", "Choose a topic in the list or give a number, not both.")
        elif not (target or number) and not self.errors:
            self.add_error("target", "Choose the topic to merge this one into.")
        data["chosen"] = number or target
        return data


class TopicSplitForm(Form):
    posts = forms.TypedMultipleChoiceField(
        label="Replies that start the new topic", coerce=int,
        widget=forms.CheckboxSelectMultiple,
        help_text="The earliest reply you choose becomes the new topic's first post.")
    title = forms.CharField(label="Title of the new topic", max_length=300)
    category = forms.TypedChoiceField(label="Category of the new topic", coerce=int)

    def __init__(self, *args, replies: list[Post], categories: list[Category], **kwargs):
        super().__init__(*args, **kwargs)
        self.replies = {p.pk: p for p in replies}
        self.fields["posts"].choices = [(p.pk, _reply_label(p)) for p in replies]
        if len(categories) > 1:
            self.fields["category"].choices = [(c.pk, c.name) for c in categories]
            self.categories = {c.pk: c for c in categories}
        else:  # a list's thread, or no other category to offer: the topic's own
            del self.fields["category"]
            self.categories = {}

    def clean_posts(self) -> list[Post]:
        return [self.replies[pk] for pk in self.cleaned_data["posts"]]

    def clean_category(self) -> Category:
        return self.categories[self.cleaned_data["category"]]


def _reply_label(post: Post) -> str:
    who = (post.author.name if post.author_id is not None and post.author.name
           else post.sender_name or "A member")
    when = date_format(timezone.localtime(post.published_at), "M j, Y H:i")
    text = Truncator(" ".join(post.body_text.split())).chars(160)
    return f"{who}, {when}: {text}"


def _posted(request):
    """The form's data on any POST, even an empty one: choosing nothing is an error."""
    return request.POST if request.method == "POST" else None


def _merge_target(request, topic: Topic, pk: int) -> Topic | None:
    try:
        return selectors.topic_for_page(viewer=request.viewer,
                                        community_slug=topic.category.community.slug, pk=pk)
    except Topic.DoesNotExist:
        return None


@topic_moderator_page
def topic_merge_view(request, topic):
    """Choose the topic to merge into, see what will happen, confirm (a second POST with
    `confirm`); the service decides again at the confirmation."""
    form = TopicMergeForm(_posted(request), targets=services.topic_merge_targets(
        viewer=request.viewer, topic=topic))
    target = None
    if request.method == "POST" and form.is_valid():
        field = "number" if form.cleaned_data["number"] else "target"
        target = _merge_target(request, topic, form.cleaned_data["chosen"])
        refusal = ("There is no topic with that number that you can see in this community."
                   if target is None else services.topic_merge_refusal(
                       viewer=request.viewer, source=topic, target=target))
        if refusal:
            form.add_error(field, refusal)
            target = None
        elif request.POST.get("confirm") == "1":
            try:
                merged = services.topic_merge(source=topic, target=target, actor=request.user)
            except ForumError as exc:
                form.add_error(None, str(exc))
                target = None
            else:
                messages.success(request, f"“{topic.title}” is merged into this topic.")
                return redirect(topic_url(merged))
    return render(request, "forum/topic_merge.html", {
        "community": topic.category.community, "category": topic.category, "topic": topic,
        "form": form, "target": target},
        status=400 if request.method == "POST" and target is None else 200)


@topic_moderator_page
def topic_split_view(request, topic):
    """Tick replies of one page of the topic, give the new topic a title (and, outside
    lists, a category), POST."""
    replies = selectors.topic_posts(topic=topic).exclude(pk=topic.root_id)
    page = Paginator(replies, REPLIES_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    form = TopicSplitForm(_posted(request), replies=page.object_list,
                          categories=services.topic_destinations(viewer=request.viewer,
                                                                 topic=topic),
                          initial={"category": topic.category_id})
    if request.method == "POST" and form.is_valid():
        try:
            new = services.topic_split(topic=topic, posts=form.cleaned_data["posts"],
                                       title=form.cleaned_data["title"], actor=request.user,
                                       category=form.cleaned_data.get("category"))
        except ForumError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"{len(form.cleaned_data['posts'])} "
                             f"repl{'y' if len(form.cleaned_data['posts']) == 1 else 'ies'} "
                             f"moved from “{topic.title}” to this new topic.")
            return redirect(topic_url(new))
    return render(request, "forum/topic_split.html", {
        "community": topic.category.community, "category": topic.category, "topic": topic,
        "form": form, "page": page, "query": ""},
        status=400 if request.method == "POST" else 200)
