"""@mentions: who a post names is told (once, in the site and by e-mail) and follows the
topic; nobody who may not see the category is told or offered; code, quotes, addresses and
shared names mention nobody; mailed replies mention as web posts do."""

from email.message import EmailMessage
from email.utils import make_msgid

import pytest
from django.core import mail
from django.urls import reverse

from cophub.core.access import AccessLevel
from cophub.forum.addresses import reply_address
from cophub.forum.mentions import MAX_MENTIONS, mention_phrases, mentioned_user_ids
from cophub.forum.models import Notification, Watch
from cophub.forum.services import reply_create, topic_start, watch_set
from cophub.lists.inbound import authentication
from cophub.lists.models import Post
from cophub.lists.tests.auth_helpers import dkim_sign, dns_with_test_key
from cophub.lists.tests.inbound_helpers import receive

Level = Watch.Level


@pytest.fixture
def ana(make_user):
    return make_user("ana@nih.gov", name="Ana Lopez")


def _run(capture, call):
    with capture(execute=True):
        return call()


def _told(post) -> dict[str, str]:
    return dict(Notification.objects.filter(post=post).values_list("user__email", "kind"))


@pytest.mark.parametrize(("text", "expected"), [
    ("thanks @Ana Lopez!", [["ana lopez", "ana"]]),
    ("@Ana", [["ana"]]),
    ("ask @Jean-Luc O'Neil, please", [["jean-luc o'neil", "jean-luc"]]),
    ("mail ana@nih.gov or @ana.", [["ana"]]),
    ("x@y and /path@z", []),
])
def test_phrases(text, expected):
    assert mention_phrases(text) == expected


def test_a_mention_tells_the_person_and_they_follow_the_topic(
        general, gov_member, ana, django_capture_on_commit_callbacks):
    post = _run(django_capture_on_commit_callbacks, lambda: topic_start(
        category=general, author=gov_member, title="Evaluating LLMs",
        body_markdown="What do you think, @Ana Lopez? You ran the pilot."))
    assert _told(post) == {"ana@nih.gov": "mentioned"}
    sent = [m for m in mail.outbox if m.to == ["ana@nih.gov"]]
    assert len(sent) == 1
    assert "Mia Member mentioned you" in sent[0].body
    assert Watch.objects.get(user=ana, topic=post.forum_topic).level == Level.WATCHING
    # Her next notification is a plain reply in a topic she now follows.
    reply = _run(django_capture_on_commit_callbacks, lambda: reply_create(
        topic=post.forum_topic, author=gov_member, body_markdown="Anyone else?"))
    assert _told(reply) == {"ana@nih.gov": "posted"}


def test_a_chosen_watch_stays_and_a_muted_topic_is_not_told(
        general, gov_member, ana, make_user, django_capture_on_commit_callbacks):
    post = topic_start(category=general, author=gov_member, title="T", body_markdown="x")
    topic = post.forum_topic
    watch_set(user=ana, level=Level.MUTED, topic=topic)
    ben = make_user("ben@va.gov", name="Ben Ode")
    watch_set(user=ben, level=Level.TRACKING, topic=topic)
    reply = _run(django_capture_on_commit_callbacks, lambda: reply_create(
        topic=topic, author=gov_member, body_markdown="@Ana Lopez and @Ben Ode, see this"))
    assert _told(reply) == {"ben@va.gov": "mentioned"}
    assert Watch.objects.get(user=ben, topic=topic).level == Level.TRACKING  # their choice
    assert Watch.objects.get(user=ana, topic=topic).level == Level.MUTED


def test_the_author_replied_to_is_told_once(general, gov_member, ana,
                                            django_capture_on_commit_callbacks):
    post = topic_start(category=general, author=ana, title="Mine", body_markdown="x")
    reply = _run(django_capture_on_commit_callbacks, lambda: reply_create(
        topic=post.forum_topic, author=gov_member, body_markdown="@Ana Lopez yes"))
    assert _told(reply) == {"ana@nih.gov": "replied"}  # the more telling of the two
    assert Notification.objects.filter(user=ana, post=reply).count() == 1


def test_nobody_who_cannot_see_the_category_is_told(make_category, gov_member, public_user,
                                                   django_capture_on_commit_callbacks):
    gov = make_category("gov", access_level=AccessLevel.GOVERNMENT)
    post = _run(django_capture_on_commit_callbacks, lambda: topic_start(
        category=gov, author=gov_member, title="Internal",
        body_markdown="cc @Pat Public"))
    assert _told(post) == {}
    assert not any(m.to == [public_user.email] for m in mail.outbox)
    assert not Watch.objects.filter(user=public_user).exists()


def test_code_quotes_addresses_and_oneself_mention_nobody(general, gov_member, ana):
    post = topic_start(category=general, author=gov_member, title="T", body_markdown=(
        "`@Ana Lopez` in code\n\n```\n@Ana Lopez\n```\n\n> @Ana Lopez wrote this\n\n"
        "write to lopez@Ana Lopez.gov, signed @Mia Member"))
    assert mentioned_user_ids(post=post, category=general) == []


def test_a_shared_name_mentions_neither(general, gov_member, ana, make_user):
    make_user("ana.lopez@gsa.gov", name="Ana Lopez")
    post = topic_start(category=general, author=gov_member, title="T",
                       body_markdown="@Ana Lopez?")
    assert mentioned_user_ids(post=post, category=general) == []


def test_the_longest_name_wins_and_the_count_is_capped(general, gov_member, ana, make_user):
    just_ana = make_user("ana2@nih.gov", name="Ana")
    letters = "bcdefghijklmnop"[:MAX_MENTIONS + 3]
    people = [make_user(f"{c}@va.gov", name=f"Person {c.upper()}x") for c in letters]
    body = "@Ana Lopez and @ana, " + ", ".join(f"@{p.name}" for p in people)
    post = topic_start(category=general, author=gov_member, title="T", body_markdown=body)
    ids = mentioned_user_ids(post=post, category=general)
    assert len(ids) == MAX_MENTIONS
    assert ids[:3] == [ana.pk, just_ana.pk, people[0].pk]


def test_a_mailed_post_mentions_in_its_own_words_only(general, gov_member, ana, make_user):
    make_user("sam@va.gov", name="Sam Else")
    mailed = Post(source=Post.Source.EMAIL, author=gov_member, body_markdown="", body_text=(
        "Looping in @Ana Lopez here.\n\nOn Mon, Mia wrote:\n> @Sam Else, any news?\n"))
    assert mentioned_user_ids(post=mailed, category=general) == [ana.pk]


def test_a_reply_by_email_tells_who_it_mentions(general, gov_member, ana, make_user, monkeypatch,
                                                django_capture_on_commit_callbacks):
    monkeypatch.setattr(authentication, "DNS_LOOKUP", dns_with_test_key)
    author = make_user("kim@va.gov", name="Kim Kay")
    topic = topic_start(category=general, author=gov_member, title="Model cards",
                        body_markdown="Who writes them?").forum_topic
    to = reply_address(user_id=author.pk, post_id=topic.root_id)
    message = EmailMessage()
    message["From"], message["To"] = f"Kim Kay <{author.email}>", to
    message["Subject"], message["Message-ID"] = "Re: Model cards", make_msgid(domain="va.gov")
    message.set_content("@Ana Lopez wrote ours.\n\nOn Monday Mia wrote:\n> Who?\n")
    receive(django_capture_on_commit_callbacks, dkim_sign(message.as_bytes(), domain="va.gov"),
            to=to, mail_from=author.email)
    reply = Post.objects.get(thread=topic.root, source=Post.Source.EMAIL)
    assert _told(reply)["ana@nih.gov"] == "mentioned"


def test_suggestions_offer_only_people_who_see_the_category(
        client, make_category, gov_member, ana, public_user, make_user):
    gov = make_category("gov", access_level=AccessLevel.GOVERNMENT)
    make_user("anakin@example.com", name="Anakin Public")
    client.force_login(gov_member)
    url = reverse("forum:mention_suggestions", args=[gov.community.slug, gov.slug])
    page = client.get(url, {"mention_q": "ana", "target": "id_body"})
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-mention="Ana Lopez"' in html
    assert "Anakin" not in html  # a public participant cannot see the category
    assert 'data-target="id_body"' in html
    odd = client.get(url, {"mention_q": "ana", "target": '"><script>'}).content.decode()
    assert "<script>" not in odd and 'data-target="id_body"' in odd


def test_public_participants_are_offered_only_people_who_posted_here(
        client, make_category, gov_member, ana, public_user):
    open_category = make_category("open", access_level=AccessLevel.PUBLIC)
    url = reverse("forum:mention_suggestions",
                  args=[open_category.community.slug, open_category.slug])
    client.force_login(public_user)
    assert 'data-mention' not in client.get(url, {"mention_q": "ana"}).content.decode()
    topic_start(category=open_category, author=ana, title="Hello", body_markdown="x")
    assert 'data-mention="Ana Lopez"' in client.get(url, {"mention_q": "ana"}).content.decode()


def test_suggestions_need_the_right_to_post(client, make_category, public_user):
    gov = make_category("gov", access_level=AccessLevel.GOVERNMENT)
    url = reverse("forum:mention_suggestions", args=[gov.community.slug, gov.slug])
    client.force_login(public_user)
    assert client.get(url, {"mention_q": "ana"}).status_code == 404
    client.logout()
    assert client.get(url, {"mention_q": "ana"}).status_code == 302


def test_the_writing_pages_offer_the_mention_field(client, general, gov_member):
    client.force_login(gov_member)
    new = client.get(reverse("forum:topic_create", args=[general.community.slug,
                                                        general.slug])).content.decode()
    assert 'id="id_body-mention"' in new and "mentions.js" in new
    post = topic_start(category=general, author=gov_member, title="T", body_markdown="x")
    page = client.get(reverse("forum:topic", args=[general.community.slug,
                                                   post.forum_topic.pk])).content.decode()
    assert 'id="id_body-mention"' in page
