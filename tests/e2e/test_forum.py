"""The forum journeys in the browser, keyboard and axe included: a government member asks
a question in a questions category bound to `ai@` (its subscribers get it by e-mail), a
colleague answers on the web quoting the question, the asker accepts the answer; an
organizer opens a category and closes a topic; a public participant finds nothing of the
government category."""

import re

import pytest
from django.core import mail

from cophub.core.access import AccessLevel
from cophub.events.tests.factories import EventFactory
from cophub.forum.models import Category, Topic
from cophub.forum.services import category_save, reply_create, topic_start
from cophub.lists.models import MailingList, Subscriber, Subscription

from .conftest import TOTP_SECRET

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def forum(community, organizer):
    gov = MailingList.objects.create(
        community=community, local_part="ai", name="AI CoP", subject_prefix="[AI CoP]",
        audience="government", kind="discussion", archive_access_level="government")
    subscriber = Subscriber.objects.create(email="ravi@nasa.gov", name="Ravi")
    Subscription.objects.create(mailing_list=gov, subscriber=subscriber, via="import")
    ask = category_save(actor=organizer, community=community, name="Ask the community",
                        slug="ask", kind=Category.Kind.QUESTIONS, mailing_list=gov,
                        description="Questions for the **whole** community.")
    return {"list": gov, "ask": ask}


def test_member_asks_colleague_answers_asker_accepts(page, assert_accessible, sign_in,
                                                      gov_member, make_user, forum):
    sign_in(page, gov_member.email)
    page.goto("/c/ai-cop/")
    page.locator("#main-content").get_by_role("link", name="Forum", exact=True).click()
    assert_accessible(page, "forum-index")
    page.get_by_role("link", name="Ask the community").click()
    assert_accessible(page, "forum-category")
    page.get_by_role("link", name="Ask a question").click()
    assert_accessible(page, "forum-new-topic")
    page.get_by_label("Title").fill("How do you review model cards?")
    page.get_by_label("Message").fill("We are drafting a **review checklist**.")
    page.get_by_role("button", name="Post").click()
    page.wait_for_load_state("load")
    assert_accessible(page, "forum-topic")
    assert page.get_by_role("heading", name="How do you review model cards?").is_visible()
    assert any(m.to == ["ravi@nasa.gov"] for m in mail.outbox)

    colleague = make_user("ana@nih.gov", name="Ana Analyst")
    page.context.clear_cookies()  # sign out
    sign_in(page, colleague.email)
    topic = Topic.objects.get()
    page.goto(f"/c/ai-cop/forum/t/{topic.pk}/")
    page.get_by_role("link", name=re.compile("Quote")).first.click()
    assert "> We are drafting" in page.get_by_label("Your reply").input_value()
    page.get_by_label("Your reply").press("End")
    page.get_by_label("Your reply").type("\nWe use a two-person review.")
    # Mention the asker with the keyboard: search, then the suggestion inserts "@Mia Member".
    page.get_by_label("Mention someone").fill("Mia")
    page.get_by_role("button", name="@Mia Member").focus()
    page.keyboard.press("Enter")
    assert "two-person review. @Mia Member " in page.get_by_label("Your reply").input_value()
    assert_accessible(page, "forum-mention-suggestions")
    page.get_by_role("button", name="Post reply").click()
    page.wait_for_load_state("load")
    assert page.get_by_text("We use a two-person review.").is_visible()

    page.context.clear_cookies()  # sign out
    sign_in(page, gov_member.email)
    page.goto(f"/c/ai-cop/forum/t/{topic.pk}/")
    page.get_by_role("button", name=re.compile("Accept as the answer")).first.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_role("heading", name="Accepted answer, by Ana Analyst").is_visible()
    assert_accessible(page, "forum-topic-solved")

    # Ana's reply told the asker (who watches their topic): the bell, then the settings.
    page.get_by_role("link", name=re.compile("Notifications")).first.click()
    assert_accessible(page, "forum-notifications")
    assert page.get_by_text("Ana Analyst").first.is_visible()
    page.get_by_role("link", name="What you follow and how we e-mail you").click()
    assert_accessible(page, "forum-notification-settings")
    page.locator("label", has_text="One summary e-mail a day").click()
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state("load")
    assert page.get_by_label("One summary e-mail a day").is_checked()


def test_organizer_opens_category_and_closes_topic(page, assert_accessible, sign_in,
                                                   organizer, forum, community):
    webinar = EventFactory(community=community, title="Responsible AI webinar",
                           access_level=AccessLevel.PUBLIC)
    sign_in(page, organizer.email, totp_secret=TOTP_SECRET)
    page.goto("/c/ai-cop/forum/")
    page.get_by_role("link", name="New category").click()
    assert_accessible(page, "forum-category-form")
    page.get_by_label("Name").fill("Announcements")
    page.get_by_label("Address").fill("announcements")
    page.get_by_label("Everyone, including visitors who are not signed in").check()
    page.get_by_label("Organizers and the group's leads").check()
    page.get_by_role("button", name="Open the category").click()
    page.wait_for_load_state("load")
    assert Category.objects.get(slug="announcements").access_level == AccessLevel.PUBLIC
    page.get_by_role("link", name="Start a topic").click()
    page.get_by_label("Title").fill("Welcome")
    page.get_by_label("Message").fill(
        f"Hello, everyone. First up: [our webinar]({webinar.get_absolute_url()}).")
    page.get_by_role("button", name="Post").click()
    page.wait_for_load_state("load")
    # The link shows as a card (axe runs on the page with it below).
    assert page.get_by_role("list", name=re.compile("Linked from this post")).get_by_role(
        "link", name="Responsible AI webinar").is_visible()
    page.get_by_role("button", name="Close").click()
    page.wait_for_load_state("load")
    assert page.get_by_text("The topic is closed.").is_visible()
    assert_accessible(page, "forum-topic-closed")


def test_member_flags_a_post_and_organizer_hides_it(page, assert_accessible, sign_in,
                                                    organizer, gov_member, make_user, forum):
    topic = topic_start(category=forum["ask"], author=gov_member, title="Vendor question",
                        body_markdown="Which evaluation tools do you use?").forum_topic
    seller = make_user("seller@example.gov", name="Sam Seller")
    reply_create(topic=topic, author=seller, body_markdown="Buy our tool, contact me!")
    sign_in(page, gov_member.email)
    page.goto(f"/c/ai-cop/forum/t/{topic.pk}/")
    page.get_by_role("link", name=re.compile("Flag this post by Sam Seller")).click()
    assert_accessible(page, "forum-flag")
    page.locator("label", has_text="Spam or advertising").click()
    page.get_by_label(re.compile("Anything the moderators")).fill("An advert")
    page.get_by_role("button", name="Flag the post").click()
    page.wait_for_load_state("load")
    assert page.get_by_text("the moderators will look at this post").is_visible()

    page.context.clear_cookies()
    sign_in(page, organizer.email, totp_secret=TOTP_SECRET)
    page.goto("/c/ai-cop/forum/moderation/")
    assert_accessible(page, "forum-moderation")
    assert page.get_by_text("An advert").is_visible()
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile("Hide the post")).click()
    assert page.get_by_text("No flagged posts.").is_visible()
    page.goto(f"/c/ai-cop/forum/t/{topic.pk}/")
    assert "Buy our tool" not in page.content()


def test_public_participant_finds_nothing_of_the_government_category(page, sign_in,
                                                                    public_user, forum,
                                                                    gov_member):
    topic = topic_start(category=forum["ask"], author=gov_member, title="Internal budget",
                        body_markdown="numbers").forum_topic
    sign_in(page, public_user.email)
    page.goto("/c/ai-cop/forum/")
    assert "Ask the community" not in page.content()
    response = page.goto(f"/c/ai-cop/forum/t/{topic.pk}/")
    assert response.status == 404


def test_organizer_splits_a_side_conversation_and_merges_a_duplicate(
        page, assert_accessible, sign_in, organizer, gov_member, make_user, forum):
    ana = make_user("ana@nih.gov", name="Ana Analyst")
    first = topic_start(category=forum["ask"], author=gov_member, title="Model cards",
                        body_markdown="Who writes them?").forum_topic
    reply_create(topic=first, author=ana, body_markdown="Our data scientists do.")
    reply_create(topic=first, author=ana, body_markdown="Unrelated: who has a GPU quota?")
    duplicate = topic_start(category=forum["ask"], author=ana, title="Writing model cards",
                            body_markdown="Who should write model cards?").forum_topic
    sign_in(page, organizer.email, totp_secret=TOTP_SECRET)

    page.goto(f"/c/ai-cop/forum/t/{first.pk}/")
    page.get_by_role("link", name="Split replies into a new topic").click()
    assert_accessible(page, "forum-topic-split")
    page.locator("label", has_text="who has a GPU quota").click()
    page.get_by_label("Title of the new topic").fill("GPU quotas")
    with page.expect_navigation():
        page.get_by_role("button", name="Split into a new topic").click()
    assert page.get_by_role("heading", name="GPU quotas").is_visible()
    assert Topic.objects.get(pk=first.pk).reply_count == 1

    page.goto(f"/c/ai-cop/forum/t/{duplicate.pk}/")
    page.get_by_role("link", name="Merge into another topic").click()
    assert_accessible(page, "forum-topic-merge")
    page.get_by_label("Merge into").select_option(value=str(first.pk))
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
    assert_accessible(page, "forum-topic-merge-confirm")
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile("Merge into “Model cards”")).click()
    assert page.get_by_text("Who should write model cards?").is_visible()
    assert not Topic.objects.filter(pk=duplicate.pk).exists()


def test_the_new_forum_pages_fit_a_phone(page, assert_accessible, sign_in, organizer,
                                         gov_member, forum, community):
    """At 390 px: a topic with a link card and the mention field, and the merge and split
    pages, pass axe and do not scroll sideways."""
    webinar = EventFactory(community=community, title="Responsible AI webinar",
                           access_level=AccessLevel.PUBLIC)
    first = topic_start(category=forum["ask"], author=gov_member, title="Model cards",
                        body_markdown=f"See [the webinar]({webinar.get_absolute_url()}).")
    reply_create(topic=first.forum_topic, author=organizer, body_markdown="A side question")
    later = topic_start(category=forum["ask"], author=gov_member, title="Model cards again",
                        body_markdown="Same question.").forum_topic
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, organizer.email, totp_secret=TOTP_SECRET)
    topic = first.forum_topic
    for path, name in ((f"/c/ai-cop/forum/t/{topic.pk}/", "forum-topic-phone"),
                       (f"/c/ai-cop/forum/t/{topic.pk}/split/", "forum-split-phone"),
                       (f"/c/ai-cop/forum/t/{later.pk}/merge/", "forum-merge-phone")):
        page.goto(path)
        assert_accessible(page, name)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, path
    page.goto(f"/c/ai-cop/forum/t/{topic.pk}/")
    page.get_by_label("Mention someone").fill("Mia")
    page.get_by_role("button", name="@Mia Member").focus()
    page.keyboard.press("Enter")
    assert "@Mia Member " in page.get_by_label("Your reply").input_value()
