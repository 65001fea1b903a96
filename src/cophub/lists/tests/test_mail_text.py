"""What list mail says in its plain-text part: a post written on the web (Markdown) as
readable text, an e-mailed post as its sender wrote it, and a footer whose ways to leave
all work; the welcome message carries the subscriber's own unsubscribe link."""

from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from django.core import mail
from django.utils import timezone

from cophub.events.models import Event
from cophub.lists.models import Digest, Subscription
from cophub.lists.newsletter.services import newsletter_issue_render
from cophub.lists.services import (
    confirmation_confirm,
    post_compose,
    post_receive,
    subscription_request,
)
from cophub.lists.services.delivery import list_footer, post_text
from cophub.lists.services.digests import digest_plain
from cophub.lists.tests.auth_helpers import authenticated

pytestmark = pytest.mark.django_db

MARKDOWN = """Hello **everyone**,

The *May* meeting is on [the events page](https://ai.example.gov/events/42/).

- Agenda: model cards
- Bring `questions`
"""


def _sent(outbox_message):
    return message_from_bytes(outbox_message.message().as_bytes(), policy=policy.default)


def test_a_post_written_on_the_web_reaches_subscribers_as_readable_text(
        gov_list, organizer, make_subscription, django_capture_on_commit_callbacks, settings):
    make_subscription(gov_list, "jane@va.gov")
    with django_capture_on_commit_callbacks(execute=True):
        post_compose(mailing_list=gov_list, author=organizer, subject="May meeting",
                     body_markdown=MARKDOWN)

    [copy] = mail.outbox
    message = _sent(copy)
    text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")
    html = message.get_body(("html",)).get_content()
    assert text.startswith(
        "Hello everyone,\n\n"
        "The May meeting is on the events page (https://ai.example.gov/events/42/).\n\n"
        "- Agenda: model cards\n"
        "- Bring questions\n")
    assert "**" not in text and "*May*" not in text and "`" not in text and "](" not in text
    assert "<strong>everyone</strong>" in html  # the HTML part is the Markdown rendered
    # The footer: every way to leave it names is there, and none that is not.
    assert "unsubscribe link" not in text
    assert "ai-leave@lists.localhost" in text
    assert f"{settings.SITE_URL}/lists/my/" in text
    assert f'href="{settings.SITE_URL}/lists/my/"' in html


def test_an_emailed_post_keeps_the_text_its_sender_wrote(gov_list, make_subscription):
    make_subscription(gov_list, "jane@va.gov", name="Jane Doe")
    message = EmailMessage()
    message["From"], message["To"] = "Jane Doe <jane@va.gov>", "ai@lists.localhost"
    message["Subject"], message["Message-ID"] = "Stars", "<stars@va.gov>"
    message.set_content("Rate it *****, not **bold**.\n- a line, not a list item")
    post = post_receive(mailing_list=gov_list, message=message,
                        authentication=authenticated(message))

    assert post_text(post) == "Rate it *****, not **bold**.\n- a line, not a list item"


def test_the_footer_web_address_is_where_a_subscriber_leaves(
        client, gov_list, gov_member, make_subscription, settings):
    subscription = make_subscription(gov_list, "member@va.gov", user=gov_member)
    text, _ = list_footer(gov_list)
    url = next(word for word in text.split() if word.startswith(settings.SITE_URL + "/lists/my"))
    path = url.removeprefix(settings.SITE_URL)

    assert client.get(path).status_code == 302  # sign in first, as the footer says
    client.force_login(gov_member)
    assert "AI CoP" in client.get(path).content.decode()
    client.post(path, {"subscription": subscription.pk, "action": "leave"})

    subscription.refresh_from_db()
    assert subscription.state == Subscription.State.UNSUBSCRIBED


def test_the_welcome_message_carries_the_subscribers_own_unsubscribe_link(
        client, gov_list, django_capture_on_commit_callbacks, settings):
    gov_list.description = "Talk about **AI** in government. See [the charter](https://x.gov)."
    gov_list.save(update_fields=["description"])
    confirmation = subscription_request(mailing_list=gov_list, email="jane@va.gov", via="web")
    with django_capture_on_commit_callbacks(execute=True):
        subscription = confirmation_confirm(token=confirmation.token)

    [welcome] = mail.outbox
    assert "Talk about AI in government. See the charter (https://x.gov)." in welcome.body
    assert "unsubscribe link at the foot" not in welcome.body
    url = next(word for word in welcome.body.split()
               if word.startswith(f"{settings.SITE_URL}/lists/unsubscribe/"))
    client.post(url.removeprefix(settings.SITE_URL), {"List-Unsubscribe": "One-Click"})
    subscription.refresh_from_db()
    assert subscription.state == Subscription.State.UNSUBSCRIBED


def test_a_digest_shows_web_posts_as_text(gov_list, organizer, make_subscription):
    post = post_compose(mailing_list=gov_list, author=organizer, subject="May meeting",
                        body_markdown=MARKDOWN)
    digest = Digest(mailing_list=gov_list, period=Digest.Period.DAILY,
                    starts_at=post.published_at, ends_at=post.published_at, posts_count=1)

    text = digest_plain(digest=digest, posts=[post])

    assert "The May meeting is on the events page (https://ai.example.gov/events/42/)." in text
    assert "Hello everyone," in text and "Hello **" not in text



def test_a_newsletter_issue_text_part_is_its_markdown_as_text(make_issue, public_list,
                                                              community, settings):
    Event.objects.create(community=community, kind=Event.Kind.WEBINAR, title="Open *webinar*",
                         starts_at=timezone.now() + timedelta(days=3),
                         ends_at=timezone.now() + timedelta(days=3, hours=1),
                         status=Event.Status.PUBLISHED)
    issue = make_issue([public_list], body="## March\n\n**Welcome** to the "
                       "[new site](https://ai.example.gov).\n\n{{ upcoming_events }}")

    _, text = newsletter_issue_render(issue=issue)

    assert text.startswith("March\n\nWelcome to the new site (https://ai.example.gov).\n\n"
                           "Upcoming events\n\n- Open *webinar* (")
    assert f"{settings.SITE_URL}/c/ai-cop/events/" in text
    assert "**" not in text and "##" not in text and "](" not in text
