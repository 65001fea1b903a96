"""What the library gives search: one document per current resource, plain text, with the
resource's own access fields and facets."""

from datetime import date

import pytest

from cophub.library import services
from cophub.library.models import Resource
from cophub.library.searchable import resource_document
from cophub.search.registry import search_types

pytestmark = pytest.mark.django_db


def test_resources_are_registered_with_search():
    search_type = search_types()["resource"]
    assert search_type.model is Resource and search_type.label == "Resources"
    assert list(search_type.facets) == ["kind", "practice_area", "community"]


def test_the_document_is_plain_text_with_the_access_fields_and_facets(make_resource,
                                                                      make_group):
    area = make_group("generative-ai", name="Generative AI")
    group = make_group("tools", kind="working_group", name="Tools and Resources")
    resource = make_resource(
        title="Prompt library", kind="tool", access_level="group", group=group,
        summary="Prompts for **public servants**: [see the guide](https://example.gov).",
        authors="Sara Lindqvist, 18F", practice_areas=[area], published_on=date(2023, 3, 9))
    document = resource_document(Resource.objects.get(pk=resource.pk))
    assert document.title == "Prompt library"
    assert document.body.splitlines() == [
        "Prompts for public servants: see the guide.", "Sara Lindqvist, 18F", "Tool",
        "Generative AI"]
    assert (document.access_level, document.community_id, document.group_id) == (
        "group", resource.community_id, group.pk)
    assert document.url == resource.get_absolute_url()
    assert document.facets == {"kind": ["Tool"], "practice_area": ["Generative AI"],
                               "community": ["AI Community of Practice"]}
    assert document.date == date(2023, 3, 9)


def test_a_practice_area_more_closed_than_the_resource_is_not_named(make_resource,
                                                                     make_group):
    secret = make_group("secret", access_level="government", name="Secret area")
    open_area = make_group("nlp", name="NLP")
    public = make_resource(access_level="public", practice_areas=[secret, open_area])
    document = resource_document(public)
    assert document.facets["practice_area"] == ["NLP"] and "Secret" not in document.body
    government = make_resource(access_level="government", practice_areas=[secret])
    assert resource_document(government).facets["practice_area"] == ["Secret area"]


def test_withdrawn_resources_leave_search(make_resource, organizer):
    resource = make_resource()
    withdrawn = services.resource_withdraw(resource=resource, actor=organizer)
    assert resource_document(withdrawn) is None
    reinstated = services.resource_reinstate(resource=withdrawn, actor=organizer)
    assert resource_document(reinstated) is not None
