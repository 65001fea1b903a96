"""Lists fixtures: the AI CoP's two lists as the demo has them, and subscriptions."""

import pytest

from cophub.core.access import AccessLevel
from cophub.lists.inbound import authentication
from cophub.lists.models import MailingList, NewsletterIssue, Subscriber, Subscription
from cophub.lists.newsletter.services import newsletter_issue_save


@pytest.fixture
def make_list(community):
    def make(local_part: str = "ai", *, audience=MailingList.Audience.GOVERNMENT,
             kind=MailingList.Kind.DISCUSSION, moderation=MailingList.Moderation.NONE,
             archive_access_level=AccessLevel.GOVERNMENT, group=None, name: str = "",
             **extra) -> MailingList:
        return MailingList.objects.create(
            community=community, group=group, local_part=local_part,
            name=name or f"{local_part.upper()} list", subject_prefix=f"[{local_part.upper()}]",
            audience=audience, kind=kind, moderation=moderation,
            archive_access_level=archive_access_level, **extra,
        )

    return make


@pytest.fixture
def gov_list(make_list):
    """ai@: government members only, discussion, archive for government members."""
    return make_list("ai", name="AI CoP")


@pytest.fixture
def public_list(make_list):
    """aipublic@: anyone, announcements only, public archive."""
    return make_list("aipublic", name="AI CoP Public", audience=MailingList.Audience.ANYONE,
                     kind=MailingList.Kind.ANNOUNCE, archive_access_level=AccessLevel.PUBLIC)


@pytest.fixture
def make_subscription(db):
    def make(mailing_list, email: str, *, user=None, name: str = "",
             delivery=Subscription.Delivery.EACH, state=Subscription.State.ACTIVE):
        subscriber, _ = Subscriber.objects.get_or_create(
            email=email.lower(), defaults={"user": user, "name": name})
        return Subscription.objects.create(mailing_list=mailing_list, subscriber=subscriber,
                                           delivery=delivery, state=state,
                                           via=Subscription.Via.WEB)

    return make


@pytest.fixture
def group(make_group):
    """A practice area with a list of its own (`group_list`) and a lead (`lead`)."""
    return make_group("ai-security", name="AI Security")


@pytest.fixture
def lead(make_user, make_lead, group):
    user = make_user("lena@nasa.gov", mfa=True, name="Lena Lead")
    make_lead(group, user)
    return user


@pytest.fixture
def group_list(make_list, group):
    return make_list("aisec", audience=MailingList.Audience.GROUP, group=group,
                     archive_access_level=AccessLevel.GROUP, name="AI Security list")


@pytest.fixture
def make_issue(community, organizer):
    def make(lists, *, title="March issue", body="Hello, community.",
             access_level=AccessLevel.PUBLIC) -> NewsletterIssue:
        return newsletter_issue_save(community=community, actor=organizer, data={
            "title": title, "body_markdown": body, "lists": lists,
            "access_level": access_level})

    return make


@pytest.fixture(autouse=True)
def no_dns(monkeypatch):
    """No test looks anything up on the network: DKIM keys come from an injected lookup
    (test_sender_authentication), and the default one fails as a host without DNS does."""
    def unavailable(name, timeout=5):
        raise OSError(f"no DNS in tests (looked up {name!r})")

    monkeypatch.setattr(authentication, "DNS_LOOKUP", unavailable)
