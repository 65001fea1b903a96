"""Merging and splitting threads: only the archive's threading moves, the headers mailed
with each post stay as sent, and a thread never spans two lists."""

from email.message import EmailMessage

import pytest

from cophub.core.models import AuditEvent
from cophub.lists.models import Post
from cophub.lists.services import (
    ListError,
    post_compose,
    post_receive,
    thread_merge,
    thread_split,
)

from .auth_helpers import authenticated

pytestmark = pytest.mark.django_db


@pytest.fixture
def write(gov_list, gov_member, make_subscription):
    """write(subject, parent=None, mailing_list=gov_list) posts as a subscriber of ai@."""
    make_subscription(gov_list, gov_member.email, user=gov_member)

    def post(subject: str, *, parent: Post | None = None, mailing_list=gov_list) -> Post:
        return post_compose(mailing_list=mailing_list, author=gov_member, subject=subject,
                            body_markdown=f"About {subject}", parent=parent)

    return post


def _headers(*posts) -> list[tuple]:
    return [(p.message_id, p.in_reply_to, p.references)
            for p in Post.objects.filter(pk__in=[p.pk for p in posts]).order_by("pk")]


def _thread(root: Post) -> list[int]:
    return list(Post.objects.filter(thread_id=root.pk).order_by("published_at", "id")
                .values_list("pk", flat=True))


def test_merge_moves_the_whole_thread_under_the_target_and_keeps_headers(write, gov_member):
    target = write("Model cards")
    source = write("Model cards again")
    answer = write("Re: Model cards", parent=target)
    source_reply = write("Re: Model cards again", parent=source)
    headers = _headers(target, source, answer, source_reply)

    assert thread_merge(source=source, target=target, actor=gov_member) == 2

    source.refresh_from_db()
    source_reply.refresh_from_db()
    assert (source.thread_id, source.parent_id) == (target.pk, target.pk)
    assert (source_reply.thread_id, source_reply.parent_id) == (target.pk, source.pk)
    assert _thread(target) == [target.pk, source.pk, answer.pk, source_reply.pk]
    assert _headers(target, source, answer, source_reply) == headers  # mail stays as sent
    event = AuditEvent.objects.get(verb="lists.thread.merged")
    assert event.scope == "ai-cop" and event.data == {"from": source.pk, "posts": 2}


def test_merge_refuses_threads_of_different_lists(write, make_list, gov_member,
                                                  make_subscription):
    other = make_list("ml")
    make_subscription(other, gov_member.email, user=gov_member)
    on_ai = write("On ai@")
    on_ml = write("On ml@", mailing_list=other)
    outside = write("Outside lists", mailing_list=None)
    for source, target in ((on_ml, on_ai), (outside, on_ai), (on_ai, outside)):
        with pytest.raises(ListError, match="different lists"):
            thread_merge(source=source, target=target, actor=gov_member)
    assert _thread(on_ai) == [on_ai.pk] and _thread(outside) == [outside.pk]
    assert not AuditEvent.objects.filter(verb="lists.thread.merged").exists()


def test_merge_refuses_itself_a_reply_and_a_later_thread(write, gov_member):
    first = write("First")
    reply = write("Re: First", parent=first)
    later = write("Later")
    with pytest.raises(ListError, match="into itself"):
        thread_merge(source=first, target=first, actor=gov_member)
    with pytest.raises(ListError, match="whole threads"):
        thread_merge(source=reply, target=later, actor=gov_member)
    with pytest.raises(ListError, match="earlier one"):
        thread_merge(source=first, target=later, actor=gov_member)
    assert _thread(later) == [later.pk]


def test_posts_outside_lists_merge_with_each_other(write, gov_member):
    target = write("Web only", mailing_list=None)
    source = write("Web only too", mailing_list=None)
    thread_merge(source=source, target=target, actor=gov_member, audit_scope="ai-cop")
    assert _thread(target) == [target.pk, source.pk]
    assert AuditEvent.objects.get(verb="lists.thread.merged").scope == "ai-cop"


def test_split_starts_a_thread_at_the_earliest_chosen_and_parents_follow(write, gov_member):
    root = write("Budget")
    a = write("Re: Budget", parent=root)          # moves: the new first post
    b = write("Re: Budget", parent=a)             # stays, its parent moved
    c = write("Re: Budget", parent=b)             # moves, its parent stayed
    d = write("Re: Budget", parent=root)          # stays
    e = write("Re: Budget", parent=c)             # moves with its parent
    headers = _headers(root, a, b, c, d, e)

    new_root = thread_split(posts=[c, e, a], actor=gov_member)

    assert new_root == a and new_root.thread_id == a.pk and new_root.parent_id is None
    got = {p.pk: (p.thread_id, p.parent_id) for p in Post.objects.filter(
        pk__in=[a.pk, b.pk, c.pk, d.pk, e.pk])}
    assert got == {a.pk: (a.pk, None), b.pk: (root.pk, root.pk), c.pk: (a.pk, a.pk),
                   d.pk: (root.pk, root.pk), e.pk: (a.pk, c.pk)}
    assert _headers(root, a, b, c, d, e) == headers
    event = AuditEvent.objects.get(verb="lists.thread.split")
    assert event.data == {"from": root.pk, "posts": sorted([a.pk, c.pk, e.pk])}


def test_split_refuses_the_first_post_several_threads_and_nothing(write, gov_member):
    root = write("One")
    reply = write("Re: One", parent=root)
    other = write("Two")
    other_reply = write("Re: Two", parent=other)
    with pytest.raises(ListError, match="first post stays"):
        thread_split(posts=[root, reply], actor=gov_member)
    with pytest.raises(ListError, match="one thread"):
        thread_split(posts=[reply, other_reply], actor=gov_member)
    with pytest.raises(ListError, match="Choose the posts"):
        thread_split(posts=[], actor=gov_member)
    assert _thread(root) == [root.pk, reply.pk]


def test_mail_answering_a_moved_post_joins_its_new_thread(write, gov_list, gov_member,
                                                         make_subscription):
    make_subscription(gov_list, "jane@va.gov", name="Jane Doe")
    target = write("Agenda")
    source = write("Agenda, again")
    thread_merge(source=source, target=target, actor=gov_member)
    message = EmailMessage()
    message["From"] = "Jane Doe <jane@va.gov>"
    message["To"] = gov_list.address
    message["Subject"] = "Re: Agenda, again"
    message["Message-ID"] = "<late@va.gov>"
    message["In-Reply-To"] = f"<{source.message_id}>"
    message["References"] = f"<{source.message_id}>"
    message.set_content("I answer the old thread's first post.")
    late = post_receive(mailing_list=gov_list, message=message,
                        authentication=authenticated(message))
    assert (late.parent_id, late.thread_id) == (source.pk, target.pk)
