"""The list pages: index, list page and subscribing, confirmations, one's subscriptions, the
threaded archive with permalinks and search, and the owners' compose, moderation,
subscribers and bounces pages. State changes go through the services."""

import pytest
from django.core import mail
from django.urls import reverse

from cophub.communities.models import CommunityRole
from cophub.communities.services import community_role_ensure
from cophub.lists import services
from cophub.lists.models import Bounce, Confirmation, MailingList, Post, Subscription

from .web_helpers import mail_post

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return response.content.decode()


def url(name, *args):
    return reverse(f"lists:{name}", args=args)


@pytest.fixture
def thread(gov_list, make_subscription, gov_member, make_user,
           django_capture_on_commit_callbacks):
    """On ai@: a question, two replies (one nested under the other), and a later thread."""
    make_subscription(gov_list, "member@va.gov", user=gov_member)
    other = make_user("ravi@nasa.gov", name="Ravi Rao")
    make_subscription(gov_list, "ravi@nasa.gov", user=other)
    with django_capture_on_commit_callbacks(execute=True):
        first = mail_post(gov_list, subject="Which LLM for FOIA?", message_id="q1",
                          body="We are choosing a model for FOIA triage.")
        reply = mail_post(gov_list, sender="Ravi Rao <ravi@nasa.gov>",
                          subject="Re: Which LLM for FOIA?", message_id="r1", in_reply_to="q1",
                          body="We piloted two; happy to share notes.")
        nested = mail_post(gov_list, subject="Re: Which LLM for FOIA?", message_id="r2",
                           in_reply_to="r1", body="Yes please, send them over.")
        later = mail_post(gov_list, subject="Agenda for March", message_id="a1",
                          body="Draft agenda attached.")
    return {"first": first, "reply": reply, "nested": nested, "later": later}


# --- index and the list page -------------------------------------------------------------

def test_index_groups_lists_by_community_with_subscribe_state(client, gov_list, public_list,
                                                              gov_member, make_subscription):
    make_subscription(gov_list, "member@va.gov", user=gov_member)
    client.force_login(gov_member)
    page = text(client.get(url("index")))
    assert "AI Community of Practice" in page
    assert "ai@lists.localhost" in page and "aipublic@lists.localhost" in page
    assert "Government members only" in page and "Announcements: only organizers post" in page
    assert page.count("Subscribed</span> as member@va.gov") == 1


def test_index_query_count_does_not_grow_with_lists(client, make_list, gov_member,
                                                    make_subscription,
                                                    django_assert_max_num_queries):
    for i in range(12):
        ml = make_list(f"list{i}")
        make_subscription(ml, "member@va.gov", user=gov_member)
    client.force_login(gov_member)
    with django_assert_max_num_queries(12):
        response = client.get(url("index"))
    assert text(response).count("usa-card__heading") == 12


def test_government_list_page_says_how_to_join_by_email_to_everyone(client, gov_list):
    page = text(client.get(url("detail", "ai")))
    assert "ai-join@lists.localhost" in page and "ai-request@lists.localhost" in page
    assert "Only people with a government e-mail address" in page
    assert 'name="email"' in page  # visitors may type an address (checked on submit)


def test_unknown_list_is_404(client, gov_list):
    assert client.get(url("detail", "nope")).status_code == 404


def test_public_participant_is_refused_and_nothing_changes(client, gov_list, public_user):
    client.force_login(public_user)
    page = text(client.get(url("detail", "ai")))
    assert "pat@example.com" in page  # their verified address is offered…
    response = client.post(url("subscribe", "ai"), {"email": "pat@example.com",
                                                    "delivery": "each"})
    assert response.status_code == 400
    assert "government" in text(response).lower()
    assert not Subscription.objects.exists() and not Confirmation.objects.exists()
    assert mail.outbox == []


def test_anonymous_government_address_gets_a_confirmation_mail(
        client, gov_list, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("subscribe", "ai"), {
            "email": "new.person@va.gov", "name": "New Person", "delivery": "daily"})
    assert response.status_code == 302
    confirmation = Confirmation.objects.get()
    assert (confirmation.email, confirmation.delivery) == ("new.person@va.gov", "daily")
    assert not Subscription.objects.exists()
    assert [m.to for m in mail.outbox] == [["new.person@va.gov"]]
    assert "confirmation message" in text(client.get(response.url))


def test_anonymous_form_errors_are_shown(client, gov_list):
    response = client.post(url("subscribe", "ai"), {"email": "not an address"})
    assert response.status_code == 400
    assert "Enter a valid email address" in text(response)
    assert not Confirmation.objects.exists()


def test_subscribe_is_post_only(client, gov_list):
    assert client.get(url("subscribe", "ai")).status_code == 405


def test_signed_in_member_subscribes_a_verified_address_at_once(client, gov_list, gov_member,
                                                                 make_user):
    client.force_login(gov_member)
    response = client.post(url("subscribe", "ai"), {"email": "member@va.gov",
                                                    "delivery": "weekly"})
    assert response.status_code == 302
    subscription = Subscription.objects.get()
    assert (subscription.subscriber.email, subscription.delivery) == ("member@va.gov", "weekly")
    page = text(client.get(url("detail", "ai")))
    assert "Your subscription" in page and "Leave AI CoP" in page
    # Someone else's address is not among the choices: the form refuses it.
    make_user("other@va.gov")
    refused = client.post(url("subscribe", "ai"), {"email": "other@va.gov", "delivery": "each"})
    assert refused.status_code == 400 and Subscription.objects.count() == 1


def test_member_changes_delivery_and_leaves_on_the_list_page(client, gov_list, gov_member,
                                                              make_subscription):
    subscription = make_subscription(gov_list, "member@va.gov", user=gov_member)
    client.force_login(gov_member)
    prefix = f"s{subscription.pk}"
    response = client.post(url("detail", "ai"), {
        "action": "update", f"{prefix}-delivery": "daily", f"{prefix}-digest_format": "plain"})
    assert response.status_code == 302
    subscription.refresh_from_db()
    assert (subscription.delivery, subscription.digest_format) == ("daily", "plain")
    client.post(url("detail", "ai"), {"action": "leave"})
    subscription.refresh_from_db()
    assert subscription.state == Subscription.State.UNSUBSCRIBED


def test_announce_list_offers_no_digests(client, public_list, public_user, make_subscription):
    subscription = make_subscription(public_list, "pat@example.com", user=public_user)
    client.force_login(public_user)
    page = text(client.get(url("detail", "aipublic")))
    assert 'value="daily"' not in page
    prefix = f"s{subscription.pk}"
    response = client.post(url("detail", "aipublic"), {
        "action": "update", f"{prefix}-delivery": "daily", f"{prefix}-digest_format": "mime"})
    assert response.status_code == 400
    subscription.refresh_from_db()
    assert subscription.delivery == "each"


# --- confirmations ---------------------------------------------------------------------------

def test_confirm_link_shows_a_button_and_only_post_confirms(client, gov_list):
    confirmation = services.subscription_request(
        mailing_list=gov_list, email="new@va.gov", via=Subscription.Via.WEB)
    page = client.get(url("confirm", confirmation.token))
    assert page.status_code == 200 and "Confirm: join the list" in text(page)
    assert not Subscription.objects.exists()
    done = client.post(url("confirm", confirmation.token))
    assert done.status_code == 200 and "You are subscribed to AI CoP" in text(done)
    assert Subscription.objects.get().subscriber.email == "new@va.gov"


def test_invalid_confirmation_token_explains_without_404(client, gov_list):
    for response in (client.get(url("confirm", "x" * 32)), client.post(url("confirm", "x" * 32))):
        assert response.status_code == 400
        assert "not valid" in text(response)


def test_used_confirmation_link_says_so_on_get(client, gov_list):
    confirmation = services.subscription_request(
        mailing_list=gov_list, email="new@va.gov", via=Subscription.Via.WEB)
    services.confirmation_confirm(token=confirmation.token)
    response = client.get(url("confirm", confirmation.token))
    assert response.status_code == 400 and "already been used" in text(response)


# --- my subscriptions ------------------------------------------------------------------------

def test_my_subscriptions_lists_and_changes_only_my_own(client, gov_list, public_list,
                                                        gov_member, make_subscription):
    mine = make_subscription(gov_list, "member@va.gov", user=gov_member)
    theirs = make_subscription(public_list, "someone@example.com")
    client.force_login(gov_member)
    page = text(client.get(url("my_subscriptions")))
    assert "AI CoP" in page and "AI CoP Public" not in page
    response = client.post(url("my_subscriptions"), {
        "subscription": mine.pk, "action": "update", f"s{mine.pk}-delivery": "none",
        f"s{mine.pk}-digest_format": "mime"})
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.delivery == "none"
    assert client.post(url("my_subscriptions"), {"subscription": theirs.pk,
                                                 "action": "leave"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.state == Subscription.State.ACTIVE


def test_my_subscriptions_needs_sign_in(client):
    response = client.get(url("my_subscriptions"))
    assert response.status_code == 302 and "/accounts/login/" in response.url


# --- the archive -----------------------------------------------------------------------------

def test_archive_nests_replies_and_puts_latest_activity_first(client, gov_member, thread):
    client.force_login(gov_member)
    page = text(client.get(url("archive", "ai")))
    # "Agenda" was posted after the last FOIA reply, so its thread comes first.
    assert page.index("Agenda for March") < page.index("Which LLM for FOIA?")
    # Nesting: threads (1), the question's replies (2), the reply's own reply (3).
    assert page.count('class="usa-list usa-list--unstyled cophub-thread"') == 3
    reply_at = page.index(url("archive_post", "ai", thread["reply"].pk))
    assert reply_at < page.index(url("archive_post", "ai", thread["nested"].pk))
    assert "Ravi Rao" in page and "member@va.gov" in page  # government readers see addresses


def test_archive_is_paginated_by_thread(client, gov_member, gov_list, make_subscription,
                                        django_capture_on_commit_callbacks,
                                        django_assert_max_num_queries):
    make_subscription(gov_list, "member@va.gov", user=gov_member)
    with django_capture_on_commit_callbacks(execute=True):
        for i in range(25):
            root = mail_post(gov_list, subject=f"Topic {i:02d}", message_id=f"t{i}")
            mail_post(gov_list, subject=f"Re: Topic {i:02d}", message_id=f"t{i}r",
                      in_reply_to=f"t{i}")
    client.force_login(gov_member)
    with django_assert_max_num_queries(14):
        first = text(client.get(url("archive", "ai")))
    assert "Topic 24" in first and "Topic 04" not in first and "Page 1 of 2" in first
    second = text(client.get(url("archive", "ai"), {"page": 2}))
    assert "Topic 04" in second and "Re: Topic 04" in second and "Topic 24" not in second
    assert root.thread_id == root.pk


def test_permalink_shows_headers_body_and_thread(client, gov_member, thread):
    client.force_login(gov_member)
    reply = thread["reply"]
    page = text(client.get(url("archive_post", "ai", reply.pk)))
    assert "From:" in page and "Ravi Rao &lt;ravi@nasa.gov&gt;" in page
    assert "We piloted two; happy to share notes." in page
    assert "In reply to:" in page and "This thread" in page
    assert 'aria-current="page">Re: Which LLM for FOIA?' in page
    assert "Yes please" not in page  # only bodies of the post itself; thread by subject
    assert url("archive_post", "ai", thread["nested"].pk) in page


def test_permalink_of_another_lists_post_is_404(client, organizer, thread, public_list):
    client.force_login(organizer)
    assert client.get(url("archive_post", "aipublic", thread["first"].pk)).status_code == 404


def test_held_posts_are_not_in_the_archive(client, organizer, gov_list, make_subscription,
                                           gov_member):
    gov_list.moderation = MailingList.Moderation.ALL
    gov_list.save()
    make_subscription(gov_list, "member@va.gov", user=gov_member)
    held = mail_post(gov_list, subject="Please hold")
    assert held.status == Post.Status.HELD
    client.force_login(organizer)
    assert "Please hold" not in text(client.get(url("archive", "ai")))
    assert client.get(url("archive_post", "ai", held.pk)).status_code == 404


def test_html_bodies_are_sanitised_on_the_permalink(client, public_list, organizer,
                                                    django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        post = services.post_compose(mailing_list=public_list, author=organizer,
                                     subject="Links", body_markdown="**Bold**")
    Post.objects.filter(pk=post.pk).update(
        body_markdown="", body_html='<p onclick="x()">Hi<script>alert(1)</script></p>')
    page = text(client.get(url("archive_post", "aipublic", post.pk)))
    assert "<p>Hi</p>" in page and "onclick" not in page and "alert(1)" not in page


def test_archive_search_finds_this_lists_posts(client, gov_member, thread, public_list,
                                               organizer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        services.post_compose(mailing_list=public_list, author=organizer,
                              subject="FOIA office hours", body_markdown="FOIA for everyone")
    client.force_login(gov_member)
    page = text(client.get(url("archive", "ai"), {"q": "FOIA"}))
    assert "Which LLM for <mark>FOIA</mark>" in page and "3 messages found" in page
    assert "office hours" not in page  # another list's post
    assert "Agenda for March" not in page


# --- owners' pages ---------------------------------------------------------------------------

def test_compose_previews_then_sends(client, organizer, public_list,
                                     django_capture_on_commit_callbacks):
    client.force_login(organizer)
    form = {"subject": "March meeting", "body_markdown": "Join us on **March 5**."}
    preview = client.post(url("compose", "aipublic"), {**form, "action": "preview"})
    assert preview.status_code == 200 and "<strong>March 5</strong>" in text(preview)
    assert not Post.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(url("compose", "aipublic"), {**form, "action": "send"})
    post = Post.objects.get()
    assert post.status == Post.Status.PUBLISHED and post.author == organizer
    assert sent.status_code == 302 and sent.url == url("archive_post", "aipublic", post.pk)


def test_compose_requires_subject_and_body(client, organizer, public_list):
    client.force_login(organizer)
    response = client.post(url("compose", "aipublic"), {"action": "send", "subject": ""})
    assert response.status_code == 400 and "This field is required" in text(response)
    assert not Post.objects.exists()


def test_moderation_approves_rejects_with_reason_and_discards(
        client, organizer, gov_list, make_subscription, gov_member,
        django_capture_on_commit_callbacks):
    gov_list.moderation = MailingList.Moderation.ALL
    gov_list.save()
    make_subscription(gov_list, "member@va.gov", user=gov_member)
    first = mail_post(gov_list, subject="First", message_id="m1")
    second = mail_post(gov_list, subject="Second", message_id="m2")
    third = mail_post(gov_list, subject="Third", message_id="m3")
    client.force_login(organizer)
    page = text(client.get(url("moderation", "ai")))
    assert "3 messages waiting" in page and "Every post to this list is moderated" in page
    no_reason = client.post(url("moderation", "ai"), {"post": second.pk, "action": "reject"})
    assert no_reason.status_code == 400 and "Say why the post is rejected" in text(no_reason)
    second.refresh_from_db()
    assert second.status == Post.Status.HELD
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("moderation", "ai"), {"post": first.pk, "action": "approve"})
        client.post(url("moderation", "ai"), {"post": second.pk, "action": "reject",
                                              "reason": "Off topic for this list."})
        client.post(url("moderation", "ai"), {"post": third.pk, "action": "discard"})
    statuses = dict(Post.objects.values_list("subject", "status"))
    assert statuses == {"First": "published", "Second": "rejected", "Third": "discarded"}
    assert "Nothing is waiting" in text(client.get(url("moderation", "ai")))


def test_approve_and_whitelist_lets_the_sender_skip_moderation(client, organizer, gov_list,
                                                               make_subscription, gov_member):
    gov_list.moderation = MailingList.Moderation.ALL
    gov_list.save()
    make_subscription(gov_list, "member@va.gov", user=gov_member)
    held = mail_post(gov_list, subject="One", message_id="w1")
    client.force_login(organizer)
    client.post(url("moderation", "ai"), {"post": held.pk, "action": "approve_whitelist"})
    assert mail_post(gov_list, subject="Two", message_id="w2").status == Post.Status.PUBLISHED


def test_subscribers_page_counts_and_searches(client, organizer, gov_list, make_subscription,
                                              django_assert_max_num_queries):
    for i in range(60):
        make_subscription(gov_list, f"person{i:02d}@va.gov",
                          delivery="daily" if i % 2 else "each",
                          state="disabled" if i == 0 else "active")
    client.force_login(organizer)
    with django_assert_max_num_queries(14):
        page = text(client.get(url("subscribers", "ai")))
    assert "60 in all" in page and "Page 1 of 2" in page
    assert "<td>29</td><td>30</td>" in page  # active: 29 each, 30 daily
    found = text(client.get(url("subscribers", "ai"), {"q": "person07"}))
    assert "person07@va.gov" in found and "person08@va.gov" not in found


def test_bounces_page_shows_unparseable_bounces_and_paused_subscriptions(
        client, organizer, gov_list, make_subscription):
    paused = make_subscription(gov_list, "gone@va.gov", state="disabled")
    Bounce.objects.create(mailing_list=gov_list, kind=Bounce.Kind.UNPARSEABLE,
                          diagnostic="No DSN part; first line: 'Mail delivery failed'")
    Bounce.objects.create(mailing_list=gov_list, subscription=paused, email="gone@va.gov",
                          kind=Bounce.Kind.HARD, diagnostic="550 5.1.1 user unknown")
    client.force_login(organizer)
    page = text(client.get(url("bounces", "ai")))
    assert "Mail delivery failed" in page and "550 5.1.1 user unknown" in page
    assert "(not found in the bounce)" in page and "gone@va.gov" in page
    assert "Re-enable" in page


def test_re_enable_turns_delivery_back_on(client, organizer, gov_list, make_subscription):
    paused = make_subscription(gov_list, "gone@va.gov", state="disabled")
    client.force_login(organizer)
    response = client.post(url("bounces", "ai"), {"subscription": paused.pk})
    assert response.status_code == 302
    paused.refresh_from_db()
    assert paused.state == Subscription.State.ACTIVE
    assert paused.bounce_score == 0


def test_owner_pages_need_mfa(client, make_user, community, gov_list):
    no_mfa = make_user("boss@gsa.gov")
    community_role_ensure(community=community, user=no_mfa, role=CommunityRole.Role.ORGANIZER)
    client.force_login(no_mfa)
    response = client.get(url("moderation", "ai"))
    assert response.status_code == 302 and response.url == reverse("mfa_index")
