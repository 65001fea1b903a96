"""Access from the outside: anonymous, public participant, government member, group member,
organizer — series pages, sessions, recordings, transcripts, certificates, organizer pages."""

import pytest
from django.urls import reverse

from cophub.communities.models import Community
from cophub.communities.services import community_role_ensure, group_join
from cophub.events.models import Material

pytestmark = pytest.mark.django_db


@pytest.fixture
def sessions(make_session, make_group):
    group = make_group("generative-ai")
    return {
        "public": make_session(title="Open to all", access_level="public", past=True),
        "signed_in": make_session(title="For signed-in people", past=True),
        "government": make_session(title="Government only", access_level="government"),
        "group": make_session(title="Generative AI members", access_level="group",
                              group=group),
        "draft": make_session(title="Still a draft", status="draft"),
    }


@pytest.fixture
def people(public_user, gov_member, organizer, make_user, sessions):
    member = make_user("grouper@nasa.gov")
    group_join(group=sessions["group"].event.group, user=member)
    return {"anonymous": None, "public": public_user, "government": gov_member,
            "group member": member, "organizer": organizer}


VISIBLE = {
    "anonymous": {"public"},
    "public": {"public", "signed_in"},
    "government": {"public", "signed_in", "government"},
    "group member": {"public", "signed_in", "government", "group"},
    "organizer": {"public", "signed_in", "government", "group", "draft"},
}


@pytest.mark.parametrize("who", list(VISIBLE))
def test_series_page_lists_only_the_sessions_the_viewer_may_see(client, series, sessions,
                                                                people, who):
    if people[who]:
        client.force_login(people[who])
    listing = client.get(reverse("learning:series_list",
                                 kwargs={"community": series.community.slug}))
    assert listing.status_code == 200 and series.title in listing.content.decode()
    page = client.get(series.get_absolute_url())
    assert page.status_code == 200
    html = page.content.decode()
    for level, session in sessions.items():
        assert (session.event.title in html) == (level in VISIBLE[who]), (who, level)


@pytest.mark.parametrize("who,sees", [("anonymous", False), ("public", False),
                                      ("government", True), ("group member", True),
                                      ("organizer", True)])
def test_recordings_are_listed_for_government_members_only(client, series, sessions, people,
                                                           who, sees):
    for level in ("public", "signed_in"):
        Material.objects.create(event=sessions[level].event, kind=Material.Kind.RECORDING,
                                title=f"Recording {level}", url="https://video.example/1")
    Material.objects.create(event=sessions["public"].event, kind=Material.Kind.SLIDES,
                            title="Public slides", url="https://video.example/s",
                            access_level="public")
    if people[who]:
        client.force_login(people[who])
    html = client.get(series.get_absolute_url()).content.decode()
    assert ("Recording public" in html) == sees, who
    assert "Public slides" in html  # a material's own level still decides
    assert ("request access to the training links" in html) == (not sees)


def test_recording_links_point_to_the_events_material_page(client, series, sessions,
                                                           gov_member):
    material = Material.objects.create(event=sessions["public"].event, kind="recording",
                                       title="Kickoff recording", url="https://video.example/1")
    client.force_login(gov_member)
    html = client.get(series.get_absolute_url()).content.decode()
    url = reverse("events:material", args=[series.community.slug, material.event_id,
                                           material.pk])
    assert f'href="{url}">Kickoff recording' in html


def test_material_granted_answers_for_grantees_only(series, sessions, organizer, make_user):
    from cophub.communities.selectors import viewer_for
    from cophub.learning.selectors import material_granted
    from cophub.learning.services import access_request_approve, access_request_submit

    recording = Material.objects.create(event=sessions["signed_in"].event, kind="recording",
                                        title="Recording", url="https://video.example/1")
    grantee = make_user("jordan@example.com")
    stranger = make_user("stranger@example.com")
    access_request_approve(actor=organizer, access_request=access_request_submit(
        series=series, name="Jordan", email="jordan@example.com", agency="VA",
        reason="Personal address only."))
    assert material_granted(viewer=viewer_for(grantee), user=grantee, material=recording)
    assert not material_granted(viewer=viewer_for(stranger), user=stranger, material=recording)


def test_unknown_community_or_series_is_not_found(client, series):
    assert client.get("/c/nope/training/").status_code == 404
    assert client.get(f"/c/{series.community.slug}/training/nope/").status_code == 404


def test_transcript_needs_sign_in(client):
    response = client.get(reverse("learning:transcript"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_transcript_shows_only_ones_own_attendance(client, series, sessions, attend,
                                                   gov_member, public_user):
    attend(gov_member, sessions["public"], 60)
    client.force_login(public_user)
    assert sessions["public"].event.title not in client.get(
        reverse("learning:transcript")).content.decode()


def organizer_urls(series, sessions, instructor):
    c, s = series.community.slug, series.slug
    track = series.tracks.create(slug="technical", name="Technical")
    return [
        reverse("learning:organize", kwargs={"community": c}),
        reverse("learning:access_requests", kwargs={"community": c}),
        reverse("learning:series_create", kwargs={"community": c}),
        reverse("learning:instructor_create", kwargs={"community": c}),
        reverse("learning:instructor_edit", kwargs={"community": c, "pk": instructor.pk}),
        reverse("learning:series_report", kwargs={"community": c, "series": s}),
        reverse("learning:series_edit", kwargs={"community": c, "series": s}),
        reverse("learning:track_create", kwargs={"community": c, "series": s}),
        reverse("learning:track_edit", kwargs={"community": c, "series": s,
                                               "track": track.slug}),
        reverse("learning:session_create", kwargs={"community": c, "series": s}),
        reverse("learning:session_edit", kwargs={"community": c, "series": s,
                                                 "pk": sessions["public"].pk}),
    ]


def test_organizer_pages_refuse_everyone_but_organizers(client, series, sessions, people,
                                                        instructor):
    for url in organizer_urls(series, sessions, instructor):
        client.logout()
        assert client.get(url).status_code == 302, url  # anonymous: sign in
        for who in ("public", "government", "group member"):
            client.force_login(people[who])
            assert client.get(url).status_code == 403, (url, who)
        client.force_login(people["organizer"])
        assert client.get(url).status_code == 200, url


def test_organizer_without_mfa_is_sent_to_set_it_up(client, series, make_user, community):
    person = make_user("new.organizer@gsa.gov")
    community_role_ensure(community=community, user=person, role="organizer", actor=person)
    client.force_login(person)
    response = client.get(reverse("learning:series_report",
                                  kwargs={"community": community.slug, "series": series.slug}))
    assert response.status_code == 302 and response["Location"] == reverse("mfa_index")


def test_organizers_of_another_community_get_no_report(client, series, make_user):
    other = Community.objects.create(slug="data-cop", name="Data CoP")
    person = make_user("data.organizer@gsa.gov", mfa=True)
    community_role_ensure(community=other, user=person, role="organizer")
    client.force_login(person)
    response = client.get(reverse("learning:series_report", kwargs={
        "community": series.community.slug, "series": series.slug}))
    assert response.status_code == 403


def test_certificate_pdf_of_another_community_is_not_for_its_organizers(
        client, series, sessions, attend, gov_member, make_user):
    from cophub.learning.services import certificate_issue

    attend(gov_member, sessions["public"], 60)
    certificate = certificate_issue(user=gov_member, session=sessions["public"])
    other = Community.objects.create(slug="data-cop", name="Data CoP")
    person = make_user("data.organizer@gsa.gov", mfa=True)
    community_role_ensure(community=other, user=person, role="organizer")
    client.force_login(person)
    assert client.get(reverse("learning:certificate_pdf",
                              kwargs={"code": certificate.code})).status_code == 404



def test_approved_grant_opens_the_recording_page_itself(client, series, sessions, organizer,
                                                        make_user):
    """From the outside: the events app's material page honours learning's grants."""
    from cophub.learning.services import access_request_approve, access_request_submit

    event = sessions["signed_in"].event
    recording = Material.objects.create(event=event, kind="recording", title="Recording",
                                        url="https://video.example/1")
    url = reverse("events:material", args=[event.community.slug, event.pk, recording.pk])
    grantee = make_user("jordan@example.com")
    client.force_login(grantee)
    assert client.get(url).status_code == 404
    access_request_approve(actor=organizer, access_request=access_request_submit(
        series=series, name="Jordan", email="jordan@example.com", agency="VA",
        reason="Personal address only."))
    response = client.get(url)
    assert response.status_code == 302 and response["Location"] == "https://video.example/1"
    client.force_login(make_user("stranger@example.com"))
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("who,hidden", [("anonymous", 3), ("public", 2), ("government", 1),
                                        ("group member", 0), ("organizer", 0)])
def test_the_sessions_a_viewer_may_not_see_are_counted_never_shown(client, series, sessions,
                                                                   people, who, hidden):
    """"0 sessions" to a visitor when members see several is wrong: they are told how many
    more there are (published ones only, never drafts) and how to see them."""
    if people[who]:
        client.force_login(people[who])
    for url in (series.get_absolute_url(),
                reverse("learning:series_list", kwargs={"community": series.community.slug})):
        html = client.get(url).content.decode()
        if hidden:
            assert f"{hidden} more session" in html, (who, url)
            assert ("Sign in to see" in html) == (who == "anonymous")
        else:
            assert "more session" not in html, (who, url)
