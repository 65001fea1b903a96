"""factory_boy factories for plain event rows (no rules, no side effects). Registrations,
attendance and materials come from the services, which hold the rules."""

from datetime import timedelta

import factory
from django.utils import timezone

from cophub.communities.tests.factories import CommunityFactory
from cophub.events.models import Event


class EventFactory(factory.django.DjangoModelFactory):
    """A published webinar a week from now, an hour long."""

    class Meta:
        model = Event

    community = factory.SubFactory(CommunityFactory)
    kind = Event.Kind.WEBINAR
    title = "LLMs in HR"
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=1))
    status = Event.Status.PUBLISHED
