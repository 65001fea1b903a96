"""Access to events from the outside: anonymous, public participant, government member,
group member, group lead and organizer, against every event page and action. Someone who
may not see an event gets a 404 on every URL about it (never a 403 that reveals it)."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from cophub.communities.services import group_join
from cophub.events.models import Event, Registration
from cophub.events.services import event_save

pytestmark = pytest.mark.django_db

LEVELS = ("public", "signed_in", "government", "group")
VISIBLE = {
    "anonymous": {"public"},
    "public": {"public", "signed_in"},
    "government": {"public", "signed_in", "government"},
    "group_member": {"public", "signed_in", "government", "group"},
    "organizer": {"public", "signed_in", "government", "group"},
}


@pytest.fixture
def group(make_group):
    return make_group("ai-security", access_level="public")


@pytest.fixture
def events(make_event, group):
    return {level: make_event(title=f"{level} event", access_level=level,
                              group=group if level == "group" else None)
            for level in LEVELS}


@pytest.fixture
def people(public_user, gov_member, organizer, make_user, group):
    member = make_user("groupie@nasa.gov", name="Gail Groupie")
    group_join(group=group, user=member)
    return {"anonymous": None, "public": public_user, "government": gov_member,
            "group_member": member, "organizer": organizer}


def url(name, event):
    return reverse(f"events:{name}", kwargs={"community": event.community.slug,
                                             "pk": event.pk})


def login(client, people, who):
    if people[who] is not None:
        client.force_login(people[who])


@pytest.mark.parametrize("who", list(VISIBLE))
def test_event_pages_and_list_follow_the_access_level(client, events, people, who):
    login(client, people, who)
    listing = client.get(reverse("events:list", kwargs={"community": "ai-cop"}))
    listing = listing.content.decode()
    for level, event in events.items():
        response = client.get(event.get_absolute_url())
        if level in VISIBLE[who]:
            assert response.status_code == 200, (who, level)
            assert event.title in listing, (who, level)
        else:
            assert response.status_code == 404, (who, level)
            assert event.title not in listing, (who, level)


@pytest.mark.parametrize("who", ["anonymous", "public", "government"])
@pytest.mark.parametrize("action", ["register", "cancel"])
def test_register_and_cancel_are_404_for_events_one_may_not_see(client, events, people, who,
                                                               action):
    login(client, people, who)
    for level, event in events.items():
        if level in VISIBLE[who]:
            continue
        assert client.post(url(action, event)).status_code == 404, (who, level)
    assert not Registration.objects.exists()


@pytest.mark.parametrize("who", ["public", "government", "group_member"])
def test_people_register_for_events_they_may_see(client, events, people, who):
    login(client, people, who)
    for level in VISIBLE[who]:
        client.post(url("register", events[level]))
    registered = set(Registration.objects.values_list("event__access_level", flat=True))
    assert registered == VISIBLE[who]


@pytest.mark.parametrize("who", ["anonymous", "public", "government"])
@pytest.mark.parametrize("page", ["registrants", "registrants_csv", "edit"])
def test_organizer_pages_are_404_for_events_one_may_not_see(client, events, people, who,
                                                           page):
    login(client, people, who)
    for level, event in events.items():
        response = client.get(url(page, event))
        if level not in VISIBLE[who]:
            assert response.status_code == 404, (who, level)
        elif who == "anonymous":
            assert response.status_code == 302, (who, level)  # to sign in
            assert response["Location"].startswith(reverse("account_login"))
        else:
            assert response.status_code == 403, (who, level)


@pytest.mark.parametrize("page", ["registrants", "registrants_csv", "edit"])
def test_organizers_reach_every_organizer_page(client, events, people, page):
    login(client, people, "organizer")
    for event in events.values():
        assert client.get(url(page, event)).status_code == 200


def test_members_cannot_create_events(client, people):
    create = reverse("events:create", kwargs={"community": "ai-cop"})
    for who in ("public", "government", "group_member"):
        login(client, people, who)
        assert client.get(create).status_code == 403, who
        assert client.post(create, {"title": "Sneaky"}).status_code == 403, who
    client.logout()
    assert client.get(create).status_code == 302
    assert not Event.objects.filter(title="Sneaky").exists()


def test_members_cannot_edit_events_by_posting(client, events, people):
    event = events["public"]
    login(client, people, "government")
    response = client.post(url("edit", event), {"title": "Defaced"})
    assert response.status_code == 403
    event.refresh_from_db()
    assert event.title == "public event"


def test_drafts_are_hidden_from_members_and_shown_to_organizers(client, make_event, people):
    draft = make_event(title="Draft workshop", status=Event.Status.DRAFT)
    listing = reverse("events:list", kwargs={"community": "ai-cop"})
    for who in ("anonymous", "public", "government", "group_member"):
        client.logout()
        login(client, people, who)
        assert client.get(draft.get_absolute_url()).status_code == 404, who
        assert client.post(url("register", draft)).status_code == 404, who
        assert "Draft workshop" not in client.get(listing).content.decode(), who
    login(client, people, "organizer")
    page = client.get(draft.get_absolute_url()).content.decode()
    assert "This is a draft" in page
    assert "Draft workshop" in client.get(listing).content.decode()


def test_group_lead_manages_their_groups_events_only(client, make_event, make_user,
                                                     make_lead, group, make_group):
    other = make_group("nlp")
    lead = make_user("lead@nasa.gov", mfa=True)
    make_lead(group, lead)
    theirs = make_event(title="Theirs", group=group)
    not_theirs = make_event(title="Not theirs", group=other)
    client.force_login(lead)
    assert client.get(url("registrants", theirs)).status_code == 200
    assert client.get(url("edit", theirs)).status_code == 200
    assert client.get(url("registrants", not_theirs)).status_code == 403
    assert client.get(url("edit", not_theirs)).status_code == 403


def test_only_organizers_move_an_event_to_another_host_group(client, make_event, make_user,
                                                            make_lead, group, make_group,
                                                            organizer):
    other = make_group("nlp")
    lead_of_both, lead_of_other = (make_user(email, mfa=True)
                                   for email in ("both@nasa.gov", "other@nasa.gov"))
    for each in (group, other):
        make_lead(each, lead_of_both)
    make_lead(other, lead_of_other)
    event = make_event(title="Theirs", group=group)
    with pytest.raises(PermissionDenied):  # even a lead of both groups
        event_save(community=event.community, actor=lead_of_both, data={"group": other},
                   event=event)
    with pytest.raises(PermissionDenied):  # nor can another group's lead take it
        event_save(community=event.community, actor=lead_of_other, data={"group": other},
                   event=event)
    event_save(community=event.community, actor=lead_of_both, data={"title": "Renamed"},
               event=event)
    event.refresh_from_db()
    assert (event.title, event.group) == ("Renamed", group)
    client.force_login(lead_of_both)
    form = client.get(url("edit", event)).content.decode()
    assert f'<option value="{group.pk}"' in form and f'<option value="{other.pk}"' not in form
    event_save(community=event.community, actor=organizer, data={"group": other}, event=event)
    event.refresh_from_db()
    assert event.group == other


def test_public_participant_sees_the_join_link_only_once_confirmed(client, make_event,
                                                                   public_user):
    event = make_event(join_url="https://zoom.example/j/public")
    client.force_login(public_user)
    assert "zoom.example/j/public" not in client.get(event.get_absolute_url()).content.decode()
    client.post(url("register", event))
    assert "zoom.example/j/public" in client.get(event.get_absolute_url()).content.decode()


def test_government_recording_is_hidden_on_a_public_event(client, make_event, people):
    event = make_event()
    event.materials.create(kind="recording", title="Session recording")
    for who in ("anonymous", "public"):
        client.logout()
        login(client, people, who)
        page = client.get(event.get_absolute_url()).content.decode()
        assert "Session recording" not in page, who
    login(client, people, "government")
    assert "Session recording" in client.get(event.get_absolute_url()).content.decode()


def test_list_does_not_name_a_host_group_the_viewer_may_not_see(client, make_event,
                                                                make_group, public_user):
    secret = make_group("secret-committee", access_level="government",
                        name="Secret committee")
    make_event(title="Open webinar", group=secret)
    client.force_login(public_user)
    listing = client.get(reverse("events:list", kwargs={"community": "ai-cop"}))
    page = listing.content.decode()
    assert "Open webinar" in page and "Secret committee" not in page
    event = Event.objects.get()
    assert "Secret committee" not in client.get(event.get_absolute_url()).content.decode()
