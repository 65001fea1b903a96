"""Newsletter pages: the archive and web versions for each kind of person, and the
organizers' compose, edit and preview pages."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from cophub.communities.models import CommunityRole
from cophub.communities.services import community_role_ensure
from cophub.core.access import AccessLevel
from cophub.lists.models import NewsletterIssue
from cophub.lists.newsletter.services import newsletter_issue_send

Status = NewsletterIssue.Status


@pytest.fixture
def sent_issue(make_issue, organizer, django_capture_on_commit_callbacks):
    def make(lists, **kwargs) -> NewsletterIssue:
        issue = make_issue(lists, **kwargs)
        with django_capture_on_commit_callbacks(execute=True):
            newsletter_issue_send(issue=issue, actor=organizer)
        issue.refresh_from_db()
        assert issue.status == Status.SENT
        return issue

    return make


def detail_url(issue):
    return reverse("newsletters:detail", args=[issue.community.slug, issue.slug])


def text(response) -> str:
    return response.content.decode()


# --- The archive and the web version ----------------------------------------------------

@pytest.mark.parametrize(("who", "sees_government"), [
    ("anonymous", False), ("public_user", False), ("gov_member", True), ("organizer", True)])
def test_web_versions_follow_the_issue_access_level(request, client, who, sees_government,
                                                    sent_issue, gov_list, public_list):
    public = sent_issue([gov_list, public_list], title="Public issue")
    government = sent_issue([gov_list], title="Members issue",
                            access_level=AccessLevel.GOVERNMENT)
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))

    assert client.get(detail_url(public)).status_code == 200
    assert client.get(detail_url(government)).status_code == (200 if sees_government else 404)
    index = text(client.get(reverse("newsletters:index", args=["ai-cop"])))
    assert "Public issue" in index
    assert ("Members issue" in index) is sees_government


def test_the_web_version_is_exactly_what_was_mailed(client, sent_issue, public_list):
    issue = sent_issue([public_list], body="Dear readers,\n\n**Welcome** to the issue.")
    body = text(client.get(detail_url(issue)))
    assert issue.rendered_html in body
    assert "<strong>Welcome</strong>" in body


@pytest.mark.parametrize("who", ["anonymous", "gov_member"])
def test_drafts_are_not_found_by_anyone_but_organizers(request, client, who, make_issue,
                                                       public_list):
    draft = make_issue([public_list], title="Draft issue")
    if who != "anonymous":
        client.force_login(request.getfixturevalue(who))
    assert client.get(detail_url(draft)).status_code == 404
    assert "Draft issue" not in text(client.get(reverse("newsletters:index",
                                                        args=["ai-cop"])))


def test_an_organizer_opening_a_draft_goes_to_its_preview(client, organizer, make_issue,
                                                          public_list):
    draft = make_issue([public_list])
    client.force_login(organizer)
    response = client.get(detail_url(draft))
    assert response.status_code == 302
    assert response.url == reverse("newsletters:preview", args=["ai-cop", draft.slug])


def test_the_archive_query_count_does_not_grow_with_issues(client, gov_member, sent_issue,
                                                           gov_list, public_list,
                                                           django_assert_max_num_queries):
    for n in range(12):
        sent_issue([gov_list], title=f"Issue {n}",
                   access_level=[AccessLevel.PUBLIC, AccessLevel.GOVERNMENT][n % 2])
    client.force_login(gov_member)
    # Session and person (2), viewer (2), community (1), count and page (2), session stamp.
    with django_assert_max_num_queries(10):
        response = client.get(reverse("newsletters:index", args=["ai-cop"]))
    assert text(response).count("usa-collection__item") == 12


# --- Organizer pages ----------------------------------------------------------------------

@pytest.mark.parametrize("name", ["compose", "edit", "preview"])
def test_organizer_pages_are_for_organizers(client, name, gov_member, make_issue,
                                            public_list):
    issue = make_issue([public_list])
    args = ["ai-cop"] if name == "compose" else ["ai-cop", issue.slug]
    url = reverse(f"newsletters:{name}", args=args)
    assert client.get(url).status_code == 302  # to the sign-in page
    client.force_login(gov_member)
    assert client.get(url).status_code in (403, 404)


def test_an_organizer_without_mfa_is_sent_to_set_it_up(client, make_user, community):
    user = make_user("nomfa@gsa.gov")
    community_role_ensure(community=community, user=user, role=CommunityRole.Role.ORGANIZER)
    client.force_login(user)
    response = client.get(reverse("newsletters:compose", args=["ai-cop"]))
    assert response.status_code == 302 and response.url == reverse("mfa_index")


def test_composing_saves_a_draft_and_shows_the_preview(client, organizer, gov_list,
                                                       public_list):
    client.force_login(organizer)
    response = client.post(reverse("newsletters:compose", args=["ai-cop"]), {
        "title": "April issue", "body_markdown": "Hi\n\n{{ upcoming_events 3 }}",
        "lists": [gov_list.pk, public_list.pk], "access_level": "public"}, follow=True)
    issue = NewsletterIssue.objects.get()
    assert response.redirect_chain[-1][0] == reverse("newsletters:preview",
                                                     args=["ai-cop", issue.slug])
    page = text(response)
    assert "Upcoming events" in page and "{{" not in page.split("As it will be mailed")[1]
    assert issue.status == Status.DRAFT and set(issue.lists.all()) == {gov_list, public_list}


def test_an_unknown_block_is_named_on_the_form(client, organizer, public_list):
    client.force_login(organizer)
    response = client.post(reverse("newsletters:compose", args=["ai-cop"]), {
        "title": "April issue", "body_markdown": "{{ upcoming_evnts }}",
        "lists": [public_list.pk], "access_level": "public"})
    assert response.status_code == 200
    assert "Unknown block {{ upcoming_evnts }}" in text(response)
    assert not NewsletterIssue.objects.exists()


def test_editing_changes_a_draft(client, organizer, make_issue, public_list):
    issue = make_issue([public_list])
    client.force_login(organizer)
    url = reverse("newsletters:edit", args=["ai-cop", issue.slug])
    assert "Hello, community." in text(client.get(url))
    client.post(url, {"title": "March issue, revised", "body_markdown": "New text",
                      "lists": [public_list.pk], "access_level": "public"})
    issue.refresh_from_db()
    assert (issue.title, issue.body_markdown, issue.slug) == (
        "March issue, revised", "New text", "march-issue")


def test_send_now_asks_for_confirmation_naming_lists_and_people(
        client, organizer, make_issue, gov_list, public_list, make_subscription,
        django_capture_on_commit_callbacks):
    make_subscription(gov_list, "both@va.gov")
    make_subscription(public_list, "both@va.gov")
    make_subscription(public_list, "pat@example.com")
    issue = make_issue([gov_list, public_list])
    client.force_login(organizer)
    url = reverse("newsletters:preview", args=["ai-cop", issue.slug])

    confirm = text(client.get(url + "?confirm=send"))
    assert "Send this issue now?" in confirm
    assert gov_list.address in confirm and public_list.address in confirm
    assert "Yes, send to 2 people" in confirm
    client.post(url, {"action": "send"})  # without the confirmation: nothing happens
    issue.refresh_from_db()
    assert issue.status == Status.DRAFT

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"action": "send", "confirmed": "yes"})
    assert response.url == detail_url(issue)
    assert sorted(m.to[0] for m in mail.outbox) == ["both@va.gov", "pat@example.com"]


def test_send_test_to_me_mails_the_organizer(client, organizer, make_issue, public_list,
                                             make_subscription,
                                             django_capture_on_commit_callbacks):
    make_subscription(public_list, "pat@example.com")
    issue = make_issue([public_list])
    client.force_login(organizer)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("newsletters:preview", args=["ai-cop", issue.slug]),
                    {"action": "test"})
    assert [m.to for m in mail.outbox] == [[organizer.email]]


def test_scheduling_reads_the_time_in_the_organizers_zone(client, organizer, make_issue,
                                                         public_list):
    organizer.time_zone = "America/Los_Angeles"
    organizer.save(update_fields=["time_zone"])
    issue = make_issue([public_list])
    client.force_login(organizer)
    url = reverse("newsletters:preview", args=["ai-cop", issue.slug])
    local = (timezone.now() + timedelta(days=2)).astimezone(ZoneInfo("America/Los_Angeles"))
    client.post(url, {"action": "schedule", "when": local.strftime("%Y-%m-%dT%H:%M")})
    issue.refresh_from_db()
    assert issue.status == Status.SCHEDULED
    assert issue.scheduled_for == local.replace(second=0, microsecond=0)

    past = text(client.post(url, {"action": "unschedule"}, follow=True))
    assert "draft again" in past
    response = client.post(url, {"action": "schedule", "when": "2020-01-01T09:00"})
    assert "Choose a time in the future." in text(response)
    gap = datetime(timezone.now().year + 1, 3, 8)  # within a week of the spring-forward day
    while gap.weekday() != 6:
        gap += timedelta(days=1)
    response = client.post(url, {"action": "schedule",
                                 "when": gap.strftime("%Y-%m-%dT02:30")})
    assert "does not exist in your time zone" in text(response)
    issue.refresh_from_db()
    assert issue.status == Status.DRAFT


def test_a_browser_form_with_crlf_line_ends_saves_its_blocks(client, organizer, public_list):
    """Browsers submit a textarea with CRLF line ends; a block on its own line is still one."""
    client.force_login(organizer)
    response = client.post(reverse("newsletters:compose", args=["ai-cop"]), {
        "title": "April issue", "body_markdown": "Hi\r\n\r\n{{ upcoming_events 3 }}\r\nBye\r\n",
        "lists": [public_list.pk], "access_level": "public"})
    assert response.status_code == 302, text(response)
    assert NewsletterIssue.objects.get().body_markdown == "Hi\n\n{{ upcoming_events 3 }}\nBye"
