from datetime import timedelta

import pytest
from django.utils import timezone

from cophub.events.models import Event


@pytest.fixture
def make_event(community):
    def make(**fields):
        start = timezone.now() + timedelta(days=7)
        defaults = {"community": community, "kind": Event.Kind.WEBINAR, "title": "LLMs in HR",
                    "starts_at": start, "ends_at": start + timedelta(hours=1),
                    "status": Event.Status.PUBLISHED, "join_url": "https://zoom.example/j/1"}
        defaults.update(fields)
        return Event.objects.create(**defaults)

    return make
