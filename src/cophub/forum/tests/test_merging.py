"""Moderators merge a topic into an earlier one and split replies off into a new topic: the
posts move (headers as mailed), the topics' counts, followers, notifications, flags,
accepted answers and search documents follow, every decision is in the audit log, and
nobody but the category's moderators may do it — from the services and from the pages."""

import pytest
from django.urls import reverse

from cophub.communities.selectors import viewer_for
from cophub.core.access import AccessLevel
from cophub.core.models import AuditEvent
from cophub.forum.exceptions import ForumError, NotAllowed
from cophub.forum.models import Category, Flag, Notification, Topic, Watch
from cophub.forum.selectors import topic_posts
from cophub.forum.services import (
    answer_accept,
    post_flag,
    reply_create,
    topic_merge,
    topic_split,
    topic_start,
    watch_set,
)
from cophub.lists.models import Post
from cophub.search.selectors import search_run

Level = Watch.Level


def _start(category, author, title, body="The question") -> Topic:
    return topic_start(category=category, author=author, title=title,
                       body_markdown=body).forum_topic


def _headers(*posts) -> list[tuple]:
    return [(p.message_id, p.in_reply_to, p.references)
            for p in Post.objects.filter(pk__in=[p.pk for p in posts]).order_by("pk")]


def _titles(viewer, query) -> set[str]:
    return {hit.title for hit in search_run(viewer=viewer, query=query, types=["topic"],
                                            mode="lexical").hits}


# --- Merging ---------------------------------------------------------------------------------

def test_merge_joins_the_posts_in_date_order_and_removes_the_source(
        general, gov_member, public_user, organizer):
    target = _start(general, gov_member, "Model cards")
    source = _start(general, public_user, "Who writes model cards?")
    answer = reply_create(topic=target, author=public_user, body_markdown="The owners")
    late = reply_create(topic=source, author=gov_member, body_markdown="Same question")
    headers = _headers(target.root, source.root, answer, late)

    merged = topic_merge(source=source, target=target, actor=organizer)

    assert not Topic.objects.filter(pk=source.pk).exists()
    assert [p.pk for p in topic_posts(topic=merged)] == [
        target.root_id, source.root_id, answer.pk, late.pk]
    first = Post.objects.get(pk=source.root_id)
    assert (first.thread_id, first.parent_id) == (target.root_id, target.root_id)
    assert merged.reply_count == 3 and merged.last_post_id == late.pk
    assert merged.title == "Model cards"
    assert _headers(target.root, source.root, answer, late) == headers
    event = AuditEvent.objects.get(verb="forum.topic.merged")
    assert (event.scope, event.object_id) == ("ai-cop", str(target.pk))
    assert event.data["from"] == source.pk and event.data["posts"] == 2
    assert AuditEvent.objects.filter(verb="lists.thread.merged").exists()


def test_merge_moves_followers_and_each_persons_own_target_watch_wins(
        general, gov_member, public_user, organizer, make_user):
    target = _start(general, gov_member, "Earlier")
    source = _start(general, public_user, "Later")
    ana, ben, cy = (make_user(f"{n}@nih.gov") for n in ("ana", "ben", "cy"))
    watch_set(user=ana, level=Level.TRACKING, topic=source)
    watch_set(user=ana, level=Level.MUTED, topic=target)          # her target watch wins
    watch_set(user=ben, level=Level.WATCHING, topic=source)       # moves to the target
    reply_create(topic=target, author=cy, body_markdown="me too")  # automatic watch
    watch_set(user=cy, level=Level.TRACKING, topic=source)        # chosen beats automatic

    topic_merge(source=source, target=target, actor=organizer)

    watches = {w.user: (w.level, w.automatic) for w in Watch.objects.filter(topic=target)}
    assert watches == {gov_member: (Level.WATCHING, True), public_user: (Level.WATCHING, True),
                       ana: (Level.MUTED, False), ben: (Level.WATCHING, False),
                       cy: (Level.TRACKING, False)}
    assert not Watch.objects.filter(topic_id=source.pk).exists()


def test_merge_points_notifications_and_flags_at_the_target(
        general, gov_member, public_user, organizer, make_user,
        django_capture_on_commit_callbacks):
    target = _start(general, organizer, "Earlier")
    source = _start(general, gov_member, "Later")
    with django_capture_on_commit_callbacks(execute=True):
        reply = reply_create(topic=source, author=public_user, body_markdown="Buy now!")
    told = Notification.objects.get(user=gov_member, post=reply)
    assert told.topic_id == source.pk
    flag = post_flag(post=reply, user=make_user("ana@nih.gov"), reason="spam")

    topic_merge(source=source, target=target, actor=organizer)

    told.refresh_from_db()
    flag.refresh_from_db()
    assert told.topic_id == target.pk and flag.topic_id == target.pk
    assert Notification.objects.filter(topic_id=target.pk).count() >= 1
    assert Flag.objects.filter(topic=target).count() == 1


def test_merge_updates_search_and_removes_the_source(general, gov_member, public_user,
                                                    organizer, django_capture_on_commit_callbacks):
    # Indexed as they were written, so that only the merge's own re-indexing is left.
    with django_capture_on_commit_callbacks(execute=True):
        target = _start(general, gov_member, "Chatbot launch")
        source = _start(general, public_user, "Launch checklist", body="Zebrafish protocol")
    viewer = viewer_for(gov_member)
    assert _titles(viewer, "zebrafish") == {"Launch checklist"}
    with django_capture_on_commit_callbacks(execute=True):
        topic_merge(source=source, target=target, actor=organizer)
    assert _titles(viewer, "zebrafish") == {"Chatbot launch"}
    assert _titles(viewer, "checklist") == set()


def test_merge_keeps_the_source_answer_only_for_an_unsolved_question(
        questions, gov_member, public_user, organizer):
    target = _start(questions, gov_member, "How to evaluate?")
    source = _start(questions, public_user, "Evaluating chatbots?")
    answer = reply_create(topic=source, author=organizer, body_markdown="Use a test set")
    answer_accept(topic=source, post=answer, actor=public_user)
    merged = topic_merge(source=source, target=target, actor=organizer)
    assert merged.accepted_answer_id == answer.pk and merged.is_solved

    older = _start(questions, gov_member, "Is there a guide?")
    own = reply_create(topic=older, author=organizer, body_markdown="Yes, here")
    answer_accept(topic=older, post=own, actor=gov_member)
    newer = _start(questions, public_user, "Where is the guide?")
    other = reply_create(topic=newer, author=organizer, body_markdown="Over there")
    answer_accept(topic=newer, post=other, actor=public_user)
    merged = topic_merge(source=newer, target=older, actor=organizer)
    assert merged.accepted_answer_id == own.pk
    assert AuditEvent.objects.filter(verb="forum.topic.merged",
                                     data__answer="dropped").count() == 1


def test_merge_refusals_change_nothing(general, bound, make_category, make_list, gov_member,
                                       public_user, organizer):
    first = _start(general, gov_member, "First")
    second = _start(general, public_user, "Second")
    on_list = _start(bound, organizer, "On the list")
    other_list = make_category("ml", mailing_list=make_list("ml"))
    on_other_list = _start(other_list, organizer, "On another list")
    with pytest.raises(ForumError, match="into itself"):
        topic_merge(source=first, target=first, actor=organizer)
    with pytest.raises(ForumError, match="bound to a list"):
        topic_merge(source=on_list, target=first, actor=organizer)
    with pytest.raises(ForumError, match="bound to a list"):
        topic_merge(source=on_other_list, target=on_list, actor=organizer)
    with pytest.raises(ForumError, match="merge the later topic into the earlier one"):
        topic_merge(source=first, target=second, actor=organizer)
    with pytest.raises(NotAllowed):
        topic_merge(source=second, target=first, actor=gov_member)
    assert Topic.objects.count() == 4 and Post.objects.get(pk=second.root_id).parent is None
    assert not AuditEvent.objects.filter(verb__endswith=".merged").exists()


def test_a_lead_merges_within_their_group_and_the_organizers_across(
        make_category, group, lead, gov_member, organizer):
    own = make_category("sec", group=group, access_level=AccessLevel.PUBLIC)
    own_too = make_category("sec-two", group=group, access_level=AccessLevel.PUBLIC)
    everyone = make_category("general")
    earlier = _start(everyone, gov_member, "Earlier")
    middle = _start(own, gov_member, "Middle")
    later = _start(own_too, gov_member, "Later")
    topic_merge(source=later, target=middle, actor=lead)
    with pytest.raises(NotAllowed, match="between groups"):
        topic_merge(source=middle, target=earlier, actor=lead)
    topic_merge(source=middle, target=earlier, actor=organizer)
    assert Topic.objects.get().pk == earlier.pk


def test_topics_of_a_bound_category_merge_as_threads_of_its_list(bound, organizer):
    target = _start(bound, organizer, "Agenda")
    source = _start(bound, organizer, "Agenda again")
    merged = topic_merge(source=source, target=target, actor=organizer)
    assert merged.reply_count == 1
    assert Post.objects.get(pk=source.root_id).mailing_list_id == bound.mailing_list_id


# --- Splitting -------------------------------------------------------------------------------

@pytest.fixture
def wandering(general, gov_member, public_user, organizer):
    """A topic that wandered: two replies on topic, then a side conversation."""
    topic = _start(general, gov_member, "Procurement")
    on_topic = reply_create(topic=topic, author=public_user, body_markdown="Use the GSA schedule")
    aside = reply_create(topic=topic, author=organizer, body_markdown="Unrelated: zebrafish")
    aside_reply = reply_create(topic=topic, author=public_user, body_markdown="zebrafish too",
                               parent=aside)
    return {"topic": topic, "on_topic": on_topic, "aside": aside, "aside_reply": aside_reply}


def test_split_makes_a_new_topic_from_the_earliest_chosen_reply(
        wandering, organizer, make_user, gov_member):
    topic, aside, aside_reply = wandering["topic"], wandering["aside"], wandering["aside_reply"]
    ana = make_user("ana@nih.gov")
    watch_set(user=ana, level=Level.TRACKING, topic=topic)
    headers = _headers(aside, aside_reply)

    new = topic_split(topic=topic, posts=[aside_reply, aside], title="  Zebrafish  ",
                      actor=organizer)

    assert (new.title, new.root_id, new.category_id) == ("Zebrafish", aside.pk,
                                                         topic.category_id)
    assert [p.pk for p in topic_posts(topic=new)] == [aside.pk, aside_reply.pk]
    assert new.reply_count == 1 and new.last_post_id == aside_reply.pk
    topic.refresh_from_db()
    assert topic.reply_count == 1 and topic.last_post_id == wandering["on_topic"].pk
    assert Post.objects.get(pk=aside.pk).parent_id is None
    assert _headers(aside, aside_reply) == headers
    followers = set(Watch.objects.filter(topic=new).values_list("user__email", "level"))
    assert (ana.email, Level.TRACKING) in followers
    assert (gov_member.email, Level.WATCHING) in followers
    event = AuditEvent.objects.get(verb="forum.topic.split")
    assert event.object_id == str(topic.pk) and event.data["to"] == new.pk
    assert event.data["posts"] == sorted([aside.pk, aside_reply.pk])
    assert AuditEvent.objects.filter(verb="lists.thread.split").exists()


def test_split_moves_the_replies_notifications_and_search(
        general, gov_member, public_user, organizer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        topic = _start(general, gov_member, "Procurement")
        aside = reply_create(topic=topic, author=public_user, body_markdown="Zebrafish labs")
    viewer = viewer_for(gov_member)
    assert _titles(viewer, "zebrafish") == {"Procurement"}
    with django_capture_on_commit_callbacks(execute=True):
        new = topic_split(topic=topic, posts=[aside], title="Labs", actor=organizer)
    assert Notification.objects.get(user=gov_member, post=aside).topic_id == new.pk
    assert _titles(viewer, "zebrafish") == {"Labs"}


def test_split_clears_an_accepted_answer_that_moved(questions, gov_member, public_user,
                                                    organizer):
    topic = _start(questions, gov_member, "Which model?")
    answer = reply_create(topic=topic, author=public_user, body_markdown="This one")
    answer_accept(topic=topic, post=answer, actor=gov_member)
    new = topic_split(topic=topic, posts=[answer], title="This one", actor=organizer)
    topic.refresh_from_db()
    assert topic.accepted_answer is None and not new.is_solved


def test_split_into_another_category_outside_lists(wandering, make_category, bound,
                                                   organizer):
    other = make_category("science")
    new = topic_split(topic=wandering["topic"], posts=[wandering["aside"]], title="Fish",
                      actor=organizer, category=other)
    assert new.category == other
    with pytest.raises(ForumError, match="bound to a list"):
        topic_split(topic=new, posts=[], title="x", actor=organizer, category=bound)


def test_split_refusals_change_nothing(wandering, general, gov_member, public_user,
                                       organizer):
    topic, aside = wandering["topic"], wandering["aside"]
    elsewhere = reply_create(topic=_start(general, public_user, "Elsewhere"),
                             author=gov_member, body_markdown="not here")
    for posts, title, message in (
            ([topic.root, aside], "New", "first post stays"),
            ([], "New", "Choose the replies"),
            ([elsewhere], "New", "published replies of this topic"),
            ([aside], "   ", "Give the new topic a title")):
        with pytest.raises(ForumError, match=message):
            topic_split(topic=topic, posts=posts, title=title, actor=organizer)
    with pytest.raises(NotAllowed):
        topic_split(topic=topic, posts=[aside], title="New", actor=gov_member)
    assert Topic.objects.count() == 2
    assert not AuditEvent.objects.filter(verb__endswith=".split").exists()


def test_a_topic_of_a_bound_category_splits_into_a_thread_of_its_list(bound, organizer,
                                                                      gov_member):
    topic = _start(bound, organizer, "Agenda")
    aside = reply_create(topic=topic, author=organizer, body_markdown="Lunch?")
    new = topic_split(topic=topic, posts=[aside], title="Lunch", actor=organizer)
    assert new.category == bound
    assert Post.objects.get(pk=aside.pk).mailing_list_id == bound.mailing_list_id


# --- Pages -----------------------------------------------------------------------------------

def _url(name, topic):
    return reverse(f"forum:{name}", args=["ai-cop", topic.pk])


def test_moderator_merges_from_the_page_after_confirming(client, general, gov_member,
                                                         public_user, organizer):
    target = _start(general, gov_member, "Model cards")
    source = _start(general, public_user, "Model cards again")
    url = _url("topic_merge", source)
    client.force_login(organizer)
    page = client.get(url).content.decode()
    assert f'<option value="{target.pk}">Model cards (General, no. {target.pk})</option>' in page
    assert "Model cards again (" not in page  # not into itself
    confirm = client.post(url, {"target": target.pk})
    assert confirm.status_code == 200 and "What will happen" in confirm.content.decode()
    assert Topic.objects.filter(pk=source.pk).exists()  # nothing changed yet
    done = client.post(url, {"number": target.pk, "confirm": "1"})
    assert done.status_code == 302 and done["Location"] == _url("topic", target)
    assert not Topic.objects.filter(pk=source.pk).exists()


def test_merge_page_explains_a_refused_topic_number(client, general, bound, gov_member,
                                                    organizer):
    earlier = _start(general, gov_member, "Earlier")
    later = _start(general, gov_member, "Later")
    on_list = _start(bound, organizer, "On the list")
    client.force_login(organizer)
    for number, message in ((later.pk, "started after this topic"),
                            (on_list.pk, "bound to a list"),
                            (999_999, "no topic with that number")):
        response = client.post(_url("topic_merge", earlier), {"number": number})
        assert response.status_code == 400 and message in response.content.decode()
    response = client.post(_url("topic_merge", later), {})
    assert response.status_code == 400 and "Choose the topic" in response.content.decode()
    assert Topic.objects.count() == 3


def test_moderator_splits_from_the_page(client, wandering, organizer):
    topic = wandering["topic"]
    url = _url("topic_split", topic)
    client.force_login(organizer)
    page = client.get(url).content.decode()
    assert "Unrelated: zebrafish" in page and f'value="{topic.root_id}"' not in page
    response = client.post(url, {"posts": [wandering["aside"].pk, wandering["aside_reply"].pk],
                                 "title": "Zebrafish", "category": topic.category_id})
    new = Topic.objects.get(title="Zebrafish")
    assert response.status_code == 302 and response["Location"] == _url("topic", new)
    assert new.reply_count == 1


def test_split_page_requires_replies_and_a_title(client, wandering, organizer):
    client.force_login(organizer)
    response = client.post(_url("topic_split", wandering["topic"]), {"title": ""})
    html = response.content.decode()
    assert response.status_code == 400 and "Please correct the following" in html
    assert 'href="#id_posts_0"' in html and 'href="#id_title"' in html
    assert Topic.objects.count() == 1


@pytest.mark.parametrize("name", ["topic_merge", "topic_split"])
def test_only_moderators_open_the_pages(client, make_category, bound, gov_member, public_user,
                                        organizer, name):
    open_ = make_category("open", access_level=AccessLevel.PUBLIC)
    public_topic = _start(open_, gov_member, "Open")
    gov_topic = _start(bound, organizer, "Government only")
    url = _url(name, public_topic)
    response = client.get(url)
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert client.get(_url(name, gov_topic)).status_code == 404  # not even its existence
    client.force_login(public_user)
    assert client.get(url).status_code == 403
    assert client.post(url, {"number": gov_topic.pk, "confirm": "1"}).status_code == 403
    assert client.get(_url(name, gov_topic)).status_code == 404
    client.force_login(gov_member)
    assert client.get(url).status_code == 403
    client.force_login(organizer)
    assert client.get(url).status_code == 200
    assert Topic.objects.count() == 2


def _fill(category, author, other, topics: int, replies: int) -> Topic:
    for i in range(topics):
        topic = _start(category, author, f"Topic {i}")
        for j in range(replies):
            reply_create(topic=topic, author=other, body_markdown=f"reply {j}")
    return topic


@pytest.mark.parametrize("name", ["topic_merge", "topic_split"])
def test_pages_take_the_same_queries_for_more_content(
        client, general, make_category, gov_member, public_user, organizer, name,
        django_assert_max_num_queries):
    make_category("second")
    client.force_login(organizer)
    small = _fill(general, gov_member, public_user, 2, 2)
    client.get(_url(name, small))  # the session's first page loads what later ones reuse
    with django_assert_max_num_queries(10) as before:
        assert client.get(_url(name, small)).status_code == 200
    big = _fill(general, gov_member, public_user, 8, 6)
    with django_assert_max_num_queries(10) as after:
        assert client.get(_url(name, big)).status_code == 200
    assert len(after.captured_queries) == len(before.captured_queries)
    assert Category.objects.count() == 2


def test_a_merged_topics_address_leads_to_where_its_posts_went(
        client, make_category, general, gov_member, public_user, organizer):
    first = _start(general, gov_member, "Model cards")
    second = _start(general, gov_member, "Model cards again")
    third = _start(general, gov_member, "Model cards, a third time")
    topic_merge(source=third, target=second, actor=organizer)
    topic_merge(source=second, target=first, actor=organizer)
    client.force_login(gov_member)
    for old in (second, third):  # merged twice: straight to the last target
        page = client.get(reverse("forum:topic", args=["ai-cop", old.pk]))
        assert page.status_code == 301
        assert page["Location"] == reverse("forum:topic", args=["ai-cop", first.pk])
    assert client.get(reverse("forum:topic", args=["ai-cop", 99_999])).status_code == 404
    # Someone who may not see where it went learns nothing from the old address either.
    hidden = make_category("gov", access_level=AccessLevel.GOVERNMENT)
    a, b = _start(hidden, gov_member, "Internal"), _start(hidden, gov_member, "Internal 2")
    topic_merge(source=b, target=a, actor=organizer)
    client.force_login(public_user)
    assert client.get(reverse("forum:topic", args=["ai-cop", b.pk])).status_code == 404
    assert client.get(reverse("forum:topic", args=["ai-cop", 99_999])).status_code == 404
