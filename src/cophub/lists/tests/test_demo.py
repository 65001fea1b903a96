"""The lists part of `cophub demo`: the AI CoP's two listservs with realistic history."""


import pytest

from cophub.lists.models import (
    Bounce,
    MailingList,
    NewsletterIssue,
    Post,
    Subscriber,
    Subscription,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(run_demo):
    return run_demo(120)


def test_demo_has_the_government_and_public_lists_with_history(demo):
    assert "Lists: ai@" in demo
    gov = MailingList.objects.get(local_part="ai")
    public = MailingList.objects.get(local_part="aipublic")
    assert (gov.audience, gov.archive_access_level) == ("government", "government")
    assert (public.audience, public.kind, public.archive_access_level) == (
        "anyone", "announce", "public")

    # Subscribers with and without accounts; only government addresses on ai@.
    on_gov = Subscriber.objects.filter(subscriptions__mailing_list=gov)
    assert on_gov.filter(user__isnull=True).exists()
    assert on_gov.filter(user__isnull=False).exists()
    assert not on_gov.filter(email__endswith="example.com").exists()
    assert not on_gov.filter(user__email="member@va.gov").exists()  # left to join in the demo
    assert Subscription.objects.filter(mailing_list=public,
                                       subscriber__email="public@example.com").exists()

    # A year of threads, a post awaiting moderation, bounces incl. one kept for review.
    published = Post.objects.filter(mailing_list=gov, status="published")
    dates = sorted(published.values_list("published_at", flat=True))
    assert (dates[-1] - dates[0]).days > 300
    assert published.filter(parent__isnull=False).exists()
    assert not published.filter(thread__isnull=True).exists()
    assert Post.objects.filter(status="held").count() == 1
    assert Bounce.objects.filter(kind="unparseable").exists()
    assert Subscription.objects.filter(state="disabled").exists()

    issues = NewsletterIssue.objects.order_by("created_at")
    assert [i.status for i in issues] == ["sent", "sent", "draft"]
    assert all(set(i.lists.values_list("local_part", flat=True)) == {"ai", "aipublic"}
               for i in issues)
