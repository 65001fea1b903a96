"""Newsletter issues: blocks filled for every recipient, test sends, scheduling and the
fan-out (one copy per person, resumable)."""

from datetime import date, timedelta
from email.utils import parseaddr

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from cophub.core.access import AccessLevel
from cophub.core.models import AuditEvent, OutgoingMail
from cophub.events.models import Event
from cophub.learning.models import Series, Session
from cophub.library.models import Resource
from cophub.lists.addresses import address_parse, verp_address
from cophub.lists.models import NewsletterIssue, Post, Subscription
from cophub.lists.newsletter import selectors, sending
from cophub.lists.newsletter.services import (
    newsletter_issue_render,
    newsletter_issue_save,
    newsletter_issue_schedule,
    newsletter_issue_send,
    newsletter_issue_send_test,
    newsletter_issue_start_scheduled,
    newsletter_issue_unschedule,
)
from cophub.lists.newsletter.tasks import newsletter_issues_send_due

Status = NewsletterIssue.Status


@pytest.fixture
def make_event(community):
    def make(title, *, access_level=AccessLevel.PUBLIC, days=7, status=Event.Status.PUBLISHED,
             kind=Event.Kind.WEBINAR):
        starts = timezone.now() + timedelta(days=days)
        return Event.objects.create(community=community, kind=kind, title=title,
                                    starts_at=starts, ends_at=starts + timedelta(hours=1),
                                    access_level=access_level, status=status)

    return make


def make_resource(community, title, *, access_level=AccessLevel.PUBLIC, created_at=None):
    return Resource.objects.create(
        community=community, kind=Resource.Kind.DOCUMENT, title=title, slug="r",
        summary="A summary.", url="https://example.gov/doc", published_on=date(2026, 1, 1),
        access_level=access_level, created_at=created_at or timezone.now())


def make_post(mailing_list, subject, *, parent=None, published_at=None):
    post = Post.objects.create(
        mailing_list=mailing_list, status=Post.Status.PUBLISHED, source=Post.Source.WEB,
        sender_email="member@va.gov", subject=subject, body_text="Body.",
        message_id=f"{subject.replace(' ', '.')}@example.gov", parent=parent,
        published_at=published_at or timezone.now())
    post.thread = parent.thread if parent else post
    post.save(update_fields=["thread"])
    return post


def send(issue, actor, capture):
    with capture(execute=True):
        newsletter_issue_send(issue=issue, actor=actor)
    issue.refresh_from_db()
    return issue


# --- Blocks ------------------------------------------------------------------------------

def test_blocks_for_a_public_list_hold_only_public_items(make_issue, make_event, gov_list,
                                                         public_list):
    make_event("Open webinar")
    make_event("Members' huddle", access_level=AccessLevel.SIGNED_IN)
    make_event("Federal-only briefing", access_level=AccessLevel.GOVERNMENT)
    issue = make_issue([gov_list, public_list], body="Intro\n\n{{ upcoming_events }}\n\nBye")

    html, text = newsletter_issue_render(issue=issue)

    assert "Open webinar" in html and "Open webinar" in text
    assert "Federal-only briefing" not in html + text
    assert "Members" not in html + text
    assert "<h3>Upcoming events</h3>" in html
    assert "{{" not in html + text


def test_blocks_for_the_government_list_hold_government_items(make_issue, make_event,
                                                              gov_list):
    make_event("Open webinar")
    make_event("Federal-only briefing", access_level=AccessLevel.GOVERNMENT)
    make_event("Unpublished plan", status=Event.Status.DRAFT)
    make_event("Last month's meeting", days=-30)
    issue = make_issue([gov_list], body="{{ upcoming_events }}")

    html, _ = newsletter_issue_render(issue=issue)

    assert "Open webinar" in html and "Federal-only briefing" in html
    assert "Unpublished plan" not in html and "Last month" not in html


def test_a_block_count_limits_the_items(make_issue, make_event, public_list):
    for n in range(4):
        make_event(f"Webinar {n}", days=n + 1)
    issue = make_issue([public_list], body="{{ upcoming_events 2 }}")

    html, _ = newsletter_issue_render(issue=issue)

    assert "Webinar 0" in html and "Webinar 1" in html and "Webinar 2" not in html


def test_new_resources_are_those_added_since_the_previous_issue(
        community, organizer, make_issue, public_list, django_capture_on_commit_callbacks):
    make_resource(community, "Old primer", created_at=timezone.now() - timedelta(days=3))
    previous = send(make_issue([public_list], title="February"), organizer,
                    django_capture_on_commit_callbacks)
    assert previous.status == Status.SENT
    make_resource(community, "Fresh playbook [draft]")
    make_resource(community, "Secret memo", access_level=AccessLevel.GOVERNMENT)
    issue = make_issue([public_list], body="{{ new_resources }}")

    html, text = newsletter_issue_render(issue=issue)

    assert "Fresh playbook [draft]" in html and "Fresh playbook [draft]" in text
    assert "Old primer" not in html and "Secret memo" not in html


def test_new_discussions_are_thread_starts_the_recipients_may_read(make_issue, gov_list,
                                                                   public_list):
    start = make_post(gov_list, "Evaluating LLMs")
    make_post(gov_list, "Re: Evaluating LLMs", parent=start)
    make_post(public_list, "Public announcement")
    gov_issue = make_issue([gov_list], body="{{ new_discussions }}")
    both_issue = make_issue([gov_list, public_list], body="{{ new_discussions }}",
                            title="Both")

    gov_html, _ = newsletter_issue_render(issue=gov_issue)
    both_html, _ = newsletter_issue_render(issue=both_issue)

    assert "Evaluating LLMs" in gov_html and "Re: Evaluating" not in gov_html
    assert f"/lists/ai/archive/{start.pk}/" in gov_html
    assert "Evaluating LLMs" not in both_html and "Public announcement" in both_html


def test_training_sessions_block_lists_upcoming_sessions(community, make_issue, make_event,
                                                         public_list):
    series = Series.objects.create(community=community, slug="ai-2026", title="AI Training",
                                   year=2026)
    session_event = make_event("Prompting basics", kind=Event.Kind.TRAINING)
    Session.objects.create(event=session_event, series=series)
    gov_event = make_event("Secure deployment", kind=Event.Kind.TRAINING,
                           access_level=AccessLevel.GOVERNMENT)
    Session.objects.create(event=gov_event, series=series)
    issue = make_issue([public_list], body="{{ training_sessions }}\n\n{{ upcoming_events }}")

    html, _ = newsletter_issue_render(issue=issue)

    assert html.count("Prompting basics") == 1  # in its own block, not among the events
    assert "AI Training" in html and "Secure deployment" not in html
    assert "No events are scheduled yet." in html


def test_unknown_blocks_are_refused_by_name(community, organizer, public_list):
    with pytest.raises(ValidationError) as error:
        newsletter_issue_save(community=community, actor=organizer, data={
            "title": "Typo", "body_markdown": "{{ upcoming_event }}\n{{ upcoming_events 99 }}",
            "lists": [public_list], "access_level": AccessLevel.PUBLIC})
    messages = " ".join(error.value.message_dict["body_markdown"])
    assert "{{ upcoming_event }}" in messages
    assert "between 1 and 20" in messages
    assert not NewsletterIssue.objects.exists()


def test_a_block_inside_a_paragraph_is_refused(community, organizer, public_list):
    with pytest.raises(ValidationError, match="line of its own"):
        newsletter_issue_save(community=community, actor=organizer, data={
            "title": "Inline", "body_markdown": "See {{ upcoming_events }} below.",
            "lists": [public_list], "access_level": AccessLevel.PUBLIC})


def test_the_mailed_html_has_no_images_or_scripts(make_issue, public_list):
    issue = make_issue([public_list], body="![pixel](https://t.example.com/p.gif)\n\n"
                                           "<script>alert(1)</script> [Site](https://gsa.gov)")

    html, _ = newsletter_issue_render(issue=issue)

    assert "<img" not in html and "<script" not in html
    assert 'href="https://gsa.gov"' in html


def test_an_issue_to_a_list_anyone_can_join_must_be_public(make_issue, gov_list, public_list):
    with pytest.raises(ValidationError) as error:
        make_issue([gov_list, public_list], access_level=AccessLevel.GOVERNMENT)
    assert "must be public" in str(error.value.message_dict["access_level"])
    assert make_issue([gov_list], access_level=AccessLevel.GOVERNMENT).pk


def test_only_organizers_save_issues(community, gov_member, public_list):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        newsletter_issue_save(community=community, actor=gov_member, data={
            "title": "Mine", "body_markdown": "Hi", "lists": [public_list],
            "access_level": AccessLevel.PUBLIC})


# --- Test sends and sending ---------------------------------------------------------------

def test_a_test_send_goes_to_the_actor_only(organizer, make_issue, public_list,
                                            make_subscription,
                                            django_capture_on_commit_callbacks):
    make_subscription(public_list, "reader@example.com")
    issue = make_issue([public_list], title="April issue")

    with django_capture_on_commit_callbacks(execute=True):
        newsletter_issue_send_test(issue=issue, actor=organizer)

    assert [m.to for m in mail.outbox] == [[organizer.email]]
    assert mail.outbox[0].subject == "[Test] April issue"
    issue.refresh_from_db()
    assert issue.status == Status.DRAFT and issue.rendered_html == ""


def test_a_person_on_both_lists_gets_exactly_one_copy(organizer, make_issue, gov_list,
                                                      public_list, make_subscription,
                                                      django_capture_on_commit_callbacks):
    make_subscription(gov_list, "both@va.gov")
    make_subscription(public_list, "both@va.gov")
    make_subscription(public_list, "pat@example.com", delivery=Subscription.Delivery.NONE)
    make_subscription(gov_list, "gone@va.gov", state=Subscription.State.UNSUBSCRIBED)
    issue = make_issue([gov_list, public_list], body="Hello\n{{ upcoming_events }}\n"
                                                     "{{ upcoming_events }}")

    issue = send(issue, organizer, django_capture_on_commit_callbacks)

    assert sorted(m.to[0] for m in mail.outbox) == ["both@va.gov", "pat@example.com"]
    assert issue.status == Status.SENT and issue.sent_at and issue.recipients_count == 2
    # What the fan-out stored; how the outbox turns it into MIME is core.mail's to test.
    row = OutgoingMail.objects.select_related("content").get(to="both@va.gov")
    assert row.envelope_from == verp_address(local_part="ai", recipient="both@va.gov")  # VERP
    assert address_parse(row.envelope_from).verp_email == "both@va.gov"  # signed (issue 17)
    content = row.content
    assert content.subject == issue.title
    assert parseaddr(content.from_email) == ("AI CoP newsletter", gov_list.address)
    assert content.headers["Reply-To"] == gov_list.companion("owner")
    assert "ai-leave@" in row.headers["List-Unsubscribe"]  # the first list's
    assert row.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert row.headers["List-Id"].endswith(f"<{gov_list.list_id}>")
    assert "View in your browser" in content.body_html
    assert f"/newsletters/ai-cop/{issue.slug}/" in content.body_html
    assert "<img" not in content.body_html
    assert "View in your browser" in content.body_text
    assert issue.rendered_text.strip() in content.body_text
    assert AuditEvent.objects.filter(verb="lists.newsletter_issue.sent").count() == 1


def test_sending_twice_is_refused(organizer, make_issue, public_list,
                                  django_capture_on_commit_callbacks):
    issue = send(make_issue([public_list]), organizer, django_capture_on_commit_callbacks)
    with pytest.raises(ValidationError, match="sent already"):
        newsletter_issue_send(issue=issue, actor=organizer)


def test_the_fanout_resumes_after_a_crash_without_repeating(organizer, make_issue, gov_list,
                                                            public_list, make_subscription,
                                                            monkeypatch):
    for n in range(5):
        make_subscription(gov_list, f"gov{n}@va.gov")
        make_subscription(public_list, f"gov{n}@va.gov")
    make_subscription(public_list, "pat@example.com")
    issue = make_issue([gov_list, public_list])
    newsletter_issue_send(issue=issue, actor=organizer)  # fan-out task waits for commit
    real, calls = sending.mail_enqueue_many, []

    def crash_on_second_chunk(**kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("worker killed")
        return real(**kwargs)

    monkeypatch.setattr(sending, "mail_enqueue_many", crash_on_second_chunk)
    with pytest.raises(RuntimeError):
        sending.newsletter_issue_fanout(issue_id=issue.pk, chunk_size=2)
    issue.refresh_from_db()
    assert issue.status == Status.SENDING and issue.recipients_count == 2
    assert OutgoingMail.objects.count() == 2

    monkeypatch.setattr(sending, "mail_enqueue_many", real)
    assert sending.newsletter_issue_fanout(issue_id=issue.pk, chunk_size=2) == 6
    assert sending.newsletter_issue_fanout(issue_id=issue.pk, chunk_size=2) == 6  # idle rerun
    recipients = list(OutgoingMail.objects.values_list("to", flat=True))
    assert sorted(recipients) == sorted({*recipients}) and len(recipients) == 6
    issue.refresh_from_db()
    assert issue.status == Status.SENT


# --- Scheduling -----------------------------------------------------------------------------

def test_scheduling_needs_a_future_aware_time(organizer, make_issue, public_list):
    issue = make_issue([public_list])
    with pytest.raises(ValidationError, match="future"):
        newsletter_issue_schedule(issue=issue, actor=organizer,
                                  when=timezone.now() - timedelta(minutes=1))
    with pytest.raises(ValidationError, match="time zone"):
        newsletter_issue_schedule(issue=issue, actor=organizer,
                                  when=timezone.now().replace(tzinfo=None) + timedelta(days=1))
    issue.refresh_from_db()
    assert issue.status == Status.DRAFT


def test_an_unscheduled_issue_is_a_draft_again_and_is_not_sent(organizer, make_issue,
                                                               public_list):
    issue = make_issue([public_list])
    when = timezone.now() + timedelta(hours=1)
    newsletter_issue_schedule(issue=issue, actor=organizer, when=when)
    issue = newsletter_issue_unschedule(issue=issue, actor=organizer)
    assert (issue.status, issue.scheduled_for) == (Status.DRAFT, None)
    assert selectors.newsletter_issues_due(now=when + timedelta(minutes=1)) == []


def test_a_scheduled_issue_is_sent_once_when_two_ticks_race(organizer, make_issue,
                                                            public_list, make_subscription,
                                                            django_capture_on_commit_callbacks):
    for n in range(3):
        make_subscription(public_list, f"reader{n}@example.com")
    issue = make_issue([public_list])
    when = timezone.now() + timedelta(hours=1)
    newsletter_issue_schedule(issue=issue, actor=organizer, when=when)
    assert selectors.newsletter_issues_due(now=when - timedelta(seconds=1)) == []

    # Both ticks see the issue as due before either claims it.
    later = when + timedelta(seconds=30)
    first_tick = selectors.newsletter_issues_due(now=later)
    second_tick = selectors.newsletter_issues_due(now=later)
    with django_capture_on_commit_callbacks(execute=True):
        won = [newsletter_issue_start_scheduled(issue_id=pk, now=later)
               for pk in first_tick + second_tick]

    assert [w is not None for w in won] == [True, False]
    assert sorted(m.to[0] for m in mail.outbox) == [f"reader{n}@example.com" for n in range(3)]
    issue.refresh_from_db()
    assert issue.status == Status.SENT


def test_the_minute_job_starts_due_issues(organizer, make_issue, public_list,
                                          django_capture_on_commit_callbacks):
    issue = make_issue([public_list])
    newsletter_issue_schedule(issue=issue, actor=organizer,
                              when=timezone.now() + timedelta(hours=1))
    assert newsletter_issues_send_due() == 0
    NewsletterIssue.objects.filter(pk=issue.pk).update(
        scheduled_for=timezone.now() - timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert newsletter_issues_send_due() == 1
    assert newsletter_issues_send_due() == 0
    issue.refresh_from_db()
    assert issue.status == Status.SENT
