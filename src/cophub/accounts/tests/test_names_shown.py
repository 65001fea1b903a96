"""People are shown to others by their name, never by a part of their e-mail address: pages
and mail say "A member" (as the forum does) for someone who has given no name yet, and mail
to them says a plain "Hello,"."""

import pytest
from django.core import mail

from cophub.events.services import registration_create
from cophub.events.tests.factories import EventFactory
from cophub.lists.models import MailingList, Post
from cophub.lists.services.delivery import post_from

pytestmark = pytest.mark.django_db


def test_display_name_is_the_name_or_a_member(make_user):
    assert make_user("ada.lovelace@nasa.gov", name="Ada Lovelace").display_name == "Ada Lovelace"
    assert make_user("ada.l@nasa.gov").display_name == "A member"


def test_mail_to_a_person_without_a_name_greets_them_without_their_address(
        make_user, community, django_capture_on_commit_callbacks):
    person = make_user("jdoe.hidden@va.gov")
    event = EventFactory(community=community, join_url="https://zoom.example/j/1")
    with django_capture_on_commit_callbacks(execute=True):
        registration_create(event=event, user=person)
    [message] = [m for m in mail.outbox if m.to == [person.email]]
    assert message.body.startswith("Hello,\n")
    named = make_user("ada@va.gov", name="Ada Lovelace")
    with django_capture_on_commit_callbacks(execute=True):
        registration_create(event=event, user=named)
    [message] = [m for m in mail.outbox if m.to == [named.email]]
    assert message.body.startswith("Hello Ada Lovelace,\n")


@pytest.mark.parametrize("sender_name,author,shown", [
    ("Jane Doe", None, "Jane Doe via AI CoP"),
    ("", None, "A subscriber via AI CoP"),
    ("", "member", "A member via AI CoP"),
])
def test_list_mail_from_shows_the_name_never_the_address(make_user, community, sender_name,
                                                         author, shown):
    ml = MailingList(community=community, local_part="ai", name="AI CoP",
                     kind=MailingList.Kind.DISCUSSION)
    author = make_user("jdoe.hidden@va.gov") if author else None
    post = Post(mailing_list=ml, sender_name=sender_name, sender_email="jdoe.hidden@va.gov",
                author=author)
    assert post_from(post=post).startswith(f'"{shown}" <') or post_from(
        post=post).startswith(f"{shown} <")
    assert "jdoe" not in post_from(post=post)
