"""Watching and notifications: who is told about a new topic or reply, in the site and by
e-mail (at once, in a daily summary, or not), collapsed in the bell; a fan-out that
resumes after a crash without telling anyone twice; the send-time gate."""

from datetime import timedelta
from email.utils import getaddresses

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from cophub.core.access import AccessLevel
from cophub.core.models import OutgoingMail
from cophub.forum.models import Delivery, Notification, Preference, Watch
from cophub.forum.selectors import notifications_grouped, notifications_unread_count
from cophub.forum.services import (
    notifications_fanout,
    preference_set,
    reply_create,
    summaries_send,
    topic_start,
    watch_set,
)
from cophub.forum.services.notifications import delivery_start
from cophub.lists.models import Post
from cophub.lists.services import post_compose

Level = Watch.Level


@pytest.fixture
def people(make_user):
    return {name: make_user(f"{name}@nih.gov", name=name.title())
            for name in ("ana", "ben", "cy", "dee")}


def _run(capture, call):
    with capture(execute=True):
        return call()


def test_new_topic_tells_category_watchers_by_level(general, gov_member, people,
                                                    django_capture_on_commit_callbacks):
    watch_set(user=people["ana"], level=Level.WATCHING, category=general)
    watch_set(user=people["ben"], level=Level.FIRST_POST, category=general)
    watch_set(user=people["cy"], level=Level.TRACKING, category=general)
    watch_set(user=people["dee"], level=Level.MUTED, category=general)
    post = _run(django_capture_on_commit_callbacks, lambda: topic_start(
        category=general, author=gov_member, title="Kick-off", body_markdown="Hello"))
    told = dict(Notification.objects.filter(post=post).values_list("user__email", "email"))
    assert told == {"ana@nih.gov": "queued", "ben@nih.gov": "queued", "cy@nih.gov": "none"}
    sent = [m for m in mail.outbox if "Kick-off" in m.subject]
    assert sorted(m.to[0] for m in sent) == ["ana@nih.gov", "ben@nih.gov"]
    copy = next(m for m in sent if m.to == ["ana@nih.gov"])
    assert copy.message()["Reply-To"].startswith("reply+")
    assert copy.message()["References"] == f"<{post.message_id}>"
    assert "Hello" in copy.body


def test_replies_tell_topic_watchers_and_the_author_replied_to(
        general, gov_member, people, django_capture_on_commit_callbacks):
    post = topic_start(category=general, author=gov_member, title="Q", body_markdown="x")
    topic = post.forum_topic
    first = reply_create(topic=topic, author=people["ana"], body_markdown="one")
    watch_set(user=people["ben"], level=Level.TRACKING, topic=topic)
    watch_set(user=people["cy"], level=Level.WATCHING, category=general)
    watch_set(user=people["cy"], level=Level.MUTED, topic=topic)  # the topic wins
    Delivery.objects.all().delete()
    Notification.objects.all().delete()
    reply = _run(django_capture_on_commit_callbacks, lambda: reply_create(
        topic=topic, author=people["dee"], body_markdown="two", parent=first))
    told = dict(Notification.objects.filter(post=reply).values_list("user__email", "kind"))
    # The asker watches their topic; Ana wrote the post answered (and auto-watches too).
    assert told == {gov_member.email: "posted", "ana@nih.gov": "replied",
                    "ben@nih.gov": "posted"}


def test_nobody_who_cannot_see_the_category_is_told(make_category, gov_member, public_user,
                                                   django_capture_on_commit_callbacks):
    gov = make_category("gov", access_level=AccessLevel.GOVERNMENT)
    Watch.objects.create(user=public_user, category=gov, level=Level.WATCHING)
    post = _run(django_capture_on_commit_callbacks, lambda: topic_start(
        category=gov, author=gov_member, title="Internal", body_markdown="x"))
    assert not Notification.objects.filter(post=post).exists()
    assert not any(m.to == [public_user.email] for m in mail.outbox)


def test_watch_refused_for_a_category_one_cannot_see(make_category, public_user):
    from cophub.forum.exceptions import ForumError  # noqa: PLC0415

    gov = make_category("gov", access_level=AccessLevel.GOVERNMENT)
    with pytest.raises(ForumError):
        watch_set(user=public_user, level=Level.WATCHING, category=gov)


def test_list_subscribers_are_not_mailed_twice(bound, gov_list, gov_member, people,
                                               make_subscription,
                                               django_capture_on_commit_callbacks):
    make_subscription(gov_list, "ana@nih.gov", user=people["ana"])
    watch_set(user=people["ana"], level=Level.WATCHING, category=bound)
    watch_set(user=people["ben"], level=Level.WATCHING, category=bound)
    post = _run(django_capture_on_commit_callbacks, lambda: topic_start(
        category=bound, author=gov_member, title="On the list", body_markdown="x"))
    told = dict(Notification.objects.filter(post=post).values_list("user__email", "email"))
    assert told == {"ana@nih.gov": "none", "ben@nih.gov": "queued"}
    assert len([m for m in mail.outbox if m.to == ["ana@nih.gov"]]) == 1  # the list's copy


def test_fanout_resumes_after_a_crash_without_duplicates(general, gov_member, make_user,
                                                        django_capture_on_commit_callbacks):
    watchers = [make_user(f"w{i}@va.gov") for i in range(7)]
    for user in watchers:
        watch_set(user=user, level=Level.WATCHING, category=general)
    with django_capture_on_commit_callbacks(execute=False):  # the task never runs
        post = topic_start(category=general, author=gov_member, title="Big", body_markdown="x")
    assert notifications_fanout(post_id=post.pk, chunk=3, max_chunks=1) == 3
    # The worker died here; the task runs again from the start, twice.
    assert notifications_fanout(post_id=post.pk, chunk=3) == 7
    assert notifications_fanout(post_id=post.pk, chunk=3) == 7
    assert Notification.objects.filter(post=post).count() == 7
    assert OutgoingMail.objects.filter(content__subject__contains="Big").count() == 7


def test_delivery_is_started_once_per_post(general, gov_member):
    post = topic_start(category=general, author=gov_member, title="t", body_markdown="x")
    delivery_start(post=post, topic=post.forum_topic)
    assert Delivery.objects.filter(post=post).count() == 1


def test_daily_summary_collects_and_sends_once(general, gov_member, people,
                                               django_capture_on_commit_callbacks):
    preference_set(user=people["ana"], email=Preference.Email.DAILY)
    watch_set(user=people["ana"], level=Level.WATCHING, category=general)
    for title in ("One", "Two"):
        _run(django_capture_on_commit_callbacks, lambda t=title: topic_start(
            category=general, author=gov_member, title=t, body_markdown="x"))
    assert not [m for m in mail.outbox if m.to == ["ana@nih.gov"]]
    _run(django_capture_on_commit_callbacks, summaries_send)
    _run(django_capture_on_commit_callbacks, summaries_send)  # not twice the same day
    [summary] = [m for m in mail.outbox if m.to == ["ana@nih.gov"]]
    assert "2 new posts" in summary.subject and "One" in summary.body and "Two" in summary.body
    later = timezone.now() + timedelta(days=1, minutes=1)
    assert summaries_send(now=later) == 0  # nothing new waiting


def test_never_means_only_in_the_site(general, gov_member, people,
                                      django_capture_on_commit_callbacks):
    preference_set(user=people["ana"], email=Preference.Email.NEVER)
    watch_set(user=people["ana"], level=Level.WATCHING, category=general)
    _run(django_capture_on_commit_callbacks, lambda: topic_start(
        category=general, author=gov_member, title="Quiet", body_markdown="x"))
    assert Notification.objects.get(user=people["ana"]).email == "none"
    assert not [m for m in mail.outbox if m.to == ["ana@nih.gov"]]


def test_bell_collapses_repeated_events(general, gov_member, people,
                                        django_capture_on_commit_callbacks):
    topic = topic_start(category=general, author=gov_member, title="Busy",
                        body_markdown="x").forum_topic
    for name in ("ana", "ben", "cy", "dee"):
        _run(django_capture_on_commit_callbacks, lambda n=name: reply_create(
            topic=topic, author=people[n], body_markdown=f"from {n}"))
    assert notifications_unread_count(user=gov_member) == 1
    [group] = notifications_grouped(user=gov_member)
    assert group["names"] == ["Dee", "Cy", "Ben", "Ana"] and group["unread"]


def test_bell_page_opens_and_marks_read(client, general, gov_member, people,
                                        django_capture_on_commit_callbacks):
    topic = topic_start(category=general, author=gov_member, title="Busy",
                        body_markdown="x").forum_topic
    for name in ("ana", "ben"):
        _run(django_capture_on_commit_callbacks, lambda n=name: reply_create(
            topic=topic, author=people[n], body_markdown=f"from {n}"))
    client.force_login(gov_member)
    badge = client.get(reverse("forum:notifications_badge")).content.decode()
    assert ">1<" in badge
    page = client.get(reverse("forum:notifications")).content.decode()
    assert "Ben and Ana" in page
    first = Notification.objects.filter(user=gov_member).order_by("-id").first()
    response = client.get(reverse("forum:notification_open", args=[first.pk]))
    assert response.status_code == 302 and f"/t/{topic.pk}/" in response.url
    assert notifications_unread_count(user=gov_member) == 0


def test_someone_elses_notification_is_404(client, general, gov_member, people,
                                           django_capture_on_commit_callbacks):
    topic = topic_start(category=general, author=gov_member, title="t",
                        body_markdown="x").forum_topic
    _run(django_capture_on_commit_callbacks, lambda: reply_create(
        topic=topic, author=people["ana"], body_markdown="r"))
    mine = Notification.objects.get(user=gov_member)
    client.force_login(people["ben"])
    assert client.get(reverse("forum:notification_open", args=[mine.pk])).status_code == 404


def test_watch_buttons_on_pages(client, general, gov_member):
    topic = topic_start(category=general, author=gov_member, title="t",
                        body_markdown="x").forum_topic
    client.force_login(gov_member)
    client.post(reverse("forum:topic_watch", args=["ai-cop", topic.pk]), {"level": "muted"})
    assert Watch.objects.get(user=gov_member, topic=topic).level == "muted"
    client.post(reverse("forum:category_watch", args=["ai-cop", "general"]),
                {"level": "first_post"})
    assert Watch.objects.get(user=gov_member, category=general).level == "first_post"
    client.post(reverse("forum:topic_watch", args=["ai-cop", topic.pk]),
                {"level": "first_post"})  # not a topic level: refused, unchanged
    assert Watch.objects.get(user=gov_member, topic=topic).level == "muted"


def test_author_watches_own_topic_but_a_chosen_level_stays(general, gov_member, people):
    topic = topic_start(category=general, author=gov_member, title="t",
                        body_markdown="x").forum_topic
    assert Watch.objects.get(user=gov_member, topic=topic).level == "watching"
    watch_set(user=people["ana"], level=Level.MUTED, topic=topic)
    reply_create(topic=topic, author=people["ana"], body_markdown="r")
    assert Watch.objects.get(user=people["ana"], topic=topic).level == "muted"


def test_a_mailed_post_by_someone_who_cannot_see_the_category_still_publishes(
        bound, gov_list, make_user, make_subscription):
    outsider = make_user("pat@example.com")  # a public participant still on the list
    make_subscription(gov_list, outsider.email, user=outsider)
    post = post_compose(mailing_list=gov_list, author=outsider, subject="Still here",
                        body_markdown="x")
    assert post.status == Post.Status.PUBLISHED
    assert not Watch.objects.filter(user=outsider).exists()
    assert Delivery.objects.filter(post=post).exists()


def test_sender_name_with_a_comma_stays_one_address(general, make_user, people,
                                                   django_capture_on_commit_callbacks):
    author = make_user("jd@va.gov", name="Doe, Jane")
    watch_set(user=people["ana"], level=Level.WATCHING, category=general)
    _run(django_capture_on_commit_callbacks, lambda: topic_start(
        category=general, author=author, title="Commas", body_markdown="x"))
    [copy] = [m for m in mail.outbox if m.to == ["ana@nih.gov"]]
    assert len(getaddresses([copy.message()["From"]])) == 1
    assert "Doe, Jane via" in copy.message()["From"]


def test_a_web_post_is_mailed_as_readable_text_not_markdown(
        general, gov_member, people, django_capture_on_commit_callbacks):
    watch_set(user=people["ana"], level=Level.WATCHING, category=general)
    _run(django_capture_on_commit_callbacks, lambda: topic_start(
        category=general, author=gov_member, title="Markup",
        body_markdown="See **the guide** at [GSA](https://www.gsa.gov/ai) first."))
    copy = next(m for m in mail.outbox if "Markup" in m.subject)
    assert "See the guide at GSA (https://www.gsa.gov/ai) first." in copy.body
    assert "**" not in copy.body and "](" not in copy.body
