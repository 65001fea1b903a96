
import pytest

from cophub.events.tests.factories import EventFactory


@pytest.fixture
def make_event(community):
    def make(**fields):
        return EventFactory(**{"community": community,
                               "join_url": "https://zoom.example/j/1", **fields})

    return make
