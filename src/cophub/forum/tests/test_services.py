"""The forum's writes: categories, topics and replies (by web, in categories bound to a
list or not), edits, accepted answers, moderation of topics."""

import pytest

from cophub.core.access import AccessLevel
from cophub.core.models import AuditEvent
from cophub.forum.exceptions import ForumError, NotAllowed
from cophub.forum.models import Category, Topic
from cophub.forum.services import (
    answer_accept,
    category_save,
    forum_post_edit,
    reply_create,
    topic_moderate,
    topic_move,
    topic_start,
    topic_title_from_subject,
)
from cophub.lists.models import Post, PostRevision
from cophub.lists.services import post_compose


def test_topic_in_unbound_category_is_a_post_outside_lists(general, gov_member):
    post = topic_start(category=general, author=gov_member, title="  Hello   forum ",
                       body_markdown="First **post**")
    assert post.mailing_list is None and post.status == Post.Status.PUBLISHED
    topic = post.forum_topic
    assert topic.title == "Hello forum" and topic.category == general
    assert topic.reply_count == 0 and topic.last_post == post
    assert AuditEvent.objects.filter(verb="forum.topic.created", scope="ai-cop").exists()


def test_replies_update_count_and_latest_post(general, gov_member, public_user):
    topic = topic_start(category=general, author=gov_member, title="Q",
                        body_markdown="x").forum_topic
    first = reply_create(topic=topic, author=public_user, body_markdown="one")
    second = reply_create(topic=topic, author=gov_member, body_markdown="two", parent=first)
    topic.refresh_from_db()
    assert topic.reply_count == 2 and topic.last_post == second
    assert first.subject == "Re: Q" and second.parent == first
    assert second.in_reply_to == first.message_id
    assert second.references.split() == [topic.root.message_id, first.message_id]


def test_web_topic_in_bound_category_is_a_thread_mailed_to_subscribers(
        bound, gov_list, gov_member, make_subscription, django_capture_on_commit_callbacks):
    make_subscription(gov_list, "a@va.gov")
    make_subscription(gov_list, "b@nih.gov")
    with django_capture_on_commit_callbacks(execute=True):
        post = topic_start(category=bound, author=gov_member, title="Model cards",
                           body_markdown="Who writes them?")
    post.refresh_from_db()
    assert post.mailing_list == gov_list and post.recipients_count == 2
    assert post.forum_topic.category == bound
    with django_capture_on_commit_callbacks(execute=True):
        reply = reply_create(topic=post.forum_topic, author=gov_member, body_markdown="Me")
    reply.refresh_from_db()
    assert reply.recipients_count == 2 and reply.in_reply_to == post.message_id


def test_thread_started_on_the_list_becomes_a_topic(bound, gov_list, gov_member,
                                                   make_subscription):
    make_subscription(gov_list, gov_member.email, user=gov_member)
    root = post_compose(mailing_list=gov_list, author=gov_member, subject="[AI] Re: Agenda",
                        body_markdown="From the list page")
    topic = Topic.objects.get(root=root)
    assert topic.category == bound and topic.title == "Agenda"
    reply = post_compose(mailing_list=gov_list, author=gov_member, subject="Re: Agenda",
                         body_markdown="reply", parent=root)
    topic.refresh_from_db()
    assert topic.reply_count == 1 and topic.last_post == reply


def test_binding_a_list_turns_its_threads_into_topics(make_category, gov_list, gov_member,
                                                      make_subscription):
    make_subscription(gov_list, gov_member.email, user=gov_member)
    root = post_compose(mailing_list=gov_list, author=gov_member, subject="Old thread",
                        body_markdown="x")
    post_compose(mailing_list=gov_list, author=gov_member, subject="Re: Old thread",
                 body_markdown="y", parent=root)
    category = make_category("ai-list", mailing_list=gov_list,
                             access_level=AccessLevel.PUBLIC)
    topic = Topic.objects.get(root=root)
    assert topic.category == category and topic.reply_count == 1
    assert category.access_level == AccessLevel.GOVERNMENT  # the archive's level wins


def test_held_post_makes_its_topic_when_approved(make_category, make_list, gov_member,
                                                 organizer):
    from cophub.lists.models import MailingList
    from cophub.lists.services import post_moderate

    moderated = make_list("aimod", moderation=MailingList.Moderation.ALL)
    category = make_category("moderated", mailing_list=moderated)
    post = topic_start(category=category, author=gov_member, title="Held", body_markdown="x")
    assert post.status == Post.Status.HELD and not Topic.objects.filter(root=post).exists()
    post_moderate(post=post, actor=organizer, action="approve")
    assert Topic.objects.get(root=post).category == category


def test_binding_refuses_announce_lists_and_other_groups(make_category, make_list, group):
    announce = make_list("news", kind="announce")
    with pytest.raises(ForumError, match="announcement list"):
        make_category("news", mailing_list=announce)
    other = make_list("aisec", group=group)
    with pytest.raises(ForumError, match="another community or group"):
        make_category("sec", mailing_list=other)


def test_a_list_is_the_conversation_of_one_category(make_category, gov_list):
    make_category("one", mailing_list=gov_list)
    with pytest.raises(ForumError, match="already the conversation"):
        make_category("two", mailing_list=gov_list)


def test_posting_rules(make_category, group, lead, gov_member, public_user, organizer):
    members_only = make_category("sec", group=group, posting_rule=Category.PostingRule.GROUP,
                                 access_level=AccessLevel.PUBLIC)
    with pytest.raises(NotAllowed, match="Only members of"):
        topic_start(category=members_only, author=gov_member, title="t", body_markdown="b")
    assert topic_start(category=members_only, author=lead, title="t", body_markdown="b")
    announcements = make_category("news", posting_rule=Category.PostingRule.MANAGERS)
    with pytest.raises(NotAllowed, match="organizers"):
        topic_start(category=announcements, author=public_user, title="t", body_markdown="b")
    assert topic_start(category=announcements, author=organizer, title="t", body_markdown="b")


def test_public_participant_cannot_post_in_government_category(make_category, public_user):
    gov = make_category("gov", access_level=AccessLevel.GOVERNMENT)
    with pytest.raises(NotAllowed):
        topic_start(category=gov, author=public_user, title="t", body_markdown="b")
    assert not Post.objects.exists()


def test_only_organizers_add_community_wide_categories(community, lead, group):
    with pytest.raises(NotAllowed):
        category_save(actor=lead, community=community, name="X", slug="x",
                      access_level=AccessLevel.PUBLIC)
    made = category_save(actor=lead, community=community, name="Sec", slug="sec", group=group,
                         access_level=AccessLevel.PUBLIC)
    assert made.group == group


def test_group_rule_needs_a_group(make_category):
    with pytest.raises(ForumError, match="belong to a group"):
        make_category("x", posting_rule=Category.PostingRule.GROUP)


def test_closed_topic_refuses_replies_but_not_moderators(general, gov_member, organizer):
    topic = topic_start(category=general, author=gov_member, title="t",
                        body_markdown="b").forum_topic
    with pytest.raises(NotAllowed):
        topic_moderate(topic=topic, actor=gov_member, closed=True)
    topic_moderate(topic=topic, actor=organizer, closed=True, pinned=True)
    with pytest.raises(NotAllowed, match="closed"):
        reply_create(topic=topic, author=gov_member, body_markdown="late")
    assert reply_create(topic=topic, author=organizer, body_markdown="closing note")


def test_reply_parent_must_belong_to_the_topic(general, gov_member):
    one = topic_start(category=general, author=gov_member, title="1", body_markdown="b")
    two = topic_start(category=general, author=gov_member, title="2", body_markdown="b")
    with pytest.raises(ForumError, match="not part of this topic"):
        reply_create(topic=one.forum_topic, author=gov_member, body_markdown="x", parent=two)


def test_edit_keeps_history_and_renames_topic(general, gov_member, public_user, organizer):
    post = topic_start(category=general, author=gov_member, title="Tpyo",
                       body_markdown="first")
    with pytest.raises(NotAllowed):
        forum_post_edit(post=post, editor=public_user, body_markdown="vandal")
    forum_post_edit(post=post, editor=gov_member, body_markdown="second", title="Typo")
    forum_post_edit(post=post, editor=organizer, body_markdown="third")
    post.refresh_from_db()
    assert post.body_text == "third" and post.edited_at is not None
    assert post.forum_topic.title == "Typo"
    assert list(PostRevision.objects.filter(post=post).values_list("body_text", flat=True)) \
        == ["first", "second"]


def test_unchanged_edit_writes_no_revision(general, gov_member):
    post = topic_start(category=general, author=gov_member, title="t", body_markdown="same")
    forum_post_edit(post=post, editor=gov_member, body_markdown="same\n")
    post.refresh_from_db()
    assert post.edited_at is None and not PostRevision.objects.exists()


def test_asker_accepts_an_answer(questions, gov_member, public_user, organizer):
    question = topic_start(category=questions, author=gov_member, title="How?",
                           body_markdown="b")
    topic = question.forum_topic
    answer = reply_create(topic=topic, author=public_user, body_markdown="Like this")
    with pytest.raises(NotAllowed):
        answer_accept(topic=topic, post=answer, actor=public_user)
    with pytest.raises(ForumError, match="reply of this topic"):
        answer_accept(topic=topic, post=question, actor=gov_member)
    answer_accept(topic=topic, post=answer, actor=gov_member)
    topic.refresh_from_db()
    assert topic.is_solved and topic.accepted_by == gov_member
    answer_accept(topic=topic, post=None, actor=organizer)
    topic.refresh_from_db()
    assert not topic.is_solved


def test_discussion_topics_have_no_accepted_answer(general, gov_member):
    topic = topic_start(category=general, author=gov_member, title="t",
                        body_markdown="b").forum_topic
    answer = reply_create(topic=topic, author=gov_member, body_markdown="r")
    with pytest.raises(ForumError, match="questions category"):
        answer_accept(topic=topic, post=answer, actor=gov_member)


@pytest.mark.parametrize(("subject", "title"), [
    ("Re: [AI] Re: Hello", "Hello"), ("FWD: re:  spaced   out", "spaced out"),
    ("[AI] Agenda", "Agenda"), ("", "(no subject)")])
def test_titles_from_mailed_subjects(gov_list, subject, title):
    assert topic_title_from_subject(subject, mailing_list=gov_list) == title


def test_moving_a_topic_between_categories(make_category, general, group, lead, organizer,
                                           gov_member, bound):
    group_a = make_category("sec-a", group=group, access_level=AccessLevel.PUBLIC)
    group_b = make_category("sec-b", group=group, access_level=AccessLevel.PUBLIC)
    topic = topic_start(category=group_a, author=gov_member, title="Misplaced",
                        body_markdown="x").forum_topic
    with pytest.raises(NotAllowed):
        topic_move(topic=topic, category=group_b, actor=gov_member)
    topic_move(topic=topic, category=group_b, actor=lead)  # within the lead's group
    topic.refresh_from_db()
    assert topic.category == group_b
    with pytest.raises(NotAllowed, match="between groups"):
        topic_move(topic=topic, category=general, actor=lead)
    topic_move(topic=topic, category=general, actor=organizer)
    with pytest.raises(ForumError, match="list's threads"):
        topic_move(topic=topic, category=bound, actor=organizer)
    assert Topic.objects.get(pk=topic.pk).category == general
