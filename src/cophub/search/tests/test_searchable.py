"""Events and groups as search documents: what their pages show, to whom."""

from datetime import UTC, datetime

import pytest

from cophub.communities.searchable import group_document
from cophub.events.models import Event
from cophub.events.searchable import event_document
from cophub.search.registry import search_types

pytestmark = pytest.mark.django_db


def test_events_and_groups_are_registered():
    types = search_types()
    assert types["event"].model is Event and types["event"].label == "Events"
    assert list(types["event"].facets) == ["kind", "status", "community", "group"]
    assert list(types["group"].facets) == ["kind", "community"]


def test_an_event_document(make_event, make_group_with):
    host = make_group_with("genai", name="Generative AI")
    start = datetime(2030, 7, 10, 2, 30, tzinfo=UTC)  # July 9 in Chicago
    event = make_event("Evaluating LLMs", kind=Event.Kind.TRAINING, group=host,
                       description="We compare **benchmarks**.", speakers="Ada Lovelace",
                       location="GSA HQ", starts_at=start, ends_at=start.replace(hour=4),
                       time_zone="America/Chicago", access_level="signed_in")
    doc = event_document(event)
    assert doc.title == "Evaluating LLMs" and doc.url == event.get_absolute_url()
    assert "benchmarks" in doc.body and "**" not in doc.body
    assert "Ada Lovelace" in doc.body and "GSA HQ" in doc.body
    assert "Training session" in doc.body and "Generative AI" in doc.body
    assert doc.access_level == "signed_in" and doc.group_id == host.pk
    assert doc.community_id == event.community_id
    assert doc.facets == {"kind": ["Training session"], "status": ["Published"],
                          "community": ["AI Community of Practice"],
                          "group": ["Generative AI"]}
    assert str(doc.date) == "2030-07-09"


def test_drafts_are_for_organizers_and_cancelled_events_stay(make_event):
    draft = event_document(make_event("Draft", status=Event.Status.DRAFT))
    assert draft.access_level == "organizers" and draft.facets["status"] == ["Draft"]
    cancelled = event_document(make_event("Gone", status=Event.Status.CANCELLED,
                                          access_level="government"))
    assert cancelled.access_level == "government"
    assert cancelled.facets["status"] == ["Canceled"]


@pytest.mark.parametrize("event_level, group_level, shown", [
    ("public", "public", True),
    ("public", "government", False),
    ("signed_in", "signed_in", True),
    ("government", "signed_in", True),
    ("group", "signed_in", True),
    ("group", "government", False),
])
def test_the_host_group_is_named_only_where_every_reader_may_see_it(
        make_event, make_group_with, event_level, group_level, shown):
    host = make_group_with("host", name="Zanzibar Circle", access_level=group_level)
    doc = event_document(make_event("Talk", access_level=event_level, group=host))
    assert ("Zanzibar Circle" in doc.body) == shown
    assert ("group" in doc.facets) == shown


def test_a_draft_names_its_host_group(make_event, make_group_with):
    host = make_group_with("host", name="Zanzibar Circle", access_level="government")
    doc = event_document(make_event("Talk", group=host, status=Event.Status.DRAFT))
    assert doc.facets["group"] == ["Zanzibar Circle"]


def test_a_group_document(make_group_with):
    group = make_group_with("sec", name="AI Security", summary="Attacks and defenses",
                            charter="## Charter\n\nWe study *adversarial* attacks.",
                            access_level="government")
    doc = group_document(group)
    assert doc.title == "AI Security" and doc.url == group.get_absolute_url()
    assert "adversarial" in doc.body and "*" not in doc.body and "Working group" in doc.body
    assert doc.access_level == "government" and doc.group_id == group.pk
    assert doc.facets == {"kind": ["Working group"], "community": ["AI Community of Practice"]}
