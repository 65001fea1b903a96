"""The demo shows government status that follows people: one member whose work address
bounced for good, counted on the organizers' page, who sees why when signing in."""


import pytest
from django.urls import reverse

from cophub.accounts.demo import DEMO_PASSWORD, LAPSED, NAMED
from cophub.accounts.models import QualifyingAddressLapse, Tier, User
from cophub.communities.models import Community, CommunityRole
from cophub.core.models import OutgoingMail

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(run_demo):
    return run_demo(60)


def test_demo_has_a_member_whose_work_address_lapsed(client, demo):
    personal, _name, work, _diagnostic = LAPSED
    person = User.objects.get(email=personal)
    assert person.tier == Tier.PUBLIC
    lapse = QualifyingAddressLapse.objects.get(email_address__email=work)
    assert lapse.reason == QualifyingAddressLapse.Reason.HARD_BOUNCE
    ai = Community.objects.get(slug="ai-cop")
    assert CommunityRole.objects.filter(community=ai, user=person).exists()
    assert OutgoingMail.objects.filter(to=personal, subject__icontains="government").exists()
    assert User.objects.count() == 60
    # The four demo logins are unchanged, and the lapsed member is listed apart.
    for email, *_ in NAMED:
        assert email in demo
    assert personal in demo

    client.force_login(User.objects.get(email=NAMED[0][0]))
    page = client.get(reverse("communities:organize", kwargs={"community": "ai-cop"}))
    status = page.content.decode().split('id="government-status-heading"', 1)[1]
    assert "Mail to the address bounced permanently</th><td>1<" in status
    assert work not in page.content.decode() and personal not in page.content.decode()

    client.post(reverse("account_logout"))
    response = client.post(reverse("account_login"),
                           {"login": personal, "password": DEMO_PASSWORD}, follow=True)
    assert f"{work} no longer counts" in response.content.decode()
    page = client.get(reverse("account_email")).content.decode()
    assert "Send me a confirmation link" in page
