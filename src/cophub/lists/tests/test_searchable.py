"""What lists give search: one document per published post, subject and plain body, at the
list's archive level, with the "list" facet; held posts are not searchable, and changing a
list's archive level re-indexes its posts."""

import pytest
from django.urls import reverse

from cophub.communities.selectors import viewer_for
from cophub.core.access import ANONYMOUS, AccessLevel
from cophub.lists.models import MailingList, Post
from cophub.lists.searchable import post_document
from cophub.search.registry import search_types
from cophub.search.selectors import search_run

from .web_helpers import mail_post

pytestmark = pytest.mark.django_db


def test_list_posts_are_registered_with_search():
    search_type = search_types()["listpost"]
    assert search_type.model is Post and list(search_type.facets) == ["list"]
    assert search_type.browse_url == "lists:index"


def test_the_document_is_subject_and_body_at_the_archive_level(gov_list, make_subscription):
    make_subscription(gov_list, "member@va.gov")
    post = mail_post(gov_list, sender="Mia Member <member@va.gov>", subject="FOIA triage",
                     body="Notes from the pilot.")
    document = post_document(post)
    assert (document.title, document.body.strip()) == ("FOIA triage", "Notes from the pilot.")
    assert (document.access_level, document.community_id, document.group_id) == (
        AccessLevel.GOVERNMENT, gov_list.community_id, None)
    assert document.facets == {"list": ["ai"]}
    assert document.url == reverse("lists:archive_post", args=["ai", post.pk])
    assert "member@va.gov" not in f"{document.title} {document.body}"


def test_held_posts_are_not_searchable(gov_list, make_subscription):
    gov_list.moderation = MailingList.Moderation.ALL
    gov_list.save()
    make_subscription(gov_list, "member@va.gov")
    held = mail_post(gov_list, subject="Waiting")
    assert held.status == Post.Status.HELD and post_document(held) is None


def test_opening_the_archive_makes_posts_findable_by_the_public(
        gov_list, make_subscription, django_capture_on_commit_callbacks):
    make_subscription(gov_list, "member@va.gov")
    with django_capture_on_commit_callbacks(execute=True):
        mail_post(gov_list, subject="Quokka sightings", body="Many quokkas.")
    assert search_run(viewer=ANONYMOUS, query="quokka", types=["listpost"]).total == 0
    with django_capture_on_commit_callbacks(execute=True):
        gov_list.archive_access_level = AccessLevel.PUBLIC
        gov_list.save()
    assert search_run(viewer=ANONYMOUS, query="quokka", types=["listpost"]).total == 1


def test_an_unrelated_list_save_reindexes_nothing(gov_list, make_subscription,
                                                  django_capture_on_commit_callbacks):
    from cophub.lists.searchable import posts_to_reindex

    make_subscription(gov_list, "member@va.gov")
    with django_capture_on_commit_callbacks(execute=True):
        mail_post(gov_list, subject="Indexed")
    assert posts_to_reindex(gov_list) == []
    gov_list.archive_access_level = AccessLevel.SIGNED_IN
    assert len(posts_to_reindex(gov_list)) == 1


def test_the_list_facet_narrows_to_one_list(gov_list, make_list, make_subscription, gov_member,
                                            django_capture_on_commit_callbacks):
    other = make_list("aiethics", name="AI Ethics")
    make_subscription(gov_list, "member@va.gov")
    make_subscription(other, "member@va.gov")
    with django_capture_on_commit_callbacks(execute=True):
        mail_post(gov_list, subject="Wombat policy", message_id="w1")
        mail_post(other, subject="Wombat ethics", message_id="w2")
    viewer = viewer_for(gov_member)
    assert search_run(viewer=viewer, query="wombat", types=["listpost"]).total == 2
    narrowed = search_run(viewer=viewer, query="wombat", types=["listpost"],
                          facets={"list": ["aiethics"]})
    assert [hit.title for hit in narrowed.hits] == ["Wombat ethics"]
