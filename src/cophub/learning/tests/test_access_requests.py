"""The "Request for AI Training Links" flow: anyone asks, an organizer decides, approval
grants the address access to the series' recordings, and both decisions are e-mailed."""

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from cophub.events.models import Material
from cophub.learning.models import AccessRequest, RecordingAccessGrant
from cophub.learning.services import (
    AccessRequestError,
    access_grant_revoke,
    access_request_approve,
    access_request_decline,
    access_request_submit,
)

pytestmark = pytest.mark.django_db

FORM = {"name": "Jordan Ellis", "email": "Jordan.Ellis@Example.com",
        "agency": "Department of Veterans Affairs",
        "reason": "My agency mail blocks meeting links, so I use a personal address."}


def form_url(community):
    return reverse("learning:access_request", kwargs={"community": community.slug})


def queue_url(community):
    return reverse("learning:access_requests", kwargs={"community": community.slug})


def submit(series, **overrides):
    data = {k: v for k, v in FORM.items()}
    data.update(overrides)
    return access_request_submit(series=series, **data)


def test_anyone_can_ask_and_organizers_are_told(client, community, series, organizer,
                                                django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(form_url(community), {**FORM, "series": series.pk}, follow=True)
    assert "The organizers will review your request" in response.content.decode()
    request = AccessRequest.objects.get()
    assert request.email == "jordan.ellis@example.com" and request.status == "requested"
    assert request.user is None
    assert [m.to for m in mail.outbox] == [["organizer@gsa.gov"]]
    assert queue_url(community) in mail.outbox[0].body
    assert "Jordan Ellis" in mail.outbox[0].subject


def test_the_form_explains_what_is_missing_and_saves_nothing(client, community, series):
    response = client.post(form_url(community), {"series": series.pk, "name": "",
                                                 "email": "not-an-address", "agency": "",
                                                 "reason": "pls"})
    page = response.content.decode()
    assert response.status_code == 200 and "Please correct the following" in page
    assert "Enter a valid email address" in page and "a sentence is enough" in page
    assert not AccessRequest.objects.exists()


def test_the_form_refuses_a_series_of_another_community(client, community, series):
    from cophub.communities.models import Community
    from cophub.learning.models import Series

    other = Community.objects.create(slug="data-cop", name="Data CoP")
    foreign = Series.objects.create(community=other, slug="x", title="Other", year=2024)
    response = client.post(form_url(community), {**FORM, "series": foreign.pk})
    assert response.status_code == 200 and not AccessRequest.objects.exists()


def test_one_network_may_send_only_a_few_requests_an_hour(client, community, series):
    for i in range(5):
        response = client.post(form_url(community), {**FORM, "series": series.pk,
                                                     "email": f"p{i}@example.com"})
        assert response.status_code == 302
    response = client.post(form_url(community), {**FORM, "series": series.pk,
                                                 "email": "p9@example.com"})
    assert response.status_code == 429 and "try again later" in response.content.decode()
    assert AccessRequest.objects.count() == 5


def test_asking_twice_while_waiting_keeps_one_request(series, organizer,
                                                      django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = submit(series)
        again = submit(series, email="jordan.ellis@example.com")
    assert first.pk == again.pk and len(mail.outbox) == 1


def test_approval_grants_the_address_and_emails_them(series, organizer,
                                                     django_capture_on_commit_callbacks):
    request = submit(series)
    with django_capture_on_commit_callbacks(execute=True):
        grant = access_request_approve(access_request=request, actor=organizer)
    request.refresh_from_db()
    assert request.status == "approved" and request.decided_by == organizer
    assert grant.email == "jordan.ellis@example.com" and grant.series == series
    message = mail.outbox[-1]
    assert message.to == ["jordan.ellis@example.com"]
    assert "approved" in message.body and series.get_absolute_url() in message.body
    assert "/accounts/signup/" in message.body


def test_decline_emails_them_and_grants_nothing(series, organizer,
                                                django_capture_on_commit_callbacks):
    request = submit(series)
    with django_capture_on_commit_callbacks(execute=True):
        access_request_decline(access_request=request, actor=organizer)
    assert AccessRequest.objects.get().status == "declined"
    assert not RecordingAccessGrant.objects.exists()
    assert mail.outbox[-1].to == ["jordan.ellis@example.com"]
    assert "could not approve" in mail.outbox[-1].body


def test_a_request_is_decided_once(series, organizer):
    request = submit(series)
    access_request_decline(access_request=request, actor=organizer)
    with pytest.raises(AccessRequestError, match="already declined"):
        access_request_approve(access_request=request, actor=organizer)
    assert not RecordingAccessGrant.objects.exists()


def test_only_organizers_decide(client, series, gov_member, organizer, community):
    from django.core.exceptions import PermissionDenied

    request = submit(series)
    with pytest.raises(PermissionDenied):
        access_request_approve(access_request=request, actor=gov_member)
    decide = reverse("learning:access_request_decide", kwargs={"community": community.slug,
                                                               "pk": request.pk})
    client.force_login(gov_member)
    assert client.post(decide, {"decision": "approve"}).status_code == 403
    assert AccessRequest.objects.get().status == "requested"


def test_organizer_queue_approves_from_the_page(client, series, organizer, community,
                                                django_capture_on_commit_callbacks):
    request = submit(series)
    client.force_login(organizer)
    page = client.get(queue_url(community)).content.decode()
    assert "Jordan Ellis" in page and "My agency mail blocks" in page
    decide = reverse("learning:access_request_decide", kwargs={"community": community.slug,
                                                               "pk": request.pk})
    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(decide, {"decision": "approve"}, follow=True).content.decode()
    assert "Approved: jordan.ellis@example.com" in page
    assert RecordingAccessGrant.objects.filter(email="jordan.ellis@example.com").exists()
    assert mail.outbox[-1].to == ["jordan.ellis@example.com"]


@pytest.fixture
def recorded(make_session):
    session = make_session(past=True, title="Fine-tuning language models")
    Material.objects.create(event=session.event, kind=Material.Kind.RECORDING,
                            title="Recording of the fine-tuning session",
                            url="https://video.example.gov/1")
    return session


def series_page(client, series):
    return client.get(series.get_absolute_url()).content.decode()


def test_grantee_sees_the_recordings_once_signed_in_with_the_verified_address(
        client, series, organizer, recorded, make_user):
    grantee = make_user("jordan.ellis@example.com", name="Jordan Ellis")
    client.force_login(grantee)
    assert "Recording of the fine-tuning session" not in series_page(client, series)
    access_request_approve(access_request=submit(series), actor=organizer)
    assert "Recording of the fine-tuning session" in series_page(client, series)
    access_grant_revoke(grant=RecordingAccessGrant.objects.get(), actor=organizer)
    assert "Recording of the fine-tuning session" not in series_page(client, series)


def test_grant_does_nothing_for_an_unverified_address(client, series, organizer, recorded,
                                                      make_user):
    grantee = make_user("jordan.ellis@example.com", verified=False)
    access_request_approve(access_request=submit(series), actor=organizer)
    client.force_login(grantee)
    assert "Recording of the fine-tuning session" not in series_page(client, series)
    EmailAddress.objects.filter(user=grantee).update(verified=True)
    assert "Recording of the fine-tuning session" in series_page(client, series)


def test_grant_is_for_its_series_only(client, community, series, organizer, make_session,
                                      make_user):
    from cophub.learning.models import Series

    other = Series.objects.create(community=community, slug="2023-ai-training",
                                  title="2023 AI Training Series", year=2023)
    session = make_session(series=other, past=True)
    Material.objects.create(event=session.event, kind="recording", title="Recording 2023",
                            url="https://video.example.gov/2023")
    client.force_login(make_user("jordan.ellis@example.com"))
    access_request_approve(access_request=submit(series), actor=organizer)
    assert "Recording 2023" not in series_page(client, other)


def test_signed_in_requester_gets_the_form_filled_in(client, community, series, public_user):
    client.force_login(public_user)
    page = client.get(form_url(community) + f"?series={series.slug}").content.decode()
    assert 'value="pat@example.com"' in page and 'value="Pat Public"' in page
