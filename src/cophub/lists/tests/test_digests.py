"""Digests: once per period, only the period's posts, plain (RFC 1153) and MIME formats."""

from datetime import datetime, timedelta
from email import message_from_bytes, message_from_string, policy

import pytest
from django.core import mail
from django.utils import timezone

from cophub.core.models import MailContent, OutgoingMail
from cophub.lists.models import Digest, Post
from cophub.lists.services import post_compose
from cophub.lists.services.digests import digest_fanout, digests_build, period_end

pytestmark = pytest.mark.django_db

TZ = timezone.get_current_timezone()
NOON = datetime(2026, 5, 13, 12, 0, tzinfo=TZ)  # a Wednesday


def _post(mailing_list, author, subject, published_at, body="Body text."):
    post = post_compose(mailing_list=mailing_list, author=author, subject=subject,
                        body_markdown=body)
    Post.objects.filter(pk=post.pk).update(published_at=published_at)
    return post


@pytest.fixture
def readers(gov_list, make_subscription):
    daily_mime = make_subscription(gov_list, "mime@va.gov", delivery="daily")
    daily_plain = make_subscription(gov_list, "plain@va.gov", delivery="daily")
    daily_plain.digest_format = "plain"
    daily_plain.save()
    weekly = make_subscription(gov_list, "weekly@va.gov", delivery="weekly")
    each = make_subscription(gov_list, "each@va.gov")
    return daily_mime, daily_plain, weekly, each


def test_period_boundaries_are_local_midnight_and_monday():
    assert period_end(period="daily", now=NOON) == datetime(2026, 5, 13, tzinfo=TZ)
    assert period_end(period="weekly", now=NOON) == datetime(2026, 5, 11, tzinfo=TZ)


def test_daily_digest_is_built_once_per_day_with_that_days_posts(gov_list, organizer, readers):
    midnight = datetime(2026, 5, 13, tzinfo=TZ)
    _post(gov_list, organizer, "Yesterday morning", midnight - timedelta(hours=15))
    _post(gov_list, organizer, "Yesterday night", midnight - timedelta(minutes=1))
    _post(gov_list, organizer, "Today", midnight + timedelta(hours=1))
    _post(gov_list, organizer, "Two days ago", midnight - timedelta(days=1, hours=2))
    built = digests_build(now=NOON)
    daily = next(d for d in built if d.period == "daily")
    assert (daily.starts_at, daily.ends_at) == (midnight - timedelta(days=1), midnight)
    assert daily.posts_count == 2
    assert digests_build(now=NOON + timedelta(hours=1)) == []  # the hourly job, again
    assert Digest.objects.filter(period="daily").count() == 1
    gov_list.refresh_from_db()
    assert gov_list.last_daily_digest_at == midnight
    # The next day's digest starts where this one ended.
    _post(gov_list, organizer, "Tomorrow", midnight + timedelta(hours=20))
    [next_daily] = [d for d in digests_build(now=NOON + timedelta(days=1))
                    if d.period == "daily"]
    assert next_daily.starts_at == midnight and next_daily.posts_count == 2


def test_weekly_digest_is_built_once_per_week(gov_list, organizer, readers):
    digests_build(now=NOON)
    weekly = Digest.objects.filter(period="weekly")
    assert weekly.count() == 1
    digests_build(now=NOON + timedelta(days=2))
    assert weekly.count() == 1
    digests_build(now=NOON + timedelta(days=5))
    assert weekly.count() == 2


def test_empty_digest_sends_nothing(gov_list, organizer, readers,
                                    django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        built = digests_build(now=NOON)
    assert all(d.posts_count == 0 and d.fanout_done_at for d in built)
    assert mail.outbox == []


def test_lists_without_digests_get_none(make_list, public_list, organizer):
    make_list("nodigest", digests_enabled=False)
    digests_build(now=NOON)
    assert set(Digest.objects.values_list("mailing_list__local_part", flat=True)) == set()


def test_digest_goes_to_digest_readers_in_their_format(gov_list, organizer, readers,
                                                       django_capture_on_commit_callbacks):
    midnight = datetime(2026, 5, 13, tzinfo=TZ)
    # Written on the web, so Markdown: the backslash keeps the dashes text, not a heading.
    _post(gov_list, organizer, "First topic", midnight - timedelta(hours=5), body="One\n\n\\"
          + "-" * 30 + "\nafter a fake separator")
    _post(gov_list, organizer, "Second topic", midnight - timedelta(hours=2), body="Two")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        digests_build(now=NOON)
    by_to = {m.to[0]: m for m in mail.outbox}
    assert set(by_to) == {"mime@va.gov", "plain@va.gov"}

    plain = message_from_bytes(by_to["plain@va.gov"].message().as_bytes(), policy=policy.default)
    assert plain["Subject"].startswith("[AI] AI CoP Daily Digest, May 12, 2026 (2 messages)")
    assert plain["List-Id"] == '"AI CoP" <ai.lists.localhost>'
    assert plain["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = plain.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert "   1. First topic" in text and "   2. Second topic" in text
    assert "-" * 70 in text
    assert "\n " + "-" * 30 + "\nafter a fake separator" in text  # escaped, RFC 1153
    assert text.index("Subject: First topic") < text.index("Subject: Second topic")
    assert "End of AI CoP Digest" in text

    mime = message_from_bytes(by_to["mime@va.gov"].message().as_bytes(), policy=policy.default)
    assert mime.get_content_type() == "multipart/mixed"
    toc, bundle = mime.get_payload()
    assert "1. First topic" in toc.get_content()
    assert bundle.get_content_type() == "multipart/digest"
    inner = [part.get_payload(0) for part in bundle.get_payload()]
    assert [m["Subject"] for m in inner] == ["First topic", "Second topic"]
    assert inner[1].get_content().strip() == "Two"


def test_digest_fanout_resumes_without_duplicates(gov_list, organizer, make_subscription):
    for i in range(7):
        make_subscription(gov_list, f"d{i}@va.gov", delivery="daily")
    _post(gov_list, organizer, "Topic", datetime(2026, 5, 12, 9, tzinfo=TZ))
    [daily] = [d for d in digests_build(now=NOON) if d.period == "daily"]
    assert digest_fanout(digest_id=daily.pk, chunk=3, max_chunks=1) == 3
    assert digest_fanout(digest_id=daily.pk, chunk=3) == 4
    assert digest_fanout(digest_id=daily.pk, chunk=3) == 0
    recipients = list(OutgoingMail.objects.values_list("to", flat=True))
    assert len(recipients) == len(set(recipients)) == 7
    assert MailContent.objects.count() == 1


def test_mime_digest_is_a_parseable_entity(gov_list, organizer, make_subscription):
    make_subscription(gov_list, "m@va.gov", delivery="daily")
    _post(gov_list, organizer, "Café ☕", datetime(2026, 5, 12, 9, tzinfo=TZ), body="Ünïcode")
    [daily] = [d for d in digests_build(now=NOON) if d.period == "daily"]
    digest_fanout(digest_id=daily.pk)
    entity = message_from_string(MailContent.objects.get().raw_mime, policy=policy.default)
    [inner] = [p.get_payload(0) for p in entity.get_payload()[1].get_payload()]
    assert inner["Subject"] == "Café ☕"
    assert inner.get_content().strip() == "Ünïcode"
