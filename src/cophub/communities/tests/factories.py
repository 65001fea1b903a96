"""factory_boy factories for plain rows of this app (no rules, no side effects). Roles,
leads and memberships come from the services (`community_role_ensure`,
`group_lead_appoint`, `group_join`), never from factories."""

import factory

from cophub.communities.models import Community, Group


class CommunityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Community
        django_get_or_create = ("slug",)

    slug = factory.Sequence(lambda n: f"community-{n}")
    name = factory.LazyAttribute(lambda o: o.slug.replace("-", " ").title())


class GroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Group

    community = factory.SubFactory(CommunityFactory)
    slug = factory.Sequence(lambda n: f"group-{n}")
    name = factory.LazyAttribute(lambda o: o.slug.title())
    kind = Group.Kind.PRACTICE_AREA
    join_policy = Group.JoinPolicy.OPEN
    access_level = "public"
