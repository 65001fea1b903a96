from datetime import timedelta

import pytest
from django.utils import timezone

from cophub.communities.models import Group
from cophub.core.access import ANONYMOUS
from cophub.events.models import Event
from cophub.search.selectors import search_run
from cophub.search.services import search_index_rebuild


@pytest.fixture(autouse=True)
def _hashing_embeddings(settings):
    """Vectors from the deterministic hashing provider: no model in most tests."""
    settings.COPHUB_SEARCH_EMBEDDINGS = "hashing"


@pytest.fixture
def make_event(community):
    def make(title="LLMs in HR", **fields):
        start = timezone.now() + timedelta(days=7)
        defaults = {"community": community, "kind": Event.Kind.WEBINAR, "title": title,
                    "starts_at": start, "ends_at": start + timedelta(hours=1),
                    "status": Event.Status.PUBLISHED}
        defaults.update(fields)
        return Event.objects.create(**defaults)

    return make


@pytest.fixture
def make_group_with(community):
    def make(slug, *, name="", summary="", charter="", access_level="public",
             kind=Group.Kind.WORKING_GROUP):
        return Group.objects.create(community=community, slug=slug, name=name or slug.title(),
                                    summary=summary, charter=charter, kind=kind,
                                    access_level=access_level)

    return make


@pytest.fixture
def reindex():
    def run():
        return search_index_rebuild()

    return run


@pytest.fixture
def titles():
    """Titles of the results of a search, in order."""
    def run(query, viewer=ANONYMOUS, **kwargs):
        return [hit.title for hit in search_run(viewer=viewer, query=query, **kwargs).hits]

    return run
