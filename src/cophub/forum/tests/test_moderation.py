"""Moderation: flags and the hiding they cause in both doors, flag abuse, the moderators'
decisions, held first posts of new accounts, silencing (web and reply e-mail), posting and
link limits, and the moderation page."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from cophub.core.models import AuditEvent
from cophub.forum.exceptions import ForumError, NotAllowed
from cophub.forum.models import Category, Flag, Topic
from cophub.forum.services import (
    FLAGS_TO_HIDE,
    flags_resolve,
    held_post_decide,
    moderation,
    post_flag,
    reply_create,
    silence_lift,
    silence_set,
    topic_start,
)
from cophub.lists.models import Post


@pytest.fixture
def members(make_user):
    return [make_user(f"m{i}@nih.gov", name=f"Member {i}") for i in range(5)]


@pytest.fixture
def spam(general, gov_member, members):
    topic = topic_start(category=general, author=gov_member, title="Evaluations",
                        body_markdown="How do you evaluate?").forum_topic
    post = reply_create(topic=topic, author=members[4], body_markdown="Buy our product!")
    return topic, post


def test_flags_from_several_members_hide_the_post(spam, members):
    topic, post = spam
    for member in members[:FLAGS_TO_HIDE - 1]:
        post_flag(post=post, user=member, reason=Flag.Reason.SPAM)
    post.refresh_from_db()
    assert post.status == Post.Status.PUBLISHED
    post_flag(post=post, user=members[FLAGS_TO_HIDE - 1], reason=Flag.Reason.SPAM)
    post.refresh_from_db()
    topic.refresh_from_db()
    assert post.status == Post.Status.HIDDEN and topic.reply_count == 0


def test_one_person_cannot_hide_a_post_by_flagging_again(spam, members):
    _, post = spam
    for _ in range(FLAGS_TO_HIDE + 1):
        post_flag(post=post, user=members[0], reason=Flag.Reason.SPAM)
    post.refresh_from_db()
    assert post.status == Post.Status.PUBLISHED and Flag.objects.count() == 1


def test_flagging_everything_stops_at_the_daily_limit(general, gov_member, members):
    topic = topic_start(category=general, author=gov_member, title="t",
                        body_markdown="x").forum_topic
    posts = [reply_create(topic=topic, author=gov_member, body_markdown=f"r{i}")
             for i in range(moderation.FLAGS_PER_DAY + 1)]
    for post in posts[:-1]:
        post_flag(post=post, user=members[0], reason=Flag.Reason.OFF_TOPIC)
    with pytest.raises(ForumError, match="most one person may"):
        post_flag(post=posts[-1], user=members[0], reason=Flag.Reason.OFF_TOPIC)


def test_own_post_and_unknown_reason_are_refused(spam, members):
    _, post = spam
    with pytest.raises(ForumError, match="own post"):
        post_flag(post=post, user=members[4], reason=Flag.Reason.SPAM)
    with pytest.raises(ForumError, match="Choose why"):
        post_flag(post=post, user=members[0], reason="because")


def test_moderator_keeps_a_hidden_post_or_hides_a_flagged_one(spam, members, organizer,
                                                              gov_member):
    topic, post = spam
    for member in members[:FLAGS_TO_HIDE]:
        post_flag(post=post, user=member, reason=Flag.Reason.SPAM)
    with pytest.raises(NotAllowed):
        flags_resolve(post=post, actor=gov_member, action="keep")
    flags_resolve(post=post, actor=organizer, action="keep")
    post.refresh_from_db()
    topic.refresh_from_db()
    assert post.status == Post.Status.PUBLISHED and topic.reply_count == 1
    assert not Flag.objects.filter(resolved_at__isnull=True).exists()
    post_flag(post=post, user=gov_member, reason=Flag.Reason.SPAM)
    flags_resolve(post=post, actor=organizer, action="hide")
    post.refresh_from_db()
    assert post.status == Post.Status.HIDDEN
    assert AuditEvent.objects.filter(verb="forum.flags.upheld", scope="ai-cop").exists()


def test_hidden_post_leaves_both_doors(bound, gov_list, gov_member, members, organizer,
                                       client, make_subscription):
    topic = topic_start(category=bound, author=gov_member, title="List thread",
                        body_markdown="x").forum_topic
    post = reply_create(topic=topic, author=members[4], body_markdown="Buy our product!")
    flags_resolve(post=post, actor=organizer, action="hide")
    client.force_login(gov_member)
    assert client.get(reverse("lists:archive_post", args=["ai", post.pk])).status_code == 404
    page = client.get(reverse("forum:topic", args=["ai-cop", topic.pk])).content.decode()
    assert "Buy our product!" not in page


def test_new_accounts_first_post_waits_in_a_holding_category(make_category, make_user,
                                                             organizer, gov_member, client):
    category = make_category("careful", hold_first_posts=True)
    newcomer = make_user("new@va.gov", name="New Comer")
    post = topic_start(category=category, author=newcomer, title="Hello all",
                       body_markdown="First post")
    assert post.status == Post.Status.HELD
    client.force_login(gov_member)
    listing = client.get(reverse("forum:category", args=["ai-cop", "careful"]))
    assert "Hello all" not in listing.content.decode()
    held_post_decide(post=post, actor=organizer, action="approve")
    assert "Hello all" in client.get(
        reverse("forum:category", args=["ai-cop", "careful"])).content.decode()
    # Once one post is published, the next is not held.
    assert topic_start(category=category, author=newcomer, title="Again",
                       body_markdown="x").status == Post.Status.PUBLISHED


def test_old_accounts_are_not_held(make_category, gov_member):
    gov_member.date_joined = timezone.now() - timedelta(days=30)
    gov_member.save(update_fields=["date_joined"])
    category = make_category("careful", hold_first_posts=True)
    post = topic_start(category=category, author=gov_member, title="t", body_markdown="x")
    assert post.status == Post.Status.PUBLISHED


def test_rejected_held_post_tells_the_author(make_category, make_user, organizer,
                                             django_capture_on_commit_callbacks):
    category = make_category("careful", hold_first_posts=True)
    newcomer = make_user("new@va.gov")
    post = topic_start(category=category, author=newcomer, title="Promo", body_markdown="x")
    with django_capture_on_commit_callbacks(execute=True):
        held_post_decide(post=post, actor=organizer, action="reject", reason="Off topic here")
    [notice] = [m for m in mail.outbox if m.to == ["new@va.gov"]]
    assert "Off topic here" in notice.body
    assert not Topic.objects.filter(root=post, root__status=Post.Status.PUBLISHED).exists()


def test_silenced_member_cannot_post_until_lifted(general, gov_member, organizer, community):
    topic = topic_start(category=general, author=organizer, title="t",
                        body_markdown="x").forum_topic
    with pytest.raises(NotAllowed):
        silence_set(community=community, user=gov_member, actor=gov_member, days=3,
                    reason="x")
    silence = silence_set(community=community, user=gov_member, actor=organizer, days=3,
                          reason="Repeated personal attacks")
    with pytest.raises(NotAllowed, match="cannot post in this community's forum until"):
        reply_create(topic=topic, author=gov_member, body_markdown="hello")
    with pytest.raises(NotAllowed):
        topic_start(category=general, author=gov_member, title="t", body_markdown="x")
    silence_lift(silence=silence, actor=organizer)
    assert reply_create(topic=topic, author=gov_member, body_markdown="hello")


def test_posting_limit_per_ten_minutes(general, gov_member, settings):
    settings.COPHUB_FORUM_NEW_ACCOUNT_POSTS_PER_10_MIN = 3
    topic = topic_start(category=general, author=gov_member, title="t",
                        body_markdown="x").forum_topic
    reply_create(topic=topic, author=gov_member, body_markdown="1")
    reply_create(topic=topic, author=gov_member, body_markdown="2")
    with pytest.raises(NotAllowed, match="wait a few minutes"):
        reply_create(topic=topic, author=gov_member, body_markdown="3")
    assert Post.objects.count() == 3


def test_new_accounts_may_not_post_many_links(general, gov_member):
    body = "see https://a.example https://b.example and https://c.example"
    with pytest.raises(NotAllowed, match="at most 2 links"):
        topic_start(category=general, author=gov_member, title="links", body_markdown=body)
    gov_member.date_joined = timezone.now() - timedelta(days=30)
    gov_member.save(update_fields=["date_joined"])
    assert topic_start(category=general, author=gov_member, title="links", body_markdown=body)


def test_reserved_category_addresses(make_category):
    with pytest.raises(ForumError, match="reserved"):
        make_category("moderation")


def test_moderation_page_lists_flags_and_decides(client, spam, members, organizer, gov_member):
    _, post = spam
    post_flag(post=post, user=members[0], reason=Flag.Reason.SPAM, note="An advert")
    url = reverse("forum:moderation", args=["ai-cop"])
    client.force_login(gov_member)
    assert client.get(url).status_code == 403
    client.force_login(organizer)
    page = client.get(url).content.decode()
    assert "Buy our product!" in page and "An advert" in page
    client.post(reverse("forum:flags_decide", args=["ai-cop", post.pk]), {"action": "hide"})
    post.refresh_from_db()
    assert post.status == Post.Status.HIDDEN
    assert "No flagged posts." in client.get(url).content.decode()


def test_flag_form_for_readers(client, spam, members):
    _, post = spam
    client.force_login(members[0])
    url = reverse("forum:post_flag", args=["ai-cop", post.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"reason": "spam", "note": "advert"})
    assert response.status_code == 302 and Flag.objects.filter(post=post).count() == 1
    assert client.post(url, {"reason": "bogus"}).status_code == 400


def test_silence_also_stops_replies_by_email(general, gov_member, organizer, community):
    topic = topic_start(category=general, author=organizer, title="t",
                        body_markdown="x").forum_topic
    silence_set(community=community, user=gov_member, actor=organizer, days=1, reason="r")
    with pytest.raises(NotAllowed):
        moderation.posting_check(author=gov_member, category=topic.category, body="x")


def test_held_post_categories_are_those_of_the_moderator(make_category, make_user, lead,
                                                         group, organizer):
    mine = make_category("sec", group=group, hold_first_posts=True)
    theirs = make_category("other", hold_first_posts=True)
    newcomer = make_user("new@va.gov")
    in_theirs = topic_start(category=theirs, author=newcomer, title="a", body_markdown="x")
    in_mine = topic_start(category=mine, author=make_user("new2@va.gov"), title="b",
                          body_markdown="x")
    with pytest.raises(NotAllowed):
        held_post_decide(post=in_theirs, actor=lead, action="approve")
    held_post_decide(post=in_mine, actor=lead, action="approve")
    assert Category.objects.get(slug="sec").topics.get().root.status == Post.Status.PUBLISHED
