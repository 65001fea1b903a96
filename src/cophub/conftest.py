"""Fixtures shared by every app's tests. State is built through services where it matters
(tiers come from `user_tier_refresh`, memberships from `group_join`)."""

import io

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP
from django.core.management import call_command

from cophub.accounts.models import User
from cophub.accounts.services import user_tier_refresh
from cophub.communities.models import CommunityRole, Group
from cophub.communities.services import community_role_ensure, group_lead_appoint
from cophub.communities.tests.factories import CommunityFactory, GroupFactory

TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache (rate limits, cached listings)."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def make_user(db):
    counter = iter(range(1, 10_000))

    def make(email: str | None = None, *, verified: bool = True, staff: bool = False,
             mfa: bool = False, name: str = "", password: str = "a long test passphrase"):
        email = email or f"person{next(counter)}@example.com"
        user = User.objects.create_user(email=email, password=password, is_staff=staff,
                                        name=name)
        EmailAddress.objects.create(user=user, email=email, verified=verified, primary=True)
        user_tier_refresh(user=user)
        if mfa:
            TOTP.activate(user, TOTP_SECRET)
        user.refresh_from_db()
        return user

    return make


@pytest.fixture
def community(db):
    return CommunityFactory(slug="ai-cop", name="AI Community of Practice",
                            short_name="AI CoP")


@pytest.fixture
def make_group(community):
    def make(slug: str = "generative-ai", *, kind=Group.Kind.PRACTICE_AREA,
             join_policy=Group.JoinPolicy.OPEN, access_level="public", name: str = ""):
        return GroupFactory(community=community, slug=slug, name=name or slug.title(),
                            kind=kind, join_policy=join_policy, access_level=access_level)

    return make


@pytest.fixture
def organizer(make_user, community):
    user = make_user("organizer@gsa.gov", mfa=True, name="Olivia Organizer")
    community_role_ensure(community=community, user=user, role=CommunityRole.Role.ORGANIZER)
    return user


@pytest.fixture
def gov_member(make_user):
    return make_user("member@va.gov", name="Mia Member")


@pytest.fixture
def public_user(make_user):
    return make_user("pat@example.com", name="Pat Public")


@pytest.fixture
def make_lead():
    def make(group, user):
        return group_lead_appoint(group=group, user=user)

    return make


@pytest.fixture
def run_demo(settings, tmp_path):
    """`cophub demo` for `members` people with the built-in agencies and no inventory file
    (tests never read ../shared); returns what it printed."""
    def run(members: int) -> str:
        settings.COPHUB_DOTGOV_CSV = str(tmp_path / "missing.csv")
        settings.COPHUB_USECASES_CSV = str(tmp_path / "missing-usecases.csv")
        out = io.StringIO()
        call_command("demo", members=members, stdout=out)
        return out.getvalue()

    return run
