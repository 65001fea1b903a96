"""Access to lists from the outside: anonymous, public participant, government member,
group member and organizer, against the government list (government archive), the public
list (public archive) and a group's list (group archive), on every page, in search and
through one-click unsubscribe. Whoever may not read an archive gets a 404 on every URL of
it, and its posts never appear in their search results."""

import pytest
from django.test import Client
from django.urls import reverse

from cophub.communities.selectors import viewer_for
from cophub.communities.services import group_join
from cophub.core.access import AccessLevel
from cophub.lists.models import MailingList, Subscription
from cophub.lists.services.delivery import unsubscribe_url
from cophub.search.selectors import search_run

from .web_helpers import mail_post

pytestmark = pytest.mark.django_db

PEOPLE = ("anonymous", "public", "government", "group_member", "organizer")
READS = {  # whose archive each person may read
    "anonymous": {"aipublic"},
    "public": {"aipublic"},
    "government": {"aipublic", "ai"},
    "group_member": {"aipublic", "ai", "aisec"},
    "organizer": {"aipublic", "ai", "aisec"},
}
OWNER_PAGES = ("compose", "moderation", "subscribers", "bounces")


@pytest.fixture
def group(make_group):
    return make_group("ai-security", access_level="public", name="AI Security")


@pytest.fixture
def people(public_user, gov_member, organizer, make_user, group):
    member = make_user("gail@nasa.gov", name="Gail Groupie")
    group_join(group=group, user=member)
    return {"anonymous": None, "public": public_user, "government": gov_member,
            "group_member": member, "organizer": organizer}


@pytest.fixture
def posts(gov_list, public_list, make_list, group, make_subscription, organizer,
          django_capture_on_commit_callbacks):
    """One published post per list, each with a word only it has."""
    group_list = make_list("aisec", audience=MailingList.Audience.GROUP, group=group,
                           archive_access_level=AccessLevel.GROUP, name="AI Security list")
    found = {}
    with django_capture_on_commit_callbacks(execute=True):
        for ml, word in ((gov_list, "Zephyrgov"), (public_list, "Zephyrpublic"),
                         (group_list, "Zephyrgroup")):
            found[ml.local_part] = mail_post(
                ml, sender="Olivia Organizer <organizer@gsa.gov>", subject=f"{word} update",
                message_id=word, body=f"{word} notes for the list.", approve_as=organizer)
    return found


def client_for(people, who) -> Client:
    client = Client()
    if people[who] is not None:
        client.force_login(people[who])
    return client


@pytest.mark.parametrize("who", PEOPLE)
def test_every_list_page_and_archive_follows_the_archive_level(people, posts, who):
    client = client_for(people, who)
    index = client.get(reverse("lists:index")).content.decode()
    for local_part, post in posts.items():
        # Every list here may be described to everyone (the group is public), so people
        # learn how to join; its archive is another matter.
        assert f"{local_part}@lists.localhost" in index, (who, local_part)
        assert client.get(reverse("lists:detail", args=[local_part])).status_code == 200
        archive = client.get(reverse("lists:archive", args=[local_part]))
        permalink = client.get(reverse("lists:archive_post", args=[local_part, post.pk]))
        search = client.get(reverse("lists:archive", args=[local_part]), {"q": "notes"})
        expected = 200 if local_part in READS[who] else 404
        assert (archive.status_code, permalink.status_code, search.status_code) == (
            expected, expected, expected), (who, local_part)
        if expected == 200:
            assert post.subject in archive.content.decode()


@pytest.mark.parametrize("who", PEOPLE)
def test_search_never_shows_a_post_the_archive_hides(people, posts, who):
    viewer = viewer_for(people[who])
    results = search_run(viewer=viewer, query="notes", types=["listpost"])
    found = {hit.url for hit in results.hits}
    expected = {reverse("lists:archive_post", args=[lp, posts[lp].pk]) for lp in READS[who]}
    assert found == expected, who
    # The site's search page, which echoes the query: the highlighted subject is the hit.
    page = client_for(people, who).get(reverse("search:search"),
                                       {"q": "Zephyrgov"}).content.decode()
    assert ("<mark>Zephyrgov</mark> update" in page) == ("ai" in READS[who]), who


@pytest.mark.parametrize("who", PEOPLE)
def test_owner_pages_are_for_organizers_only(people, posts, who):
    client = client_for(people, who)
    for name in OWNER_PAGES:
        for local_part in posts:
            status = client.get(reverse(f"lists:{name}", args=[local_part])).status_code
            expected = {"anonymous": 302, "organizer": 200}.get(who, 403)
            assert status == expected, (who, name, local_part)


@pytest.mark.parametrize("who", ("anonymous", "public"))
def test_sender_addresses_are_hidden_from_anonymous_and_public_readers(people, posts, who):
    client = client_for(people, who)
    post = posts["aipublic"]
    for page in (client.get(reverse("lists:archive", args=["aipublic"])),
                 client.get(reverse("lists:archive_post", args=["aipublic", post.pk]))):
        text = page.content.decode()
        assert "Olivia Organizer" in text and "organizer@gsa.gov" not in text


def test_government_readers_see_sender_addresses(people, posts):
    page = client_for(people, "government").get(
        reverse("lists:archive_post", args=["ai", posts["ai"].pk])).content.decode()
    assert "organizer@gsa.gov" in page


def test_public_participant_cannot_subscribe_to_the_government_list(people, posts):
    client = client_for(people, "public")
    response = client.post(reverse("lists:subscribe", args=["ai"]),
                           {"email": "pat@example.com", "delivery": "each"})
    assert response.status_code == 400
    assert not Subscription.objects.filter(subscriber__email="pat@example.com").exists()


def test_group_list_of_a_hidden_group_is_404_to_outsiders(people, make_list, make_group):
    secret = make_group("secret", access_level="government", name="Secret group")
    make_list("secretlist", audience=MailingList.Audience.GROUP, group=secret,
              archive_access_level=AccessLevel.GROUP)
    for who in ("anonymous", "public"):
        client = client_for(people, who)
        assert client.get(reverse("lists:detail", args=["secretlist"])).status_code == 404
        assert "secretlist@" not in client.get(reverse("lists:index")).content.decode()


@pytest.mark.parametrize("who", PEOPLE)
def test_one_click_works_for_anyone_holding_the_link(people, gov_list, make_subscription,
                                                     who):
    subscription = make_subscription(gov_list, "jane@va.gov")
    path = unsubscribe_url(subscription=subscription).split("://", 1)[1]
    path = path[path.index("/"):]
    response = client_for(people, who).post(path, {"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200
    subscription.refresh_from_db()
    assert subscription.state == Subscription.State.UNSUBSCRIBED


def test_no_subscribe_form_that_can_only_fail(client, gov_list, public_user, gov_member):
    """A public participant on the government list's page is told why and what to do, and
    is offered no form; a government member gets the form; a visitor too (the confirmation
    mail decides)."""
    subscribe = reverse("lists:subscribe", args=["ai"])
    client.force_login(public_user)
    page = client.get(reverse("lists:detail", args=["ai"])).content.decode()
    assert subscribe not in page
    assert "Add and verify your government e-mail address" in page
    client.force_login(gov_member)
    assert subscribe in client.get(reverse("lists:detail", args=["ai"])).content.decode()
    client.logout()
    assert subscribe in client.get(reverse("lists:detail", args=["ai"])).content.decode()
