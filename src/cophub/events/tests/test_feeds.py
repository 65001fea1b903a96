"""Calendar feeds from the outside: the single-event .ics, the private personal feed and the
public community and group feeds, per viewer."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from cophub.communities.models import Community
from cophub.communities.services import group_join, group_leave
from cophub.core.models import AuditEvent
from cophub.events.models import CalendarFeed, Event
from cophub.events.services import (
    calendar_feed_get_or_create,
    event_save,
    registration_cancel,
    registration_create,
)

pytestmark = pytest.mark.django_db

JOIN = "zoom.example/j/"


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = "https://cophub.example.gov"


def parse(response) -> dict[str, object]:
    """The feed's events by summary, after a strict parse of the whole calendar."""
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(response.content)
    assert calendar["version"] == "2.0"
    return {str(e["summary"]): e for e in calendar.walk("VEVENT")}


def feed_url(user) -> str:
    token = calendar_feed_get_or_create(user=user).token
    return reverse("events:personal_feed", kwargs={"token": token})


def shift(event, *, days: int) -> None:
    """Move an event in time, as if that many days had passed (no e-mails: not an edit)."""
    Event.objects.filter(pk=event.pk).update(starts_at=event.starts_at + timedelta(days=days),
                                             ends_at=event.ends_at + timedelta(days=days))


# --- the personal feed ---------------------------------------------------------------------


def test_personal_feed_has_join_links_for_confirmed_events_only(client, make_event, make_user,
                                                                gov_member):
    confirmed = make_event(title="Confirmed", join_url="https://zoom.example/j/111")
    full = make_event(title="Full", capacity=1, join_url="https://zoom.example/j/222")
    registration_create(event=confirmed, user=gov_member)
    registration_create(event=full, user=make_user("first@nasa.gov"))
    registration_create(event=full, user=gov_member)  # wait-listed

    events = parse(client.get(feed_url(gov_member)))

    assert set(events) == {"Confirmed", "Full (wait-listed)"}
    assert "zoom.example/j/111" in str(events["Confirmed"]["description"])
    assert str(events["Confirmed"]["uid"]) == f"{confirmed.uid}@cophub"
    waitlisted = events["Full (wait-listed)"]
    assert JOIN not in str(waitlisted["description"]) and "location" not in waitlisted


def test_personal_feed_leaves_out_cancelled_registrations_old_events_and_other_people(
        client, make_event, make_user, gov_member):
    mine = make_event(title="Mine")
    cancelled = make_event(title="Cancelled by me")
    old = make_event(title="Long ago")
    recent = make_event(title="Last month")
    others = make_event(title="Someone else's")
    for event in (mine, cancelled, old, recent):
        registration_create(event=event, user=gov_member)
    registration_create(event=others, user=make_user("other@nasa.gov"))
    registration_cancel(registration=cancelled.registrations.get(), actor=gov_member)
    shift(old, days=-100)
    shift(recent, days=-37)

    events = parse(client.get(feed_url(gov_member)))

    assert set(events) == {"Mine", "Last month"}


def test_personal_feed_marks_a_cancelled_event_and_drops_its_join_link(
        client, make_event, organizer, gov_member):
    event = make_event(title="Demo day")
    registration_create(event=event, user=gov_member)
    event_save(community=event.community, actor=organizer, event=event,
               data={"status": "cancelled"})

    events = parse(client.get(feed_url(gov_member)))

    vevent = events["Demo day (canceled)"]
    assert vevent["status"] == "CANCELLED" and JOIN not in str(vevent["description"])


def test_personal_feed_drops_events_the_person_can_no_longer_see(client, make_event,
                                                                 make_group, gov_member):
    group = make_group("nlp")
    group_join(group=group, user=gov_member)
    event = make_event(title="NLP huddle", access_level="group", group=group)
    registration_create(event=event, user=gov_member)
    assert "NLP huddle" in parse(client.get(feed_url(gov_member)))

    group_leave(group=group, user=gov_member)

    assert parse(client.get(feed_url(gov_member))) == {}


def test_personal_feed_needs_no_sign_in_and_answers_head(client, make_event, gov_member):
    registration_create(event=make_event(), user=gov_member)
    url = feed_url(gov_member)
    assert client.head(url).status_code == 200
    response = client.get(url)
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_tampered_tokens_get_a_bare_404(client, make_event, gov_member):
    registration_create(event=make_event(title="Secret plans"), user=gov_member)
    token = calendar_feed_get_or_create(user=gov_member).token
    flipped = ("A" if token[0] != "A" else "B") + token[1:]
    for bad in (flipped, token.swapcase(), token[:-1], token + "x", "x" * 43):
        response = client.get(f"/calendar/{bad}.ics")
        assert response.status_code == 404, bad
        assert b"Secret plans" not in response.content
        assert b"member@va.gov" not in response.content
    assert client.get(f"/calendar/{token}").status_code == 404
    assert client.get(f"/calendar/{token}.ics/").status_code == 404
    assert client.get(f"/calendar/{token}.ics").status_code == 200


def test_feed_of_a_deactivated_account_is_gone(client, make_event, gov_member):
    url = feed_url(gov_member)
    gov_member.is_active = False
    gov_member.save(update_fields=["is_active"])
    assert client.get(url).status_code == 404


def test_creating_a_new_address_revokes_the_old_one_at_once_and_is_audited(client,
                                                                         gov_member):
    old_url = feed_url(gov_member)
    client.force_login(gov_member)

    response = client.post(reverse("events:calendar_feed_reset"))

    assert response.status_code == 302 and response["Location"] == "/calendar/"
    new_url = feed_url(gov_member)
    assert new_url != old_url
    assert client.get(old_url).status_code == 404
    assert client.get(new_url).status_code == 200
    audit = AuditEvent.objects.get(verb="events.calendar_feed.reset")
    assert audit.actor == gov_member
    token = CalendarFeed.objects.get(user=gov_member).token
    assert token not in str(audit.data) and token not in audit.object_label


def test_new_address_needs_a_signed_in_post(client, gov_member):
    url = feed_url(gov_member)
    reset = reverse("events:calendar_feed_reset")
    assert client.post(reset).status_code == 302  # to sign in
    client.force_login(gov_member)
    assert client.get(reset).status_code == 405
    assert client.get(url).status_code == 200  # nothing changed
    assert not AuditEvent.objects.filter(verb="events.calendar_feed.reset").exists()


def test_my_calendar_page_shows_the_absolute_feed_url(client, gov_member):
    page = reverse("events:my_calendar")
    assert client.get(page).status_code == 302
    client.force_login(gov_member)

    response = client.get(page)

    token = CalendarFeed.objects.get(user=gov_member).token
    content = response.content.decode()
    assert f'value="https://cophub.example.gov/calendar/{token}.ics"' in content
    assert f'href="webcal://cophub.example.gov/calendar/{token}.ics"' in content
    assert "no-store" in response["Cache-Control"]
    assert client.get(page).content.decode().count(token) == 2  # same address on reload


def test_two_people_have_different_feeds(client, make_event, make_user, gov_member):
    other = make_user("other@nasa.gov")
    registration_create(event=make_event(title="Theirs"), user=other)
    assert parse(client.get(feed_url(gov_member))) == {}
    assert set(parse(client.get(feed_url(other)))) == {"Theirs"}


def test_personal_feed_queries_do_not_grow_with_events(client, make_event, gov_member,
                                                       django_assert_max_num_queries):
    for i in range(12):
        registration_create(event=make_event(title=f"Meeting {i}"), user=gov_member)
    url = feed_url(gov_member)
    with django_assert_max_num_queries(4):
        events = parse(client.get(url))
    assert len(events) == 12


# --- public feeds --------------------------------------------------------------------------


@pytest.fixture
def mixed_events(make_event, make_group, community):
    group = make_group("ai-security", access_level="public")
    other = Community.objects.create(slug="data-cop", name="Data CoP")
    return {
        "public": make_event(title="Public webinar"),
        "public group": make_event(title="Group public", group=group),
        "signed in": make_event(title="Members' meeting", access_level="signed_in"),
        "government": make_event(title="Gov only", access_level="government"),
        "group only": make_event(title="Group only", access_level="group", group=group),
        "draft": make_event(title="Draft", status="draft"),
        "cancelled": make_event(title="Cancelled", status="cancelled"),
        "elsewhere": make_event(title="Other community", community=other),
        "group": group,
    }


@pytest.mark.parametrize("who", [None, "public_user", "gov_member", "organizer"])
def test_community_feed_lists_public_published_events_whoever_asks(
        client, mixed_events, community, request, who):
    if who:
        user = request.getfixturevalue(who)
        group_join(group=mixed_events["group"], user=user)
        client.force_login(user)

    events = parse(client.get(reverse("events:community_feed",
                                      kwargs={"community": community.slug})))

    assert set(events) == {"Public webinar", "Group public"}


def test_public_feeds_never_carry_join_links(client, make_event, community, gov_member):
    event = make_event(title="Public webinar", join_url="https://zoom.example/j/999")
    registration_create(event=event, user=gov_member)
    client.force_login(gov_member)

    response = client.get(reverse("events:community_feed",
                                  kwargs={"community": community.slug}))

    assert "Public webinar" in parse(response) and b"zoom.example" not in response.content


def test_group_feed_lists_the_group_public_events(client, mixed_events, community,
                                                  organizer):
    client.force_login(organizer)
    url = reverse("events:group_feed", kwargs={"community": community.slug,
                                              "group": mixed_events["group"].slug})
    response = client.get(url)
    assert set(parse(response)) == {"Group public"}
    assert "public" in response["Cache-Control"] and "max-age=900" in response["Cache-Control"]
    calendar = Calendar.from_ical(response.content)
    assert "Ai-Security events" in str(calendar["x-wr-calname"])


def test_feeds_of_unknown_or_non_public_groups_404(client, make_group, make_event, community,
                                                   gov_member, organizer):
    gov_group = make_group("inner-circle", access_level="government")
    make_event(title="Public but hosted by a government group", group=gov_group)
    client.force_login(organizer)
    assert client.get(reverse("events:group_feed", kwargs={
        "community": community.slug, "group": gov_group.slug})).status_code == 404
    assert client.get(reverse("events:group_feed", kwargs={
        "community": community.slug, "group": "nope"})).status_code == 404
    assert client.get(reverse("events:community_feed",
                              kwargs={"community": "nope"})).status_code == 404


def test_public_feed_has_past_90_days_and_the_future(client, make_event, community):
    shift(make_event(title="Old"), days=-120)
    shift(make_event(title="Recent"), days=-30)
    make_event(title="Upcoming")
    events = parse(client.get(reverse("events:community_feed",
                                      kwargs={"community": community.slug})))
    assert set(events) == {"Recent", "Upcoming"}


def test_public_feed_queries_do_not_grow_with_events(client, make_event, make_group,
                                                     community, django_assert_max_num_queries):
    group = make_group()
    for i in range(15):
        make_event(title=f"Webinar {i}", group=group)
    with django_assert_max_num_queries(2):
        assert len(parse(client.get(f"/c/{community.slug}/events.ics"))) == 15
    with django_assert_max_num_queries(3):
        assert len(parse(client.get(f"/c/{community.slug}/g/{group.slug}/events.ics"))) == 15


def test_feed_output_is_valid_icalendar_with_refresh_hints(client, make_event, community):
    make_event(title="Café & “quotes”, commas; semicolons",
               description="Line one\nLine two, with *Markdown*", location="Room 1, GSA HQ")
    response = client.get(f"/c/{community.slug}/events.ics")
    calendar = Calendar.from_ical(response.content)
    (vevent,) = calendar.walk("VEVENT")
    assert str(vevent["summary"]) == "Café & “quotes”, commas; semicolons"
    assert str(vevent["location"]) == "Room 1, GSA HQ"
    assert vevent.decoded("dtstart").tzinfo is not None
    assert calendar["refresh-interval"].dt == timedelta(hours=1)
    assert str(calendar["x-published-ttl"]) == "PT1H"


# --- one event as .ics ---------------------------------------------------------------------


def ics_url(event) -> str:
    return reverse("events:event_ics", kwargs={"community": event.community.slug,
                                               "pk": event.pk})


@pytest.mark.parametrize("access_level,who,status", [
    ("public", None, 200),
    ("public", "public_user", 200),
    ("signed_in", None, 404),
    ("signed_in", "public_user", 200),
    ("government", None, 404),
    ("government", "public_user", 404),
    ("government", "gov_member", 200),
    ("government", "organizer", 200),
])
def test_event_ics_follows_the_event_page_access_rule(client, make_event, request,
                                                      access_level, who, status):
    event = make_event(access_level=access_level)
    if who:
        client.force_login(request.getfixturevalue(who))
    response = client.get(ics_url(event))
    assert response.status_code == status
    assert client.get(event.get_absolute_url()).status_code == status
    if status == 200:
        (vevent,) = Calendar.from_ical(response.content).walk("VEVENT")
        assert str(vevent["uid"]) == f"{event.uid}@cophub"
        assert JOIN not in response.content.decode()  # not registered: no join link
        assert response["Content-Disposition"] == 'attachment; filename="llms-in-hr.ics"'


def test_event_ics_has_the_join_link_for_a_confirmed_registrant_only(
        client, make_event, make_user, gov_member, public_user):
    event = make_event(capacity=1)
    registration_create(event=event, user=gov_member)
    registration_create(event=event, user=public_user)  # wait-listed
    client.force_login(gov_member)
    assert JOIN in client.get(ics_url(event)).content.decode()
    client.force_login(public_user)
    assert JOIN not in client.get(ics_url(event)).content.decode()
    client.logout()
    assert JOIN not in client.get(ics_url(event)).content.decode()


def test_event_ics_of_a_draft_or_another_community_is_404(client, make_event, gov_member,
                                                          organizer):
    draft = make_event(status="draft")
    client.force_login(gov_member)
    assert client.get(ics_url(draft)).status_code == 404
    public = make_event()
    Community.objects.create(slug="data-cop", name="Data CoP")
    assert client.get(reverse("events:event_ics", kwargs={
        "community": "data-cop", "pk": public.pk})).status_code == 404
    client.force_login(organizer)
    assert client.get(ics_url(draft)).status_code == 200


def test_event_ics_dates_are_exact_utc(client, make_event):
    start = (timezone.now() + timedelta(days=3)).replace(microsecond=0)
    event = make_event(starts_at=start, ends_at=start + timedelta(minutes=90))
    (vevent,) = Calendar.from_ical(client.get(ics_url(event)).content).walk("VEVENT")
    assert vevent.decoded("dtstart") == start
    assert vevent.decoded("dtend") - vevent.decoded("dtstart") == timedelta(minutes=90)


def test_event_ics_queries_are_bounded(client, make_event, gov_member,
                                       django_assert_max_num_queries):
    event = make_event()
    registration_create(event=event, user=gov_member)
    with django_assert_max_num_queries(2):
        assert client.get(ics_url(event)).status_code == 200
    client.force_login(gov_member)
    client.get(ics_url(event))  # the first request writes the session's sign-in time
    # session, person, the viewer's memberships and roles, community, event, registration
    with django_assert_max_num_queries(7):
        assert JOIN in client.get(ics_url(event)).content.decode()
