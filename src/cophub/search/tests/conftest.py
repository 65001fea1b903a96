
import pytest

from cophub.communities.models import Group
from cophub.communities.tests.factories import GroupFactory
from cophub.core.access import ANONYMOUS
from cophub.events.tests.factories import EventFactory
from cophub.search.selectors import search_run
from cophub.search.services import search_index_rebuild


@pytest.fixture(autouse=True)
def _hashing_embeddings(settings):
    """Vectors from the deterministic hashing provider: no model in most tests."""
    settings.COPHUB_SEARCH_EMBEDDINGS = "hashing"


@pytest.fixture
def make_event(community):
    def make(title="LLMs in HR", **fields):
        return EventFactory(**{"community": community, "title": title, **fields})

    return make


@pytest.fixture
def make_group_with(community):
    def make(slug, *, name="", summary="", charter="", access_level="public",
             kind=Group.Kind.WORKING_GROUP):
        return GroupFactory(community=community, slug=slug, name=name or slug.title(),
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
