"""The mailing list journeys: a government member subscribes on the web and reads a thread
in the archive; a public participant is refused the government list and its archive; an
organizer moderates. Every page is checked with axe."""

import re
from email.message import EmailMessage

import pytest

from cophub.lists import services
from cophub.lists.inbound.authentication import AuthResult
from cophub.lists.models import MailingList, Subscriber, Subscription

from .conftest import TOTP_SECRET

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _mail(mailing_list, *, sender, subject, message_id, body, in_reply_to=None):
    """A post as it arrives through the mail server, its sender authenticated (as the
    site's own MTA would report with a DKIM pass aligned with From)."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mailing_list.address
    message["Subject"] = subject
    message["Message-ID"] = f"<{message_id}@example.org>"
    if in_reply_to:
        message["In-Reply-To"] = f"<{in_reply_to}@example.org>"
    message.set_content(body)
    domain = sender.rpartition("@")[2].rstrip(">")
    return services.post_receive(
        mailing_list=mailing_list, message=message,
        authentication=AuthResult(passed=True, method="dkim", domain=domain,
                                  reason=f"DKIM signature of {domain} verified"))


@pytest.fixture
def lists(community, make_user):
    """ai@ (government, discussion) with a two-post thread; aipublic@ (anyone)."""
    gov = MailingList.objects.create(
        community=community, local_part="ai", name="AI CoP", subject_prefix="[AI CoP]",
        audience="government", kind="discussion", archive_access_level="government",
        description="The government-only discussion list of the **AI CoP**.")
    public = MailingList.objects.create(
        community=community, local_part="aipublic", name="AI CoP Public",
        audience="anyone", kind="announce", archive_access_level="public")
    for email in ("ravi@nasa.gov", "lee@gsa.gov"):
        subscriber = Subscriber.objects.create(email=email, name=email.split("@")[0].title())
        Subscription.objects.create(mailing_list=gov, subscriber=subscriber, via="import")
    question = _mail(gov, sender="Ravi <ravi@nasa.gov>", subject="Evaluating LLM vendors",
                     message_id="q1", body="Which criteria did your agency use?")
    _mail(gov, sender="Lee <lee@gsa.gov>", subject="Re: Evaluating LLM vendors",
          message_id="r1", in_reply_to="q1", body="We used the NIST AI RMF profiles.")
    return {"gov": gov, "public": public, "question": question}


def test_government_member_subscribes_and_reads_a_thread(page, assert_accessible, sign_in,
                                                         gov_member, lists):
    sign_in(page, gov_member.email)
    page.goto("/lists/")
    assert_accessible(page, "lists-index")
    page.locator("main").get_by_role("link", name="AI CoP", exact=True).click()
    page.wait_for_load_state("load")
    assert page.get_by_role("heading", level=1, name="AI CoP").is_visible()
    assert page.get_by_text("ai-join@", exact=False).first.is_visible()
    assert_accessible(page, "list-detail")

    page.locator("#subscribe").get_by_role("button", name="Subscribe").click()
    page.wait_for_load_state("load")
    assert page.get_by_text("You are subscribed to AI CoP").is_visible()
    assert page.get_by_role("heading", name="Your subscription").is_visible()
    assert Subscription.objects.filter(mailing_list=lists["gov"],
                                       subscriber__email="member@va.gov",
                                       state="active").exists()
    assert_accessible(page, "list-detail-subscribed")

    page.get_by_role("link", name="Read the archive").click()
    page.wait_for_load_state("load")
    main = page.locator("main")
    assert main.get_by_role("link", name="Evaluating LLM vendors", exact=True).is_visible()
    assert main.get_by_role("link", name="Re: Evaluating LLM vendors").is_visible()
    assert_accessible(page, "archive")

    main.get_by_role("link", name="Re: Evaluating LLM vendors").click()
    page.wait_for_load_state("load")
    assert page.get_by_text("We used the NIST AI RMF profiles.").is_visible()
    assert page.get_by_text("In reply to:").is_visible()
    assert_accessible(page, "archive-post")


def test_public_participant_cannot_join_or_read_the_government_list(
        page, assert_accessible, sign_in, public_user, lists):
    sign_in(page, public_user.email)
    page.goto("/lists/ai/")
    assert page.get_by_text("Only people with a government e-mail address").is_visible()
    assert_accessible(page, "list-detail-public")
    # No form that can only fail: the reason, and what to do instead.
    assert page.locator("#subscribe").get_by_role("button", name="Subscribe").count() == 0
    assert page.get_by_role("link", name=re.compile("government e-mail address")).is_visible()
    assert not Subscription.objects.filter(subscriber__email="pat@example.com").exists()

    response = page.goto("/lists/ai/archive/")
    assert response.status == 404
    response = page.goto(f"/lists/ai/archive/{lists['question'].pk}/")
    assert response.status == 404
    assert "Evaluating LLM vendors" not in page.content()


def test_organizer_moderates_a_held_post(page, assert_accessible, sign_in, organizer, lists):
    gov = lists["gov"]
    gov.moderation = MailingList.Moderation.ALL
    gov.save()
    _mail(gov, sender="Ravi <ravi@nasa.gov>", subject="Hiring an AI lead",
          message_id="h1", body="We are hiring.")
    sign_in(page, organizer.email, totp_secret=TOTP_SECRET)
    page.goto("/lists/ai/moderation/")
    assert page.get_by_role("heading", name="Hiring an AI lead").is_visible()
    assert_accessible(page, "moderation")
    page.get_by_role("button", name="Reject with reason").click()
    page.wait_for_load_state("load")
    assert page.get_by_text("Say why the post is rejected").first.is_visible()
    assert_accessible(page, "moderation-error")
    page.get_by_label(re.compile("Reason for rejecting")).fill("Please use the jobs board.")
    page.get_by_role("button", name="Reject with reason").click()
    page.wait_for_load_state("load")
    assert page.get_by_text("Nothing is waiting for moderation.").is_visible()

    for path, label in (("/lists/ai/subscribers/", "subscribers"),
                        ("/lists/ai/bounces/", "bounces"), ("/lists/ai/compose/", "compose")):
        page.goto(path)
        assert_accessible(page, label)
    page.get_by_label("Subject").fill("Meeting on Thursday")
    page.get_by_label("Message").fill("Agenda:\n\n- **Vendors**\n- Hiring")
    page.get_by_role("button", name="Preview").click()
    page.wait_for_load_state("load")
    assert page.locator("main strong", has_text="Vendors").is_visible()
    assert_accessible(page, "compose-preview")
    page.get_by_role("button", name="Send to the list").click()
    page.wait_for_load_state("load")
    assert page.get_by_role("heading", level=1, name="Meeting on Thursday").is_visible()


def test_one_click_page_and_my_subscriptions(page, assert_accessible, sign_in, gov_member,
                                             lists):
    from cophub.lists.services import unsubscribe_url

    subscription = services.subscription_request(
        mailing_list=lists["gov"], email=gov_member.email, user=gov_member, via="web")
    sign_in(page, gov_member.email)
    page.goto("/lists/my/")
    assert page.get_by_role("link", name="AI CoP", exact=True).is_visible()
    assert_accessible(page, "my-subscriptions")
    page.context.clear_cookies()  # the one-click link works with no session
    link = unsubscribe_url(subscription=subscription)
    page.goto(link[link.index("/lists/"):])
    assert_accessible(page, "one-click")
    page.get_by_role("button", name="Unsubscribe").click()
    page.wait_for_load_state("load")
    assert page.get_by_role("heading", name="You have left AI CoP").is_visible()
    subscription.refresh_from_db()
    assert subscription.state == "unsubscribed"
